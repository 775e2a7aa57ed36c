/** Where a tripped breaker applies: one agent session, every session of one agent, or every call. */
export type BreakerScope = "session" | "agent" | "all";

/** What a rule does besides alerting: trip a breaker so that further calls are asked (or denied). */
export interface BreakerSpec {
  readonly scope: BreakerScope;
  readonly action: "ask" | "deny";
}

export type Severity = "info" | "warning" | "critical";

interface RuleBase {
  readonly id: string;
  readonly description?: string;
  readonly severity: Severity;
  readonly breaker: BreakerSpec | null;
}

/** A rule over the stream of decisions, as loaded (durations in milliseconds, defaults filled in). */
export type MonitorRule =
  /** `count` refusals by the mandate in one session (or, without a session, one agent) within `withinMs`. */
  | (RuleBase & { readonly kind: "denials"; readonly count: number; readonly withinMs: number })
  /** A tool this agent has never called before (history from the audit log, or learned as it runs). */
  | (RuleBase & { readonly kind: "new-tool"; readonly minHistory: number })
  /** An `ask` still unanswered after `longerThanMs`. */
  | (RuleBase & { readonly kind: "ask-waiting"; readonly longerThanMs: number })
  /**
   * The share of the agent's last `window` calls with a non-empty authority delta is above
   * max(baseline × factor, baseline + margin), once at least `minCalls` are in the window. The baseline is given,
   * or the agent's own rate before the window.
   */
  | (RuleBase & {
      readonly kind: "violation-rate";
      readonly window: number;
      readonly minCalls: number;
      readonly factor: number;
      readonly margin: number;
      readonly baseline: number | null;
    })
  /** The audit chain does not verify (checked every `everyMs`). */
  | (RuleBase & { readonly kind: "audit-chain"; readonly everyMs: number })
  /** A call under a mandate whose task was marked done (`monitors.markDone`). */
  | (RuleBase & { readonly kind: "after-done" });

export type RuleKind = MonitorRule["kind"];

export interface WebhookSpec {
  readonly url: string;
  /** The environment variable holding the HMAC secret (secrets stay out of the file). */
  readonly secretEnv?: string;
}

/** A monitors file, as loaded. */
export interface MonitorConfig {
  readonly rules: readonly MonitorRule[];
  readonly webhooks: readonly WebhookSpec[];
}
