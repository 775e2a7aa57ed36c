import type { Decision } from "../core/decision.js";

/** What an approver is shown: the call exactly as it would run, and why it needs a person. */
export interface ApprovalRequest {
  readonly callId: string;
  readonly tool: string;
  /** The arguments as checked, with `secret` arguments redacted. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly session: string | null;
  readonly decision: Decision;
  readonly mandate: {
    readonly id: string;
    readonly subject: string | null;
    readonly agent: string | null;
    readonly task: string | null;
  };
}

export interface ApprovalAnswer {
  readonly approved: boolean;
  /** Who answered, for the audit log. */
  readonly by?: string;
  readonly reason?: string;
}

/**
 * Answers `ask` verdicts. The answer is bound to the one request it was given (call id, tool, arguments): the
 * Guard asks at most once per call and never reuses an answer. `signal` aborts when the Guard stops waiting
 * (timeout); an approver that throws or times out means "no".
 */
export interface Approver {
  readonly name: string;
  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}
