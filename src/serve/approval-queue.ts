import type { AuthorityDelta, RuleRef } from "../core/decision.js";

/** What an agent submits: the call exactly as the Guard would run it, and why it needs a person. */
export interface PendingCall {
  readonly callId: string;
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly session: string | null;
  readonly mandate: {
    readonly id: string;
    readonly subject: string | null;
    readonly agent: string | null;
    readonly task: string | null;
  };
  readonly reason: string;
  readonly rule: RuleRef | null;
  readonly delta: AuthorityDelta;
  readonly escalation: AuthorityDelta;
  /** How long the agent waits, in ms: past it the call can no longer be approved. */
  readonly waitMs: number;
}

/** A narrower bound an approver attached: the call may run only within it. */
export interface Narrowing {
  readonly arg: string;
  readonly maximum?: number;
  readonly minimum?: number;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "cancelled" | "expired";

export interface QueuedApproval {
  readonly id: string;
  /** The agent token that submitted it: only that agent can read or redeem the answer. */
  readonly agentToken: string;
  readonly call: PendingCall;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of the arguments. */
  readonly argsHash: string;
  readonly status: ApprovalStatus;
  readonly createdMs: number;
  readonly deadlineMs: number;
  readonly decidedMs: number | null;
  readonly decidedBy: string | null;
  readonly reason: string | null;
  readonly narrowing: Narrowing | null;
  /** An approval must be redeemed by then. */
  readonly grantExpiresMs: number | null;
  readonly redeemedMs: number | null;
}

export type SubmitResult =
  | { readonly ok: true; readonly approval: QueuedApproval; readonly created: boolean }
  | { readonly ok: false; readonly reason: string; readonly existing: QueuedApproval };

export interface Verdict {
  readonly approved: boolean;
  readonly by: string;
  readonly reason: string;
  readonly narrowing: Narrowing | null;
}

export type DecideResult =
  { readonly ok: true; readonly approval: QueuedApproval } | { readonly ok: false; readonly reason: string };

/** What the agent presents to use an approval: the call it is about to run. */
export interface Presented {
  readonly callId: string;
  readonly tool: string;
  readonly argsHash: string;
}

export type RedeemResult =
  | { readonly ok: true; readonly approval: QueuedApproval }
  | { readonly ok: false; readonly reason: string; readonly approval: QueuedApproval | undefined };

/**
 * The approvals queue: agents submit pending calls and wait; operators decide; an approval is redeemed once, for
 * the one call it was given. A small seam so another store (PostgreSQL) can hold the queue for several servers.
 */
export interface ApprovalQueue {
  submit(agentToken: string, call: PendingCall, argsHash: string, now: number): Promise<SubmitResult>;
  get(id: string, now: number): Promise<QueuedApproval | undefined>;
  /** Resolves with the approval once it is no longer pending, or as it is when `waitMs` passes or `signal` aborts. */
  wait(id: string, waitMs: number, signal: AbortSignal): Promise<QueuedApproval | undefined>;
  /** Calls still awaiting a person, oldest first. */
  pending(now: number): Promise<QueuedApproval[]>;
  /** The most recently answered (or abandoned) calls. */
  recent(limit: number, now: number): Promise<QueuedApproval[]>;
  /** Answers a pending call; refused when it was already answered or the agent stopped waiting. */
  decide(id: string, verdict: Verdict, grantTtlMs: number, now: number): Promise<DecideResult>;
  /** Uses an approval, once, for exactly the call it was given, before it expires. */
  redeem(id: string, agentToken: string, presented: Presented, now: number): Promise<RedeemResult>;
  /** The agent stopped waiting. */
  cancel(id: string, agentToken: string, now: number): Promise<void>;
  /** Told whenever the queue changes (for live updates). Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}
