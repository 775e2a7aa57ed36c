export { SqliteAuditLog } from "./audit-log.js";
export { SqliteBudgetStore, type SqliteBudgetStoreOptions } from "./budget-store.js";
export type { SqliteOptions } from "./database.js";
export { SqliteBreakerStore } from "../../monitor/sqlite-breaker-store.js";
