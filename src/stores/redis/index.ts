// Redis budget store: budgets shared by every worker and replica that uses the same server and key prefix.
export { isRedisUrl, RedisBudgetStore, type RedisBudgetStoreOptions } from "./budget-store.js";
