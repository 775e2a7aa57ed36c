// Flow rules through the Guard: outputs of `sensitiveTools` are recorded as sensitive, and a `flow` rule keeps
// them out of outgoing arguments; an output that cannot be recorded makes flow checks fail closed.
import { describe, expect, test } from "vitest";
import { createGuard, describeRequest, MemoryAuditLog } from "../../src/index.js";
import type { Mandate } from "../../src/core/mandate.js";

const SECRET = { api_key: "sk-live-9f8e7d6c5b4a3f2e", pin: "774201" };
const PAGE = "Release notes: the new dashboard ships with dark mode and faster exports for every workspace.";
const IBAN = "DE89370400440532013000";

const mandate: Mandate = {
  mandate: 1,
  id: "support",
  sensitiveTools: ["get_secret"],
  allow: [
    { tool: "get_secret" },
    { tool: "read_page" },
    { tool: "lookup_customer" },
    { tool: "comment", args: { body: { flow: { forbid: ["sensitive"] } } } },
  ],
};

function session() {
  const audit = new MemoryAuditLog();
  const errors: [string, string][] = [];
  const guard = createGuard({
    mandate,
    audit,
    onError: (error, stage) => errors.push([stage, error.message]),
  });
  let posted = 0;
  const comment = (body: unknown) =>
    guard.run({ tool: "comment", args: { body } }, () => {
      posted++;
      return "posted";
    });
  return { guard, audit, errors, comment, posted: () => posted };
}

describe("sensitive tool outputs and flow rules", () => {
  test("a secret read through the Guard cannot be posted; a comment without it runs", async () => {
    const { guard, comment, posted } = session();
    const read = await guard.run({ tool: "get_secret", args: {} }, () => SECRET);
    expect(read.denied).toBe(false);

    const leak = await comment(`Here is the key for the integration: ${SECRET.api_key}`);
    expect(posted()).toBe(0);
    expect(leak).toMatchObject({
      denied: true,
      verdict: "deny",
      delta: [
        {
          kind: "provenance",
          path: "/body",
          granted: { noFlowFrom: "sensitive tool outputs" },
          rule: "/allow/3/args/body/flow",
          sources: [
            {
              id: `result:${read.callId}`,
              kind: "tool",
              tool: "get_secret",
              callId: read.callId,
              label: "sensitive",
            },
          ],
        },
      ],
    });
    if (leak.denied) {
      expect(leak.delta[0]!.message).toContain(`the output of get_secret (call ${read.callId}), sensitive`);
      expect(leak.message).toContain("must not carry data from sensitive tool outputs");
    }

    expect((await comment(`The pin is ${SECRET.pin}.`)).denied).toBe(true);
    expect(posted()).toBe(0);

    const fine = await comment("Thanks, the integration works now.");
    expect(fine).toMatchObject({ denied: false, value: "posted" });
    expect(posted()).toBe(1);
  });

  test("the denial is audited and the tool does not run", async () => {
    const { guard, audit, comment, posted } = session();
    await guard.run({ tool: "get_secret", args: {} }, () => SECRET);
    const leak = await comment(`key ${SECRET.api_key}`);
    expect(posted()).toBe(0);
    const entries = await audit.list();
    const last = entries.at(-1)!;
    expect(last).toMatchObject({
      event: "decision",
      tool: "comment",
      callId: leak.callId,
      verdict: "deny",
      outcome: "not_run",
      delta: [{ kind: "provenance", rule: "/allow/3/args/body/flow" }],
    });
  });

  test("`forbid: [sensitive]` lets untrusted, non-sensitive outputs through", async () => {
    const { guard, comment, posted } = session();
    const page = await guard.run({ tool: "read_page", args: {} }, () => PAGE);
    expect(page.denied).toBe(false);
    const quote = await comment(`Quoting the page: ${PAGE}`);
    expect(quote.denied).toBe(false);
    expect(posted()).toBe(1);
  });

  test("before the secret was read the same comment runs: the label comes from what was observed", async () => {
    const { guard, comment, posted } = session();
    const body = `The pin is ${SECRET.pin}.`;
    // Nothing sensitive seen yet: the pin is no one's data.
    expect((await comment(body)).denied).toBe(false);
    await guard.run({ tool: "get_secret", args: {} }, () => SECRET);
    expect((await comment(body)).denied).toBe(true);
    expect(posted()).toBe(1);
  });

  test("a sensitive tool's output stays sensitive when the caller declares it trusted", async () => {
    const { guard, comment, posted } = session();
    guard.observeResult("get_secret", "ext-1", SECRET, "trusted");
    const leak = await comment(`pin ${SECRET.pin}`);
    expect(leak).toMatchObject({
      denied: true,
      delta: [{ sources: [{ id: "result:ext-1", callId: "ext-1", label: "sensitive" }] }],
    });
    guard.observeResult("get_secret", "ext-2", { other: "zz-5566778899" }, { trust: "trusted" });
    expect((await comment("token zz-5566778899")).denied).toBe(true);
    expect(posted()).toBe(0);
  });

  test("`observeResult(…, { sensitive: true })` labels an output of any tool", async () => {
    const plain = session();
    plain.guard.observeResult("lookup_customer", "ext-1", { name: "Ada", iban: IBAN });
    expect((await plain.comment(`Customer account: ${IBAN}`)).denied).toBe(false);

    const labelled = session();
    labelled.guard.observeResult(
      "lookup_customer",
      "ext-1",
      { name: "Ada", iban: IBAN },
      { sensitive: true },
    );
    const leak = await labelled.comment(`Customer account: ${IBAN}`);
    expect(leak).toMatchObject({
      denied: true,
      delta: [
        {
          kind: "provenance",
          sources: [
            {
              id: "result:ext-1",
              kind: "tool",
              tool: "lookup_customer",
              callId: "ext-1",
              label: "sensitive",
            },
          ],
        },
      ],
    });
    expect(labelled.posted()).toBe(0);
    // Regrouped, it is the same value.
    expect((await labelled.comment("Customer account: DE89 3704 0044 0532 0130 00")).denied).toBe(true);
    expect(labelled.posted()).toBe(0);
  });

  test("the pure `guard.decide` sees the same observations", async () => {
    const { guard } = session();
    await guard.run({ tool: "get_secret", args: {} }, () => SECRET);
    expect(guard.decide({ tool: "comment", args: { body: `pin ${SECRET.pin}` } }).verdict).toBe("deny");
    expect(guard.decide({ tool: "comment", args: { body: "all good" } }).verdict).toBe("allow");
  });
});

describe("the mandate's sensitive label", () => {
  test("a caller cannot remove it: `{ sensitive: false }` on a tool in `sensitiveTools` is still sensitive", async () => {
    const { guard, comment, posted } = session();
    guard.observeResult("get_secret", "s1", { pin: "774201" }, { sensitive: false });
    const res = await comment("pin 774201");
    expect(res.denied).toBe(true);
    expect(posted()).toBe(0);
  });

  test("a Map returned by a sensitive tool is recorded, so its secret cannot be posted", async () => {
    const { guard, comment, posted } = session();
    await guard.run({ tool: "get_secret", args: {} }, () => new Map([["pin", "774201"]]));
    expect((await comment("pin 774201")).denied).toBe(true);
    expect(posted()).toBe(0);
  });

  test("a class instance with its data behind getters makes flow checks fail closed", async () => {
    const { guard, comment, errors, posted } = session();
    class Secret {
      get pin() {
        return "774201";
      }
    }
    await guard.run({ tool: "get_secret", args: {} }, () => new Secret());
    const res = await comment("all good here");
    expect(res.denied).toBe(true);
    expect(posted()).toBe(0);
    expect(errors.some(([, m]) => /class Secret/.test(m))).toBe(true);
  });
});

describe("an output that cannot be recorded fails closed", () => {
  const throwing = () =>
    Object.defineProperty({ visible: "x" }, "token", {
      enumerable: true,
      get() {
        throw new Error("getter exploded");
      },
    });

  test("`observeResult` with an output whose getter throws: later flow checks deny", async () => {
    const { guard, comment, errors, posted } = session();
    expect((await comment("all good here")).denied).toBe(false);
    expect(posted()).toBe(1);

    expect(() => guard.observeResult("get_secret", "ext-9", throwing())).not.toThrow();
    expect(errors).toEqual([["decide", "getter exploded"]]);

    const after = await comment("all good here");
    expect(after).toMatchObject({ denied: true, delta: [{ kind: "provenance", path: "/body" }] });
    if (after.denied) expect(after.delta[0]!.message).toContain("incomplete");
    expect(posted()).toBe(1);
  });

  test("a revoked proxy as output (observe throws on it) fails closed too", async () => {
    const { guard, comment, errors, posted } = session();
    const { proxy, revoke } = Proxy.revocable({ token: "sk-1" }, {});
    revoke();
    guard.observeResult("read_page", "ext-3", proxy);
    expect(errors.map(([stage]) => stage)).toEqual(["decide"]);
    expect((await comment("all good here")).denied).toBe(true);
    expect(posted()).toBe(0);
  });

  test("an output the Guard ran itself and cannot record: the call returns, later flow checks deny", async () => {
    const { guard, comment, errors, posted } = session();
    const output = throwing();
    const read = await guard.run({ tool: "get_secret", args: {} }, () => output);
    expect(read.denied).toBe(false);
    if (!read.denied) expect(read.value).toBe(output);
    expect(errors).toEqual([["decide", "getter exploded"]]);
    const after = await comment("all good here");
    expect(after.denied).toBe(true);
    expect(posted()).toBe(0);
    // Arguments without a flow rule are not affected.
    expect((await guard.run({ tool: "read_page", args: {} }, () => PAGE)).denied).toBe(false);
  });
});

describe("an approver sees where a value came from", () => {
  test("the ask carries the allow rule's provenance failure; the terminal text and the audit record show it", async () => {
    const audit = new MemoryAuditLog();
    const seen: string[] = [];
    const guard = createGuard({
      mandate: {
        mandate: 1,
        id: "bills",
        allow: [
          { tool: "read_file" },
          { tool: "pay", args: { iban: { provenance: "trusted" }, amount: { maximum: 200 } } },
        ],
        ask: [{ tool: "pay", args: { amount: { maximum: 200 } } }],
      },
      audit,
      approver: {
        name: "test",
        approve(request) {
          seen.push(describeRequest(request));
          return Promise.resolve({ approved: false, reason: "not that account" });
        },
      },
    });
    guard.observeUser("Pay the bill in bill.txt");
    await guard.run({ tool: "read_file", args: {}, callId: "r1" }, () => `Please pay to ${IBAN}`);
    const res = await guard.run(
      { tool: "pay", args: { iban: IBAN, amount: 86.4 }, callId: "p1" },
      () => "paid",
    );
    expect(res.denied).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain("not allowed outright: `iban` must come from a trusted source");
    expect(seen[0]).toContain("the output of read_file (call r1)");
    const record = (await audit.list()).find((e) => e.callId === "p1" && e.event === "decision")!;
    expect(record.verdict).toBe("ask");
    expect(record.escalation).toMatchObject([
      { kind: "provenance", path: "/iban", sources: [{ callId: "r1" }] },
    ]);
  });
});

describe("a bound (deployment policy) over a session's mandate", () => {
  const policy: Mandate = {
    mandate: 1,
    id: "policy",
    allow: [
      { tool: "pay", args: { to: { enum: ["landlord", "grocer"] } }, budget: { sum: { amount: 150 } } },
    ],
    ask: [{ tool: "pay", args: { to: { const: "charity" } } }],
  };
  const session: Mandate = {
    mandate: 1,
    id: "session",
    allow: [{ tool: "pay", args: { amount: { maximum: 100 } } }],
  };

  test("the policy's refusal wins, its ask asks, and its budget holds across sessions", async () => {
    const { MemoryBudgetStore } = await import("../../src/index.js");
    const budgets = new MemoryBudgetStore();
    const make = () => createGuard({ mandate: session, bound: policy, budgets });
    const a = make();
    const b = make();
    let paid = 0;
    const pay = (g: ReturnType<typeof make>, to: string, amount: number) =>
      g.run({ tool: "pay", args: { to, amount } }, () => (paid += amount));
    const outside = await pay(a, "attacker", 10);
    expect(outside).toMatchObject({ denied: true, verdict: "deny" });
    expect(outside.decision.reason).toMatch(/deployment policy `policy` refuses it/);
    expect(a.decide({ tool: "pay", args: { to: "charity", amount: 10 } }).verdict).toBe("ask");
    expect(a.decide({ tool: "pay", args: { to: "landlord", amount: 500 } }).verdict).toBe("deny"); // the session's own bound
    expect((await pay(a, "landlord", 100)).denied).toBe(false);
    const second = await pay(b, "grocer", 100); // another session: the policy's 150 in total is spent
    expect(second.denied).toBe(true);
    expect(second.decision.delta).toMatchObject([{ kind: "budget" }]);
    expect((await pay(b, "grocer", 50)).denied).toBe(false);
    expect(paid).toBe(150);
  });
});
