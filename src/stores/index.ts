// Stores without a native driver. The SQLite ones are in `mandate/stores/sqlite`, so that importing this module
// never loads better-sqlite3.
export { type BudgetStoreOptions, DEFAULT_RESERVATION_TTL_MS } from "./budget-reservation.js";
export {
  JsonlAuditLog,
  type JsonlAuditContents,
  readJsonlAudit,
  verifyJsonlAudit,
} from "./jsonl/audit-log.js";
export { MemoryAuditLog } from "./memory/audit-log.js";
export { MemoryBudgetStore } from "./memory/budget-store.js";
