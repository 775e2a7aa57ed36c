import type { AuthorityDelta, RuleRef } from "../core/decision.js";
import type {
  ApprovalStatus,
  Narrowing,
  PendingCall,
  Presented,
  QueuedApproval,
  SubmitResult,
} from "./approval-queue.js";

/**
 * A queued approval as every `ApprovalQueue` store keeps it: one row, its JSON parts as text. Sharing the row's
 * reading and the refusals' wording keeps the SQLite and PostgreSQL queues answering alike.
 */
export interface ApprovalRow {
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

/** Why a person was asked: kept as one JSON column. */
interface StoredRequest {
  reason: string;
  rule: RuleRef | null;
  delta: AuthorityDelta;
  escalation: AuthorityDelta;
  waitMs: number;
}

export function storedRequest(call: PendingCall): string {
  const request: StoredRequest = {
    reason: call.reason,
    rule: call.rule,
    delta: call.delta,
    escalation: call.escalation,
    waitMs: call.waitMs,
  };
  return JSON.stringify(request);
}

/** A pending row past its deadline reads as `expired`: nobody can answer it any more. */
export function approvalFromRow(row: ApprovalRow, now: number): QueuedApproval {
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

/** A submission whose (agent, call id) is already queued: the same request again, or a reused call id. */
export function resubmitted(existing: QueuedApproval, call: PendingCall, argsHash: string): SubmitResult {
  if (existing.status === "pending" && existing.call.tool === call.tool && existing.argsHash === argsHash)
    return { ok: true, approval: existing, created: false };
  return {
    ok: false,
    reason:
      existing.status === "pending"
        ? "the call id is already waiting with another tool or other arguments"
        : `the call id was already ${existing.status}: an approval is for one call only`,
    existing,
  };
}

/** Why an answer was not taken, read after the conditional update changed nothing. */
export function decideRefusal(approval: QueuedApproval | undefined): string {
  if (approval === undefined) return "no such pending call";
  return approval.status === "expired"
    ? "the agent stopped waiting for this call"
    : `this call was already ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ""}`;
}

/** Why an approval cannot be used for the call presented, or `null` when it can (right now). */
export function redeemRefusal(
  approval: QueuedApproval | undefined,
  agentToken: string,
  presented: Presented,
  now: number,
): string | null {
  if (approval === undefined || approval.agentToken !== agentToken) return "no such approval for this agent";
  if (approval.call.callId !== presented.callId || approval.call.tool !== presented.tool)
    return "the approval was given for another call";
  if (approval.argsHash !== presented.argsHash) return "the approval was given for other arguments";
  if (approval.redeemedMs !== null) return "the approval was already used";
  if (approval.status !== "approved") return `the call was not approved (${approval.status})`;
  if (approval.grantExpiresMs === null || approval.grantExpiresMs <= now) return "the approval has expired";
  return null;
}
