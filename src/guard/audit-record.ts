import type { AuthorityDelta, RuleRef } from "../core/decision.js";

/**
 * What happened to the call: `pending` on the decision record written before an allowed call runs, then `ok` or
 * `error` on its outcome record; `not_run` for a call that was refused.
 */
export type Outcome = "pending" | "ok" | "error" | "not_run";

/**
 * A call that runs leaves two records, written ahead: its `decision` (before the tool runs: if that append fails,
 * the tool does not run) and its `outcome` (after). A refused call leaves one `decision` record.
 */
export type AuditEvent = "decision" | "outcome";

export interface ApprovalTrail {
  /** Which approver answered (`terminal`, `callback`, …), or `none` when no approver was configured. */
  readonly approver: string;
  readonly approved: boolean;
  readonly by?: string;
  readonly reason?: string;
}

/** One decision and its outcome, as written to the audit log. Arguments are already redacted. */
export interface AuditRecord {
  readonly event: AuditEvent;
  /** ISO 8601 time of the decision. */
  readonly time: string;
  readonly mandateId: string;
  readonly subject: string | null;
  readonly agent: string | null;
  readonly session: string | null;
  readonly callId: string;
  readonly tool: string;
  readonly args: unknown;
  /** The verdict of the decider (after approval: `ask` resolves to what the approver said). */
  readonly verdict: "allow" | "deny" | "ask";
  /** The verdict that took effect: `allow` runs the call, `deny` does not. */
  readonly effect: "allow" | "deny";
  readonly mode: "enforce" | "shadow";
  readonly delta: AuthorityDelta;
  /** On an `ask`: why no `allow` rule covered the call (Decision.escalation); absent otherwise. */
  readonly escalation?: AuthorityDelta;
  readonly rule: RuleRef | null;
  readonly reason: string;
  readonly approval: ApprovalTrail | null;
  readonly outcome: Outcome;
  /** The error message when the outcome is `error`, or when an internal failure denied the call. */
  readonly error: string | null;
  /** Total time for the guarded call (decide, budget, approval, tool), in milliseconds. */
  readonly latencyMs: number;
}

/** A record as stored: its place in the chain and its hash. */
export interface AuditEntry extends AuditRecord {
  readonly seq: number;
  readonly prevHash: string;
  /** SHA-256 (hex) over the RFC 8785 canonical JSON of the record with `seq` and `prevHash`. */
  readonly hash: string;
}
