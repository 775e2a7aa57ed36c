import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type pg from "pg";
import type { QueryResultRow } from "pg";
import {
  openPostgres,
  type PostgresHandle,
  type PostgresOptions,
  storeError,
} from "../stores/postgres/database.js";
import type {
  ApprovalQueue,
  DecideResult,
  PendingCall,
  Presented,
  QueuedApproval,
  RedeemResult,
  SubmitResult,
  Verdict,
} from "./approval-queue.js";
import {
  type ApprovalRow,
  approvalFromRow,
  decideRefusal,
  redeemRefusal,
  resubmitted,
  storedRequest,
} from "./approval-record.js";

export interface PostgresApprovalQueueOptions extends PostgresOptions {
  /**
   * While a call is waiting, re-read it at least this often (ms, default 2000): a notification lost with a dropped
   * connection then only delays the answer. Answers normally arrive by LISTEN/NOTIFY, at once.
   */
  readonly pollMs?: number;
}

// bigint columns arrive from the driver as text; float8 is exact for epoch milliseconds and arrives as a number.
const COLUMNS = `id, agent_token, call_id, tool, args, args_hash, session, mandate_id, agent, subject, task, request,
  status, created_ms::float8 AS created_ms, deadline_ms::float8 AS deadline_ms, decided_ms::float8 AS decided_ms,
  decided_by, reason, narrowing, grant_expires_ms::float8 AS grant_expires_ms, redeemed_ms::float8 AS redeemed_ms`;

const RETRY_MS = { first: 250, most: 5_000 };

/**
 * The approvals queue in PostgreSQL, so that several `mandate serve` replicas share it: an agent may wait on one
 * replica while an operator answers on another.
 *
 * Every state change is one conditional statement (INSERT … ON CONFLICT DO NOTHING, UPDATE … WHERE status = …
 * RETURNING), so two answers, two redemptions or a replay cannot both succeed, whichever replicas they reach. A
 * trigger announces each changed row on a channel of the schema; one connection per queue LISTENs and wakes the
 * waiters of that row. Waiters also re-read on a timer (`pollMs`), and everyone re-reads when the listening
 * connection comes back after a failure, so a notification lost on the way delays an answer and never loses it.
 */
export class PostgresApprovalQueue implements ApprovalQueue {
  readonly #db: PostgresHandle;
  readonly #channel: string;
  readonly #pollMs: number;
  readonly #events = new EventEmitter();
  #listener: pg.PoolClient | null = null;
  #unlisten: (() => void) | null = null;
  #retryMs = RETRY_MS.first;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(db: PostgresHandle, schemaName: string, pollMs: number) {
    this.#db = db;
    this.#channel = notifyChannel(schemaName);
    this.#pollMs = pollMs;
    this.#events.setMaxListeners(0);
  }

  /**
   * Connects to `url` (`postgres://…[?schema=name]`), migrating the schema unless told not to, and starts
   * listening; resolves once it listens.
   */
  static async open(
    url: string | null,
    opts: PostgresApprovalQueueOptions = {},
  ): Promise<PostgresApprovalQueue> {
    const pollMs = opts.pollMs ?? 2_000;
    if (!Number.isFinite(pollMs) || pollMs <= 0) throw new RangeError("`pollMs` must be a positive number");
    const db = await openPostgres(url, opts);
    const queue = new PostgresApprovalQueue(db, db.schema.slice(1, -1), pollMs);
    try {
      await queue.#listen();
    } catch (error) {
      await queue.close();
      throw storeError("postgres approval queue", error);
    }
    return queue;
  }

  /** Whether the notification connection is up (when it is not, waiters fall back to re-reading). */
  get listening(): boolean {
    return this.#listener !== null;
  }

  async submit(agentToken: string, call: PendingCall, argsHash: string, now: number): Promise<SubmitResult> {
    const s = this.#db.schema;
    const id = randomBytes(16).toString("base64url");
    // Two replicas receiving the same retry at once: the unique (agent, call id) lets exactly one insert.
    const inserted = await this.#rows(
      `INSERT INTO ${s}.approvals (id, agent_token, call_id, tool, args, args_hash, session, mandate_id, agent,
         subject, task, request, status, created_ms, deadline_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14)
       ON CONFLICT (agent_token, call_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        id,
        agentToken,
        call.callId,
        call.tool,
        JSON.stringify(call.args),
        argsHash,
        call.session,
        call.mandate.id,
        call.mandate.agent,
        call.mandate.subject,
        call.mandate.task,
        storedRequest(call),
        now,
        now + call.waitMs,
      ],
    );
    const row = inserted[0];
    if (row !== undefined) {
      this.#changed(row.id);
      return { ok: true, approval: approvalFromRow(row, now), created: true };
    }
    const [existing] = await this.#rows(
      `SELECT ${COLUMNS} FROM ${s}.approvals WHERE agent_token = $1 AND call_id = $2`,
      [agentToken, call.callId],
    );
    if (existing === undefined)
      throw new Error("postgres approval queue: the call was neither queued nor found");
    // A retry of the same request while it waits gets the same entry; anything else reuses a call id.
    return resubmitted(approvalFromRow(existing, now), call, argsHash);
  }

  async get(id: string, now: number): Promise<QueuedApproval | undefined> {
    const [row] = await this.#rows(`SELECT ${COLUMNS} FROM ${this.#db.schema}.approvals WHERE id = $1`, [id]);
    return row && approvalFromRow(row, now);
  }

  async wait(id: string, waitMs: number, signal: AbortSignal): Promise<QueuedApproval | undefined> {
    const until = Date.now() + Math.max(0, waitMs);
    for (;;) {
      const approval = await this.get(id, Date.now());
      if (approval === undefined || approval.status !== "pending" || signal.aborted) return approval;
      const now = Date.now();
      if (now >= until) return approval;
      // `get` reports a pending call past its deadline as expired, so waking at the deadline ends the wait too.
      const left = Math.min(until, approval.deadlineMs) - now;
      await this.#nextChange(id, Math.max(1, Math.min(left, this.#pollMs)), signal);
    }
  }

  async pending(now: number): Promise<QueuedApproval[]> {
    const rows = await this.#rows(
      `SELECT ${COLUMNS} FROM ${this.#db.schema}.approvals WHERE status = 'pending' AND deadline_ms > $1
       ORDER BY created_ms, id COLLATE "C"`,
      [now],
    );
    return rows.map((row) => approvalFromRow(row, now));
  }

  async recent(limit: number, now: number): Promise<QueuedApproval[]> {
    const rows = await this.#rows(
      `SELECT ${COLUMNS} FROM ${this.#db.schema}.approvals WHERE status != 'pending' OR deadline_ms <= $1
       ORDER BY coalesce(decided_ms, deadline_ms) DESC, id COLLATE "C" LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => approvalFromRow(row, now));
  }

  async decide(id: string, verdict: Verdict, grantTtlMs: number, now: number): Promise<DecideResult> {
    const [row] = await this.#rows(
      `UPDATE ${this.#db.schema}.approvals SET status = $1, decided_ms = $2, decided_by = $3, reason = $4,
         narrowing = $5, grant_expires_ms = $6
       WHERE id = $7 AND status = 'pending' AND deadline_ms > $2
       RETURNING ${COLUMNS}`,
      [
        verdict.approved ? "approved" : "denied",
        now,
        verdict.by,
        verdict.reason,
        verdict.narrowing === null ? null : JSON.stringify(verdict.narrowing),
        verdict.approved ? now + grantTtlMs : null,
        id,
      ],
    );
    if (row === undefined) return { ok: false, reason: decideRefusal(await this.get(id, now)) };
    this.#changed(id);
    return { ok: true, approval: approvalFromRow(row, now) };
  }

  async redeem(id: string, agentToken: string, presented: Presented, now: number): Promise<RedeemResult> {
    // Every condition of a valid use in one statement: of two redemptions racing on two replicas, one wins.
    const [row] = await this.#rows(
      `UPDATE ${this.#db.schema}.approvals SET redeemed_ms = $1
       WHERE id = $2 AND agent_token = $3 AND call_id = $4 AND tool = $5 AND args_hash = $6
         AND status = 'approved' AND redeemed_ms IS NULL AND grant_expires_ms > $1
       RETURNING ${COLUMNS}`,
      [now, id, agentToken, presented.callId, presented.tool, presented.argsHash],
    );
    if (row !== undefined) {
      this.#changed(id);
      return { ok: true, approval: approvalFromRow(row, now) };
    }
    const approval = await this.get(id, now);
    // No reason left to name means another redemption won the race between the update and this read.
    const reason = redeemRefusal(approval, agentToken, presented, now) ?? "the approval was already used";
    return { ok: false, reason, approval };
  }

  async cancel(id: string, agentToken: string, now: number): Promise<void> {
    const rows = await this.#rows(
      `UPDATE ${this.#db.schema}.approvals SET status = 'cancelled', decided_ms = $1
       WHERE id = $2 AND agent_token = $3 AND status = 'pending'
       RETURNING ${COLUMNS}`,
      [now, id, agentToken],
    );
    if (rows.length > 0) this.#changed(id);
  }

  /** Told of every change, made through any replica. */
  subscribe(listener: () => void): () => void {
    this.#events.on("change", listener);
    return () => this.#events.off("change", listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#listener = null;
    this.#unlisten?.();
    this.#unlisten = null;
    this.#events.emit("resync");
    this.#events.removeAllListeners();
    await this.#db.close();
  }

  /** Resolves at the next change to `id`, a resync, `timeoutMs`, or abort; whichever comes first. */
  #nextChange(id: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#events.off(`approval:${id}`, done);
        this.#events.off("resync", done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#events.on(`approval:${id}`, done);
      this.#events.on("resync", done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** A row changed: here (told at once, even while the listener is down) or on another replica (by NOTIFY). */
  #changed(id: string): void {
    this.#events.emit(`approval:${id}`);
    this.#events.emit("change");
  }

  /** Anything may have changed while nobody listened: every waiter and subscriber reads again. */
  #resync(): void {
    this.#events.emit("resync");
    this.#events.emit("change");
  }

  async #listen(): Promise<void> {
    const client = await this.#db.pool.connect();
    let released = false;
    // Destroyed, not returned to the pool: a connection still listening must not serve other queries.
    const release = (): void => {
      if (released) return;
      released = true;
      client.release(true);
    };
    if (this.#closed) return release();
    const drop = (): void => {
      if (released) return;
      release();
      if (this.#listener === client) {
        this.#listener = null;
        this.#unlisten = null;
      }
      this.#reconnectLater();
    };
    client.on("notification", (message) => {
      if (message.channel === this.#channel && message.payload !== undefined) this.#changed(message.payload);
    });
    client.on("error", drop);
    client.on("end", drop);
    try {
      await client.query(`LISTEN ${this.#channel}`);
    } catch (error) {
      release();
      throw error;
    }
    if (this.#closed) return release();
    this.#listener = client;
    this.#unlisten = release;
    this.#retryMs = RETRY_MS.first;
    this.#resync();
  }

  #reconnectLater(): void {
    if (this.#closed || this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#listen().catch(() => {
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MS.most);
        this.#reconnectLater();
      });
    }, this.#retryMs);
    // Waiting to reconnect must not keep a process alive that is otherwise done.
    this.#retryTimer.unref();
  }

  async #rows(sql: string, params: unknown[]): Promise<ApprovalRow[]> {
    if (this.#closed) throw new Error("the approval queue is closed");
    try {
      return (await this.#db.pool.query<ApprovalRow & QueryResultRow>(sql, params)).rows;
    } catch (error) {
      throw storeError("postgres approval queue", error);
    }
  }
}

/** The channel a schema's approvals are announced on: the same expression as the migration's trigger. */
export function notifyChannel(schemaName: string): string {
  return `mandate_approvals_${createHash("md5").update(schemaName).digest("hex").slice(0, 16)}`;
}
