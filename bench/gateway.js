// The MCP gateway's cost: latency a `tools/call` gains through `mandate gateway` (stdio in, stdio out), against a
// direct connection to the same server in the same run, and throughput with calls in flight. Both sides use the
// real MCP SDK Client and a real server process; the gateway is the real CLI process with a SQLite audit log.
//
//   npm run build && node bench/gateway.js [--quick] [--json]
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { summary } from "./measure.js";

const argv = new Set(process.argv.slice(2));
const QUICK = argv.has("--quick");
const JSON_OUT = argv.has("--json");
for (const a of argv) if (!["--quick", "--json"].includes(a)) throw new Error(`unknown flag ${a}`);
const N = QUICK ? 300 : 3_000;
const WARMUP = QUICK ? 100 : 500;
const CONCURRENCY = 8;
const TARGET_P99_ADDED_MS = 1;

const root = fileURLToPath(new URL("..", import.meta.url));
const SERVER = join(root, "bench/fixtures/echo-server.mjs");
const dir = mkdtempSync(join(os.tmpdir(), "mandate-bench-gw-"));
const mandate = join(dir, "mandate.yaml");
writeFileSync(
  mandate,
  "mandate: 1\nid: bench-gateway\nallow:\n  - tool: echo\n    args: { text: { maxLength: 100 }, n: { minimum: 0 } }\n",
);
const progress = (msg) => process.stderr.write(`· ${msg}\n`);

async function connect(args) {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: "ignore" }));
  return client;
}

async function latencies(client, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const res = await client.callTool({ name: "echo", arguments: { text: "hello", n: i } });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.isError) throw new Error(`call ${i} failed: ${JSON.stringify(res.content)}`);
  }
  return out;
}

async function throughput(client, n) {
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        await client.callTool({ name: "echo", arguments: { text: "hello", n: i } });
      }
    }),
  );
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

const direct = await connect([SERVER]);
const gateway = await connect([
  join(root, "bin/mandate.js"),
  "gateway",
  "--mandate",
  mandate,
  "--audit",
  join(dir, "audit.db"),
  "--budgets",
  join(dir, "budgets.db"),
  "--",
  process.execPath,
  SERVER,
]);

progress("warming up …");
await latencies(direct, WARMUP);
await latencies(gateway, WARMUP);
// Interleaved rounds, so drift on a shared machine falls on both sides alike.
const d = [];
const g = [];
const rounds = 5;
for (let r = 0; r < rounds; r++) {
  progress(`round ${r + 1}/${rounds} …`);
  d.push(...(await latencies(direct, N / rounds)));
  g.push(...(await latencies(gateway, N / rounds)));
}
const denied = [];
for (let i = 0; i < (QUICK ? 100 : 1000); i++) {
  const t = process.hrtime.bigint();
  const res = await gateway.callTool({ name: "echo", arguments: { text: "x".repeat(200), n: i } });
  denied.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (!res.isError) throw new Error("expected a denial");
}
progress("throughput …");
const directRps = await throughput(direct, N);
const gatewayRps = await throughput(gateway, N);
await direct.close();
await gateway.close();

const sd = summary(d);
const sg = summary(g);
const sden = summary(denied);
const result = {
  mode: QUICK ? "quick" : "full",
  machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
  calls: N,
  directMs: { p50: sd.median, p99: sd.p99 },
  gatewayMs: { p50: sg.median, p99: sg.p99 },
  addedMs: { p50: sg.median - sd.median, p99: sg.p99 - sd.p99 },
  deniedThroughGatewayMs: { p50: sden.median, p99: sden.p99 },
  throughput: { concurrency: CONCURRENCY, directPerSec: directRps, gatewayPerSec: gatewayRps },
  targets: [
    {
      name: `added p99 ≤ ${TARGET_P99_ADDED_MS} ms on stdio`,
      value: sg.p99 - sd.p99,
      pass: sg.p99 - sd.p99 <= TARGET_P99_ADDED_MS,
    },
  ],
};
if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const f = (x) => x.toFixed(3);
  process.stdout.write(
    [
      `machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node}`,
      `tools/call latency over ${N} calls (ms):    p50      p99`,
      `  direct to the server                  ${f(sd.median).padStart(7)}  ${f(sd.p99).padStart(7)}`,
      `  through mandate gateway (allowed)     ${f(sg.median).padStart(7)}  ${f(sg.p99).padStart(7)}`,
      `  added by the gateway                  ${f(sg.median - sd.median).padStart(7)}  ${f(sg.p99 - sd.p99).padStart(7)}`,
      `  through the gateway, denied           ${f(sden.median).padStart(7)}  ${f(sden.p99).padStart(7)}`,
      `throughput, ${CONCURRENCY} calls in flight: direct ${directRps.toFixed(0)}/s, through the gateway ${gatewayRps.toFixed(0)}/s`,
      ...result.targets.map((t) => `${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${f(t.value)} ms`),
    ].join("\n") + "\n",
  );
}
