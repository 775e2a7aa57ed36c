import type { AuthorityDelta, Decision, Verdict } from "../core/decision.js";

/**
 * A refused call, as the agent receives it: data it can read and go on from, not an exception.
 * `verdict` is what the decider said (`deny`, or `ask` that no one approved).
 */
export interface Denial {
  readonly denied: true;
  readonly verdict: Exclude<Verdict, "allow">;
  readonly tool: string;
  readonly callId: string;
  readonly delta: AuthorityDelta;
  /** One paragraph for the agent (and its model): what was refused and why. */
  readonly message: string;
}

/** Thrown instead of returning a `Denial` when the caller asks for exceptions (`onDeny: "throw"`). */
export class MandateDeniedError extends Error {
  override name = "MandateDeniedError";
  constructor(
    readonly denial: Denial,
    readonly decision: Decision,
  ) {
    super(denial.message);
  }
}

export function isDenial(value: unknown): value is Denial {
  return typeof value === "object" && value !== null && (value as { denied?: unknown }).denied === true;
}

/** The text an agent reads: the reason and every delta item, one per line. */
export function denialMessage(tool: string, verdict: Verdict, reason: string, delta: AuthorityDelta): string {
  const head =
    verdict === "ask"
      ? `The call to \`${tool}\` needed a person's approval and was not approved: ${reason}.`
      : `The call to \`${tool}\` was not run: it is outside the authority the user granted.`;
  const lines = delta.map((d) => `- ${d.message}`);
  return [
    head,
    ...lines,
    "Do not retry it with other values to get around this; continue the task within the granted authority or ask the user.",
  ].join("\n");
}
