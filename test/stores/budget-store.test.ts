import { afterAll } from "vitest";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { SqliteBudgetStore } from "../../src/stores/sqlite/budget-store.js";
import { runBudgetStoreConformance } from "./budget-store.conformance.js";
import { useTempDir } from "./temp-dir.js";

const file = useTempDir("mandate-budget-");
const sqliteStores: SqliteBudgetStore[] = [];
afterAll(async () => {
  await Promise.all(sqliteStores.map((s) => s.close()));
});

runBudgetStoreConformance("memory", async (opts) => new MemoryBudgetStore(opts));
runBudgetStoreConformance("sqlite", async (opts) => {
  const store = await SqliteBudgetStore.open(file("budget.db"), opts);
  sqliteStores.push(store);
  return store;
});
