/**
 * Differential and property tests of the compiled decider: random mandates and random calls, decided by
 * `decide` and by the reference interpreter in `reference.ts`, which must agree.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { ToolCall } from "../../src/core/call.js";
import { createCatalog, type ToolDefinition } from "../../src/core/catalog.js";
import { compile, type CompiledMandate } from "../../src/core/compile.js";
import { REDACTED } from "../../src/core/constraint.js";
import { decide } from "../../src/core/decide.js";
import type { Decision } from "../../src/core/decision.js";
import type { ArgumentConstraint, Budget, Mandate, Rule } from "../../src/core/mandate.js";
import { budgetKeys, decideReference, type ReferenceResult } from "./reference.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------------------------
// Tools, selectors and catalog

/** Names with glob-looking and regex-meaningful characters, to catch selectors read as patterns. */
const TOOLS = ["send_money", "send_mail", "read_file", "get_balance", "a.b", "x+y"] as const;
/** Near misses of the tool names above. */
const ODD_TOOLS = [
  "send_",
  "send_money_now",
  "axb",
  "x+",
  "xxy",
  "SEND_MONEY",
  "read_fil",
  "launch_rocket",
  "",
];
const SELECTORS = [
  ...TOOLS,
  "send_*",
  "*",
  "read_?ile",
  "{send_money,read_file}",
  "get_*",
  "*_file",
  "a.*",
  "x+?",
  "send_{money,mail}*",
  "?",
];
const ARG_NAMES = ["amount", "to", "note"] as const;

const CATALOG_TOOLS: ToolDefinition[] = [
  { name: "send_money", inputSchema: { type: "object", properties: { amount: { type: "number" } } } },
  { name: "send_mail", inputSchema: { type: "object", properties: { to: { type: "string" } } } },
  {
    name: "read_file",
    inputSchema: { type: "object", additionalProperties: { type: ["string", "number"] } },
  },
  { name: "get_balance", inputSchema: { type: "object" } },
  { name: "a.b", inputSchema: { type: "object" } },
];
const catalog = createCatalog(CATALOG_TOOLS);

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: constraints, rules, mandates

const bound = fc.oneof(fc.integer({ min: -5, max: 120 }), fc.constantFrom(0.5, 1.5, 99.99, -0.1));
const scalar = fc.oneof(
  fc.integer({ min: -2, max: 5 }),
  fc.constantFrom("a", "ab", "5", "DE89", ""),
  fc.boolean(),
  fc.constant(null),
);
/** Simple patterns on which RE2 and JavaScript's engine agree. */
const PATTERNS = ["^[a-z]+$", "^\\d+$", "ab", "^a", "b$", "^(a|b)*$", "^[^x]{0,3}$", "^.{2}$", "(a+)+$"];
const typeName = fc.constantFrom("number", "integer", "string", "boolean", "null");
const typeArb = fc.oneof(
  typeName,
  fc.uniqueArray(typeName, { minLength: 1, maxLength: 2 }).filter((t) => t.length > 0),
);

const numberKeywords = {
  minimum: bound,
  maximum: bound,
  exclusiveMinimum: bound,
  exclusiveMaximum: bound,
  multipleOf: fc.constantFrom(0.5, 1, 2, 3, 10, 0.1),
};
const stringKeywords = {
  minLength: fc.nat(4),
  maxLength: fc.nat(6),
  pattern: fc.constantFrom(...PATTERNS),
};
const valueKeywords = {
  const: scalar,
  enum: fc.array(scalar, { minLength: 1, maxLength: 3 }),
};
const flags = fc.record({ optional: fc.boolean(), secret: fc.boolean() }, { requiredKeys: [] });

/** A flat constraint: keywords of one family (so the implied type is defined), or any keywords with a `type`. */
const constraintArb: fc.Arbitrary<ArgumentConstraint> = fc
  .tuple(
    fc.oneof(
      fc.record({ ...numberKeywords, ...valueKeywords }, { requiredKeys: [] }),
      fc.record({ ...stringKeywords, ...valueKeywords }, { requiredKeys: [] }),
      fc.record({ ...valueKeywords, type: typeArb }, { requiredKeys: [] }),
      fc.record({ ...numberKeywords, ...stringKeywords, type: typeArb }, { requiredKeys: ["type"] }),
    ),
    flags,
  )
  .map(([c, f]) => ({ ...c, ...f }) as ArgumentConstraint);

const budgetArb: fc.Arbitrary<Budget> = fc
  .record(
    {
      calls: fc.nat(3),
      sum: fc.record({ amount: fc.integer({ min: 0, max: 200 }) }),
      per: fc.constantFrom("1h", "1d"),
    },
    { requiredKeys: [] },
  )
  .filter((b) => b.calls !== undefined || b.sum !== undefined);

const ruleArb = (effect: "allow" | "ask" | "deny"): fc.Arbitrary<Rule> =>
  fc
    .record({
      selector: fc.oneof(
        fc.constantFrom(...SELECTORS).map((tool) => ({ tool })),
        fc
          .uniqueArray(fc.constantFrom(...SELECTORS), { minLength: 1, maxLength: 3 })
          .map((tools) => ({ tools })),
      ),
      id: fc.option(fc.constantFrom("r1", "r2"), { nil: undefined }),
      args: fc.option(fc.dictionary(fc.constantFrom(...ARG_NAMES), constraintArb, { maxKeys: 2 }), {
        nil: undefined,
        freq: 1,
      }),
      budget: effect === "deny" ? fc.constant(undefined) : fc.option(budgetArb, { nil: undefined, freq: 2 }),
    })
    .map(({ selector, id, args, budget }) => ({
      ...selector,
      ...(id === undefined ? {} : { id }),
      ...(args === undefined ? {} : { args }),
      ...(budget === undefined ? {} : { budget }),
    }));

const iso = (ms: number): string => new Date(ms).toISOString();
const validityArb: fc.Arbitrary<Partial<Mandate>> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 12 },
  fc.integer({ min: -3, max: 3 }).map((h) => ({ expires: iso(NOW + h * HOUR) })),
  fc
    .record({
      ttl: fc.constantFrom("30m", "2h", "1d"),
      issued: fc.option(
        fc.integer({ min: -30, max: 2 }).map((h) => iso(NOW + h * HOUR)),
        { nil: undefined },
      ),
    })
    .map(({ ttl, issued }) => (issued === undefined ? { ttl } : { ttl, issued })),
  fc.integer({ min: -3, max: 3 }).map((h) => ({ notBefore: iso(NOW + h * HOUR) })),
);

const mandateArb: fc.Arbitrary<Mandate> = fc
  .record({
    id: fc.constantFrom("m1", "pay/rent"),
    validity: validityArb,
    allow: fc.array(ruleArb("allow"), { maxLength: 3 }),
    ask: fc.array(ruleArb("ask"), { maxLength: 2 }),
    deny: fc.array(ruleArb("deny"), { maxLength: 2 }),
  })
  .map(({ id, validity, allow, ask, deny }) => ({
    mandate: 1 as const,
    id,
    ...validity,
    ...(allow.length > 0 ? { allow } : {}),
    ...(ask.length > 0 ? { ask } : {}),
    ...(deny.length > 0 ? { deny } : {}),
  }));

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: calls and context

/** Values a sloppy or hostile agent might send: wrong types, numbers as strings, nearly-right strings. */
const argValue = fc.oneof(
  fc.integer({ min: -10, max: 150 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -200, max: 200 }),
  fc.constantFrom(0.5, 99.99, 100, 1e-7, -0),
  fc.constantFrom("5", "1e2", "100", " 7", "0x10", "abc", "ab", "a", "", "DE89", "b", "ba"),
  fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "é"), maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("k", "amount"), fc.integer({ min: 0, max: 3 }), { maxKeys: 2 }),
);
const argsArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...ARG_NAMES, "extra"), argValue, { maxKeys: 4 }), weight: 8 },
  fc.constantFrom(undefined, null),
);

/** Anything at all, including values JSON cannot carry (BigInt, Map, boxed values, sparse arrays, …). */
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

interface Scenario {
  readonly mandate: Mandate;
  readonly withCatalog: boolean;
  readonly tool: unknown;
  readonly args: unknown;
  readonly now: number;
  /** Budget already used, per budget key of the mandate (in key order); `null`: no usage recorded. */
  readonly used: readonly (number | null)[];
}

const scenario = (tool: fc.Arbitrary<unknown>, args: fc.Arbitrary<unknown>): fc.Arbitrary<Scenario> =>
  fc.record({
    mandate: mandateArb,
    withCatalog: fc.nat(3).map((n) => n === 0),
    tool,
    args,
    now: fc.integer({ min: -4 * HOUR, max: 4 * HOUR }).map((d) => NOW + d),
    used: fc.array(fc.option(fc.oneof(fc.nat(3), fc.integer({ min: 0, max: 201 })), { nil: null }), {
      maxLength: 12,
    }),
  });

const callTool = fc.oneof(
  { arbitrary: fc.constantFrom(...TOOLS), weight: 4 },
  { arbitrary: fc.constantFrom(...ODD_TOOLS), weight: 1 },
);
const shaped = scenario(callTool, argsArb);
const hostile = scenario(fc.oneof(callTool, anything), anything);

// ---------------------------------------------------------------------------------------------------------------
// Running both deciders

function usageOf(s: Scenario): Map<string, number> {
  const keys = (["allow", "ask"] as const).flatMap((effect) =>
    (s.mandate[effect] ?? []).flatMap((rule, i) =>
      rule.budget ? budgetKeys(s.mandate, `/${effect}/${i}`, rule.budget, s.now) : [],
    ),
  );
  const usage = new Map<string, number>();
  keys.forEach((k, i) => {
    const used = s.used[i];
    if (used !== undefined && used !== null) usage.set(k.key, used);
  });
  return usage;
}

function compileScenario(s: Scenario): CompiledMandate {
  return compile(s.mandate, { now: NOW, ...(s.withCatalog ? { catalog } : {}) });
}

function run(s: Scenario): { decision: Decision; reference: ReferenceResult; compiled: CompiledMandate } {
  const compiled = compileScenario(s);
  const usage = usageOf(s);
  const call = { tool: s.tool, args: s.args, callId: "c1" } as ToolCall;
  const decision = decide(compiled, call, { now: s.now, usage });
  const reference = decideReference({
    mandate: s.mandate,
    compiledAt: NOW,
    ...(s.withCatalog ? { catalog: CATALOG_TOOLS } : {}),
    tool: s.tool,
    args: s.args,
    now: s.now,
    usage,
  });
  return { decision, reference, compiled };
}

/** The parts of a decision the reference predicts. */
function summary(d: Decision): Omit<ReferenceResult, "secrets"> {
  return {
    verdict: d.verdict,
    deltaKinds: [...new Set(d.delta.map((i) => i.kind))].sort(),
    rule: d.rule?.pointer ?? null,
    failing: d.delta.flatMap((i) => (i.rule === undefined ? [] : [i.rule])).sort(),
  };
}

function withoutTiming(d: Decision): Omit<Decision, "elapsedUs"> {
  const { elapsedUs: _elapsed, ...rest } = d;
  return rest;
}

const show = (s: Scenario): string => fc.stringify(s);

// ---------------------------------------------------------------------------------------------------------------

describe("the compiled decider against the reference interpreter", () => {
  test("(a) they agree on the verdict, the deciding rule, the delta's kinds and the rules it names", () => {
    fc.assert(
      fc.property(shaped, (s) => {
        const { decision, reference } = run(s);
        const { secrets, ...expected } = reference;
        expect(summary(decision), show(s)).toEqual(expected);
        // A secret argument's value never shows in the delta.
        for (const item of decision.delta) {
          const arg = item.path.split("/")[1] ?? "";
          if (item.kind === "argument" && item.rule !== undefined && secrets.includes(arg)) {
            expect([REDACTED, null]).toContain(item.exercised);
          }
        }
        // What the Guard must reserve is exactly the deciding rule's budget, under the reference's keys.
        if (decision.verdict !== "deny" && reference.rule !== null) {
          const [effect, index] = reference.rule.slice(1).split("/") as ["allow" | "ask", string];
          const budget = s.mandate[effect]?.[Number(index)]?.budget;
          const keys = budget ? budgetKeys(s.mandate, reference.rule, budget, s.now).map((k) => k.key) : [];
          expect(decision.charges.map((c) => c.key)).toEqual(keys);
        }
      }),
      { numRuns: 1500 },
    );
  });

  test("(b) for any tool and any arguments, it never grants what the reference denies", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const { decision, reference } = run(s);
        if (reference.verdict === "deny") expect(decision.verdict, show(s)).toBe("deny");
        expect(decision.verdict, show(s)).toBe(reference.verdict);
      }),
      { numRuns: 500 },
    );
  });

  test("(c) the delta is empty exactly when the verdict is allow or ask", () => {
    fc.assert(
      fc.property(fc.oneof(shaped, hostile), (s) => {
        const { decision } = run(s);
        expect(decision.delta.length === 0, show(s)).toBe(decision.verdict !== "deny");
        if (decision.verdict === "deny") expect(decision.charges).toEqual([]);
      }),
      { numRuns: 800 },
    );
  });

  test("(d) deterministic: the same input gives the same decision, from one compilation or two", () => {
    fc.assert(
      fc.property(shaped, (s) => {
        const { decision, compiled } = run(s);
        const call = { tool: s.tool, args: s.args, callId: "c1" } as ToolCall;
        const again = decide(compiled, call, { now: s.now, usage: usageOf(s) });
        const recompiled = decide(compileScenario(s), call, { now: s.now, usage: usageOf(s) });
        expect(withoutTiming(again)).toEqual(withoutTiming(decision));
        expect(withoutTiming(recompiled)).toEqual(withoutTiming(decision));
      }),
      { numRuns: 300 },
    );
  });

  test("(e) decide never throws, whatever the call, its tool or its arguments", () => {
    const compiled = compile(
      {
        mandate: 1,
        id: "m",
        allow: [{ tool: "*", args: { amount: { maximum: 10, optional: true } } }],
        deny: [{ tool: "send_*", args: { to: { pattern: "evil" } } }],
      },
      { now: NOW },
    );
    fc.assert(
      fc.property(anything, anything, anything, (tool, args, callId) => {
        for (const call of [{ tool, args, callId }, { tool: "read_file", args, callId: "c" }, tool, args]) {
          const d = decide(compiled, call as ToolCall, { now: NOW });
          expect(["allow", "ask", "deny"]).toContain(d.verdict);
          expect(d.delta.length === 0).toBe(d.verdict !== "deny");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
