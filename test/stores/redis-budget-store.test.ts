import { afterAll } from "vitest";
import type { BudgetStoreOptions } from "../../src/stores/budget-reservation.js";
import { RedisBudgetStore } from "../../src/stores/redis/budget-store.js";
import { runBudgetStoreConformance } from "./budget-store.conformance.js";
import { REDIS_URL, useRedisPrefixes } from "./servers.js";

const prefixes = useRedisPrefixes();
const open: RedisBudgetStore[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

runBudgetStoreConformance("Redis", async (opts: BudgetStoreOptions) => {
  const store = await RedisBudgetStore.open(REDIS_URL, { ...opts, prefix: prefixes() });
  open.push(store);
  return store;
});
