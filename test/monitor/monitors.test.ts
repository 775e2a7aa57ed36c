import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Decision } from "../../src/core/decision.js";
import { loadMandate } from "../../src/core/load.js";
import { createGuard } from "../../src/guard/guard.js";
import { type GuardMonitor, withinBreaker } from "../../src/guard/monitor-hook.js";
import { type Alert, createMonitors, loadMonitors, MemoryBreakerStore } from "../../src/monitor/index.js";
import { SqliteBreakerStore } from "../../src/monitor/sqlite-breaker-store.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";

const mandate = loadMandate(`
mandate: 1
id: pay
agent: assistant
allow:
  - tool: get_balance
  - tool: send_money
    args: { amount: { maximum: 100 } }
ask:
  - tool: schedule
`);

function setup(rulesYaml: string, extra: { approve?: (tool: string) => Promise<boolean> } = {}) {
  const audit = new MemoryAuditLog();
  const alerts: Alert[] = [];
  const monitors = createMonitors({
    rules: loadMonitors(rulesYaml),
    audit,
    reader: audit,
    onAlert: (a) => alerts.push(a),
  });
  const guard = createGuard({
    mandate,
    audit,
    budgets: new MemoryBudgetStore(),
    monitors,
    session: "s1",
    ...(extra.approve
      ? { approver: { name: "test", approve: async (r) => ({ approved: await extra.approve!(r.tool) }) } }
      : {}),
  });
  const call = (tool: string, args: object = {}, session?: string) =>
    guard.run({ tool, args, ...(session ? { session } : {}) }, () => "ran");
  return { audit, monitors, guard, alerts, call };
}

const DENIALS = (action = "ask", scope = "session") => `
monitors: 1
rules:
  - id: denials
    kind: denials
    count: 2
    within: 1m
    breaker: { scope: ${scope}, action: ${action} }
`;

describe("monitors on a Guard", () => {
  test("two denials trip the session breaker: an allowed call is asked, then runs again after a reset", async () => {
    const { call, monitors, audit, alerts } = setup(DENIALS());
    expect((await call("get_balance")).denied).toBe(false);
    await call("send_money", { amount: 500 });
    expect(alerts).toHaveLength(0);
    await call("delete_all");
    expect(alerts.map((a) => a.rule)).toEqual(["denials"]);
    const stopped = await call("get_balance");
    expect(stopped).toMatchObject({ denied: true, verdict: "ask" });
    expect(stopped.decision.reason).toMatch(/circuit breaker for session `s1` is open/);
    expect(stopped.decision.delta).toEqual([]); // within the mandate: the breaker is in the escalation
    expect(stopped.decision.escalation?.[0]?.message).toMatch(/rule `denials`/);
    // Another session is not affected.
    expect((await call("get_balance", {}, "s2")).denied).toBe(false);
    expect(await monitors.reset({ session: "s1" }, "alice")).toBe(true);
    expect((await call("get_balance")).denied).toBe(false);
    await monitors.flush();
    const tools = (await audit.list()).map((e) => e.tool);
    expect(tools).toContain("monitor.alert");
    expect(tools).toContain("monitor.reset");
    expect((await audit.verify()).ok).toBe(true);
  });

  test("a deny breaker on the agent refuses every later call of that agent, in any session", async () => {
    const { call, alerts } = setup(DENIALS("deny", "agent"));
    await call("x");
    await call("y");
    expect(alerts[0]!.breaker).toEqual({ key: "agent:assistant", scope: "agent", action: "deny" });
    const r = await call("get_balance", {}, "other");
    expect(r).toMatchObject({ denied: true, verdict: "deny" });
    expect(r.decision.delta[0]).toMatchObject({ kind: "policy" });
  });

  test("denials outside the window do not add up", async () => {
    let now = 0;
    const audit = new MemoryAuditLog();
    const alerts: Alert[] = [];
    const monitors = createMonitors({
      rules: loadMonitors(DENIALS()),
      clock: () => now,
      onAlert: (a) => alerts.push(a),
    });
    const guard = createGuard({ mandate, audit, budgets: new MemoryBudgetStore(), monitors, session: "s" });
    await guard.run({ tool: "x", args: {} }, () => 1);
    now = 61_000;
    await guard.run({ tool: "x", args: {} }, () => 1);
    expect(alerts).toHaveLength(0);
    now = 62_000;
    await guard.run({ tool: "x", args: {} }, () => 1);
    expect(alerts).toHaveLength(1);
  });

  test("a tool the agent never used, with history learned from the audit log", async () => {
    const history = new MemoryAuditLog();
    const g0 = createGuard({ mandate, audit: history, budgets: new MemoryBudgetStore() });
    await g0.run({ tool: "get_balance", args: {} }, () => 1);
    const { monitors, call, alerts } = setup(`
monitors: 1
rules:
  - { id: new-tool, kind: new-tool, minHistory: 1 }
`);
    expect(await monitors.learn(history.entries())).toBe(1);
    await call("get_balance");
    expect(alerts).toHaveLength(0);
    await call("send_money", { amount: 5 });
    expect(alerts.map((a) => a.message)).toEqual([
      "agent `assistant` called `send_money` for the first time (after 2 calls)",
    ]);
    await call("send_money", { amount: 6 });
    expect(alerts).toHaveLength(1); // learned as it runs
  });

  test("an ask waiting longer than T alerts while it waits", async () => {
    let answer!: (yes: boolean) => void;
    const { call, alerts } = setup(
      `
monitors: 1
rules:
  - { id: slow, kind: ask-waiting, longerThan: 50ms, severity: info }
`,
      { approve: () => new Promise<boolean>((r) => (answer = r)) },
    );
    const pending = call("schedule");
    await new Promise((r) => setTimeout(r, 120));
    expect(alerts.map((a) => [a.rule, a.tool, a.severity])).toEqual([["slow", "schedule", "info"]]);
    answer(true);
    expect((await pending).denied).toBe(false);
    // A quick answer does not alert.
    const quick = call("schedule");
    await new Promise((r) => setTimeout(r, 5));
    answer(false);
    await quick;
    await new Promise((r) => setTimeout(r, 80));
    expect(alerts).toHaveLength(1);
  });

  test("an authority-violation rate above the agent's learned baseline", async () => {
    const { call, alerts } = setup(`
monitors: 1
rules:
  - { id: rate, kind: violation-rate, window: 4, minCalls: 4, factor: 2, margin: 0.25 }
`);
    // Baseline: 8 calls, 1 over the mandate (12.5%), the window slides over them.
    for (let i = 0; i < 7; i++) await call("get_balance");
    await call("send_money", { amount: 500 });
    for (let i = 0; i < 4; i++) await call("get_balance");
    expect(alerts).toHaveLength(0);
    await call("send_money", { amount: 500 });
    await call("send_money", { amount: 500 });
    expect(alerts).toHaveLength(1); // 2 of 4 = 50% > max(2 × baseline, baseline + 25%)
    expect(alerts[0]!.message).toMatch(/2 of its last 4 calls/);
    await call("send_money", { amount: 500 });
    expect(alerts).toHaveLength(1); // latched until the rate falls back
  });

  test("a broken audit chain alerts once, and trips the breaker over every call", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mandate-monitor-"));
    const file = join(dir, "audit.db");
    const audit = await SqliteAuditLog.open(file);
    const monitors = createMonitors({
      rules: loadMonitors(`
monitors: 1
rules:
  - { id: chain, kind: audit-chain, every: 1h, severity: critical, breaker: { scope: all, action: deny } }
`),
      audit,
      reader: audit,
    });
    const guard = createGuard({ mandate, audit, budgets: new MemoryBudgetStore(), monitors });
    await guard.run({ tool: "get_balance", args: {} }, () => 1);
    expect(await monitors.checkChain()).toEqual([]);
    const db = new Database(file);
    db.prepare("UPDATE audit SET record = replace(record, 'get_balance', 'get_balancX') WHERE seq = 1").run();
    db.close();
    const fired = await monitors.checkChain();
    expect(fired).toHaveLength(1);
    expect(fired[0]!.message).toMatch(/audit chain is broken at record 1/);
    expect(await monitors.checkChain()).toEqual([]); // the same break fires once
    expect(await guard.run({ tool: "get_balance", args: {} }, () => 1)).toMatchObject({ verdict: "deny" });
    await monitors.close();
    await audit.close();
  });

  test("a mandate used after its task was marked done: alerted, and its breaker stops that very call", async () => {
    const { call, monitors, alerts } = setup(`
monitors: 1
rules:
  - { id: done, kind: after-done, breaker: { scope: session, action: deny } }
`);
    expect((await call("get_balance")).denied).toBe(false);
    monitors.markDone("pay");
    expect(await call("get_balance")).toMatchObject({ denied: true, verdict: "deny" });
    expect(alerts.map((a) => a.rule)).toEqual(["done"]);
    await call("nope"); // a call the mandate denies is also seen
    expect(alerts).toHaveLength(2);
  });

  test("a monitor that throws never lets a call through nor breaks it", async () => {
    const failing: GuardMonitor = {
      breaker: () => {
        throw new Error("store down");
      },
      observe: () => {
        throw new Error("boom");
      },
    };
    const guard = createGuard({
      mandate,
      audit: new MemoryAuditLog(),
      budgets: new MemoryBudgetStore(),
      monitors: failing,
    });
    const r = await guard.run({ tool: "get_balance", args: {} }, () => 1);
    expect(r).toMatchObject({ denied: true, verdict: "ask" });
    expect(r.decision.reason).toMatch(/could not be read \(store down\)/);
  });
});

describe("breaker stores", () => {
  test("SQLite breakers survive reopening and are reset from another connection", () => {
    const file = join(mkdtempSync(join(tmpdir(), "mandate-breakers-")), "m.db");
    const a = SqliteBreakerStore.open(file);
    const trip = {
      key: "session:s",
      scope: "session",
      action: "ask",
      rule: "r",
      reason: "x",
      time: "t",
      alertId: "1",
    } as const;
    a.trip(trip);
    a.trip({ ...trip, action: "deny", rule: "r2" });
    const b = SqliteBreakerStore.open(file);
    expect(b.find(["agent:x", "session:s"])).toMatchObject({ rule: "r", action: "deny" });
    expect(b.reset("session:s")).toBe(true);
    expect(a.find(["session:s"])).toBeNull();
    expect(a.reset("session:s")).toBe(false);
    a.close();
    b.close();
  });

  test("memory: the strictest open breaker among the keys", () => {
    const s = new MemoryBreakerStore();
    const base = { scope: "agent", rule: "r", reason: "x", time: "t", alertId: "1" } as const;
    s.trip({ ...base, key: "agent:a", action: "ask" });
    s.trip({ ...base, key: "all", action: "deny" });
    expect(s.find(["agent:a", "all"])?.action).toBe("deny");
    expect(s.find(["agent:b"])).toBeNull();
  });
});

describe("withinBreaker only narrows", () => {
  const verdicts = fc.constantFrom("allow", "ask", "deny") as fc.Arbitrary<Decision["verdict"]>;
  const breaker = fc.option(
    fc.record({
      action: fc.constantFrom("ask", "deny") as fc.Arbitrary<"ask" | "deny">,
      reason: fc.string(),
    }),
    { nil: null },
  );
  const rank = { allow: 0, ask: 1, deny: 2 } as const;
  test("the verdict is never less strict than the mandate's, nor than the breaker's", async () => {
    await fc.assert(
      fc.asyncProperty(verdicts, breaker, async (verdict, open) => {
        const decision: Decision = {
          verdict,
          delta: verdict === "deny" ? [{ kind: "tool", path: "", exercised: "t", message: "m" }] : [],
          rule: null,
          mandateId: "m",
          tool: "t",
          callId: "c",
          mode: "enforce",
          charges: [],
          reason: "r",
          elapsedUs: 0,
        };
        const out = await withinBreaker(
          decision,
          { breaker: () => open, observe: () => {} },
          { callId: "c", session: null, agent: null, subject: null, mode: "enforce" },
        );
        expect(rank[out.verdict]).toBeGreaterThanOrEqual(rank[verdict]);
        if (open !== null && verdict !== "deny")
          expect(rank[out.verdict]).toBeGreaterThanOrEqual(rank[open.action]);
        if (open === null) expect(out).toBe(decision);
      }),
    );
  });
});
