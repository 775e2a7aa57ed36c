/**
 * The shadowing findings are claims about decisions, so `decide` is their oracle: a rule reported as shadowed by a
 * deny rule never allows a call, and a deny rule reported as shadowing nothing never denies a call that an allow
 * rule would otherwise allow. Over random rules with finite value sets, the only calls such a rule can cover.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createCatalog } from "../../src/core/catalog.js";
import { compile } from "../../src/core/compile.js";
import { decide } from "../../src/core/decide.js";
import { lintMandate } from "../../src/core/lint.js";
import type { ArgumentConstraint, Mandate, Rule } from "../../src/core/mandate.js";

const catalog = createCatalog([
  {
    name: "send_money",
    inputSchema: {
      type: "object",
      properties: { recipient: { type: "string" }, amount: { type: "number" } },
      required: ["recipient", "amount"],
      additionalProperties: false,
    },
    annotations: { destructiveHint: true, openWorldHint: true },
  },
  { name: "get_balance", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
]);

const RECIPIENTS = ["A", "B", "C", "D"] as const;
const AMOUNTS = [1, 2, 3, 50] as const;

const finite = <T>(values: readonly T[]): fc.Arbitrary<ArgumentConstraint> =>
  fc.oneof(
    fc.constantFrom(...values).map((v) => ({ const: v })),
    fc
      .uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: values.length })
      .map((e) => ({ enum: e })),
  );

/** The grant: finite sets on both arguments, so its calls can be listed. */
const allowRule: fc.Arbitrary<Rule> = fc.record({
  tool: fc.constant("send_money"),
  args: fc.record({ recipient: finite(RECIPIENTS), amount: finite(AMOUNTS) }),
});

const denyConstraint: fc.Arbitrary<ArgumentConstraint> = fc.oneof(
  finite<string | number>([...RECIPIENTS, ...AMOUNTS]),
  fc.constant({}),
  fc.constant({ optional: true }),
  fc.integer({ min: 0, max: 60 }).map((n) => ({ maximum: n })),
  fc.integer({ min: 0, max: 60 }).map((n) => ({ minimum: n, optional: true })),
  fc.constantFrom("^A", "^[BC]$", "D").map((p) => ({ pattern: p })),
);
const denyRule: fc.Arbitrary<Rule> = fc.record(
  {
    tool: fc.constantFrom("send_money", "get_balance", "send_*", "*"),
    args: fc.dictionary(fc.constantFrom("recipient", "amount"), denyConstraint, { maxKeys: 2 }),
  },
  { requiredKeys: ["tool"] },
);

function callsOf(rule: Rule): { recipient: unknown; amount: unknown }[] {
  const values = (c: ArgumentConstraint | undefined): readonly unknown[] =>
    c?.const !== undefined ? [c.const] : (c?.enum ?? []);
  return values(rule.args?.recipient).flatMap((recipient) =>
    values(rule.args?.amount).map((amount) => ({ recipient, amount })),
  );
}

describe("lint shadowing findings agree with decide", () => {
  test("a reported shadowed allow rule never allows; a reported idle deny rule never denies what allow grants", () => {
    const seen = { shadowed: 0, idle: 0 };
    fc.assert(
      fc.property(allowRule, denyRule, (allow, deny) => {
        const mandate: Mandate = { mandate: 1, id: "p", ttl: "1h", allow: [allow], deny: [deny] };
        const findings = lintMandate(mandate, { catalog });
        const compiled = compile(mandate, { catalog });
        const verdicts = callsOf(allow).map(
          (args, i) => decide(compiled, { tool: "send_money", args, callId: `c${i}` }).verdict,
        );
        if (findings.some((f) => f.ruleId === "allow-shadowed-by-deny")) {
          expect(verdicts.every((v) => v === "deny")).toBe(true);
          seen.shadowed++;
        }
        if (findings.some((f) => f.ruleId === "deny-shadows-nothing")) {
          expect(verdicts.every((v) => v === "allow")).toBe(true);
          seen.idle++;
        }
      }),
      { numRuns: 400 },
    );
    // Both findings are exercised, not vacuously true.
    expect(seen.shadowed).toBeGreaterThan(10);
    expect(seen.idle).toBeGreaterThan(10);
  });

  test("an unconditional deny over the same tool is always reported as shadowing the grant", () => {
    fc.assert(
      fc.property(allowRule, fc.constantFrom("send_money", "send_*", "*", "{send,get}_*"), (allow, tool) => {
        const findings = lintMandate(
          { mandate: 1, id: "p", ttl: "1h", allow: [allow], deny: [{ tool }] },
          { catalog },
        );
        expect(findings.filter((f) => f.ruleId === "allow-shadowed-by-deny").map((f) => f.pointer)).toEqual([
          "/allow/0",
        ]);
        expect(findings.some((f) => f.ruleId === "deny-shadows-nothing")).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
