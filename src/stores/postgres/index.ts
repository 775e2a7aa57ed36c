// PostgreSQL stores: budgets and the audit log shared by every worker and replica that opens the same schema.
export { PostgresAuditLog } from "./audit-log.js";
export { PostgresBudgetStore, type PostgresBudgetStoreOptions } from "./budget-store.js";
export {
  isPostgresUrl,
  migrate as migratePostgres,
  openPostgres,
  type PostgresHandle,
  type PostgresOptions,
} from "./database.js";
