import { afterAll } from "vitest";
import type { BudgetStoreOptions } from "../../src/stores/budget-reservation.js";
import { PostgresBudgetStore } from "../../src/stores/postgres/budget-store.js";
import { runBudgetStoreConformance } from "./budget-store.conformance.js";
import { usePostgresSchemas } from "./servers.js";

const schemas = usePostgresSchemas();
const open: PostgresBudgetStore[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

runBudgetStoreConformance("PostgreSQL", async (opts: BudgetStoreOptions) => {
  const store = await PostgresBudgetStore.open(schemas.url(schemas.fresh()), { ...opts, maxConnections: 4 });
  open.push(store);
  return store;
});
