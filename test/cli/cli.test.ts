import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, test } from "vitest";
import { run } from "./run-cli.js";
import { BANKING_TOOLS, PAY_RENT_YAML } from "../fixtures/banking.js";

const dir = mkdtempSync(join(tmpdir(), "mandate-cli-"));
const mandatePath = join(dir, "pay-rent.yaml");
const toolsPath = join(dir, "tools.json");
const dbPath = join(dir, "audit.db");

beforeAll(() => {
  writeFileSync(mandatePath, PAY_RENT_YAML.replace("2026-12-01T00:00:00Z", "2999-01-01T00:00:00Z"));
  writeFileSync(toolsPath, JSON.stringify({ tools: BANKING_TOOLS }));
});

describe("mandate validate", () => {
  test("a valid mandate exits 0", async () => {
    const r = await run("validate", mandatePath, "--tools", toolsPath);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain("valid");
  });

  test("a bad mandate names file, line, column and field, suggests a spelling, and exits 65", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "mandate: 1\nid: x\nallow:\n  - tool: send_money\n    args:\n      amount: { maxium: 5 }\n",
    );
    const r = await run("validate", bad);
    expect(r.code).toBe(65);
    expect(r.err).toContain(`${bad}:6:17: error: allow[0].args.amount.maxium: unknown key \`maxium\``);
    expect(r.err).toContain("did you mean `maximum`?");
  });

  test("a missing file exits 66 with one line", async () => {
    const r = await run("validate", join(dir, "nope.yaml"));
    expect(r.code).toBe(66);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});

describe("mandate check", () => {
  const base = () => ["check", "--mandate", mandatePath, "--tools", toolsPath];
  test("exit status is the verdict: 0 allow, 1 deny, 2 ask", async () => {
    expect((await run(...base(), "--tool", "get_balance")).code).toBe(0);
    expect((await run(...base(), "--tool", "schedule_transaction", "--args", '{"amount":1}')).code).toBe(2);
    const denied = await run(
      ...base(),
      "--tool",
      "send_money",
      "--args",
      '{"recipient":"GB00","amount":5000}',
    );
    expect(denied.code).toBe(1);
    expect(denied.out).toContain("DENY");
    expect(denied.out).toContain("`amount` is 5000, above the granted maximum 1200");
  });

  test("--json prints the Decision", async () => {
    const r = await run(
      ...base(),
      "--tool",
      "send_money",
      "--args",
      '{"recipient":"GB00","amount":5000}',
      "--json",
    );
    const decision = JSON.parse(r.out) as { verdict: string; delta: { path: string }[] };
    expect(decision.verdict).toBe("deny");
    expect(decision.delta.map((d) => d.path)).toEqual(["/recipient", "/amount"]);
  });

  test("--now judges expiry", async () => {
    const r = await run(...base(), "--tool", "get_balance", "--now", "3000-01-01T00:00:00Z", "--json");
    expect(r.code).toBe(1);
    expect(r.out).toContain('"kind": "expiry"');
  });

  test("bad input: invalid JSON args and unknown flags are usage/data errors, never a verdict", async () => {
    expect((await run(...base(), "--tool", "get_balance", "--args", "{nope")).code).toBe(65);
    expect((await run(...base(), "--tool", "get_balance", "--bogus")).code).toBe(64);
    expect((await run("check", "--tool", "x")).code).toBe(64);
  });
});

describe("mandate demo and mandate audit", () => {
  test("the demo stops the injected transfer and leaves a verifiable log", async () => {
    const r = await run("demo", "--db", dbPath, "--approve", "yes");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Money that reached the attacker: 0 EUR");
    expect(r.out).toMatch(/hash chain verified/);
  });

  test("audit list, show and export read the log back", async () => {
    const list = await run("audit", "list", "--db", dbPath, "--verdict", "deny", "--json");
    const denied = JSON.parse(list.out) as { tool: string; effect: string }[];
    expect(denied.map((e) => e.tool)).toEqual(["send_money", "update_password", "send_money", "read_file"]);
    const show = await run("audit", "show", "1", "--db", dbPath);
    expect(show.out).toContain("record 1 (decision)");
    const exported = await run("audit", "export", "--db", dbPath);
    expect(exported.out.trim().split("\n")).toHaveLength(14);
  });

  test("audit verify --head: a log cut short after the head was noted is caught", async () => {
    const copy = join(dir, "cut.db");
    expect((await run("demo", "--db", copy, "--approve", "no")).code).toBe(0);
    const ok = await run("audit", "verify", "--db", copy);
    const head = /head ([0-9a-f]{64})/.exec(ok.out)?.[1];
    expect(head).toBeDefined();
    expect((await run("audit", "verify", "--db", copy, "--head", head!)).code).toBe(0);
    const db = new Database(copy);
    db.prepare("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)").run();
    db.close();
    // The chain alone still verifies: only the head kept elsewhere shows the cut.
    expect((await run("audit", "verify", "--db", copy)).code).toBe(0);
    const cut = await run("audit", "verify", "--db", copy, "--head", head!);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain("TRUNCATED");
    expect((await run("audit", "verify", "--db", copy, "--head", "xyz")).code).toBe(64);
  });

  test("audit verify: exit 0 when intact, 1 naming the first bad record after the file is edited", async () => {
    expect((await run("audit", "verify", "--db", dbPath)).code).toBe(0);
    const db = new Database(dbPath);
    const row = db.prepare("SELECT record FROM audit WHERE seq = 5").get() as { record: string };
    db.prepare("UPDATE audit SET record = ? WHERE seq = 5").run(
      row.record.replace('"amount":5000', '"amount":50'),
    );
    db.close();
    const r = await run("audit", "verify", "--db", dbPath);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED: record \d+/);
  });

  test("audit on a missing log exits 66", async () => {
    expect((await run("audit", "list", "--db", join(dir, "none.db"))).code).toBe(66);
  });
});
