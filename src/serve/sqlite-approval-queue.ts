import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
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
import type { ServeDatabase } from "./database.js";

/**
 * The approvals queue in the dashboard's SQLite file. Only the server process writes it (agents talk to the
 * server over HTTP), so waiting is an in-process event; every state change is one conditional UPDATE, so two
 * operators answering at once, or an answer replayed, cannot both succeed.
 */
export class SqliteApprovalQueue implements ApprovalQueue {
  readonly #db: ServeDatabase;
  readonly #events = new EventEmitter();

  constructor(db: ServeDatabase) {
    this.#db = db;
    this.#events.setMaxListeners(0);
  }

  async submit(agentToken: string, call: PendingCall, argsHash: string, now: number): Promise<SubmitResult> {
    const existing = this.#row(
      "SELECT * FROM approvals WHERE agent_token = ? AND call_id = ?",
      agentToken,
      call.callId,
    );
    // A retry of the same request while it waits gets the same entry; anything else reuses a call id.
    if (existing !== undefined) return resubmitted(approvalFromRow(existing, now), call, argsHash);
    const id = randomBytes(16).toString("base64url");
    this.#db
      .prepare(
        `INSERT INTO approvals (id, agent_token, call_id, tool, args, args_hash, session, mandate_id, agent, subject,
           task, request, status, created_ms, deadline_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
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
      );
    this.#changed();
    return {
      ok: true,
      approval: approvalFromRow(this.#row("SELECT * FROM approvals WHERE id = ?", id)!, now),
      created: true,
    };
  }

  async get(id: string, now: number): Promise<QueuedApproval | undefined> {
    const row = this.#row("SELECT * FROM approvals WHERE id = ?", id);
    return row && approvalFromRow(row, now);
  }

  async wait(id: string, waitMs: number, signal: AbortSignal): Promise<QueuedApproval | undefined> {
    const until = Date.now() + Math.max(0, waitMs);
    for (;;) {
      const approval = await this.get(id, Date.now());
      if (approval === undefined || approval.status !== "pending" || signal.aborted) return approval;
      // `get` reports a pending call past its deadline as expired, so waking at the deadline ends the wait too.
      const left = Math.min(until, approval.deadlineMs) - Date.now();
      if (Date.now() >= until) return approval;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          unsubscribe();
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, left));
        const unsubscribe = this.subscribe(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  async pending(now: number): Promise<QueuedApproval[]> {
    return this.#rows(
      "SELECT * FROM approvals WHERE status = 'pending' AND deadline_ms > ? ORDER BY created_ms, id",
      now,
    ).map((row) => approvalFromRow(row, now));
  }

  async recent(limit: number, now: number): Promise<QueuedApproval[]> {
    return this.#rows(
      `SELECT * FROM approvals WHERE status != 'pending' OR deadline_ms <= ?
       ORDER BY coalesce(decided_ms, deadline_ms) DESC, id LIMIT ?`,
      now,
      limit,
    ).map((row) => approvalFromRow(row, now));
  }

  async decide(id: string, verdict: Verdict, grantTtlMs: number, now: number): Promise<DecideResult> {
    const result = this.#db
      .prepare(
        `UPDATE approvals SET status = ?, decided_ms = ?, decided_by = ?, reason = ?, narrowing = ?,
           grant_expires_ms = ?
         WHERE id = ? AND status = 'pending' AND deadline_ms > ?`,
      )
      .run(
        verdict.approved ? "approved" : "denied",
        now,
        verdict.by,
        verdict.reason,
        verdict.narrowing === null ? null : JSON.stringify(verdict.narrowing),
        verdict.approved ? now + grantTtlMs : null,
        id,
        now,
      );
    const approval = await this.get(id, now);
    if (result.changes === 0) return { ok: false, reason: decideRefusal(approval) };
    this.#changed();
    return { ok: true, approval: approval! };
  }

  async redeem(id: string, agentToken: string, presented: Presented, now: number): Promise<RedeemResult> {
    const approval = await this.get(id, now);
    const refuse = (reason: string): RedeemResult => ({ ok: false, reason, approval });
    const refusal = redeemRefusal(approval, agentToken, presented, now);
    if (refusal !== null) return refuse(refusal);
    const result = this.#db
      .prepare(
        `UPDATE approvals SET redeemed_ms = ?
         WHERE id = ? AND status = 'approved' AND redeemed_ms IS NULL AND grant_expires_ms > ?`,
      )
      .run(now, id, now);
    if (result.changes === 0) return refuse("the approval was already used");
    this.#changed();
    return { ok: true, approval: (await this.get(id, now))! };
  }

  async cancel(id: string, agentToken: string, now: number): Promise<void> {
    const result = this.#db
      .prepare(
        "UPDATE approvals SET status = 'cancelled', decided_ms = ? WHERE id = ? AND agent_token = ? AND status = 'pending'",
      )
      .run(now, id, agentToken);
    if (result.changes > 0) this.#changed();
  }

  subscribe(listener: () => void): () => void {
    this.#events.on("change", listener);
    return () => this.#events.off("change", listener);
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }

  #changed(): void {
    this.#events.emit("change");
  }

  #row(sql: string, ...params: (string | number)[]): ApprovalRow | undefined {
    return this.#db.prepare(sql).get(...params) as ApprovalRow | undefined;
  }

  #rows(sql: string, ...params: (string | number)[]): ApprovalRow[] {
    return this.#db.prepare(sql).all(...params) as ApprovalRow[];
  }
}
