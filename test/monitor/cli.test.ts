import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { registerMonitorCommand } from "../../src/cli/commands/monitor.js";
import { SqliteBreakerStore } from "../../src/monitor/sqlite-breaker-store.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  const program = new Command().exitOverride();
  registerMonitorCommand(program, { out: (t) => out.push(t), err: (t) => err.push(t) }, (c) => (code = c));
  await program.parseAsync(argv, { from: "user" });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("mandate monitor", () => {
  const dir = mkdtempSync(join(tmpdir(), "mandate-monitor-cli-"));
  const db = join(dir, "audit.db");

  test("validate: exit 0 for a good file, 65 with file:line:column for a bad one", async () => {
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      good,
      "monitors: 1\nrules:\n  - { id: d, kind: denials, count: 2, within: 10m, breaker: session }\n",
    );
    writeFileSync(bad, "monitors: 1\nrules:\n  - { id: d, kind: denials, count: 2 }\n");
    expect(await run(["monitor", "validate", good])).toMatchObject({
      code: 0,
      out: `${good}: 1 rules, 0 webhooks`,
    });
    const r = await run(["monitor", "validate", bad]);
    expect(r.code).toBe(65);
    expect(r.err).toBe(
      `${bad}:3:5: error: rules[0].within: expected a duration such as \`30s\`, \`10m\` or \`1h\`, got nothing`,
    );
  });

  test("list and reset a breaker another process tripped; the reset is audited", async () => {
    const store = SqliteBreakerStore.open(db);
    store.trip({
      key: "session:s1",
      scope: "session",
      action: "ask",
      rule: "d",
      reason: "2 denials",
      time: "2026-01-01T00:00:00Z",
      alertId: "a",
    });
    expect((await run(["monitor", "list", "--db", db])).out).toMatch(
      /^session:s1\task\tsince 2026-01-01T00:00:00Z\trule d: 2 denials$/,
    );
    expect(await run(["monitor", "reset", "--db", db, "--session", "s1", "--by", "alice"])).toMatchObject({
      code: 0,
      out: "breaker `session:s1` reset by alice",
    });
    expect(store.find(["session:s1"])).toBeNull();
    expect((await run(["monitor", "reset", "--db", db, "--session", "s1", "--by", "alice"])).code).toBe(1);
    store.close();
    const audit = await SqliteAuditLog.open(db);
    const resets = (await audit.list({ tool: "monitor.reset" })).map((e) => e.reason);
    expect(resets).toEqual([
      "breaker `session:s1` reset by alice",
      "breaker `session:s1` was not open (reset by alice)",
    ]);
    expect((await audit.verify()).ok).toBe(true);
    await audit.close();
  });

  test("reset needs exactly one target", async () => {
    await expect(run(["monitor", "reset", "--db", db, "--by", "a"])).rejects.toThrow(/exactly one of/);
  });
});
