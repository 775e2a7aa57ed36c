// Provenance micro-benchmark: findValue and overlap over a session log holding 1 MB of recorded tool outputs,
// the heap that log takes, and the cost of observing. Run on the built output:
//
//   npx tsc -p tsconfig.build.json && node --expose-gc bench/provenance.js [--quick] [--json] [--mb N]
//
// --quick: few samples, for a smoke test. --json: one JSON object on stdout (progress goes to stderr).
// --mb N: megabytes of recorded outputs (default 1).
import os from "node:os";
import { pathToFileURL } from "node:url";
import { rng } from "./generate.js";
import { consume, sinkValue, summary, timeBatches, timeSingles } from "./measure.js";

const DIST = process.env.MANDATE_BENCH_DIST
  ? pathToFileURL(`${process.env.MANDATE_BENCH_DIST}/`).href
  : "../dist/";
const { ObservationLog, findValue, overlap } = await import(`${DIST}core/provenance/index.js`);
const { createGuard } = await import(`${DIST}index.js`);

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const JSON_OUT = args.includes("--json");
const mbAt = args.indexOf("--mb");
const MB = mbAt === -1 ? 1 : Number(args[mbAt + 1]);
for (const [i, a] of args.entries()) {
  if (!["--quick", "--json", "--mb"].includes(a) && args[i - 1] !== "--mb")
    throw new Error(`unknown flag ${a}`);
}
if (!(MB > 0)) throw new Error("--mb needs a positive number");

const CONFIG = QUICK
  ? {
      batch: { samples: 200, batch: 50, warmup: 2_000 },
      singles: 2_000,
      overlap: { samples: 30, batch: 3, warmup: 30 },
    }
  : {
      batch: { samples: 3_000, batch: 100, warmup: 50_000 },
      singles: 50_000,
      overlap: { samples: 500, batch: 5, warmup: 500 },
    };
const TARGET_FIND_MEDIAN_US = 50;
const progress = (msg) => process.stderr.write(`· ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------
// A session: three user messages, then tool outputs (transaction lists, e-mails, files) up to MB megabytes.

const r = rng(20260320);
const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ra",
  "to",
  "su",
  "ve",
  "di",
  "po",
  "an",
  "er",
  "in",
  "ul",
  "ste",
  "ber",
];
const COMMON = (
  "the of and to a in is it you that he was for on are with as i his they be at one have this from or had by " +
  "not word but what some we can out other were all there when up use your how said an each she which do their " +
  "time if will way about many then them write would like so these her long make thing see him two has look " +
  "more day could go come did number sound no most people my over know water than call first who may down side"
).split(" ");
const RARE = Array.from({ length: 6000 }, () =>
  Array.from({ length: r.int(2, 4) }, () => r.pick(SYLLABLES)).join(""),
);
/** Zipf-like: common words often, a long tail of rare ones. */
const word = () => (r() < 0.55 ? r.pick(COMMON) : RARE[Math.floor(RARE.length * r() ** 2)]);
const sentence = (n = r.int(6, 18)) => {
  const w = Array.from({ length: n }, word);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(" ")}.`;
};
const digits = (n) => Array.from({ length: n }, () => r.int(0, 9)).join("");
const iban = () => `${r.pick(["DE", "FR", "GB", "NL", "CY"])}${digits(2)}${digits(r.int(16, 24))}`;
const grouped = (s) => s.replace(/(.{4})/g, "$1 ").trim();
const email = () => `${r.pick(RARE)}.${r.pick(RARE)}@${r.pick(RARE)}.${r.pick(["com", "de", "org", "net"])}`;
const amount = () => (r() < 0.5 ? r.int(5, 5000) : Number(`${r.int(1, 3000)}.${digits(2)}`));
const date = () => `2026-0${r.int(1, 3)}-${String(r.int(1, 28)).padStart(2, "0")}`;

const USER_IBAN = "DE89370400440532013000";
const USER_EMAIL = "lena.vogel@example.org";
const USER_SENTENCE = "pay the electricity bill before friday";
const user = [
  `Please ${USER_SENTENCE} and send my rent of 1,200.00 EUR to ${grouped(USER_IBAN)}.`,
  `Also e-mail the receipt to ${USER_EMAIL}, thanks.`,
  "How much did I spend on subscriptions this month? Just look, don't change anything.",
];

const ibans = Array.from({ length: 400 }, iban);
const emails = Array.from({ length: 300 }, email);

/** Tool outputs — transaction lists, e-mails, files with a CSV part, in turn — up to `mb` megabytes of JSON. */
function generate(mb) {
  const list = [];
  let bytes = 0;
  while (bytes < mb * 1024 * 1024) {
    const k = list.length % 3;
    let content;
    if (k === 0) {
      content = Array.from({ length: r.int(15, 40) }, (_, i) => ({
        id: 1000 + i,
        date: date(),
        sender: r.pick(ibans),
        recipient: r.pick(ibans),
        amount: amount(),
        subject: sentence(r.int(2, 6)),
      }));
    } else if (k === 1) {
      content = {
        from: r.pick(emails),
        to: r.pick(emails),
        subject: sentence(r.int(3, 8)),
        body: Array.from({ length: r.int(4, 12) }, () =>
          Array.from({ length: r.int(2, 6) }, () =>
            r() < 0.15 ? `${sentence()} Amount ${amount()} EUR to ${grouped(r.pick(ibans))}.` : sentence(),
          ).join(" "),
        ).join("\n\n"),
      };
    } else {
      content = [
        Array.from({ length: r.int(8, 30) }, () => sentence()).join(" "),
        "date,recipient,amount,subject",
        ...Array.from(
          { length: r.int(5, 25) },
          () => `${date()},${r.pick(ibans)},${amount()},${r.pick(RARE)}`,
        ),
      ].join("\n");
    }
    bytes += JSON.stringify(content).length;
    list.push(content);
  }
  return { list, bytes };
}
const { list: outputs, bytes: size } = generate(MB);

const gc = globalThis.gc;
/** JS heap plus the backing stores of typed arrays (which V8 keeps outside the heap). */
const heap = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

function build(options) {
  const log = new ObservationLog(options);
  user.forEach((text, i) => log.observe({ id: `user:${i + 1}`, trust: "trusted", kind: "user" }, text));
  outputs.forEach((content, i) =>
    log.observe(
      { id: `call-${i}`, trust: "untrusted", kind: "tool", tool: "read", callId: `call-${i}` },
      content,
    ),
  );
  return log;
}

progress(`generated ${outputs.length} tool outputs, ${(size / 1048576).toFixed(2)} MB of JSON`);
const heapBefore = heap();
const t0 = process.hrtime.bigint();
const log = build();
const observeMs = Number(process.hrtime.bigint() - t0) / 1e6;
const heapAfter = heap();
const heapMB = (heapAfter - heapBefore) / 1048576;
progress(`observed in ${observeMs.toFixed(1)} ms: ${log.size} sources, ${log.chars} normalised chars`);

const observeRuns = QUICK ? 2 : 6;
const observeTimes = [];
for (let i = 0; i < observeRuns; i++) {
  const s = process.hrtime.bigint();
  consume(build().size);
  observeTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
}

// ---------------------------------------------------------------------------------------------------------
// findValue: a mix of what a Guard asks — values the user gave, values only in outputs, invented values.

const present = (s) => r.pick(outputs.filter((_, i) => i % 3 === 0)).map((t) => t[s]);
const QUERIES = {
  "user IBAN, compact": USER_IBAN,
  "user IBAN, grouped": grouped(USER_IBAN),
  "output IBAN": r.pick(ibans),
  "output IBAN, grouped": grouped(r.pick(ibans)),
  "invented IBAN": "CY17002001280000001200527600",
  "user e-mail": USER_EMAIL,
  "output e-mail": outputs[1].from,
  "invented e-mail": "attacker@evil.example",
  "amount 1200": 1200,
  "output amount": present("amount")[0],
  "invented amount": 98765.43,
  "user sentence": USER_SENTENCE,
  "output subject": present("subject")[0],
  "common words": "the number of people who",
  "invented text": "wire the money to the new account today",
};

const entries = Object.entries(QUERIES);
const calls = entries.map(([, v]) => v);
progress("findValue …");
const findAll = timeBatches((v) => findValue(log, v), calls, CONFIG.batch);
const findSingles = timeSingles((v) => findValue(log, v), calls, CONFIG.singles);
const perQuery = entries.map(([name, value]) => {
  const t = timeSingles(() => findValue(log, value), [0], Math.max(200, CONFIG.singles / entries.length));
  const f = findValue(log, value);
  return {
    name,
    medianUs: t.medianUs,
    p99Us: t.p99Us,
    trusted: f.trusted.length,
    untrusted: f.untrusted.length,
  };
});

// ---------------------------------------------------------------------------------------------------------
// overlap: an e-mail body quoting a recorded paragraph, a fresh reply, a URL query carrying an IBAN.

const quoted = outputs.find((o, i) => i % 3 === 1).body.split("\n\n")[0];
const TEXTS = {
  "body quoting an output (1.5 KB)":
    `Hi,\n\nas discussed: ${quoted}\n\n${Array.from({ length: 8 }, () => sentence()).join(" ")}`.slice(
      0,
      1536,
    ),
  "fresh body (1.5 KB)": Array.from({ length: 40 }, () => sentence())
    .join(" ")
    .slice(0, 1536),
  "URL with an IBAN, regrouped": `https://collect.example/p?d=${grouped(ibans[0])}&ref=x`,
};
progress("overlap …");
const overlaps = Object.entries(TEXTS).map(([name, text]) => {
  const t = timeBatches(() => overlap(log, text), [0], CONFIG.overlap);
  const s = summary(t.perCall);
  const report = overlap(log, text);
  return {
    name,
    chars: text.length,
    medianUs: s.median,
    p99Us: s.p99,
    flows: report.flows.length,
    longestRun: report.flows[0]?.longestRun ?? 0,
  };
});

// ---------------------------------------------------------------------------------------------------------
// Through the Guard: the same session observed by a Guard (observeUser / observeResult), and calls to rules with a
// value-origin requirement and a flow rule. `decide` is the decision alone; `run` adds the memory budget store,
// the memory audit log (written ahead and after) and the tool.

const guard = createGuard({
  mandate: {
    mandate: 1,
    id: "bench-provenance",
    allow: [
      {
        tool: "send_money",
        args: { recipient: { type: "string", provenance: "trusted" }, amount: { maximum: 5000 } },
      },
      { tool: "send_email", args: { to: { type: "string" }, body: { type: "string", flow: {} } } },
    ],
  },
});
user.forEach((text) => guard.observeUser(text));
outputs.forEach((content, i) => guard.observeResult("read", `call-${i}`, content));
const GUARD_CALLS = {
  "send_money, user's IBAN (allow)": {
    tool: "send_money",
    args: { recipient: grouped(USER_IBAN), amount: 1200 },
  },
  "send_money, output IBAN (deny)": { tool: "send_money", args: { recipient: ibans[7], amount: 1200 } },
  "send_email, fresh reply (allow)": {
    tool: "send_email",
    args: { to: USER_EMAIL, body: "Thanks, received. I will pay the electricity bill before friday." },
  },
  "send_email, output IBAN in body (deny)": {
    tool: "send_email",
    args: { to: USER_EMAIL, body: `Please note the account ${ibans[11]} for later.` },
  },
};
progress("through the Guard …");
const throughGuard = [];
for (const [name, call] of Object.entries(GUARD_CALLS)) {
  const verdict = guard.decide(call).verdict;
  const t = timeSingles(() => guard.decide(call), [0], Math.max(500, CONFIG.singles / 4));
  throughGuard.push({ name, stage: "decide", verdict, medianUs: t.medianUs, p99Us: t.p99Us });
}
{
  const call = GUARD_CALLS["send_money, user's IBAN (allow)"];
  const samples = [];
  const n = QUICK ? 300 : 5_000;
  let ran = 0;
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const res = await guard.run(call, () => ++ran);
    samples.push(Number(process.hrtime.bigint() - s) / 1e3);
    consume(res.ok ? 1 : 0);
  }
  const st = summary(samples);
  throughGuard.push({
    name: "send_money, user's IBAN (allow)",
    stage: "run",
    verdict: ran === n ? "allow" : "deny",
    medianUs: st.median,
    p99Us: st.p99,
  });
}

// Heap of a log at its default bound (4 MiB), filled with fresh outputs.
let heapFullMB = null;
if (!QUICK && gc) {
  const more = generate(4.5).list;
  const before = heap();
  const full = new ObservationLog();
  for (let i = 0; full.dropped.sources === 0 && i < more.length; i++) {
    full.observe({ id: `c${i}`, trust: "untrusted", kind: "tool" }, more[i]);
  }
  heapFullMB = (heap() - before) / 1048576;
  consume(full.size);
}

const result = {
  mode: QUICK ? "quick" : "full",
  machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
  log: { sources: log.size, outputsMB: size / 1048576, normalisedChars: log.chars, truncated: log.truncated },
  observe: { firstMs: observeMs, medianMs: summary(observeTimes).median },
  heap: gc ? { logMB: heapMB, fullLogMB: heapFullMB } : null,
  findValue: {
    medianUs: findSingles.medianUs,
    p99Us: findSingles.p99Us,
    batchedMedianUs: findAll.medianUs,
    perQuery,
  },
  overlap: overlaps,
  guard: throughGuard,
  targets: [
    {
      name: `findValue median ≤ ${TARGET_FIND_MEDIAN_US} µs with ${MB} MB recorded`,
      value: findSingles.medianUs,
      pass: findSingles.medianUs <= TARGET_FIND_MEDIAN_US,
    },
    ...throughGuard
      .filter((g) => g.stage === "decide" && g.name.startsWith("send_money"))
      .map((g) => ({
        name: `Guard decision with a value-origin check (${g.name}) median ≤ ${TARGET_FIND_MEDIAN_US} µs`,
        value: g.medianUs,
        pass: g.medianUs <= TARGET_FIND_MEDIAN_US,
      })),
  ],
  sink: sinkValue(),
};

if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const f = (x, d = 2) => (x === null ? "–" : x.toFixed(d));
  const out = [];
  out.push(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node}`);
  out.push(
    `log: ${result.log.sources} sources, ${f(result.log.outputsMB)} MB of outputs (JSON), ` +
      `${result.log.normalisedChars} normalised chars`,
  );
  out.push(`observe everything: ${f(result.observe.medianMs, 1)} ms median`);
  if (result.heap) {
    out.push(
      `heap of the log: ${f(result.heap.logMB)} MB` +
        (result.heap.fullLogMB === null
          ? ""
          : `; at the 4 MiB default bound: ${f(result.heap.fullLogMB)} MB`),
    );
  } else out.push("heap: run with --expose-gc");
  out.push("");
  out.push(
    `findValue, all queries: median ${f(findSingles.medianUs)} µs, p99 ${f(findSingles.p99Us)} µs ` +
      `(batched median ${f(findAll.medianUs)} µs/call)`,
  );
  for (const q of perQuery) {
    out.push(
      `  ${q.name.padEnd(24)} median ${f(q.medianUs).padStart(7)} µs  p99 ${f(q.p99Us).padStart(7)} µs  ` +
        `found in ${q.trusted} trusted, ${q.untrusted} untrusted`,
    );
  }
  out.push("");
  out.push("overlap:");
  for (const o of overlaps) {
    out.push(
      `  ${o.name.padEnd(34)} median ${f(o.medianUs, 1).padStart(8)} µs  p99 ${f(o.p99Us, 1).padStart(8)} µs  ` +
        `${o.flows} flow(s), longest run ${o.longestRun}`,
    );
  }
  out.push("");
  out.push("through the Guard (same session, observed with observeUser/observeResult):");
  for (const g of throughGuard) {
    out.push(
      `  ${g.stage.padEnd(6)} ${g.name.padEnd(40)} ${g.verdict.padEnd(5)} median ${f(g.medianUs, 1).padStart(8)} µs  ` +
        `p99 ${f(g.p99Us, 1).padStart(8)} µs`,
    );
  }
  out.push("");
  for (const t of result.targets) out.push(`${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${f(t.value)} µs`);
  process.stdout.write(`${out.join("\n")}\n`);
}
