import { describe, expect, test } from "vitest";
import { createGuard } from "../../src/guard/guard.js";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { PostgresBudgetStore } from "../../src/stores/postgres/budget-store.js";
import { RedisBudgetStore } from "../../src/stores/redis/budget-store.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { REDIS_URL, uniqueName, usePostgresSchemas, useRedisPrefixes } from "../stores/servers.js";
import { BUDGET_LIMIT, workerMandate } from "./fixtures/mandate.js";
import { spawnTs, watchChild } from "./spawn.js";

const schemas = usePostgresSchemas();
const prefixes = useRedisPrefixes();
const WORKER = new URL("./fixtures/guard-worker.ts", import.meta.url);
const WORKERS = 4;
const CALLS = 200; // per worker, amounts 1..5: about 2,400 asked for against a budget of 1,200

interface Seen {
  committed: number;
  allowed: number;
  denied: number;
  failed: number;
  records: number;
  reasons: string[];
}

/** The budget key the workers' mandate charges. */
function budgetKey(mandateId: string): string {
  const guard = createGuard({
    mandate: workerMandate(mandateId),
    budgets: new MemoryBudgetStore(),
    audit: new MemoryAuditLog(),
  });
  const key = guard.decide({ tool: "send_money", args: { amount: 1 } }).charges[0]?.key;
  if (key === undefined) throw new Error("the worker mandate charges no budget");
  return key;
}

/** Starts the workers together and collects what each saw. */
async function hammer(kind: "redis" | "postgres", budgetsUrl: string, auditUrl: string, mandateId: string) {
  const children = Array.from({ length: WORKERS }, () =>
    spawnTs(WORKER, [kind, budgetsUrl, auditUrl, mandateId, "hammer", String(CALLS)]),
  );
  const seen: Seen[] = [];
  let ready = 0;
  const runs = children.map((child) =>
    watchChild(child, (line) => {
      if (line === "ready") {
        if (++ready === children.length) for (const c of children) c.stdin.write("go\n");
      } else seen.push(JSON.parse(line) as Seen);
    }),
  );
  for (const { code, stderr } of await Promise.all(runs))
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(seen).toHaveLength(WORKERS);
  return seen;
}

async function checkOutcome(
  seen: Seen[],
  usage: (key: string) => Promise<number>,
  auditUrl: string,
  mandateId: string,
): Promise<void> {
  const committed = seen.reduce((sum, s) => sum + s.committed, 0);
  // Never more than the budget, across processes…
  expect(committed).toBeLessThanOrEqual(BUDGET_LIMIT);
  // …and the workers really competed for it: the budget ran out (no payment of 1..5 fits what is left).
  expect(committed).toBeGreaterThan(BUDGET_LIMIT - 5);
  expect(seen.every((s) => s.allowed > 0)).toBe(true);
  expect(seen.flatMap((s) => s.reasons)).toContain("budget");
  expect(seen.reduce((n, s) => n + s.failed, 0)).toBeGreaterThan(0);
  // Every reservation was committed or released: what the store counts is exactly what the tools completed.
  expect(await usage(budgetKey(mandateId))).toBe(committed);
  // Every worker wrote into one audit chain, and it verifies.
  const audit = await PostgresAuditLog.open(auditUrl);
  try {
    const records = seen.reduce((n, s) => n + s.records, 0);
    expect(await audit.verify()).toMatchObject({ ok: true, count: records });
    const outcomes = await audit.list({ mandateId, effect: "allow" });
    const spent = outcomes
      .filter((e) => e.event === "outcome" && e.outcome === "ok")
      .reduce((sum, e) => sum + (e.args as { amount: number }).amount, 0);
    expect(spent).toBe(committed);
  } finally {
    await audit.close();
  }
}

describe(`${WORKERS} worker processes spend one mandate's budget through the Guard`, () => {
  test("Redis budgets (audit on PostgreSQL): never over the budget, every reservation finished", async () => {
    const prefix = prefixes();
    const budgetsUrl = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
    const auditUrl = schemas.url(schemas.fresh());
    const mandateId = uniqueName("hammer-redis");
    const seen = await hammer("redis", budgetsUrl, auditUrl, mandateId);
    const store = await RedisBudgetStore.open(budgetsUrl);
    try {
      await checkOutcome(
        seen,
        async (key) => (await store.usage([key])).get(key) ?? NaN,
        auditUrl,
        mandateId,
      );
    } finally {
      await store.close();
    }
  });

  test("PostgreSQL budgets and audit: never over the budget, every reservation finished", async () => {
    const url = schemas.url(schemas.fresh());
    const mandateId = uniqueName("hammer-pg");
    // Migrate once before the workers start, so that their start-up is not what is measured.
    await (await PostgresBudgetStore.open(url)).close();
    const seen = await hammer("postgres", url, url, mandateId);
    const store = await PostgresBudgetStore.open(url);
    try {
      await checkOutcome(seen, async (key) => (await store.usage([key])).get(key) ?? NaN, url, mandateId);
    } finally {
      await store.close();
    }
  });
});
