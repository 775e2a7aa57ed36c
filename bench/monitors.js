// What runtime monitors cost a guarded call (issue 9 §3): the median added latency per `guard.run` with a typical
// rule set (target ≤ 5 µs), the monitors' own work per call, and that a slow alert webhook never delays a call.
//
//   node --expose-gc bench/monitors.js [--quick] [--json]
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { quantile } from "./measure.js";

const DIST = process.env.MANDATE_BENCH_DIST
  ? pathToFileURL(`${process.env.MANDATE_BENCH_DIST}/`).href
  : "../dist/";
const { createGuard, loadMandate } = await import(`${DIST}index.js`);
const { MemoryAuditLog, MemoryBudgetStore } = await import(`${DIST}stores/index.js`);
const { createMonitors, loadMonitors, webhookNotifier } = await import(`${DIST}monitor/index.js`);

const argv = new Set(process.argv.slice(2));
const QUICK = argv.has("--quick");
const JSON_OUT = argv.has("--json");
for (const a of argv) if (!["--quick", "--json"].includes(a)) throw new Error(`unknown flag ${a}`);
const ROUNDS = QUICK ? 6 : 40;
const BATCH = QUICK ? 200 : 500;
const TARGET_US = 5;
const progress = (msg) => process.stderr.write(`· ${msg}\n`);

const mandate = loadMandate(`
mandate: 1
id: bench
agent: assistant
allow:
  - tool: get_balance
  - tool: read_file
    args: { path: { path: { under: [/home/emma] } } }
  - tool: send_money
    args: { amount: { exclusiveMinimum: 0, maximum: 100 } }
`);

/** Every kind that looks at calls, none of them firing on this traffic (a quiet, healthy agent). */
const TYPICAL = loadMonitors(`
monitors: 1
rules:
  - { id: denials, kind: denials, count: 5, within: 10m, breaker: session }
  - { id: new-tool, kind: new-tool, minHistory: 100 }
  - { id: slow-ask, kind: ask-waiting, longerThan: 5m }
  - { id: violations, kind: violation-rate, window: 50, minCalls: 20 }
  - { id: done, kind: after-done, breaker: { scope: session, action: deny } }
`);

const CALLS = [];
for (let i = 0; i < 1000; i++) {
  const session = `s${i % 997}`;
  const k = i % 20;
  const call =
    k === 19
      ? { tool: "send_money", args: { amount: 5000 } } // 5% refused
      : k % 3 === 0
        ? { tool: "read_file", args: { path: "/home/emma/bills/march.pdf" } }
        : k % 3 === 1
          ? { tool: "send_money", args: { amount: 12.5 } }
          : { tool: "get_balance", args: {} };
  CALLS.push({ ...call, session });
}

function guardWith(monitors) {
  return createGuard({
    mandate,
    audit: new MemoryAuditLog(),
    budgets: new MemoryBudgetStore(),
    ...(monitors ? { monitors } : {}),
  });
}

/** Per-call time of `batch` sequential guarded calls, in µs. */
async function batchUs(guard, offset) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) await guard.run(CALLS[(offset + i) % CALLS.length], () => 1);
  return Number(process.hrtime.bigint() - t0) / 1000 / BATCH;
}

/** Interleaved rounds, fresh Guards each round (so the memory audit log does not grow without bound). */
async function addedLatency(makeMonitors) {
  const plain = [];
  const monitored = [];
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    const a = guardWith(null);
    const b = guardWith(makeMonitors());
    for (let w = 0; w < 3; w++) {
      await batchUs(a, w * BATCH);
      await batchUs(b, w * BATCH);
    }
    for (let s = 0; s < 5; s++) {
      if ((r + s) % 2 === 0) {
        plain.push(await batchUs(a, s * 7));
        monitored.push(await batchUs(b, s * 7));
      } else {
        monitored.push(await batchUs(b, s * 7));
        plain.push(await batchUs(a, s * 7));
      }
    }
  }
  const p = quantile(plain, 0.5);
  const m = quantile(monitored, 0.5);
  return { plainUs: p, monitoredUs: m, addedUs: m - p };
}

/** The monitors' own work per call (breaker check + observe), without the Guard around it. */
function ownWorkUs() {
  const monitors = createMonitors({ rules: TYPICAL });
  const records = CALLS.map((c, i) => ({
    event: "decision",
    time: "2026-01-01T00:00:00.000Z",
    mandateId: "bench",
    subject: null,
    agent: "assistant",
    session: c.session,
    callId: `c${i}`,
    tool: c.tool,
    args: c.args,
    verdict: c.args.amount === 5000 ? "deny" : "allow",
    effect: c.args.amount === 5000 ? "deny" : "allow",
    mode: "enforce",
    delta:
      c.args.amount === 5000 ? [{ kind: "argument", path: "/amount", exercised: 5000, message: "m" }] : [],
    rule: null,
    reason: "",
    approval: null,
    outcome: "pending",
    error: null,
    latencyMs: 0,
  }));
  const samples = [];
  const n = records.length;
  for (let s = 0; s < (QUICK ? 200 : 2000); s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) {
      const r = records[(s * 100 + i) % n];
      monitors.breaker({
        tool: r.tool,
        callId: r.callId,
        session: r.session,
        mandateId: r.mandateId,
        agent: r.agent,
        subject: null,
        verdict: "allow",
        mode: "enforce",
      });
      monitors.observe(r);
    }
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / 100);
  }
  return quantile(samples, 0.5);
}

/** A webhook that answers after 2 s, and a rule that fires on every refused call. */
async function slowWebhook() {
  const server = createServer((_req, res) => setTimeout(() => res.end(), 2_000));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const rules = loadMonitors(
    "monitors: 1\nrules:\n  - { id: every-denial, kind: denials, count: 1, within: 1m }\n",
  );
  const refused = { tool: "send_money", args: { amount: 5000 }, session: "s" };
  const time = async (monitors) => {
    const guard = guardWith(monitors);
    const samples = [];
    for (let i = 0; i < (QUICK ? 200 : 2000); i++) {
      const t0 = process.hrtime.bigint();
      await guard.run(refused, () => 1);
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return quantile(samples, 0.5);
  };
  let dropped = 0;
  const notifier = webhookNotifier({
    url,
    queueSize: 100,
    timeoutMs: 3_000,
    onError: (e) => (dropped += Number(/(\d+) oldest/.exec(e.message)?.[1] ?? 0)),
  });
  const withHook = createMonitors({ rules, notifiers: [notifier] });
  const withoutHookUs = await time(createMonitors({ rules }));
  const withHookUs = await time(withHook);
  await notifier.close();
  server.closeAllConnections();
  server.close();
  return { withoutHookUs, withHookUs, delayUs: withHookUs - withoutHookUs, dropped };
}

progress("monitors: added latency per guarded call (typical rule set)");
const added = await addedLatency(() => createMonitors({ rules: TYPICAL }));
progress("monitors: own work per call");
const own = ownWorkUs();
progress("monitors: a slow webhook (2 s per answer) on every refused call");
const slow = await slowWebhook();

const result = {
  monitors: {
    guardedCallMedianUs: round(added.plainUs),
    withMonitorsMedianUs: round(added.monitoredUs),
    addedMedianUs: round(added.addedUs),
    ownWorkMedianUs: round(own),
    targetUs: TARGET_US,
    withinTarget: added.addedUs <= TARGET_US,
    slowWebhook: {
      refusedCallMedianUs: round(slow.withoutHookUs),
      withSlowWebhookMedianUs: round(slow.withHookUs),
      delayUs: round(slow.delayUs),
      alertsDroppedFromFullQueue: slow.dropped,
    },
  },
};
if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
else {
  const m = result.monitors;
  console.log("\nRuntime monitors (5 rules: denials, new-tool, ask-waiting, violation-rate, after-done)");
  console.log(`  guarded call, median            ${m.guardedCallMedianUs} µs`);
  console.log(`  with monitors, median           ${m.withMonitorsMedianUs} µs`);
  console.log(
    `  added, median                   ${m.addedMedianUs} µs   (target ≤ ${TARGET_US} µs: ${m.withinTarget ? "met" : "MISSED"})`,
  );
  console.log(`  monitors' own work per call     ${m.ownWorkMedianUs} µs`);
  console.log(`  refused call, alert each time   ${m.slowWebhook.refusedCallMedianUs} µs`);
  console.log(
    `    … with a 2 s webhook          ${m.slowWebhook.withSlowWebhookMedianUs} µs (queue full: ${m.slowWebhook.alertsDroppedFromFullQueue} dropped, never waited for)`,
  );
}

function round(x) {
  return Math.round(x * 100) / 100;
}
