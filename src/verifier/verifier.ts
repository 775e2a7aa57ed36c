import type { Decision } from "../core/decision.js";

/** A recent tool output as the verifier sees it: data, never instructions. */
export interface QuotedOutput {
  readonly tool: string;
  readonly callId: string;
  readonly trust: "trusted" | "untrusted";
  /** The output as JSON text (a string output as itself), cut to the transcript's bound. */
  readonly text: string;
  /** Whether `text` was cut. */
  readonly truncated: boolean;
}

/** What a verifier is asked about one call the mandate allowed. */
export interface VerifierRequest {
  /** The user's own words in this session (what `observeUser` recorded), oldest first, bounded. */
  readonly user: readonly string[];
  readonly mandate: { readonly id: string; readonly task: string | null };
  /** The call, with the frozen arguments the tool would receive. */
  readonly call: {
    readonly tool: string;
    readonly args: Readonly<Record<string, unknown>>;
    readonly callId: string;
    readonly session: string | null;
  };
  /** The latest tool outputs of the session, oldest first, bounded in count and size. */
  readonly outputs: readonly QuotedOutput[];
  /** The mandate's decision (always `allow`): the rule that granted the call. */
  readonly decision: Decision;
}

/**
 * A verifier's answer. `allow` lets the mandate's `allow` stand; `escalate` asks a person; `block` refuses. There is
 * no way to grant: a verifier is consulted only for calls the mandate (and every bound on it) already allowed.
 */
export type VerifierAnswer =
  | { readonly verdict: "allow"; readonly reason?: string }
  | { readonly verdict: "escalate"; readonly reason: string }
  | { readonly verdict: "block"; readonly reason: string };

/** What a failing verifier (an error, a malformed or late answer) means for the call. */
export type VerifierFailureMode = "escalate" | "block" | "allow";

/**
 * A second opinion on calls the mandate allowed (e.g. {@link openAiVerifier}). It can only narrow: its `escalate`
 * turns the verdict into `ask`, its `block` into `deny`. Given to the Guard as the `verifier` option; without one,
 * nothing is recorded or called.
 */
export interface Verifier {
  /** Names the verifier in delta items and audit records (`openai:gpt-4o-mini`). */
  readonly name: string;
  /** Upper bound on one answer, enforced by the Guard (the signal is aborted then). Default 30 000. */
  readonly timeoutMs?: number;
  /** What a rejection, a malformed answer or no answer within `timeoutMs` means. Default `escalate`. */
  readonly onFailure?: VerifierFailureMode;
  /** Rejects on failure; the Guard applies `onFailure`. */
  verify(request: VerifierRequest, signal: AbortSignal): Promise<VerifierAnswer>;
}

export const DEFAULT_VERIFIER_TIMEOUT_MS = 30_000;
export const VERIFIER_FAILURE_MODES: readonly VerifierFailureMode[] = ["escalate", "block", "allow"];
