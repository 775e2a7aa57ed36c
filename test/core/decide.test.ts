import { describe, expect, test } from "vitest";
import { compile, createCatalog, decide, loadMandate } from "../../src/core/index.js";
import { BANKING_TOOLS, NOW, PAY_RENT_YAML } from "../fixtures/banking.js";

const catalog = createCatalog(BANKING_TOOLS);
const compiled = compile(loadMandate(PAY_RENT_YAML), { catalog, now: NOW });
const call = (tool: string, args: unknown) => decide(compiled, { tool, args, callId: "c1" }, { now: NOW });

describe("decide", () => {
  test("allows a call a rule covers, naming the rule", () => {
    const d = call("send_money", { recipient: "DE89370400440532013000", amount: 1200 });
    expect(d.verdict).toBe("allow");
    expect(d.delta).toEqual([]);
    expect(d.rule).toMatchObject({ effect: "allow", index: 2, pointer: "/allow/2" });
    expect(d.charges.map((c) => [c.label, c.amount, c.limit])).toEqual([
      ["calls", 1, 1],
      ["sum of amount", 1200, 1200],
    ]);
  });

  test("a denial carries the complete delta: every failing constraint, with paths and bounds", () => {
    const d = call("send_money", { recipient: "GB33BUKB20201555555555", amount: 5000 });
    expect(d.verdict).toBe("deny");
    expect(d.rule).toBeNull();
    expect(d.delta).toEqual([
      expect.objectContaining({
        kind: "argument",
        path: "/recipient",
        exercised: "GB33BUKB20201555555555",
        granted: { const: "DE89370400440532013000" },
        rule: "/allow/2/args/recipient/const",
      }),
      expect.objectContaining({
        kind: "argument",
        path: "/amount",
        exercised: 5000,
        granted: { maximum: 1200 },
        rule: "/allow/2/args/amount/maximum",
      }),
    ]);
    expect(d.delta[1]!.message).toBe("`amount` is 5000, above the granted maximum 1200");
  });

  test("a tool no rule grants is denied with kind `tool`", () => {
    const d = call("get_balance", {});
    expect(d.verdict).toBe("allow");
    const other = decide(
      compile(loadMandate("mandate: 1\nid: m\nallow:\n  - tool: get_balance\n"), { catalog, now: NOW }),
      { tool: "send_money", args: { recipient: "x", amount: 1 }, callId: "c" },
      { now: NOW },
    );
    expect(other.verdict).toBe("deny");
    expect(other.delta).toEqual([expect.objectContaining({ kind: "tool", exercised: "send_money" })]);
  });

  test("an unknown tool is out of scope; args breaking the tool's own schema are denied", () => {
    expect(call("launch_rocket", {}).delta[0]).toMatchObject({ kind: "scope", exercised: "launch_rocket" });
    const d = call("send_money", { recipient: "DE89370400440532013000" });
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]).toMatchObject({
      kind: "argument",
      message: expect.stringContaining("missing argument `amount`"),
    });
  });

  test("deny rules win over everything, ask rules ask", () => {
    expect(call("update_password", { password: "x" })).toMatchObject({
      verdict: "deny",
      rule: { effect: "deny", pointer: "/deny/0" },
    });
    expect(call("schedule_transaction", { amount: 10 })).toMatchObject({ verdict: "ask", delta: [] });
  });

  test("paths are normalised before `under` is checked", () => {
    expect(call("read_file", { path: "/home/alice/bills/march.txt" }).verdict).toBe("allow");
    const d = call("read_file", { path: "/home/alice/bills/../.ssh/id_rsa" });
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]).toMatchObject({ kind: "argument", path: "/path", rule: "/allow/1/args/path/path" });
  });

  test("expired mandates deny everything with kind `expiry`", () => {
    const d = decide(
      compiled,
      { tool: "get_balance", args: {}, callId: "c" },
      { now: Date.parse("2026-12-01T00:00:00Z") },
    );
    expect(d).toMatchObject({
      verdict: "deny",
      delta: [{ kind: "expiry", granted: { expires: "2026-12-01T00:00:00.000Z" } }],
    });
  });

  test("budget state: a spent budget denies with kind `budget`", () => {
    const ok = call("send_money", { recipient: "DE89370400440532013000", amount: 700 });
    const usage = new Map(ok.charges.map((c) => [c.key, c.amount]));
    const d = decide(
      compiled,
      { tool: "send_money", args: { recipient: "DE89370400440532013000", amount: 500 }, callId: "c2" },
      { now: NOW, usage },
    );
    expect(d.verdict).toBe("deny");
    expect(d.delta).toEqual([
      expect.objectContaining({
        kind: "budget",
        message: "budget spent: 1 of 1 calls used",
        rule: "/allow/2/budget/calls",
      }),
    ]);
  });

  test("numbers given as strings are not numbers", () => {
    const d = call("send_money", { recipient: "DE89370400440532013000", amount: "1000" });
    expect(d.verdict).toBe("deny");
  });

  test("records how long it took", () => {
    expect(call("get_balance", {}).elapsedUs).toBeGreaterThanOrEqual(0);
  });
});
