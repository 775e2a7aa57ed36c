/**
 * Mandate: least privilege for AI agents at the action boundary.
 * This entry point loads no database driver or framework SDK; SQLite stores are in `mandate/stores/sqlite`.
 */
import { createGuard as createGuardWith, type Guard, type GuardOptions } from "./guard/guard.js";
import { MemoryAuditLog } from "./stores/memory/audit-log.js";
import { MemoryBudgetStore } from "./stores/memory/budget-store.js";

export * from "./core/index.js";
export * from "./guard/index.js";
export {
  callbackApprover,
  describeRequest,
  terminalApprover,
  type TerminalApproverOptions,
  webhookApprover,
  type WebhookApproverOptions,
  webApprover,
  type WebApproverOptions,
} from "./approvers/index.js";
export {
  JsonlAuditLog,
  MemoryAuditLog,
  MemoryBudgetStore,
  readJsonlAudit,
  verifyJsonlAudit,
} from "./stores/index.js";

export {
  NO_TELEMETRY,
  openTelemetry,
  type OpenTelemetryOptions,
  TELEMETRY_NAMES,
} from "./observability/index.js";
export type { DeploymentCall, DeploymentPolicy, DeploymentVerdict } from "./guard/deployment.js";
export type { BreakerVerdict, GuardMonitor, MonitoredCall } from "./guard/monitor-hook.js";
export { openAiVerifier, type OpenAiVerifierOptions } from "./verifier/openai.js";
export { verifierVerdictOf, type VerifierGrant } from "./verifier/stage.js";
export type {
  QuotedOutput,
  Verifier,
  VerifierAnswer,
  VerifierFailureMode,
  VerifierRequest,
} from "./verifier/verifier.js";
export { VERSION } from "./version.js";

export type CreateGuardOptions = Omit<GuardOptions, "audit" | "budgets"> &
  Partial<Pick<GuardOptions, "audit" | "budgets">>;

/**
 * A Guard for one mandate. Budgets default to this process's memory and the audit log to memory as well — pass
 * `SqliteAuditLog`/`SqliteBudgetStore` from `mandate/stores/sqlite` (or your own) to keep them.
 */
export function createGuard(opts: CreateGuardOptions): Guard {
  return createGuardWith({
    ...opts,
    audit: opts.audit ?? new MemoryAuditLog(),
    budgets: opts.budgets ?? new MemoryBudgetStore(),
  });
}
