import type { BreakerScope, RuleKind, Severity } from "./rule.js";

/** One firing of a rule: audited (tool `monitor.alert`) and sent to every notifier. */
export interface Alert {
  readonly id: string;
  /** ISO 8601. */
  readonly time: string;
  readonly rule: string;
  readonly kind: RuleKind;
  readonly severity: Severity;
  /** One line, for people. */
  readonly message: string;
  readonly agent: string | null;
  readonly session: string | null;
  readonly mandateId: string | null;
  /** The call that made the rule fire, when one did. */
  readonly callId: string | null;
  readonly tool: string | null;
  /** The breaker the alert tripped, if any. */
  readonly breaker: {
    readonly key: string;
    readonly scope: BreakerScope;
    readonly action: "ask" | "deny";
  } | null;
}

/** The tool name of alert records in the audit log. */
export const ALERT_TOOL = "monitor.alert";
/** The tool name of breaker resets in the audit log. */
export const RESET_TOOL = "monitor.reset";

/** Where alerts go besides the audit log. `notify` must return at once: it is called on the call path. */
export interface Notifier {
  notify(alert: Alert): void;
  /** Resolves when every queued notification was delivered or given up. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
