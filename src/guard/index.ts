export {
  type Allowed,
  createGuard as createGuardWith,
  type Guard,
  type GuardCall,
  type GuardOptions,
  type GuardResult,
  type GuardTimeouts,
  type ObserveResultOptions,
  type ToolFunction,
} from "./guard.js";
export type { ApprovalAnswer, ApprovalRequest, Approver } from "./approver.js";
export { type Denial, isDenial, MandateDeniedError } from "./denial.js";
export type { ApprovalTrail, AuditEntry, AuditEvent, AuditRecord, Outcome } from "./audit-record.js";
export type { AuditFilter, AuditLog, AuditReader, BudgetStore, ReserveResult } from "./ports.js";
export { type ChainVerification, GENESIS_HASH, hashEntry, verifyChain } from "./audit-chain.js";
export type { CallObserver, GuardTelemetry, TelemetryCall, TelemetryDecision } from "./telemetry.js";
