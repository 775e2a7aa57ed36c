import type { SourceRef } from "./provenance/index.js";

/** `allow`, `deny` or `ask` (a human decides). Default deny. */
export type Verdict = "allow" | "deny" | "ask";

/**
 * What a call exercised beyond the mandate, by kind:
 * - `tool`: the tool is not granted by any rule.
 * - `argument`: an argument breaks a constraint of the mandate or the tool's own schema.
 * - `budget`: the call would exceed a budget across calls.
 * - `provenance`: a value came from a source the rule does not trust, or data from an untrusted or sensitive
 *   output flows into an argument that a `flow` rule guards.
 * - `expiry`: the mandate has expired or is not yet valid.
 * - `scope`: the call is malformed or names a tool outside the catalog.
 * - `policy`: a `deny` rule of the mandate forbids the call.
 */
export type DeltaKind = "tool" | "argument" | "budget" | "provenance" | "expiry" | "scope" | "policy";

export interface AuthorityDeltaItem {
  readonly kind: DeltaKind;
  /** JSON Pointer into the call's arguments (`/amount`, `/to/0`), or `""` for the call as a whole. */
  readonly path: string;
  /** What the call exercised (a value, a tool name, a time). `"[redacted]"` for secret arguments. */
  readonly exercised: unknown;
  /** The bound the mandate granted, when there is one (e.g. `{ maximum: 1200 }`). */
  readonly granted?: unknown;
  /** One plain-English line. */
  readonly message: string;
  /** JSON Pointer into the mandate to the rule (and keyword) that bounded it, e.g. `/allow/2/args/amount/maximum`. */
  readonly rule?: string;
  /**
   * For `provenance` items: where the value was seen (a value-origin requirement), or the sources that flow into
   * it (a flow rule), e.g. `{ id: "result:c7", kind: "tool", tool: "read_file", callId: "c7" }`.
   */
  readonly sources?: readonly SourceRef[];
}

export type AuthorityDelta = readonly AuthorityDeltaItem[];

export type RuleEffect = "allow" | "ask" | "deny";

/** Which rule decided: its effect, index in its list, optional id, and a JSON Pointer into the mandate. */
export interface RuleRef {
  readonly effect: RuleEffect;
  readonly index: number;
  readonly id?: string;
  readonly pointer: string;
}

/** A unit a Guard must reserve in the budget store before the call may run. */
export interface BudgetCharge {
  /** Stable key: mandate id, rule pointer, budget dimension and window. */
  readonly key: string;
  readonly limit: number;
  readonly amount: number;
  /** End of the budget's window (ms since epoch), or `null` for the mandate's lifetime. */
  readonly windowEnds: number | null;
  /** For messages: `calls`, or `sum of amount`. */
  readonly label: string;
  readonly rule: string;
}

export interface Decision {
  readonly verdict: Verdict;
  /** Empty exactly when the call is within the mandate. Complete: every failing item of the closest rule. */
  readonly delta: AuthorityDelta;
  /** The rule that decided, or `null` when the default (deny) or a pre-rule check decided. */
  readonly rule: RuleRef | null;
  readonly mandateId: string;
  readonly tool: string;
  readonly callId: string;
  /** `enforce`, or `shadow` (decided and logged, but the call runs anyway). */
  readonly mode: "enforce" | "shadow";
  /**
   * On an `ask`: what kept the mandate's `allow` rules for this tool from covering the call — the delta against
   * the closest one — so the person asked sees it (e.g. that the amount appears only in a tool's output). Absent
   * when no `allow` rule names the tool.
   */
  readonly escalation?: AuthorityDelta;
  /** Budget units to reserve before running (only for `allow`/`ask`). */
  readonly charges: readonly BudgetCharge[];
  /** One plain-English line summarising the verdict. */
  readonly reason: string;
  /** Time spent deciding, in microseconds. */
  readonly elapsedUs: number;
}
