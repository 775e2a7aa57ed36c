/** Runtime monitors: alerts and a circuit breaker on the stream of decisions (docs/monitors.md). */
export { type Alert, ALERT_TOOL, type Notifier, RESET_TOOL } from "./alert.js";
export { breakerKey, type BreakerStore, type BreakerTrip, MemoryBreakerStore } from "./breaker-store.js";
export {
  loadMonitors,
  MonitorConfigError,
  type MonitorLoadOptions,
  type MonitorLoadResult,
  parseMonitors,
  validateMonitors,
} from "./load.js";
export { type BreakerTarget, createMonitors, type Monitors, type MonitorsOptions } from "./monitors.js";
export type {
  BreakerScope,
  BreakerSpec,
  MonitorConfig,
  MonitorRule,
  RuleKind,
  Severity,
  WebhookSpec,
} from "./rule.js";
export { webhookNotifier, type WebhookNotifierOptions } from "./webhook-notifier.js";
export { notifiersFor } from "./notifiers.js";
export type { BreakerVerdict, GuardMonitor, MonitoredCall } from "../guard/monitor-hook.js";
