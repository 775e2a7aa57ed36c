import { describe, expect, test, vi } from "vitest";
import { PassThrough } from "node:stream";
import {
  callbackApprover,
  compile,
  createCatalog,
  createGuard,
  isDenial,
  loadMandate,
  MandateDeniedError,
  MemoryAuditLog,
  MemoryBudgetStore,
  terminalApprover,
} from "../../src/index.js";
import type { AuditLog, BudgetStore } from "../../src/guard/ports.js";
import { BANKING_TOOLS, NOW, PAY_RENT_YAML } from "../fixtures/banking.js";

const catalog = createCatalog(BANKING_TOOLS);
const mandate = loadMandate(PAY_RENT_YAML);
const RENT = { recipient: "DE89370400440532013000", amount: 1200 };
const clock = () => NOW;

function setup(extra: Partial<Parameters<typeof createGuard>[0]> = {}) {
  const audit = new MemoryAuditLog();
  const budgets = new MemoryBudgetStore({ clock });
  const guard = createGuard({ mandate, tools: catalog, audit, budgets, clock, ...extra });
  return { guard, audit, budgets };
}

describe("Guard", () => {
  test("runs an allowed call with a deep-frozen copy of the checked arguments", async () => {
    const { guard, audit } = setup();
    const args = { path: "/home/alice/bills/march.txt" };
    const seen: unknown[] = [];
    const result = await guard.run({ tool: "read_file", args }, (checked) => {
      seen.push(checked);
      expect(Object.isFrozen(checked)).toBe(true);
      expect(checked).not.toBe(args);
      return "rent: 1200";
    });
    expect(result).toMatchObject({ denied: false, verdict: "allow", value: "rent: 1200" });
    const entries = await audit.list();
    expect(entries.map((e) => [e.event, e.outcome])).toEqual([
      ["decision", "pending"],
      ["decision" === entries[1]!.event ? "decision" : "outcome", "ok"],
    ]);
    expect(entries[1]!.event).toBe("outcome");
  });

  test("a denied call never runs and returns a structured denial the agent can read", async () => {
    const { guard, audit } = setup();
    const execute = vi.fn();
    const result = await guard.run(
      { tool: "send_money", args: { recipient: "GB00EVIL", amount: 5000 } },
      execute,
    );
    expect(execute).not.toHaveBeenCalled();
    expect(result.denied).toBe(true);
    if (!result.denied) return;
    expect(result.verdict).toBe("deny");
    expect(result.delta.map((d) => d.path)).toEqual(["/recipient", "/amount"]);
    expect(result.message).toContain("`amount` is 5000, above the granted maximum 1200");
    const [entry] = await audit.list();
    expect(entry).toMatchObject({ event: "decision", verdict: "deny", effect: "deny", outcome: "not_run" });
  });

  test("budgets are reserved before, committed on success: the second payment is denied", async () => {
    const { guard } = setup();
    expect((await guard.run({ tool: "send_money", args: RENT }, () => "sent")).denied).toBe(false);
    const second = await guard.run({ tool: "send_money", args: { ...RENT, amount: 1 } }, () => "sent");
    expect(second).toMatchObject({
      denied: true,
      delta: [{ kind: "budget", message: "budget spent: 1 of 1 calls used" }],
    });
  });

  test("budgets are released when the tool fails, and the tool's error reaches the caller", async () => {
    const { guard, audit } = setup();
    await expect(
      guard.run({ tool: "send_money", args: RENT }, () => Promise.reject(new Error("bank offline"))),
    ).rejects.toThrow("bank offline");
    expect((await guard.run({ tool: "send_money", args: RENT }, () => "sent")).denied).toBe(false);
    const outcomes = (await audit.list())
      .filter((e) => e.event === "outcome")
      .map((e) => [e.outcome, e.error]);
    expect(outcomes).toEqual([
      ["error", "bank offline"],
      ["ok", null],
    ]);
  });

  test("concurrent calls never overspend a budget", async () => {
    const m = loadMandate(
      "mandate: 1\nid: pay\nallow:\n  - tool: send_money\n    args: { amount: { maximum: 500 } }\n    budget: { sum: { amount: 1200 } }\n",
    );
    const { guard } = setup({ mandate: m });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        guard.run({ tool: "send_money", args: { recipient: "x", amount: 200 } }, async () => "ok"),
      ),
    );
    expect(results.filter((r) => !r.denied)).toHaveLength(6);
  });

  test("`ask` with no approver is denied; the verdict says it needed a person", async () => {
    const { guard } = setup();
    const execute = vi.fn();
    const result = await guard.run({ tool: "schedule_transaction", args: { amount: 10 } }, execute);
    expect(execute).not.toHaveBeenCalled();
    expect(result).toMatchObject({ denied: true, verdict: "ask" });
  });

  test("`ask` goes to the approver with the call, and its answer is audited", async () => {
    const seen: string[] = [];
    const approver = callbackApprover((req) => {
      seen.push(`${req.tool} ${req.callId} ${JSON.stringify(req.args)}`);
      return { approved: req.args.amount === 10, by: "alice" };
    });
    const { guard, audit } = setup({ approver });
    const yes = await guard.run(
      { tool: "schedule_transaction", args: { amount: 10 }, callId: "c-1" },
      () => "scheduled",
    );
    const no = await guard.run(
      { tool: "schedule_transaction", args: { amount: 99 }, callId: "c-2" },
      () => "scheduled",
    );
    expect(yes).toMatchObject({ denied: false, value: "scheduled" });
    expect(no).toMatchObject({ denied: true, verdict: "ask" });
    expect(seen).toEqual([
      'schedule_transaction c-1 {"amount":10}',
      'schedule_transaction c-2 {"amount":99}',
    ]);
    const decisions = (await audit.list()).filter((e) => e.event === "decision");
    expect(decisions.map((e) => [e.callId, e.approval?.approved, e.approval?.by])).toEqual([
      ["c-1", true, "alice"],
      ["c-2", false, "alice"],
    ]);
  });

  test("an approver that throws or never answers means no", async () => {
    const throwing = setup({
      approver: callbackApprover(() => Promise.reject(new Error("webhook down"))),
    }).guard;
    expect(await throwing.run({ tool: "schedule_transaction", args: {} }, () => "x")).toMatchObject({
      denied: true,
    });
    const silent = setup({
      approver: callbackApprover(() => new Promise<boolean>(() => {})),
      timeouts: { approvalMs: 30 },
    }).guard;
    expect(await silent.run({ tool: "schedule_transaction", args: {} }, () => "x")).toMatchObject({
      denied: true,
    });
  });

  test("fail-closed: a budget store that throws or hangs denies", async () => {
    const broken: BudgetStore = {
      usage: () => Promise.reject(new Error("down")),
      reserve: () => Promise.reject(new Error("connection refused")),
      commit: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    const execute = vi.fn();
    const r = await setup({ budgets: broken }).guard.run({ tool: "send_money", args: RENT }, execute);
    expect(r).toMatchObject({
      denied: true,
      delta: [{ kind: "budget", message: expect.stringContaining("connection refused") }],
    });
    const hanging: BudgetStore = { ...broken, reserve: () => new Promise(() => {}) };
    const r2 = await setup({ budgets: hanging, timeouts: { budgetMs: 30 } }).guard.run(
      { tool: "send_money", args: RENT },
      execute,
    );
    expect(r2).toMatchObject({ denied: true });
    expect(execute).not.toHaveBeenCalled();
  });

  test("fail-closed: if the decision cannot be audited, the tool does not run", async () => {
    const broken: AuditLog = {
      append: () => Promise.reject(new Error("disk full")),
      close: () => Promise.resolve(),
    };
    const execute = vi.fn();
    const r = await setup({ audit: broken }).guard.run({ tool: "get_balance", args: {} }, execute);
    expect(r).toMatchObject({ denied: true, delta: [{ message: expect.stringContaining("disk full") }] });
    expect(execute).not.toHaveBeenCalled();
  });

  test("fail-closed: an exception inside the decider denies", async () => {
    const compiled = compile(mandate, { catalog, now: NOW });
    const exploding = {
      ...compiled,
      planFor: () => {
        throw new Error("boom");
      },
    };
    const execute = vi.fn();
    const r = await setup({ mandate: exploding }).guard.run({ tool: "get_balance", args: {} }, execute);
    expect(r).toMatchObject({ denied: true, verdict: "deny" });
    expect(execute).not.toHaveBeenCalled();
  });

  test("malformed calls are denied with a reason; missing arguments mean none", async () => {
    const { guard } = setup();
    const execute = vi.fn();
    const polluted = JSON.parse('{"__proto__": {"admin": true}}') as unknown;
    for (const args of [42, "x", [1], polluted, { a: Number.NaN }, { a: () => 1 }]) {
      const r = await guard.run({ tool: "get_balance", args }, execute);
      expect(r.denied, JSON.stringify(args)).toBe(true);
      if (r.denied) expect(r.message).toMatch(/\S/);
    }
    expect(await guard.run({ tool: "" as string, args: {} }, execute)).toMatchObject({
      denied: true,
      delta: [{ kind: "scope" }],
    });
    expect(execute).not.toHaveBeenCalled();
    expect(await guard.run({ tool: "get_balance", args: undefined }, () => 1)).toMatchObject({
      denied: false,
    });
  });

  test("shadow mode decides and audits, but lets the call run", async () => {
    const { guard, audit } = setup({ mode: "shadow" });
    const r = await guard.run(
      { tool: "send_money", args: { recipient: "GB00EVIL", amount: 5000 } },
      () => "sent",
    );
    expect(r).toMatchObject({ denied: false, value: "sent" });
    const [decision] = await audit.list();
    expect(decision).toMatchObject({ verdict: "deny", effect: "allow", mode: "shadow" });
    expect(decision!.delta).toHaveLength(2);
  });

  test("when an allowance's budget is spent, a later `ask` rule still covers the call", async () => {
    const m = loadMandate(
      "mandate: 1\nid: pay\nallow:\n  - tool: send_money\n    budget: { calls: 1 }\nask:\n  - tool: send_money\n",
    );
    const asked: string[] = [];
    const { guard } = setup({ mandate: m, approver: callbackApprover((r) => (asked.push(r.callId), false)) });
    expect(await guard.run({ tool: "send_money", args: RENT, callId: "a" }, () => "sent")).toMatchObject({
      denied: false,
    });
    expect(await guard.run({ tool: "send_money", args: RENT, callId: "b" }, () => "sent")).toMatchObject({
      denied: true,
      verdict: "ask",
    });
    expect(asked).toEqual(["b"]);
  });

  test("shadow mode never waits for a person", async () => {
    const approve = vi.fn(() => false);
    const { guard, audit } = setup({ mode: "shadow", approver: callbackApprover(approve) });
    expect(await guard.run({ tool: "schedule_transaction", args: {} }, () => "ok")).toMatchObject({
      denied: false,
    });
    expect(approve).not.toHaveBeenCalled();
    expect((await audit.list())[0]).toMatchObject({ verdict: "ask", effect: "allow", approval: null });
  });

  test("onDeny: throw rejects with MandateDeniedError carrying the denial", async () => {
    const { guard } = setup({ onDeny: "throw" });
    const err = await guard
      .run({ tool: "update_password", args: { password: "x" } }, () => "x")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MandateDeniedError);
    expect((err as MandateDeniedError).denial.delta[0]).toMatchObject({ kind: "policy", rule: "/deny/0" });
  });

  test("wrap returns the tool's value or a Denial", async () => {
    const { guard } = setup();
    const sendMoney = guard.wrap(
      "send_money",
      async (args: { recipient: string; amount: number }) => `sent ${args.amount}`,
    );
    expect(await sendMoney({ recipient: "GB00EVIL", amount: 1 })).toSatisfy(isDenial);
    expect(await sendMoney(RENT)).toBe("sent 1200");
  });

  test("secret arguments are redacted in the audit log and in the approval request", async () => {
    const m = loadMandate(
      "mandate: 1\nid: s\nask:\n  - tool: update_password\n    args: { password: { secret: true, minLength: 12 } }\n",
    );
    const seen: unknown[] = [];
    const { guard, audit } = setup({
      mandate: m,
      approver: callbackApprover((r) => (seen.push(r.args), true)),
    });
    await guard.run({ tool: "update_password", args: { password: "correct horse battery" } }, () => "ok");
    const denied = await guard.run({ tool: "update_password", args: { password: "short" } }, () => "ok");
    expect(seen).toEqual([{ password: "[redacted]" }]);
    const text = JSON.stringify(await audit.list()) + JSON.stringify(denied);
    expect(text).not.toContain("correct horse");
    expect(text).not.toContain("short");
  });

  test("the audit log of a run verifies", async () => {
    const { guard, audit } = setup({ approver: callbackApprover(() => true) });
    await guard.run({ tool: "get_balance", args: {} }, () => 1);
    await guard.run({ tool: "send_money", args: { recipient: "GB00EVIL", amount: 1 } }, () => 1);
    await guard.run({ tool: "schedule_transaction", args: {} }, () => 1);
    expect(await audit.verify()).toMatchObject({ ok: true, count: 5 });
  });
});

describe("terminalApprover", () => {
  test("shows the call and approves only on y", async () => {
    for (const [answer, approved] of [
      ["y\n", true],
      ["n\n", false],
      ["\n", false],
    ] as const) {
      const input = new PassThrough();
      const output = new PassThrough();
      let shown = "";
      output.on("data", (c: Buffer) => (shown += c.toString()));
      const { guard } = setup({ approver: terminalApprover({ input, output }) });
      const pending = guard.run(
        { tool: "schedule_transaction", args: { amount: 10, recipient: "bob\u001b[31m" } },
        () => "ok",
      );
      await new Promise((r) => setTimeout(r, 20));
      input.write(answer);
      const r = await pending;
      expect(r.denied).toBe(!approved);
      expect(shown).toContain("Approval needed: schedule_transaction");
      expect(shown).not.toContain("\u001b[31m");
    }
  });

  test("end of input means no", async () => {
    const input = new PassThrough();
    const { guard } = setup({ approver: terminalApprover({ input, output: new PassThrough() }) });
    const pending = guard.run({ tool: "schedule_transaction", args: {} }, () => "ok");
    input.end();
    expect(await pending).toMatchObject({ denied: true });
  });
});
