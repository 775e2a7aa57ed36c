import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { registerInferCommand } from "../../src/cli/commands/infer.js";
import { loadMandate, parseMandate } from "../../src/core/load.js";
import { compile } from "../../src/core/compile.js";
import { createGuard } from "../../src/guard/guard.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";
import { JsonlAuditLog } from "../../src/stores/jsonl/audit-log.js";
import { useTempDir } from "../stores/temp-dir.js";

const temp = useTempDir("mandate-infer-");

/** Runs `mandate <argv>` with only the infer commands registered. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  let code = 0;
  const program = new Command("mandate")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: (t) => err.push(t) });
  registerInferCommand(program, io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof Error && "code" in error && typeof error.code === "string")
      return { code: 64, out: out.join("\n"), err: err.join("\n") };
    const { CliError } = await import("../../src/cli/exit-codes.js");
    if (error instanceof CliError)
      return { code: error.code, out: out.join("\n"), err: `${err.join("\n")}${error.message}` };
    throw error;
  }
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const MANDATE = `
mandate: 1
id: broad
mode: shadow
allow:
  - tool: read_file
  - tool: send_money
    args:
      amount: { maximum: 5000 }
`;

async function record(log: SqliteAuditLog | JsonlAuditLog): Promise<void> {
  const guard = createGuard({
    mandate: compile(loadMandate(MANDATE)),
    audit: log,
    budgets: new MemoryBudgetStore(),
  });
  const exec = () => "ok";
  await guard.run({ tool: "read_file", args: { path: "/home/emma/bills/a.txt" } }, exec);
  await guard.run({ tool: "send_money", args: { recipient: "DE1", amount: 86.4 } }, exec);
  await guard.run({ tool: "send_money", args: { recipient: "DE2", amount: 40 } }, exec);
}

describe("mandate infer", () => {
  test("from a SQLite audit log: YAML that loads and allows what ran", async () => {
    const db = temp("audit.db");
    const log = await SqliteAuditLog.open(db);
    await record(log);
    await log.close();
    const r = await run([
      "infer",
      "--db",
      db,
      "--numbers",
      "range",
      "--strings",
      "set",
      "--ttl",
      "2h",
      "--id",
      "pay",
    ]);
    expect(r.code).toBe(0);
    const loaded = parseMandate(r.out);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.mandate).toMatchObject({ id: "pay", ttl: "2h" });
    const send = loaded.mandate.allow!.find((x) => x.tool === "send_money")!;
    expect(send.args).toEqual({
      amount: { type: "number", minimum: 40, maximum: 86.4 },
      recipient: { enum: ["DE1", "DE2"] },
    });
    expect(send.budget).toEqual({ calls: 2, sum: { amount: 126.4 } });
    expect(r.err).toContain("inferred from 3 calls");
  });

  test("from a JSONL log and a trace, with --json; a trace's attack calls are not learnt from", async () => {
    const jsonl = temp("audit.jsonl");
    const log = await JsonlAuditLog.open(jsonl);
    await record(log);
    await log.close();
    const trace = temp("trace.json");
    writeFileSync(
      trace,
      JSON.stringify({
        format: "mandate-trace/1",
        tools: [],
        cases: [
          {
            id: "c1",
            events: [
              { type: "call", tool: "fetch", args: { url: "https://api.example.com/x" }, label: "benign" },
              { type: "call", tool: "fetch", args: { url: "https://evil.example/x" }, label: "attack" },
            ],
          },
        ],
      }),
    );
    const r = await run([
      "infer",
      "--jsonl",
      jsonl,
      "--trace",
      trace,
      "--urls",
      "host",
      "--json",
      "--no-budget",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      mandate: { allow: { tool: string; args?: object; budget?: object }[] };
      used: number;
    };
    expect(doc.used).toBe(4);
    const fetch = doc.mandate.allow.find((x) => x.tool === "fetch")!;
    expect(fetch.args).toEqual({
      url: { type: "string", url: { hosts: ["api.example.com"], schemes: ["https"], ports: [443] } },
    });
    expect(doc.mandate.allow.every((x) => x.budget === undefined)).toBe(true);
  });

  test("bad input: a trace error names file, case and event; no source is a usage error", async () => {
    const trace = temp("bad.json");
    writeFileSync(
      trace,
      JSON.stringify({
        format: "mandate-trace/1",
        cases: [{ id: "c", events: [{ type: "call", tool: "t", args: [], label: "benign" }] }],
      }),
    );
    const bad = await run(["infer", "--trace", trace]);
    expect(bad.code).toBe(65);
    expect(bad.err).toContain("cases[0].events[0].args: expected an object");
    expect((await run(["infer"])).code).toBe(64);
    const good = temp("good.json");
    writeFileSync(good, JSON.stringify({ format: "mandate-trace/1", cases: [] }));
    expect((await run(["infer", "--trace", good, "--headroom", "x"])).code).toBe(64);
    expect((await run(["infer", "--trace", good, "--round-up", "5"])).code).toBe(64);
    expect((await run(["infer", "--trace", good, "--strings", "fuzzy"])).code).toBe(64);
  });

  test("--report-over-privilege and overpriv: text and JSON", async () => {
    const db = temp("audit.db");
    const log = await SqliteAuditLog.open(db);
    await record(log);
    await log.close();
    const m = temp("m.yaml");
    writeFileSync(m, MANDATE.replace("mode: shadow\n", "") + "  - tool: delete_file\n");
    const text = await run(["infer", "--report-over-privilege", "--mandate", m, "--db", db]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("allow[2] delete_file: never used");
    expect(text.out).toContain("wider no budget (any number of calls); 2 observed");
    expect(text.out).toContain("6 findings of unused authority");
    expect(text.out).toMatch(/wider recipient: not constrained \(any value\); observed \["DE1", "DE2"\]/);
    expect(text.out).toContain("wider amount: granted −∞ to 5000, observed 40 to 86.4");
    const json = await run(["overpriv", "--mandate", m, "--db", db, "--json"]);
    const report = JSON.parse(json.out) as { rules: { field: string; unused: boolean }[]; findings: number };
    expect(report.rules.map((x) => [x.field, x.unused])).toEqual([
      ["allow[0]", false],
      ["allow[1]", false],
      ["allow[2]", true],
    ]);
    expect(report.findings).toBeGreaterThan(2);
  });
});
