/**
 * Soundness of `attenuate`: for random parent mandates and children derived from them (kept, narrowed, widened,
 * re-worded), whenever `attenuate` accepts the child, every random call the child allows is allowed by the parent,
 * and every call it asks for is allowed or asked for by the parent (by `decide`).
 */
import fc from "fast-check";
import { expect, test } from "vitest";
import { attenuate } from "../../src/core/attenuate.js";
import { compile } from "../../src/core/compile.js";
import { compileConstraint } from "../../src/core/constraint.js";
import { valueConstraint } from "../../src/core/constraint-subset.js";
import { compileGlob } from "../../src/core/glob.js";
import { decide } from "../../src/core/decide.js";
import type { ArgumentConstraint, Budget, Mandate, Rule } from "../../src/core/mandate.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const TOOLS = ["pay", "read", "mail", "get_a", "get_b", "xget_a"] as const;
const SELECTORS = [...TOOLS, "get_*", "*", "{pay,read}", "get_?", "*_a"];

const small = fc.constantFrom(0, 1, 2, 5, 8, 10);
/** Present about one time in four. */
const rare = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });
/** Numeric constraints of one or two bounds, sometimes a step, a type or `optional`. */
const amount: fc.Arbitrary<ArgumentConstraint> = fc
  .tuple(
    fc.option(fc.tuple(fc.constantFrom("minimum", "exclusiveMinimum"), small), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom("maximum", "exclusiveMaximum"), small), { nil: undefined }),
    rare(fc.constantFrom(1, 2, 0.5)),
    rare(fc.constantFrom("number", "integer")),
    rare(fc.constant(true)),
  )
  .map(([lo, hi, step, type, optional]) => ({
    ...(lo ? { [lo[0]]: lo[1] } : {}),
    ...(hi ? { [hi[0]]: hi[1] } : {}),
    ...(step === undefined ? {} : { multipleOf: step }),
    ...(type === undefined ? {} : { type }),
    ...(optional === undefined ? {} : { optional }),
  }));
const to: fc.Arbitrary<ArgumentConstraint> = fc.oneof(
  fc.constantFrom("a", "b", "c").map((v) => ({ const: v })),
  fc.subarray(["a", "b", "c", "d"], { minLength: 1 }).map((e) => ({ enum: e })),
  fc.constantFrom({ type: "string" }, {}, { maxLength: 1 }, { pattern: "^a" }),
);
const path: fc.Arbitrary<ArgumentConstraint> = fc
  .subarray(["/h", "/h/x", "/h/y", "/o", "/h/x/z"], { minLength: 1 })
  .map((under) => ({ path: { under } }));
const url: fc.Arbitrary<ArgumentConstraint> = fc
  .record(
    {
      hosts: fc.subarray(["a.com", "*.a.com", "b.a.com", "c.com"], { minLength: 1 }),
      schemes: fc.subarray(["https", "http"], { minLength: 1 }),
      ports: fc.subarray([443, 8443, 80], { minLength: 1 }),
    },
    { requiredKeys: ["hosts"] },
  )
  .map((u) => ({ url: u }));
const ARGS: Record<string, fc.Arbitrary<ArgumentConstraint>> = { amount, to, path, url };

const args = fc
  .dictionary(fc.constantFrom(...Object.keys(ARGS)), fc.constant(null), { maxKeys: 3 })
  .chain((keys) => fc.record(Object.fromEntries(Object.keys(keys).map((k) => [k, ARGS[k]!]))));
const budget: fc.Arbitrary<Budget> = fc.oneof(
  fc.record({ calls: fc.constantFrom(0, 1, 5) }),
  fc.record({ sum: fc.record({ amount: fc.constantFrom(5, 10, 20) }) }),
  fc.record({ calls: fc.constantFrom(1, 5), per: fc.constantFrom("1h", "1d", "2d") }),
);
/** Mostly one exact tool (so that rules differ), sometimes globs and lists. */
const selectors = fc.oneof(
  { arbitrary: fc.constantFrom(...TOOLS).map((tool) => ({ tool })), weight: 4 },
  { arbitrary: fc.constantFrom(...SELECTORS).map((tool) => ({ tool })), weight: 1 },
  {
    arbitrary: fc.subarray(SELECTORS, { minLength: 1, maxLength: 3 }).map((tools) => ({ tools })),
    weight: 1,
  },
);
const grant: fc.Arbitrary<Rule> = fc.tuple(selectors, args, rare(budget)).map(([s, a, b]) => ({
  ...s,
  ...(Object.keys(a).length > 0 ? { args: a } : {}),
  ...(b ? { budget: b } : {}),
}));
const denyRule: fc.Arbitrary<Rule> = fc
  .tuple(selectors, args)
  .map(([s, a]) => ({ ...s, ...(Object.keys(a).length > 0 ? { args: a } : {}) }));

const parentArb: fc.Arbitrary<Mandate> = fc
  .record({
    allow: fc.array(grant, { minLength: 1, maxLength: 4 }),
    ask: fc.array(grant, { maxLength: 2 }),
    deny: fc.array(denyRule, { maxLength: 2 }),
  })
  .map((r) => ({ mandate: 1, id: "parent", ...r }));

/** The same constraint with some of its numbers, sets or roots changed: often narrower, sometimes wider. */
function perturb(c: ArgumentConstraint): fc.Arbitrary<ArgumentConstraint> {
  const entries = Object.entries(c).map(([k, v]): fc.Arbitrary<[string, unknown]> => {
    if (typeof v === "number" && k !== "multipleOf")
      return fc.oneof(fc.constant(v), small).map((x) => [k, x]);
    if (k === "enum") return fc.subarray(["a", "b", "c", "d"], { minLength: 1 }).map((x) => [k, x]);
    if (k === "path") return path.map((x) => [k, x.path]);
    if (k === "url") return url.map((x) => [k, x.url]);
    if (k === "optional") return fc.boolean().map((x) => [k, x]);
    return fc.constant([k, v]);
  });
  return fc.tuple(...entries).map((kv) => Object.fromEntries(kv) as ArgumentConstraint);
}

/** A rule of the parent, kept, with one argument replaced or dropped, with another budget, or a new one. */
function variant(rule: Rule): fc.Arbitrary<Rule> {
  const names = Object.keys(rule.args ?? {});
  return fc.oneof(
    fc.constant(rule),
    names.length === 0
      ? fc.constant(rule)
      : fc
          .constantFrom(...names)
          .chain((n) => perturb(rule.args![n]!).map((c) => ({ ...rule, args: { ...rule.args, [n]: c } }))),
    names.length === 0
      ? fc.constant(rule)
      : fc.constantFrom(...names).chain((n) =>
          fc.option(ARGS[n]!, { nil: undefined }).map((c) => {
            const next = { ...rule.args };
            if (c === undefined) delete next[n];
            else next[n] = c;
            return { ...rule, args: next };
          }),
        ),
    fc.option(budget, { nil: undefined }).map((b) => {
      const { budget: _old, ...rest } = rule;
      return b === undefined ? rest : { ...rest, budget: b };
    }),
    args.map((a) => ({ ...rule, args: { ...rule.args, ...a } })),
    grant,
  );
}

const pairArb = parentArb.chain((parent) =>
  fc
    .record({
      allow: fc
        .subarray([...(parent.allow ?? []), ...(parent.ask ?? [])])
        .chain((rs) => fc.tuple(...rs.map(variant))),
      ask: fc
        .subarray([...(parent.allow ?? []), ...(parent.ask ?? [])])
        .chain((rs) => fc.tuple(...rs.map(variant))),
      deny: fc.oneof(
        fc.constant(parent.deny ?? []),
        fc.subarray([...(parent.deny ?? [])]),
        fc.array(denyRule, { maxLength: 2 }),
      ),
    })
    .map((r): [Mandate, Mandate] => [parent, { mandate: 1, id: "child", ...r }]),
);

/**
 * Values worth trying against a pair: the bounds the two mandates name and their neighbours, their set members,
 * paths at and below their roots, URLs on their hosts; plus a few that fit nothing.
 */
function pools(m: readonly Mandate[]): Record<string, readonly unknown[]> {
  const text = JSON.stringify(m);
  const numbers = new Set<unknown>([-1, 0, "5"]);
  for (const x of text.matchAll(/"(?:minimum|maximum|exclusiveMinimum|exclusiveMaximum)":(-?[0-9.]+)/g)) {
    const n = Number(x[1]);
    for (const d of [-1, -0.5, 0, 0.5, 1]) numbers.add(n + d);
  }
  const paths = new Set<unknown>(["/hx", "/h/../o", "rel", "/h/x/z/q"]);
  for (const r of ["/h", "/h/x", "/h/y", "/o", "/h/x/z"]) paths.add(r).add(`${r}/f`);
  const urls = new Set<unknown>(["https://evil.com/"]);
  for (const h of ["a.com", "b.a.com", "c.com", "x.a.com", "x.b.a.com"]) {
    for (const prefix of ["https://", "http://"])
      for (const port of ["", ":8443", ":80", ":443"]) urls.add(`${prefix}${h}${port}/`);
  }
  return { amount: [...numbers], to: ["a", "b", "c", "d", "ab", 1], path: [...paths], url: [...urls] };
}

/**
 * A call as indices (so it shrinks): aimed at one of the child's rules (a tool it names, values its constraints
 * accept where there are any), or at random; bit i of `omit` leaves argument i out.
 */
const callArb = fc.record({
  rule: fc.nat(),
  aimed: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  tool: fc.nat(),
  picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  omit: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(15), weight: 1 }),
});

function toCall(
  c: { rule: number; aimed: boolean; tool: number; picks: number[]; omit: number },
  pool: Record<string, readonly unknown[]>,
  child: Mandate,
): { tool: string; args: Record<string, unknown> } {
  const rules = [...(child.allow ?? []), ...(child.ask ?? [])];
  const rule = c.aimed && rules.length > 0 ? rules[c.rule % rules.length]! : null;
  const selectors = rule === null ? [] : rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])];
  const named = [...TOOLS, "other"].filter((t) => selectors.some((s) => compileGlob(s)(t)));
  const tools = named.length > 0 ? named : [...TOOLS, "other"];
  const args: Record<string, unknown> = {};
  Object.keys(pool).forEach((name, i) => {
    if ((c.omit >> i) & 1) return;
    const constraint = rule?.args?.[name];
    const check = constraint === undefined ? null : compileConstraint(valueConstraint(constraint));
    const fitting = check === null ? [] : pool[name]!.filter((v) => check.holds(v));
    const values = fitting.length > 0 ? fitting : pool[name]!;
    args[name] = values[c.picks[i]! % values.length];
  });
  return { tool: tools[c.tool % tools.length]!, args };
}

test("whatever attenuate accepts, the parent allows what the child allows and allows or asks what it asks", () => {
  let accepted = 0;
  let exercised = 0;
  fc.assert(
    fc.property(pairArb, fc.array(callArb, { minLength: 30, maxLength: 60 }), ([parent, child], calls) => {
      let result;
      try {
        result = attenuate(parent, child, { now: NOW });
      } catch {
        return; // an invalid random mandate (e.g. a form the loader rejects) is not a pair to judge
      }
      if (!result.ok) return;
      accepted++;
      const p = compile(parent, { now: NOW });
      const c = compile(child, { now: NOW });
      const pool = pools([parent, child]);
      for (const [i, picked] of calls.entries()) {
        const call = toCall(picked, pool, child);
        const mine = decide(c, { ...call, callId: `c${i}` }, { now: NOW });
        if (mine.verdict === "deny") continue;
        exercised++;
        const theirs = decide(p, { ...call, callId: `c${i}` }, { now: NOW });
        if (mine.verdict === "allow")
          expect(theirs.verdict, JSON.stringify({ parent, child, call })).toBe("allow");
        else expect(theirs.verdict, JSON.stringify({ parent, child, call })).not.toBe("deny");
      }
    }),
    { numRuns: 2000 },
  );
  // The property must have been exercised, not only vacuously true.
  expect(accepted).toBeGreaterThan(100);
  expect(exercised).toBeGreaterThan(500);
});
