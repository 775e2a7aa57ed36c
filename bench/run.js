// Mandate's benchmark: decision latency (beside Cedar-wasm on the same policies), compile time, audit append
// throughput and the heap of a compiled mandate. `npm run bench` builds first and runs this with --expose-gc.
//
//   node --expose-gc bench/run.js [--quick] [--json]
//
// --quick: few samples, for a smoke test. --json: one JSON object on stdout (progress goes to stderr).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cedar, cedarDecider, cedarStatelessDecider, buildContext, translate } from "./cedar.js";
import { makeCalls, makeForbiddenCalls, makeMandate, makeTools, NOW } from "./generate.js";
import { sinkValue, summary, timeBatches, timeRuns, timerOverheadUs, timeSingles } from "./measure.js";

// MANDATE_BENCH_DIST=/path/to/dist benchmarks another build (e.g. a branch with an optimisation).
const DIST = process.env.MANDATE_BENCH_DIST
  ? pathToFileURL(`${process.env.MANDATE_BENCH_DIST}/`).href
  : "../dist/";
const { compile, createCatalog, decide } = await import(`${DIST}core/index.js`);

const argv = new Set(process.argv.slice(2));
const QUICK = argv.has("--quick");
const JSON_OUT = argv.has("--json");
for (const a of argv) if (!["--quick", "--json"].includes(a)) throw new Error(`unknown flag ${a}`);

const CONFIG = QUICK
  ? {
      mandate: { samples: 200, batch: 100, warmup: 5_000, rounds: 2 },
      singles: 2_000,
      cedar: { samples: 10, batch: 5, warmup: 20 },
      cedarBig: { samples: 6, batch: 2, warmup: 4 },
      stateless: { samples: 3, batch: 1, warmup: 1 },
      statelessBig: { samples: 2, batch: 1, warmup: 1 },
      context: { samples: 100, batch: 100, warmup: 1_000 },
      compile: 15,
      compileBig: 2,
      audit: { records: 2_000, concurrency: 500 },
    }
  : {
      mandate: { samples: 3_000, batch: 100, warmup: 50_000, rounds: 6 },
      singles: 50_000,
      cedar: { samples: 300, batch: 10, warmup: 300 },
      cedarBig: { samples: 100, batch: 5, warmup: 50 },
      stateless: { samples: 100, batch: 5, warmup: 20 },
      statelessBig: { samples: 20, batch: 1, warmup: 3 },
      context: { samples: 1_000, batch: 100, warmup: 10_000 },
      compile: 300,
      compileBig: 15,
      audit: { records: 20_000, concurrency: 500 },
    };

const TARGETS = { decideMedianUs: 1, compileMedianMs: 5, heapMB: 16 };
const SIZES = [50, 1000];
const CALLS_PER_KIND = 64;
/** Tools whose calls meet a path, url or email form (in their allow rule or a deny rule). */
const FORM_VERBS = /\.(files_read|files_write|http_get|mail_send)$/;

const progress = (msg) => process.stderr.write(`· ${msg}\n`);
const started = performance.now();

// ---------------------------------------------------------------------------------------------------------
// Workloads: a catalog, a mandate and calls per size. The catalog is shared state (compiled once per
// deployment); mandates are compiled against it.

progress("generating catalogs and mandates");
const workloads = SIZES.map((n) => {
  const tools = makeTools(n);
  const catalog = createCatalog(tools);
  const { mandate, plans } = makeMandate(n);
  const compiled = compile(mandate, { catalog, now: NOW });
  const { allowed, denied } = makeCalls(plans, CALLS_PER_KIND);
  const forbidden = makeForbiddenCalls(tools);
  const translation = translate(
    mandate,
    tools.map((t) => t.name),
  );
  return {
    n,
    tools,
    catalog,
    mandate,
    plans,
    compiled,
    calls: { allow: allowed, deny: denied },
    forbidden,
    translation,
    rules: { allow: mandate.allow.length, deny: mandate.deny.length },
  };
});

const results = {
  machine: {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    cedar: cedar.getCedarVersion(),
  },
  mode: QUICK ? "quick" : "full",
  dist: process.env.MANDATE_BENCH_DIST ?? "dist",
  method: {
    decide:
      "decide(compiled, call, { now }) on 64 distinct calls per kind, cycled; each sample times a batch of " +
      "consecutive calls with one process.hrtime.bigint() pair and divides by the batch size; median and p99 " +
      "are over samples (so p99 is of batch means). Warm-up calls first, untimed. The cells are measured in " +
      "interleaved rounds so that load from elsewhere on the machine spreads over all of them. singleCall " +
      "times each call with its own hrtime pair (true per-call tail, timer cost included).",
    cedar:
      "cedar-wasm statefulIsAuthorized on policy sets preparsed once (preparsePolicySet), per call: build the " +
      "context (args + derived attributes), call Cedar, read the decision. Layouts: one set for all tools, or " +
      "one set per tool picked by the call's action. Stateless isAuthorized (policy text parsed on every call) " +
      "for reference.",
    compile:
      "compile(mandate, { catalog, now }) on a fresh deep copy each run (copies made beforehand); includes " +
      "validation. Catalog created once, outside the timing.",
    audit:
      "append(record) issued concurrently in waves (Promise.all of `concurrency` appends, then the next wave) " +
      "to a new file in the OS temp dir; records/s = records / wall time until the last wave resolved.",
    heap:
      "global.gc() then process.memoryUsage().heapUsed, before and after compiling (reference kept); the " +
      "catalog and the mandate's source object are created before the baseline and reported separately.",
  },
  workloads: workloads.map((w) => ({
    tools: w.n,
    allowRules: w.rules.allow,
    denyRules: w.rules.deny,
    constrainedArgs: w.mandate.allow.reduce((s, r) => s + Object.keys(r.args ?? {}).length, 0),
    budgets: w.mandate.allow.filter((r) => r.budget).length,
    cedarPolicies: w.translation.policies,
  })),
  decide: [],
  decideBreakdown: [],
  cedar: [],
  agreement: null,
  compile: [],
  audit: [],
  heap: null,
  targets: [],
  notes: [],
};

// ---------------------------------------------------------------------------------------------------------
// 5. Heap first, while the process is small and quiet.

const retained = [];
if (typeof globalThis.gc === "function") {
  progress("heap of a compiled 1,000-tool mandate");
  const gc = globalThis.gc;
  const settle = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const base0 = settle();
  const tools = makeTools(1000);
  const catalog = createCatalog(tools);
  const withCatalog = settle();
  const { mandate } = makeMandate(1000, { seed: 7 });
  const withSource = settle();
  const compiled = compile(mandate, { catalog, now: NOW });
  // Warm every plan's lazy state (if any) with one call per tool, as a long-lived mandate would be.
  for (const t of tools) decide(compiled, { tool: t.name, args: {}, callId: "h" }, { now: NOW });
  const withCompiled = settle();
  results.heap = {
    tools: 1000,
    compiledBytes: withCompiled - withSource,
    compiledMB: (withCompiled - withSource) / 2 ** 20,
    sourceMandateMB: (withSource - withCatalog) / 2 ** 20,
    catalogMB: (withCatalog - base0) / 2 ** 20,
  };
  retained.push(compiled, catalog);
} else {
  results.notes.push("heap: skipped (run node with --expose-gc)");
}

// ---------------------------------------------------------------------------------------------------------
// 1. Mandate's decision latency.

/** `timeBatches` without the raw samples. */
function timed(fn, calls, cfg) {
  // eslint-disable-next-line no-unused-vars
  const { perCall, ...stats } = timeBatches(fn, calls, cfg);
  return stats;
}

const overheadUs = timerOverheadUs();
results.method.timerOverheadUs = overheadUs;
const ctx = { now: NOW };
{
  // Every cell is measured in `rounds` slices, interleaved, so that a burst of load from elsewhere on the
  // machine spreads over all cells instead of spoiling one.
  const cells = [];
  for (const w of workloads) {
    const fn = (call) => decide(w.compiled, call, ctx);
    for (const kind of ["allow", "deny"]) {
      cells.push({ w, fn, calls: w.calls[kind], call: kind, main: true, samples: CONFIG.mandate.samples });
    }
    // The same allowed calls split by whether a path/url/email form is checked (by their rule or a deny rule).
    for (const [subset, keep] of [
      ["allow, flat constraints only", (c) => !FORM_VERBS.test(c.tool)],
      ["allow, with path/url/email forms", (c) => FORM_VERBS.test(c.tool)],
    ]) {
      const calls = w.calls.allow.filter(keep);
      cells.push({ w, fn, calls, call: subset, main: false, samples: Math.ceil(CONFIG.mandate.samples / 3) });
    }
  }
  const { rounds, batch, warmup } = CONFIG.mandate;
  for (const c of cells) c.perCall = [];
  for (let round = 0; round < rounds; round++) {
    progress(`mandate decide: round ${round + 1} of ${rounds}`);
    for (const c of cells) {
      const samples = Math.ceil(c.samples / rounds);
      const r = timeBatches(c.fn, c.calls, { samples, batch, warmup: round === 0 ? warmup : batch * 10 });
      c.perCall.push(...r.perCall);
    }
  }
  for (const c of cells) {
    const s = summary(c.perCall);
    const entry = {
      engine: "mandate",
      tools: c.w.n,
      call: c.call,
      medianUs: s.median,
      p99Us: s.p99,
      meanUs: s.mean,
      samples: c.perCall.length,
      batch,
      calls: c.perCall.length * batch,
      rounds,
      distinctCalls: c.calls.length,
    };
    if (c.main) {
      entry.singleCall = timeSingles(c.fn, c.calls, CONFIG.singles);
      entry.deltaItems = decide(c.w.compiled, c.calls[0], ctx).delta.length;
      results.decide.push(entry);
    } else {
      results.decideBreakdown.push(entry);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Cedar on the same policies; and agreement on every benchmark call.

const deciders = new Map();
for (const w of workloads) {
  progress(`cedar: preparsing ${w.translation.policies} policies (${w.n} tools)`);
  const t0 = performance.now();
  const single = cedarDecider(w.translation, "single", `single-${w.n}`);
  const t1 = performance.now();
  const perTool = cedarDecider(w.translation, "per-tool", `tool-${w.n}`);
  const t2 = performance.now();
  deciders.set(w.n, { single, perTool });
  w.preparseMs = { single: t1 - t0, perTool: t2 - t1 };
}

const disagreements = [];
let checked = 0;
for (const w of workloads) {
  const { single, perTool } = deciders.get(w.n);
  const sets = [...w.calls.allow, ...w.calls.deny, ...w.forbidden];
  for (const call of sets) {
    const ours = decide(w.compiled, call, ctx).verdict;
    const theirs = { single: single(call), "per-tool": perTool(call) };
    checked++;
    for (const [layout, v] of Object.entries(theirs)) {
      if (v !== ours)
        disagreements.push({ tools: w.n, layout, tool: call.tool, args: call.args, mandate: ours, cedar: v });
    }
  }
  // The benchmark's calls must be what they claim to be.
  for (const kind of ["allow", "deny"]) {
    for (const call of w.calls[kind]) {
      const d = decide(w.compiled, call, ctx);
      if (d.verdict !== kind || (kind === "deny" && d.delta.length !== 2)) {
        disagreements.push({
          tools: w.n,
          layout: "mandate-self-check",
          tool: call.tool,
          args: call.args,
          mandate: d.verdict,
          cedar: kind,
        });
      }
    }
  }
}
results.agreement = {
  calls: checked,
  layouts: 2,
  disagreements: disagreements.slice(0, 20),
  agreed: disagreements.length === 0,
};

for (const w of workloads) {
  const { single, perTool } = deciders.get(w.n);
  const big = w.n >= 1000;
  for (const kind of ["allow", "deny"]) {
    const calls = w.calls[kind];
    for (const [layout, fn] of [
      ["per-tool", perTool],
      ["single", single],
    ]) {
      progress(`cedar (preparsed, ${layout}): ${w.n} tools, ${kind}`);
      const cfg = big && layout === "single" ? CONFIG.cedarBig : CONFIG.cedar;
      results.cedar.push({
        engine: "cedar",
        api: "preparsed",
        layout,
        tools: w.n,
        call: kind,
        ...timed(fn, calls, cfg),
      });
    }
  }
  // Stateless API, allowed calls only: parsing dominates, the verdict hardly matters.
  for (const layout of ["per-tool", "single"]) {
    progress(`cedar (isAuthorized, ${layout}): ${w.n} tools, allow`);
    const fn = cedarStatelessDecider(w.translation, layout, `${layout}-${w.n}`);
    const cfg = big && layout === "single" ? CONFIG.statelessBig : CONFIG.stateless;
    results.cedar.push({
      engine: "cedar",
      api: "stateless",
      layout,
      tools: w.n,
      call: "allow",
      ...timed(fn, w.calls.allow, cfg),
    });
  }
  // What the host-side context building costs inside the Cedar figures.
  const derived = w.translation.derived;
  const ctxFn = (call) => buildContext(call.args, derived.get(call.tool) ?? []);
  const ctxCost = timed(ctxFn, w.calls.allow, CONFIG.context);
  results.cedar.push({
    engine: "cedar",
    api: "context-only",
    layout: "-",
    tools: w.n,
    call: "allow",
    ...ctxCost,
  });
}
results.cedarPreparseMs = Object.fromEntries(workloads.map((w) => [w.n, w.preparseMs]));

// ---------------------------------------------------------------------------------------------------------
// 3. Compile time.

{
  // 45 allow rules and the 5 deny rules: a 60-tool catalog has 50 grantable tools, so every rule names one.
  const tools60 = makeTools(60);
  const catalog60 = createCatalog(tools60);
  const { mandate: m60 } = makeMandate(60, { seed: 11, maxAllow: 45 });
  const big = workloads[1];
  const cases = [
    {
      name: "50 rules, 60-tool catalog",
      mandate: m60,
      catalog: catalog60,
      runs: CONFIG.compile,
      target: true,
    },
    { name: "50 rules, 1,000-tool catalog", mandate: m60, catalog: big.catalog, runs: CONFIG.compile },
    {
      name: `${big.rules.allow + big.rules.deny} rules, 1,000-tool catalog`,
      mandate: big.mandate,
      catalog: big.catalog,
      runs: CONFIG.compileBig,
    },
  ];
  for (const c of cases) {
    progress(`compile: ${c.name}`);
    const rules = c.mandate.allow.length + c.mandate.deny.length;
    const warm = Math.min(20, c.runs);
    const copies = Array.from({ length: c.runs + warm }, () => structuredClone(c.mandate));
    for (let i = 0; i < warm; i++) compile(copies[c.runs + i], { catalog: c.catalog, now: NOW });
    const r = timeRuns((i) => compile(copies[i], { catalog: c.catalog, now: NOW }), c.runs);
    results.compile.push({
      case: c.name,
      rules,
      catalogTools: c.catalog.tools.size,
      ...r,
      target: c.target === true,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 4. Audit append throughput.

async function loadStore(spec, name) {
  try {
    const mod = await import(spec);
    return mod[name] ? { store: mod[name] } : { error: `${name} is not exported by ${spec}` };
  } catch (error) {
    return { error: `cannot load ${spec}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function auditRecords(count) {
  const w = workloads[0];
  const decisions = [...w.calls.allow.slice(0, 16), ...w.calls.deny.slice(0, 16)].map((call) => ({
    call,
    d: decide(w.compiled, call, ctx),
  }));
  return Array.from({ length: count }, (_, i) => {
    const { call, d } = decisions[i % decisions.length];
    const allowed = d.verdict === "allow";
    return {
      event: "decision",
      time: new Date(NOW + i).toISOString(),
      mandateId: d.mandateId,
      subject: "user:alice",
      agent: "assistant",
      session: `session-${i % 8}`,
      callId: `${call.callId}-${i}`,
      tool: d.tool,
      args: call.args,
      verdict: d.verdict,
      effect: allowed ? "allow" : "deny",
      mode: d.mode,
      delta: d.delta,
      rule: d.rule,
      reason: d.reason,
      approval: null,
      outcome: allowed ? "pending" : "not_run",
      error: null,
      latencyMs: 0.01,
    };
  });
}

async function auditBench(label, open, fileName, verify) {
  const dir = mkdtempSync(join(os.tmpdir(), "mandate-bench-"));
  const file = join(dir, fileName);
  const { records: count, concurrency } = CONFIG.audit;
  const records = auditRecords(count);
  try {
    const log = await open(file);
    // Warm the statements and the file with one small wave, outside the timing.
    await Promise.all(records.slice(0, 50).map((r) => log.append(r)));
    const t0 = performance.now();
    for (let i = 0; i < count; i += concurrency) {
      await Promise.all(records.slice(i, i + concurrency).map((r) => log.append(r)));
    }
    const ms = performance.now() - t0;
    let chain = null;
    if (verify && typeof log.verify === "function") chain = await log.verify();
    await log.close();
    const bytes = statSync(file).size;
    results.audit.push({
      store: label,
      records: count,
      concurrency,
      seconds: ms / 1000,
      recordsPerSec: count / (ms / 1000),
      bytesPerRecord: bytes / (count + 50),
      chainValid: chain === null ? null : chain.ok && chain.count === count + 50,
    });
  } catch (error) {
    results.audit.push({
      store: label,
      skipped: `failed: ${error instanceof Error ? error.message : String(error)}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

{
  const sqlite = await loadStore(`${DIST}stores/sqlite/index.js`, "SqliteAuditLog");
  if (sqlite.store) {
    const Sqlite = sqlite.store;
    progress("audit: sqlite (durability: process)");
    await auditBench(
      "sqlite (WAL, synchronous=NORMAL: survives a process crash)",
      (f) => Sqlite.open(f),
      "audit.db",
      true,
    );
    progress("audit: sqlite (durability: power)");
    await auditBench(
      "sqlite (WAL, synchronous=FULL: fsync per batch, survives power loss)",
      (f) => Sqlite.open(f, { durability: "power" }),
      "audit.db",
      false,
    );
  } else {
    results.audit.push({ store: "sqlite", skipped: sqlite.error });
  }
  const jsonl = await loadStore(`${DIST}stores/index.js`, "JsonlAuditLog");
  if (jsonl.store) {
    const Jsonl = jsonl.store;
    progress("audit: jsonl");
    await auditBench("jsonl (fdatasync per batch)", (f) => Jsonl.open(f), "audit.jsonl", false);
  } else {
    results.audit.push({ store: "jsonl", skipped: jsonl.error });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 6. Targets.

for (const r of results.decide) {
  results.targets.push({
    name: `decide median, ${r.tools} tools, ${r.call === "allow" ? "allowed" : "denied (2-item delta)"}`,
    target: `≤ ${TARGETS.decideMedianUs} µs`,
    value: r.medianUs,
    unit: "µs",
    pass: r.medianUs <= TARGETS.decideMedianUs,
  });
}
const compileTarget = results.compile.find((c) => c.target);
results.targets.push({
  name: "compile a 50-rule mandate (median)",
  target: `≤ ${TARGETS.compileMedianMs} ms`,
  value: compileTarget.medianMs,
  unit: "ms",
  pass: compileTarget.medianMs <= TARGETS.compileMedianMs,
});
if (results.heap) {
  results.targets.push({
    name: "heap of a compiled 1,000-tool mandate",
    target: `≤ ${TARGETS.heapMB} MB`,
    value: results.heap.compiledMB,
    unit: "MB",
    pass: results.heap.compiledMB <= TARGETS.heapMB,
  });
}
if (!results.agreement.agreed) {
  results.notes.push(`WARNING: Cedar and Mandate disagreed on ${disagreements.length} (call, layout) pairs`);
}
results.seconds = (performance.now() - started) / 1000;
results.sink = sinkValue();

// ---------------------------------------------------------------------------------------------------------
// Output.

if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  printReport(results);
}

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(cells[0]), widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

function us(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : v >= 100 ? `${v.toFixed(0)} µs` : `${v.toFixed(2)} µs`;
}

function printReport(r) {
  const out = [];
  const m = r.machine;
  out.push(`Mandate benchmark (${r.mode})`);
  out.push(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB; ${m.os}; node ${m.node}; cedar-wasm ${m.cedar}`,
  );
  out.push("");
  out.push("Workloads");
  out.push(
    table(
      ["tools", "allow rules", "deny rules", "constrained args", "budgets", "cedar policies (one set)"],
      r.workloads.map((w) => [
        w.tools,
        w.allowRules,
        w.denyRules,
        w.constrainedArgs,
        w.budgets,
        w.cedarPolicies,
      ]),
    ),
  );
  out.push("");
  out.push(
    "1–2. Decision latency per call (median and p99 of batch means; single-call column: each call timed alone)",
  );
  const rows = [];
  for (const d of r.decide) {
    rows.push([
      `mandate  ${d.tools} tools, ${d.call}`,
      us(d.medianUs),
      us(d.p99Us),
      `${us(d.singleCall.medianUs)} / ${us(d.singleCall.p99Us)}`,
      `${d.samples}×${d.batch}`,
    ]);
  }
  for (const d of r.decideBreakdown) {
    rows.push([
      `mandate  ${d.tools} tools, ${d.call}`,
      us(d.medianUs),
      us(d.p99Us),
      "",
      `${d.samples}×${d.batch}`,
    ]);
  }
  for (const c of r.cedar) {
    const label =
      c.api === "context-only"
        ? `cedar    ${c.tools} tools, context building only`
        : `cedar    ${c.tools} tools, ${c.call}, ${c.api === "stateless" ? "isAuthorized" : "preparsed"}, ${c.layout === "single" ? "one set" : "set per tool"}`;
    rows.push([label, us(c.medianUs), us(c.p99Us), "", `${c.samples}×${c.batch}`]);
  }
  out.push(table(["engine / workload", "median", "p99", "single p50 / p99", "samples×batch"], rows));
  out.push(
    `timer overhead (one hrtime pair, in single-call figures): ${(r.method.timerOverheadUs * 1000).toFixed(0)} ns`,
  );
  const ag = r.agreement;
  out.push(
    ag.agreed
      ? `agreement: Cedar (both layouts) and Mandate gave the same verdict on all ${ag.calls} calls ✓`
      : `WARNING: Cedar and Mandate disagreed: ${JSON.stringify(ag.disagreements.slice(0, 3))}`,
  );
  out.push(
    `cedar preparse: ${Object.entries(r.cedarPreparseMs)
      .map(([n, p]) => `${n} tools: one set ${p.single.toFixed(0)} ms, per tool ${p.perTool.toFixed(0)} ms`)
      .join("; ")}`,
  );
  out.push("");
  out.push("3. Compile (validate + compile), fresh mandate object per run");
  out.push(
    table(
      ["mandate", "median", "p99", "min", "runs"],
      r.compile.map((c) => [
        c.case,
        `${c.medianMs.toFixed(2)} ms`,
        `${c.p99Ms.toFixed(2)} ms`,
        `${c.minMs.toFixed(2)} ms`,
        c.runs,
      ]),
    ),
  );
  out.push("");
  out.push("4. Audit append throughput (durable when the promise resolves)");
  out.push(
    table(
      ["store", "records/s", "records", "concurrency", "bytes/record", "chain"],
      r.audit.map((a) =>
        a.skipped
          ? [a.store, `skipped: ${a.skipped}`, "", "", "", ""]
          : [
              a.store,
              Math.round(a.recordsPerSec).toLocaleString("en"),
              a.records,
              a.concurrency,
              Math.round(a.bytesPerRecord),
              a.chainValid === null ? "-" : a.chainValid ? "valid" : "INVALID",
            ],
      ),
    ),
  );
  out.push("");
  if (r.heap) {
    out.push(
      `5. Heap: compiled 1,000-tool mandate ${r.heap.compiledMB.toFixed(2)} MB ` +
        `(its source object ${r.heap.sourceMandateMB.toFixed(2)} MB; the shared 1,000-tool catalog ${r.heap.catalogMB.toFixed(2)} MB)`,
    );
    out.push("");
  }
  out.push("6. Targets (DESIGN.md §6)");
  out.push(
    table(
      ["", "target", "measured", ""],
      r.targets.map((t) => [
        t.name,
        t.target,
        `${t.value.toFixed(t.unit === "µs" ? 2 : 2)} ${t.unit}`,
        t.pass ? "✓ pass" : "✗ MISS",
      ]),
    ),
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push("");
  out.push("Method");
  for (const [k, v] of Object.entries(r.method)) if (typeof v === "string") out.push(`- ${k}: ${v}`);
  out.push(`(${r.seconds.toFixed(0)} s)`);
  process.stdout.write(`${out.join("\n")}\n`);
}
