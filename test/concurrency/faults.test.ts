import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { createGuard, type Guard } from "../../src/guard/guard.js";
import type { AuditLog, BudgetStore } from "../../src/guard/ports.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { PostgresBudgetStore } from "../../src/stores/postgres/budget-store.js";
import { RedisBudgetStore } from "../../src/stores/redis/budget-store.js";
import { auditRecord } from "../stores/records.js";
import {
  POSTGRES_URL,
  REDIS_URL,
  uniqueName,
  usePostgresSchemas,
  useRedisPrefixes,
} from "../stores/servers.js";
import { workerMandate } from "./fixtures/mandate.js";
import { spawnTs, watchChild } from "./spawn.js";
import { TcpProxy } from "./tcp-proxy.js";

const schemas = usePostgresSchemas();
const prefixes = useRedisPrefixes();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Closable<T> = T & { close(): Promise<void> };
function keep<T extends { close(): Promise<void> }>(store: T): T {
  closers.push(() => store.close());
  return store;
}

async function proxyTo(url: string): Promise<TcpProxy> {
  const u = new URL(url);
  const proxy = new TcpProxy({ host: u.hostname, port: Number(u.port) });
  await proxy.up();
  closers.push(() => proxy.down());
  return proxy;
}

function guardOn(budgets: BudgetStore, audit: AuditLog = new MemoryAuditLog()): Guard {
  return createGuard({
    mandate: workerMandate(uniqueName("faults")),
    budgets,
    audit,
    timeouts: { budgetMs: 300, auditMs: 1000 },
  });
}

const pay = (guard: Guard) => guard.run({ tool: "send_money", args: { amount: 1 } }, () => "paid");

/** Calls until a payment is allowed again, within a bound: the store recovers by itself, nobody reconnects it. */
async function recovers(guard: Guard, withinMs = 10_000): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    const result = await pay(guard);
    if (!result.denied) return;
    if (Date.now() > until) throw new Error(`still denied after ${withinMs} ms: ${result.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a store that is down or slow denies, with a clear reason, and recovers by itself", () => {
  test("Redis down", async () => {
    const proxy = await proxyTo(REDIS_URL);
    const store = keep(await RedisBudgetStore.open(proxy.url(REDIS_URL), { prefix: prefixes() }));
    const guard = guardOn(store);
    expect(await pay(guard)).toMatchObject({ denied: false });
    await proxy.down();
    const denied = await pay(guard);
    expect(denied).toMatchObject({ denied: true, verdict: "deny", delta: [{ kind: "budget" }] });
    expect(denied.denied && denied.delta[0]?.message).toMatch(
      /^failed closed: the budget could not be reserved \(redis budget store: (not connected to Redis|the connection to Redis was lost)/,
    );
    await proxy.up();
    await recovers(guard);
  });

  test("Redis slow (CLIENT PAUSE)", async () => {
    const store = keep(await RedisBudgetStore.open(REDIS_URL, { prefix: prefixes() }));
    const guard = guardOn(store);
    expect(await pay(guard)).toMatchObject({ denied: false });
    const admin = new Redis(REDIS_URL);
    closers.push(async () => void admin.disconnect());
    // Short, and only writes: other test files sharing this server are merely delayed.
    await admin.call("CLIENT", "PAUSE", "1000", "WRITE");
    const denied = await pay(guard);
    expect(denied.denied && denied.delta[0]?.message).toBe(
      "failed closed: the budget could not be reserved (budget reservation timed out after 300 ms)",
    );
    await admin.call("CLIENT", "UNPAUSE");
    await recovers(guard);
  });

  test("PostgreSQL down (budgets and audit)", async () => {
    const proxy = await proxyTo(POSTGRES_URL);
    const url = `${proxy.url(POSTGRES_URL)}?schema=${schemas.fresh()}`;
    const budgets = keep(await PostgresBudgetStore.open(url, { connectTimeoutMs: 500 }));
    const audit = keep(await PostgresAuditLog.open(url, { connectTimeoutMs: 500 }));
    // One Guard keeps its budgets on the server, the other its audit log.
    const budgetsOnly = guardOn(budgets);
    const auditOnly = guardOn(new MemoryBudgetStore(), audit);
    expect(await pay(budgetsOnly)).toMatchObject({ denied: false });
    expect(await pay(auditOnly)).toMatchObject({ denied: false });
    await proxy.down();
    const denied = await pay(budgetsOnly);
    expect(denied.denied && denied.delta[0]?.message).toMatch(
      /^failed closed: the budget could not be reserved \(postgres budget store: (Connection terminated|connect ECONNREFUSED)/,
    );
    // The decision cannot be written ahead, so the tool does not run.
    let ran = false;
    const unaudited = await auditOnly.run({ tool: "send_money", args: { amount: 1 } }, () => (ran = true));
    expect(ran).toBe(false);
    expect(unaudited.denied && unaudited.delta[0]?.message).toMatch(
      /^failed closed: the audit log could not record the decision \(postgres audit log: /,
    );
    await proxy.up();
    await recovers(budgetsOnly);
    await recovers(auditOnly);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  test("PostgreSQL slow (a transaction holds the budget's row while the server sleeps)", async () => {
    const schema = schemas.fresh();
    const store = keep(await PostgresBudgetStore.open(schemas.url(schema)));
    const guard = guardOn(store);
    expect(await pay(guard)).toMatchObject({ denied: false });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    closers.push(() => admin.end());
    await admin.query("BEGIN");
    await admin.query(`SELECT * FROM "${schema}".budget_usage FOR UPDATE`);
    const sleeping = admin.query("SELECT pg_sleep(0.6)");
    const denied = await pay(guard);
    expect(denied.denied && denied.delta[0]?.message).toBe(
      "failed closed: the budget could not be reserved (budget reservation timed out after 300 ms)",
    );
    await sleeping;
    await admin.query("COMMIT");
    await recovers(guard);
  });
});

describe("a worker killed between reserve and commit leaves a reservation that expires", () => {
  const WORKER = new URL("./fixtures/guard-worker.ts", import.meta.url);

  async function killedMidCall(kind: "redis" | "postgres", budgetsUrl: string, store: BudgetStore) {
    const mandateId = uniqueName("killed");
    const key = createGuard({
      mandate: workerMandate(mandateId),
      budgets: new MemoryBudgetStore(),
      audit: new MemoryAuditLog(),
    }).decide({ tool: "send_money", args: { amount: 40 } }).charges[0]!.key;
    const child = spawnTs(WORKER, [kind, budgetsUrl, schemas.url(schemas.fresh()), mandateId, "hang"]);
    let reservedAt = 0;
    const done = watchChild(child, (line) => {
      if (line !== "running") return;
      reservedAt = Date.now();
      child.kill("SIGKILL");
    });
    expect(await done).toMatchObject({ signal: "SIGKILL", stderr: "" });
    // Killed inside the tool: the reservation is still held…
    expect((await store.usage([key])).get(key)).toBe(40);
    // …until its TTL (1.5 s in the worker) has passed; then it stops counting, without anyone releasing it.
    const until = Date.now() + 10_000;
    while ((await store.usage([key])).get(key) !== 0) {
      if (Date.now() > until) throw new Error("the abandoned reservation never expired");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Date.now() - reservedAt).toBeGreaterThanOrEqual(1400);
    const full = { key, amount: 1200, limit: 1200, windowEnds: null, label: "sum", rule: "/allow/0" };
    expect(await store.reserve([full])).toMatchObject({ ok: true });
  }

  test("on Redis", async () => {
    const budgetsUrl = `${REDIS_URL}?prefix=${encodeURIComponent(prefixes())}`;
    await killedMidCall("redis", budgetsUrl, keep(await RedisBudgetStore.open(budgetsUrl)));
  });

  test("on PostgreSQL", async () => {
    const budgetsUrl = schemas.url(schemas.fresh());
    await killedMidCall("postgres", budgetsUrl, keep(await PostgresBudgetStore.open(budgetsUrl)));
  });
});

describe("no acknowledged audit record is lost when a writer is killed", () => {
  test("PostgreSQL audit log, SIGKILL mid-stream", async () => {
    const url = schemas.url(schemas.fresh());
    await (await PostgresAuditLog.open(url)).close();
    const child = spawnTs(new URL("./fixtures/pg-audit-appender.ts", import.meta.url), [url, "16"]);
    const acknowledged: number[] = [];
    const done = watchChild(child, (line) => {
      acknowledged.push(Number(line));
      if (acknowledged.length === 1500) child.kill("SIGKILL");
    });
    expect(await done).toMatchObject({ signal: "SIGKILL", stderr: "" });
    const log: Closable<PostgresAuditLog> = keep(await PostgresAuditLog.open(url));
    const stored = new Set((await log.list()).map((e) => e.seq));
    expect(acknowledged.length).toBeGreaterThanOrEqual(1500);
    expect(acknowledged.filter((seq) => !stored.has(seq))).toEqual([]);
    expect(await log.verify()).toMatchObject({ ok: true, count: stored.size });
    expect((await log.append(auditRecord(1))).seq).toBe(stored.size + 1);
  });
});
