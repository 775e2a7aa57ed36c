// A Cedar policy set as the deployment bound of every mandate, with the real cedar-wasm: the request shape, the
// intersection with the mandate in the Guard, and failing closed on evaluation errors.
import { describe, expect, test } from "vitest";
import { createGuard } from "../../src/index.js";
import type { Mandate } from "../../src/core/mandate.js";
import type { DeploymentCall } from "../../src/guard/deployment.js";
import { cedarPolicy, CedarPolicyError } from "../../src/policy/cedar.js";
import { principalOf } from "../../src/policy/cedar-request.js";
import { toCedarValue } from "../../src/policy/cedar-value.js";

const IBAN = "DE89370400440532013000";

const mandate: Mandate = {
  mandate: 1,
  id: "pay-rent",
  subject: "user:alice",
  agent: "assistant",
  allow: [
    { tool: "get_balance" },
    {
      tool: "send_money",
      args: { recipient: { const: IBAN }, amount: { exclusiveMinimum: 0, maximum: 5000 } },
    },
  ],
  ask: [{ tool: "schedule_transaction" }],
  deny: [{ tool: "close_account" }],
};

const PERMIT_ALL = `permit (principal, action, resource);`;
const NO_LARGE = `${PERMIT_ALL}
@id("no-large-payments")
forbid (principal, action == Action::"send_money", resource)
when { context.args has amount && context.args.amount > 1000 };`;

function call(
  tool: string,
  args: Record<string, unknown>,
  over: Partial<DeploymentCall> = {},
): DeploymentCall {
  return {
    tool,
    args,
    callId: "c1",
    session: "s1",
    mandate: { id: "pay-rent", subject: "user:alice", agent: "assistant", task: null },
    ...over,
  };
}

const calls: [string, Record<string, unknown>][] = [
  ["get_balance", {}],
  ["send_money", { recipient: IBAN, amount: 800 }],
  ["send_money", { recipient: IBAN, amount: 4000 }],
  ["send_money", { recipient: "GB33BUKB20201555555555", amount: 10 }],
  ["send_money", { recipient: IBAN, amount: 9000 }],
  ["schedule_transaction", { when: "2026-12-01" }],
  ["close_account", {}],
  ["delete_everything", {}],
];

function guardWith(text: string) {
  return createGuard({ mandate, deployment: cedarPolicy(text, { file: "policies.cedar" }), session: "s1" });
}

describe("cedarPolicy: evaluating one call", () => {
  test("the request: principal from the subject, action the tool, context the arguments, session and agent", () => {
    const policy = cedarPolicy(
      `
      @id("shape")
      permit (principal == User::"alice", action == Action::"send_money", resource == Mandate::"pay-rent")
      when { context.tool == "send_money" && context.session == "s1" && context.agent == "assistant"
             && context.mandate == "pay-rent" && context.args.note == "rent"
             && context.args.amount == decimal("12.5") && context.args.tags.contains("march")
             && context.args.meta.n == 3 && !(context.args.meta has gone) };`,
      { nulls: "omit" },
    );
    const args = { amount: 12.5, note: "rent", tags: ["march", "rent"], meta: { n: 3, gone: null } };
    expect(policy.evaluate(call("send_money", args))).toEqual({
      verdict: "allow",
      policies: ["shape"],
      reason: "permitted by `shape`",
    });
    expect(policy.evaluate(call("send_money", { ...args, note: "other" }))).toMatchObject({
      verdict: "deny",
      cause: "no-permit",
      policies: [],
    });
  });

  test("a forbid names the determining policy", () => {
    const policy = cedarPolicy(NO_LARGE);
    expect(policy.policies).toEqual(["policy0", "no-large-payments"]);
    expect(policy.evaluate(call("send_money", { amount: 4000 }))).toMatchObject({
      verdict: "deny",
      cause: "forbid",
      policies: ["no-large-payments"],
      reason: "forbidden by `no-large-payments`",
    });
    expect(policy.evaluate(call("send_money", { amount: 400 }))).toMatchObject({ verdict: "allow" });
  });

  test("an evaluation error denies even when a permit holds: a decimal compared as a Long cannot slip past", () => {
    const policy = cedarPolicy(NO_LARGE);
    const answer = policy.evaluate(call("send_money", { amount: 4000.5 }));
    expect(answer).toMatchObject({ verdict: "deny", cause: "error", policies: ["no-large-payments"] });
    expect(answer.reason).toContain("failed closed: Cedar policy `no-large-payments`");
    expect(answer.reason).toContain("expected long, got decimal");
  });

  test("arguments with no exact Cedar value deny: forged entities, unsafe integers, too many decimals", () => {
    const policy = cedarPolicy(PERMIT_ALL);
    for (const args of [
      { owner: { __entity: { type: "User", id: "admin" } } },
      { amount: 2 ** 60 },
      { amount: 0.1 + 0.2 },
      { list: [1, null] },
      { note: null },
    ]) {
      const answer = policy.evaluate(call("send_money", args));
      expect(answer).toMatchObject({ verdict: "deny", cause: "error" });
      expect(answer.reason).toMatch(/^failed closed: the arguments have no exact Cedar value at `\//);
    }
  });

  test("JSON → Cedar values", () => {
    expect(toCedarValue(3)).toEqual({ ok: true, value: 3 });
    expect(toCedarValue(3.0)).toEqual({ ok: true, value: 3 });
    expect(toCedarValue(-0.25)).toEqual({ ok: true, value: { __extn: { fn: "decimal", arg: "-0.25" } } });
    expect(toCedarValue(1e-7)).toMatchObject({ ok: false });
    expect(toCedarValue(922337203685477.6)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/range/),
    });
    expect(toCedarValue({ a: null, b: [true] }, "", "omit")).toEqual({ ok: true, value: { b: [true] } });
    expect(toCedarValue({ a: null })).toMatchObject({ ok: false, path: "/a" });
    expect(toCedarValue({ __extn: 1 })).toMatchObject({ ok: false, path: "/__extn" });
  });

  test("principals from subjects", () => {
    expect(principalOf("user:alice")).toEqual({ type: "User", id: "alice" });
    expect(principalOf("service:ci:main")).toEqual({ type: "Service", id: "ci:main" });
    expect(principalOf("alice@example.com")).toEqual({ type: "User", id: "alice@example.com" });
    expect(principalOf("9x:y")).toEqual({ type: "User", id: "9x:y" });
    expect(principalOf(null)).toEqual({ type: "Anonymous", id: "" });
  });

  test("entities: a forbid on a group the principal is in", () => {
    const policy = cedarPolicy(
      `${PERMIT_ALL}\n@id("interns") forbid (principal in Group::"interns", action, resource);`,
      {
        entities: [
          { uid: { type: "User", id: "alice" }, attrs: {}, parents: [{ type: "Group", id: "interns" }] },
          { uid: { type: "Group", id: "interns" }, attrs: {}, parents: [] },
        ],
      },
    );
    expect(policy.evaluate(call("get_balance", {}))).toMatchObject({
      verdict: "deny",
      policies: ["interns"],
    });
    const bob = call(
      "get_balance",
      {},
      { mandate: { id: "m", subject: "user:bob", agent: null, task: null } },
    );
    expect(policy.evaluate(bob)).toMatchObject({ verdict: "allow" });
  });

  test("a schema validates the policies and every request", () => {
    const schema = `
      entity User; entity Anonymous; entity Mandate;
      action send_money appliesTo { principal: [User], resource: [Mandate],
        context: { tool: String, mandate: String, session?: String, agent?: String,
                   args: { recipient: String, amount: Long } } };`;
    const policy = cedarPolicy(NO_LARGE, { schema });
    expect(policy.evaluate(call("send_money", { recipient: IBAN, amount: 10 }))).toMatchObject({
      verdict: "allow",
    });
    expect(policy.evaluate(call("send_money", { recipient: IBAN, amount: "10" }))).toMatchObject({
      verdict: "deny",
      cause: "error",
    });
    expect(() =>
      cedarPolicy(`permit (principal, action, resource) when { context.args.amont > 1 };`, { schema }),
    ).toThrow(/policy0/);
  });

  test("bad policy text is a CedarPolicyError with file, line and column", () => {
    expect(() =>
      cedarPolicy(
        `permit (principal, action, resource);\nforbid (principal, action, resource) when { 1 + };`,
        { file: "p.cedar" },
      ),
    ).toThrow(CedarPolicyError);
    expect(() =>
      cedarPolicy(`permit (principal, action, resource) when { 1 + };`, { file: "p.cedar" }),
    ).toThrow(/^p\.cedar:1:\d+: error: /);
    expect(() =>
      cedarPolicy(
        `@id("a") permit (principal, action, resource);\n@id("a") forbid (principal, action, resource);`,
      ),
    ).toThrow(/two policies have the id `a`/);
    expect(() => cedarPolicy(`permit (principal == ?principal, action, resource);`)).toThrow(/templates/);
  });
});

describe("the Guard under a Cedar deployment policy: the intersection", () => {
  test("permit-all: every verdict is the mandate's", () => {
    const plain = createGuard({ mandate, session: "s1" });
    const bounded = guardWith(PERMIT_ALL);
    for (const [tool, args] of calls) {
      const own = plain.decide({ tool, args });
      const both = bounded.decide({ tool, args });
      expect(both.verdict, tool).toBe(own.verdict);
      expect(both.delta).toEqual(own.delta);
    }
  });

  test("a forbid on large amounts denies calls the mandate allows, naming the Cedar policy", async () => {
    const guard = guardWith(NO_LARGE);
    expect(guard.decide({ tool: "send_money", args: { recipient: IBAN, amount: 800 } }).verdict).toBe(
      "allow",
    );
    let ran = 0;
    const result = await guard.run(
      { tool: "send_money", args: { recipient: IBAN, amount: 4000 } },
      () => ran++,
    );
    expect(ran).toBe(0);
    expect(result).toMatchObject({
      denied: true,
      verdict: "deny",
      delta: [
        {
          kind: "policy",
          path: "",
          exercised: "send_money",
          granted: { deployment: "cedar", policies: ["no-large-payments"] },
          message:
            "the deployment policy `cedar` (`no-large-payments`) refuses this call of `send_money`: forbidden by `no-large-payments`",
        },
      ],
    });
  });

  test("a mandate's deny still denies under permit-all; an ask is still asked", () => {
    const guard = guardWith(PERMIT_ALL);
    expect(guard.decide({ tool: "close_account", args: {} })).toMatchObject({
      verdict: "deny",
      delta: [{ kind: "policy", rule: "/deny/0" }],
    });
    expect(guard.decide({ tool: "delete_everything", args: {} })).toMatchObject({
      verdict: "deny",
      delta: [{ kind: "tool" }],
    });
    expect(guard.decide({ tool: "schedule_transaction", args: {} }).verdict).toBe("ask");
  });

  test("the deployment can refuse an ask: no person is asked for what the organisation forbids", async () => {
    const guard = createGuard({
      mandate,
      deployment: cedarPolicy(
        `${PERMIT_ALL}\nforbid (principal, action == Action::"schedule_transaction", resource);`,
      ),
      approver: { name: "yes", approve: () => Promise.resolve({ approved: true }) },
    });
    const result = await guard.run({ tool: "schedule_transaction", args: {} }, () => "scheduled");
    expect(result).toMatchObject({
      denied: true,
      verdict: "deny",
      delta: [{ kind: "policy", granted: { policies: ["policy1"] } }],
    });
  });

  test("without a permit the deployment denies everything, even what the mandate allows", () => {
    const guard = guardWith(`permit (principal, action == Action::"get_balance", resource);`);
    expect(guard.decide({ tool: "get_balance", args: {} }).verdict).toBe("allow");
    expect(guard.decide({ tool: "send_money", args: { recipient: IBAN, amount: 1 } })).toMatchObject({
      verdict: "deny",
      reason: expect.stringContaining("no Cedar policy permits it"),
    });
  });

  test("an error in evaluation denies a call the mandate allows", () => {
    const guard = guardWith(NO_LARGE);
    const decision = guard.decide({ tool: "send_money", args: { recipient: IBAN, amount: 4000.5 } });
    expect(decision.verdict).toBe("deny");
    expect(decision.reason).toContain("failed closed");
  });

  test("a deployment policy that throws denies (fail closed)", () => {
    const guard = createGuard({
      mandate,
      deployment: {
        name: "broken",
        check: () => {
          throw new Error("boom");
        },
      },
    });
    expect(guard.decide({ tool: "get_balance", args: {} })).toMatchObject({
      verdict: "deny",
      reason: expect.stringContaining("boom"),
    });
  });

  test("the audit record carries the deployment's delta", async () => {
    const { MemoryAuditLog } = await import("../../src/index.js");
    const audit = new MemoryAuditLog();
    const guard = createGuard({ mandate, audit, deployment: cedarPolicy(NO_LARGE) });
    await guard.run({ tool: "send_money", args: { recipient: IBAN, amount: 2000 } }, () => "sent");
    const [record] = await audit.list();
    expect(record).toMatchObject({ verdict: "deny", effect: "deny", delta: [{ kind: "policy" }] });
  });
});
