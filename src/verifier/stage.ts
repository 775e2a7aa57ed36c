import type { CheckedCall } from "../core/decide.js";
import type { AuthorityDeltaItem, Decision } from "../core/decision.js";
import { withTimeout } from "../guard/timeout.js";
import { Transcript, type TranscriptOptions } from "./transcript.js";
import {
  DEFAULT_VERIFIER_TIMEOUT_MS,
  type Verifier,
  type VerifierAnswer,
  VERIFIER_FAILURE_MODES,
} from "./verifier.js";

/** What the Guard keeps for its verifier: the session's transcript, and the check after the decision. */
export interface VerifierStage {
  /** Records one of the user's messages (from `observeUser`). */
  user(text: string): void;
  /** Records a tool output (from `observeResult`, which sees every output the Guard runs too). */
  output(tool: string, callId: string, output: unknown, trust: "trusted" | "untrusted"): void;
  /**
   * The call after the verifier: unchanged unless the mandate allowed it and the verifier escalates (→ `ask`) or
   * blocks (→ `deny`). Never throws; a failing verifier follows its `onFailure`.
   */
  check(
    checked: CheckedCall,
    call: { readonly callId: string; readonly session: string | null },
    mandate: { readonly id: string; readonly task: string | null },
  ): Promise<CheckedCall>;
}

/** What the delta item of a verifier's escalation or block carries in `granted`. */
export interface VerifierGrant {
  readonly verifier: string;
  readonly verdict: "escalate" | "block";
}

export function createVerifierStage(
  verifier: Verifier,
  opts: { readonly transcript?: TranscriptOptions; readonly onError?: (error: Error) => void } = {},
): VerifierStage {
  const transcript = new Transcript(opts.transcript);
  const timeoutMs = verifier.timeoutMs ?? DEFAULT_VERIFIER_TIMEOUT_MS;
  const onFailure = verifier.onFailure ?? "escalate";
  return {
    user: (text) => transcript.user(text),
    output: (tool, callId, output, trust) => transcript.output(tool, callId, output, trust),
    async check(checked, call, mandate) {
      const d = checked.decision;
      // Only a call the mandate allowed is asked about: the verifier can narrow, never grant.
      if (d.verdict !== "allow" || checked.args === null) return checked;
      let answer: VerifierAnswer;
      try {
        const request = {
          user: transcript.userMessages,
          mandate,
          call: { tool: d.tool, args: checked.args, callId: call.callId, session: call.session },
          outputs: transcript.outputs,
          decision: d,
        };
        answer = validAnswer(
          await withTimeout((signal) => verifier.verify(request, signal), timeoutMs, "the verifier"),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        try {
          opts.onError?.(error instanceof Error ? error : new Error(message));
        } catch {
          // A failing reporter must not change the outcome of the call.
        }
        if (onFailure === "allow") return checked;
        answer = { verdict: onFailure, reason: `the verifier failed (${message})` };
      }
      if (answer.verdict === "allow") return checked;
      return { decision: narrowed(d, verifier.name, answer.verdict, answer.reason), args: checked.args };
    },
  };
}

/** The verifier's verdict on a decision, when its escalation or block is what decided it. */
export function verifierVerdictOf(decision: Pick<Decision, "delta">): VerifierGrant | null {
  for (const item of decision.delta) {
    const g = item.granted;
    if (item.kind !== "policy" || typeof g !== "object" || g === null) continue;
    const { verifier, verdict } = g as Record<string, unknown>;
    if (typeof verifier === "string" && (verdict === "escalate" || verdict === "block")) {
      return { verifier, verdict };
    }
  }
  return null;
}

function narrowed(d: Decision, name: string, verdict: "escalate" | "block", reason: string): Decision {
  const granted: VerifierGrant = { verifier: name, verdict };
  const item: AuthorityDeltaItem = {
    kind: "policy",
    path: "",
    exercised: d.tool,
    granted,
    message: `the verifier \`${name}\` ${verdict === "block" ? "blocks" : "escalates"} this call of \`${d.tool}\`: ${reason}`,
  };
  const { escalation: _escalation, ...rest } = d;
  return verdict === "escalate"
    ? { ...rest, verdict: "ask", delta: [item], reason: item.message }
    : { ...rest, verdict: "deny", delta: [item], rule: null, charges: [], reason: item.message };
}

/** A custom verifier's answer, checked: anything but a known verdict with a reason is a failure. */
function validAnswer(answer: unknown): VerifierAnswer {
  if (typeof answer !== "object" || answer === null)
    throw new Error("the verifier's answer is not an object");
  const { verdict, reason } = answer as Record<string, unknown>;
  if (typeof verdict !== "string" || !(VERIFIER_FAILURE_MODES as readonly string[]).includes(verdict)) {
    throw new Error(`the verifier answered an unknown verdict \`${String(verdict)}\``);
  }
  if (verdict === "allow") return { verdict: "allow" };
  const text = typeof reason === "string" ? reason.replace(/\s+/g, " ").trim() : "";
  return {
    verdict: verdict as "escalate" | "block",
    reason: text === "" ? "no reason given" : text.length > 500 ? `${text.slice(0, 500)}…` : text,
  };
}
