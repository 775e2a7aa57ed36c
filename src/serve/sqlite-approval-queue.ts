import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { AuthorityDelta, RuleRef } from "../core/decision.js";
import type {
  ApprovalQueue,
  ApprovalStatus,
  DecideResult,
  Narrowing,
  PendingCall,
  Presented,
  QueuedApproval,
  RedeemResult,
  SubmitResult,
  Verdict,
} from "./approval-queue.js";
import type { ServeDatabase } from "./database.js";

interface Row {
  id: string;
  agent_token: string;
  call_id: string;
  tool: string;
  args: string;
  args_hash: string;
  session: string | null;
  mandate_id: string;
  agent: string | null;
  subject: string | null;
  task: string | null;
  request: string;
  status: Exclude<ApprovalStatus, "expired">;
  created_ms: number;
  deadline_ms: number;
  decided_ms: number | null;
  decided_by: string | null;
  reason: string | null;
  narrowing: string | null;
  grant_expires_ms: number | null;
  redeemed_ms: number | null;
}

interface StoredRequest {
  reason: string;
  rule: RuleRef | null;
  delta: AuthorityDelta;
  escalation: AuthorityDelta;
  waitMs: number;
}

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
    if (existing !== undefined) {
      const approval = toApproval(existing, now);
      // A retry of the same request while it waits gets the same entry; anything else reuses a call id.
      if (approval.status === "pending" && existing.tool === call.tool && existing.args_hash === argsHash)
        return { ok: true, approval, created: false };
      return {
        ok: false,
        reason:
          approval.status === "pending"
            ? "the call id is already waiting with another tool or other arguments"
            : `the call id was already ${approval.status}: an approval is for one call only`,
        existing: approval,
      };
    }
    const id = randomBytes(16).toString("base64url");
    const request: StoredRequest = {
      reason: call.reason,
      rule: call.rule,
      delta: call.delta,
      escalation: call.escalation,
      waitMs: call.waitMs,
    };
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
        JSON.stringify(request),
        now,
        now + call.waitMs,
      );
    this.#changed();
    return {
      ok: true,
      approval: toApproval(this.#row("SELECT * FROM approvals WHERE id = ?", id)!, now),
      created: true,
    };
  }

  async get(id: string, now: number): Promise<QueuedApproval | undefined> {
    const row = this.#row("SELECT * FROM approvals WHERE id = ?", id);
    return row && toApproval(row, now);
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
    ).map((row) => toApproval(row, now));
  }

  async recent(limit: number, now: number): Promise<QueuedApproval[]> {
    return this.#rows(
      `SELECT * FROM approvals WHERE status != 'pending' OR deadline_ms <= ?
       ORDER BY coalesce(decided_ms, deadline_ms) DESC, id LIMIT ?`,
      now,
      limit,
    ).map((row) => toApproval(row, now));
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
    if (result.changes === 0) {
      if (approval === undefined) return { ok: false, reason: "no such pending call" };
      return {
        ok: false,
        reason:
          approval.status === "expired"
            ? "the agent stopped waiting for this call"
            : `this call was already ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ""}`,
      };
    }
    this.#changed();
    return { ok: true, approval: approval! };
  }

  async redeem(id: string, agentToken: string, presented: Presented, now: number): Promise<RedeemResult> {
    const approval = await this.get(id, now);
    const refuse = (reason: string): RedeemResult => ({ ok: false, reason, approval });
    if (approval === undefined || approval.agentToken !== agentToken)
      return refuse("no such approval for this agent");
    if (approval.call.callId !== presented.callId || approval.call.tool !== presented.tool)
      return refuse("the approval was given for another call");
    if (approval.argsHash !== presented.argsHash) return refuse("the approval was given for other arguments");
    if (approval.redeemedMs !== null) return refuse("the approval was already used");
    if (approval.status !== "approved") return refuse(`the call was not approved (${approval.status})`);
    if (approval.grantExpiresMs === null || approval.grantExpiresMs <= now)
      return refuse("the approval has expired");
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

  #row(sql: string, ...params: (string | number)[]): Row | undefined {
    return this.#db.prepare(sql).get(...params) as Row | undefined;
  }

  #rows(sql: string, ...params: (string | number)[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }
}

function toApproval(row: Row, now: number): QueuedApproval {
  const request = JSON.parse(row.request) as StoredRequest;
  const status: ApprovalStatus = row.status === "pending" && row.deadline_ms <= now ? "expired" : row.status;
  return {
    id: row.id,
    agentToken: row.agent_token,
    call: {
      callId: row.call_id,
      tool: row.tool,
      args: JSON.parse(row.args) as Record<string, unknown>,
      session: row.session,
      mandate: { id: row.mandate_id, agent: row.agent, subject: row.subject, task: row.task },
      reason: request.reason,
      rule: request.rule,
      delta: request.delta,
      escalation: request.escalation,
      waitMs: request.waitMs,
    },
    argsHash: row.args_hash,
    status,
    createdMs: row.created_ms,
    deadlineMs: row.deadline_ms,
    decidedMs: row.decided_ms,
    decidedBy: row.decided_by,
    reason: row.reason,
    narrowing: row.narrowing === null ? null : (JSON.parse(row.narrowing) as Narrowing),
    grantExpiresMs: row.grant_expires_ms,
    redeemedMs: row.redeemed_ms,
  };
}
