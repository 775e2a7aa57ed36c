// Guarded decisions per second through the Guard with each budget store (memory, SQLite, PostgreSQL, Redis), at 1
// and 8 worker processes, with p50/p99 latency; and audit appends per second on PostgreSQL at 1 and 8 writers.
// `npm run bench` builds first; this runs on dist/.
//
//   node bench/stores.js [--quick] [--json] [--lanes N]
//
// Each worker is a separate Node process running its own Guard, one call in flight at a time per lane (default 1),
// all spending the same mandate's budget key (the worst case: every reservation contends for one counter). The
// audit log of the decision phase is in memory, so the figures are the budget store's; audit appends are measured
// on their own. Servers: MANDATE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) and
// MANDATE_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const POSTGRES_URL = process.env.MANDATE_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.MANDATE_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const DIST = new URL("../dist/", import.meta.url).href;

const args = process.argv.slice(2);
if (args[0] === "--worker") await worker(JSON.parse(args[1]));
else await coordinator();

async function coordinator() {
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const QUICK = flags.has("--quick");
  const JSON_OUT = flags.has("--json");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args[onlyAt + 1].split(",") : null;
  const lanesAt = args.indexOf("--lanes");
  const lanes = lanesAt >= 0 ? Number(args[lanesAt + 1]) : 1;
  const durationMs = QUICK ? 600 : 4000;
  const warmup = QUICK ? 100 : 1000;
  const progress = (m) => process.stderr.write(`· ${m}\n`);
  const run = randomBytes(4).toString("hex");
  const schema = `mandate_bench_${run}`;
  const tmp = mkdtempSync(join(os.tmpdir(), "mandate-bench-stores-"));
  const stores = {
    memory: "memory",
    sqlite: join(tmp, "budgets.db"),
    postgres: `${POSTGRES_URL}?schema=${schema}`,
    redis: `${REDIS_URL}?prefix=${encodeURIComponent(`{mandate-bench-${run}}:`)}`,
  };
  const decisions = [];
  try {
    for (const [store, location] of Object.entries(stores)) {
      if (only && !only.includes(store)) continue;
      for (const workers of [1, 8]) {
        progress(`${store}, ${workers} worker${workers > 1 ? "s" : ""}`);
        const results = await together(workers, {
          mode: "decide",
          store,
          location,
          mandateId: `bench-${run}-${store}-${workers}`,
          durationMs,
          warmup,
          lanes,
        });
        decisions.push({ store, workers, lanes, ...combine(results) });
      }
    }
    const audit = [];
    for (const writers of only && !only.includes("audit") ? [] : [1, 8]) {
      progress(`PostgreSQL audit appends, ${writers} writer${writers > 1 ? "s" : ""}`);
      const results = await together(writers, {
        mode: "audit",
        location: `${POSTGRES_URL}?schema=${schema}_audit${writers}`,
        durationMs,
        concurrency: 32,
      });
      const appends = results.reduce((n, r) => n + r.count, 0);
      const seconds = Math.max(...results.map((r) => r.elapsedMs)) / 1000;
      audit.push({
        store: "postgres",
        writers,
        concurrencyPerWriter: 32,
        appendsPerSec: Math.round(appends / seconds),
      });
    }
    const redis8 = decisions.find((d) => d.store === "redis" && d.workers === 8) ?? {
      perSec: 0,
      p99Ms: Infinity,
    };
    const targets = [
      {
        name: "≥ 5,000 guarded decisions/s with Redis budgets at 8 workers",
        value: redis8.perSec,
        pass: redis8.perSec >= 5000,
      },
      { name: "p99 ≤ 5 ms with Redis budgets at 8 workers", value: redis8.p99Ms, pass: redis8.p99Ms <= 5 },
    ];
    const result = {
      mode: QUICK ? "quick" : "full",
      machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
      durationMs,
      decisions,
      audit,
      targets,
    };
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else print(result);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await cleanUp(schema, stores.redis);
  }
}

function print(r) {
  console.log(
    `\nGuarded decisions through the Guard (${r.durationMs} ms per run; ${r.machine.cores} cores, ${r.machine.node})`,
  );
  console.log("store      workers  decisions/s   p50 ms   p99 ms");
  for (const d of r.decisions) {
    console.log(
      `${d.store.padEnd(10)} ${String(d.workers).padStart(7)}  ${String(d.perSec).padStart(11)}  ${d.p50Ms.toFixed(3).padStart(7)}  ${d.p99Ms.toFixed(3).padStart(7)}`,
    );
  }
  console.log("\nAudit appends on PostgreSQL (one chain, serialised on the head row)");
  for (const a of r.audit) console.log(`  ${a.writers} writer process(es): ${a.appendsPerSec} appends/s`);
  console.log("\nTargets");
  for (const t of r.targets) console.log(`  ${t.pass ? "met    " : "NOT met"}  ${t.name}: ${t.value}`);
}

/** Starts `n` worker processes, releases them together, and collects one JSON result from each. */
async function together(n, config) {
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, [script, "--worker", JSON.stringify(config)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const results = [];
  let ready = 0;
  const done = children.map(async (child) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line === "ready") {
        if (++ready === n) for (const c of children) c.stdin.write("go\n");
      } else results.push(JSON.parse(line));
    });
    const [code] = await once(child, "close");
    if (code !== 0) throw new Error(`a bench worker exited with ${code}`);
  });
  await Promise.all(done);
  return results;
}

function combine(results) {
  const latencies = Float64Array.from(results.flatMap((r) => r.latencies)).sort();
  const q = (p) =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))];
  const count = results.reduce((n, r) => n + r.count, 0);
  const seconds = Math.max(...results.map((r) => r.elapsedMs)) / 1000;
  return {
    decisions: count,
    perSec: Math.round(count / seconds),
    p50Ms: Number(q(0.5).toFixed(3)),
    p99Ms: Number(q(0.99).toFixed(3)),
    allowed: results.reduce((n, r) => n + r.allowed, 0),
  };
}

async function worker(config) {
  if (config.mode === "audit") return auditWorker(config);
  const { createGuard, MemoryAuditLog, MemoryBudgetStore, loadMandate } = await import(`${DIST}index.js`);
  const budgets = await openStore(config.store, config.location);
  const mandate = loadMandate(`
mandate: 1
id: ${config.mandateId}
allow:
  - tool: send_money
    args:
      amount: { exclusiveMinimum: 0, maximum: 100 }
    budget: { calls: 1000000000, sum: { amount: 100000000000 } }
`);
  const guard = createGuard({
    mandate,
    budgets: budgets ?? new MemoryBudgetStore(),
    audit: new MemoryAuditLog(),
  });
  const call = { tool: "send_money", args: { amount: 5 } };
  const tool = (a) => a.amount;
  for (let i = 0; i < config.warmup; i++) await guard.run(call, tool);
  process.stdout.write("ready\n");
  await once(process.stdin, "data");
  const latencies = [];
  let allowed = 0;
  const started = performance.now();
  const until = started + config.durationMs;
  const lane = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      const result = await guard.run(call, tool);
      latencies.push(performance.now() - t0);
      if (!result.denied) allowed++;
    }
  };
  await Promise.all(Array.from({ length: config.lanes }, lane));
  const elapsedMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ count: latencies.length, allowed, elapsedMs, latencies })}\n`);
  await budgets?.close();
  process.stdin.destroy();
}

async function openStore(store, location) {
  if (store === "memory") return null;
  if (store === "sqlite")
    return (await import(`${DIST}stores/sqlite/index.js`)).SqliteBudgetStore.open(location);
  if (store === "postgres")
    return (await import(`${DIST}stores/postgres/index.js`)).PostgresBudgetStore.open(location, {
      maxConnections: 4,
    });
  return (await import(`${DIST}stores/redis/index.js`)).RedisBudgetStore.open(location);
}

async function auditWorker(config) {
  const { PostgresAuditLog } = await import(`${DIST}stores/postgres/index.js`);
  const log = await PostgresAuditLog.open(config.location, { maxConnections: 2 });
  process.stdout.write("ready\n");
  await once(process.stdin, "data");
  let count = 0;
  const started = performance.now();
  const until = started + config.durationMs;
  const record = (i) => ({
    event: "decision",
    time: new Date().toISOString(),
    mandateId: "bench",
    subject: "alice",
    agent: `pid-${process.pid}`,
    session: "s",
    callId: `${process.pid}-${i}`,
    tool: "send_money",
    args: { amount: 5, recipient: "DE89370400440532013000" },
    verdict: "allow",
    effect: "allow",
    mode: "enforce",
    delta: [],
    rule: { effect: "allow", index: 0, pointer: "/allow/0" },
    reason: "allowed by allow[0]",
    approval: null,
    outcome: "pending",
    error: null,
    latencyMs: 0.2,
  });
  const lane = async () => {
    while (performance.now() < until) {
      await log.append(record(count));
      count++;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, lane));
  const elapsedMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ count, elapsedMs })}\n`);
  await log.close();
  process.stdin.destroy();
}

async function cleanUp(schema, redisUrl) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  for (const s of [schema, `${schema}_audit1`, `${schema}_audit8`])
    await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
  const { Redis } = await import("ioredis");
  const prefix = new URL(redisUrl).searchParams.get("prefix");
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix.replace(/[{}*?[\]]/g, "\\$&")}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
