/**
 * Flat constraints compile to closures (no ajv on the hot path of `compile()`); they must mean exactly what
 * ajv means by the same JSON Schema once the implied type is added. Checked three ways on random constraints
 * and values: the closures, the project's own ajv path (the same constraint nested in `allOf`, which sends it
 * through ajv with RE2 patterns), and a plain, separate ajv with JavaScript's RegExp.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { isMultipleOf } from "../../src/core/decimal.js";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compileConstraint, impliedType } from "../../src/core/constraint.js";
import type { Constraint } from "../../src/core/mandate.js";

const plainAjv = new Ajv({ strictTypes: false, allowUnionTypes: true, validateSchema: false });
// `multipleOf` is exact decimal arithmetic in Mandate (19.99 is a multiple of 0.01), not ajv's float division;
// decimal.test.ts checks that function on its own.
plainAjv.removeKeyword("multipleOf");
plainAjv.addKeyword({
  keyword: "multipleOf",
  type: "number",
  schemaType: "number",
  validate: (step: number, value: number) => isMultipleOf(value, step),
});
const cache = new Map<string, ValidateFunction>();

function ajvHolds(schema: Record<string, unknown>, value: unknown): boolean {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (validate === undefined) {
    validate = plainAjv.compile(schema);
    cache.set(key, validate);
  }
  return validate(value);
}

/** The JSON Schema a flat constraint means: its keywords, with the implied type written out. */
function meaning(c: Constraint): Record<string, unknown> {
  const implied = impliedType(c);
  if ("error" in implied) throw new Error(implied.error);
  return implied.type === null ? { ...c } : { ...c, type: implied.type };
}

// ---------------------------------------------------------------------------------------------------------------

const TYPE_NAMES = ["null", "boolean", "number", "integer", "string", "array", "object"] as const;
const typeArb = fc.oneof(
  fc.constantFrom(...TYPE_NAMES),
  fc.uniqueArray(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 3 }),
);
const bound = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(0, 0.1, 0.3, 1e21, Number.MAX_SAFE_INTEGER),
);
const multipleOf = fc.oneof(
  fc.constantFrom(0.1, 0.5, 1, 2, 3, 0.01, 1e-7, 1e21),
  fc.double({ noNaN: true, min: 1e-3, max: 100 }),
);
/** Patterns on which RE2 and JavaScript's `u` RegExp agree (no `\s`, whose classes differ). */
const PATTERNS = [
  "^[a-z]+$",
  "^\\d+$",
  "ab",
  "^a",
  "b$",
  "^(a|b)*$",
  "^[^x]{0,3}$",
  "^.{2}$",
  "^.$",
  "(a+)+$",
  "é",
  "^\\w*$",
  "^\\p{L}+$",
  "[😀]",
  "",
];
const small: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom("a", "ab", "", "5"),
  fc.boolean(),
  fc.constant(null),
);
const constValue = fc.oneof(
  small,
  fc.array(small, { maxLength: 2 }),
  fc.dictionary(fc.constantFrom("a", "b"), small, { maxKeys: 2, noNullPrototype: true }),
);

const numberKeywords = {
  minimum: bound,
  maximum: bound,
  exclusiveMinimum: bound,
  exclusiveMaximum: bound,
  multipleOf,
};
const stringKeywords = { minLength: fc.nat(5), maxLength: fc.nat(5), pattern: fc.constantFrom(...PATTERNS) };
const arrayKeywords = { minItems: fc.nat(3), maxItems: fc.nat(3), uniqueItems: fc.boolean() };
const valueKeywords = { const: constValue, enum: fc.array(constValue, { minLength: 1, maxLength: 3 }) };

/** Flat constraints: one keyword family (its type implied), or any mix with an explicit `type`. */
const flatConstraint: fc.Arbitrary<Constraint> = fc.oneof(
  fc.record({ ...numberKeywords, ...valueKeywords }, { requiredKeys: [], noNullPrototype: true }),
  fc.record({ ...stringKeywords, ...valueKeywords }, { requiredKeys: [], noNullPrototype: true }),
  fc.record({ ...arrayKeywords, ...valueKeywords }, { requiredKeys: [], noNullPrototype: true }),
  fc.record({ ...valueKeywords, type: typeArb }, { requiredKeys: [], noNullPrototype: true }),
  fc.record(
    { ...numberKeywords, ...stringKeywords, ...arrayKeywords, ...valueKeywords, type: typeArb },
    { requiredKeys: ["type"], noNullPrototype: true },
  ),
) as fc.Arbitrary<Constraint>;

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.1, 0.3, 0.7, 1.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2),
  fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "é", "😀", "\n", " ", "_"), maxLength: 6 }),
  fc.constantFrom("5", "1e2", "", "\ud83d"),
  fc.boolean(),
  fc.constant(null),
  fc.array(small, { maxLength: 4 }),
  fc.dictionary(fc.constantFrom("a", "b"), small, { maxKeys: 2, noNullPrototype: true }),
  // Arguments reach a constraint as plain JSON data (see `snapshotArgs`): no null-prototype objects.
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
);

describe("flat constraints: closures against ajv", () => {
  test("the closures hold exactly when ajv (with the implied type) accepts the value", () => {
    fc.assert(
      fc.property(flatConstraint, value, (c, v) => {
        const ours = compileConstraint(c).holds(v);
        let reference: boolean;
        try {
          reference = ajvHolds(meaning(c), v);
        } catch (error) {
          // The reference cannot judge a value with an own `toString`/`valueOf` key (ajv's deep equality calls
          // them); the closures must still answer, which `ours` did.
          expect(String(error)).toMatch(/(toString|valueOf) is not a function/);
          expect(JSON.stringify(v)).toMatch(/"(toString|valueOf)"/);
          return;
        }
        expect(ours).toBe(reference);
      }),
      { numRuns: 2500 },
    );
  });

  test("the project's own ajv path (the constraint nested in `allOf`) agrees with the closures", () => {
    fc.assert(
      fc.property(flatConstraint, value, (c, v) => {
        let nested: boolean;
        try {
          nested = compileConstraint({ allOf: [c] }).holds(v);
        } catch (error) {
          // ajv's deep equality calls an object's own `toString`/`valueOf` and throws when it is not a function;
          // `decide` turns that into a denial (regressions/ajv-deep-equal-valueof-key). Nothing else may throw.
          expect(String(error)).toMatch(/(toString|valueOf) is not a function/);
          expect(JSON.stringify(v)).toMatch(/"(toString|valueOf)"/);
          return;
        }
        expect(nested).toBe(compileConstraint(c).holds(v));
      }),
      { numRuns: 800 },
    );
  });

  test("every pattern in an ajv-compiled constraint is its own (ajv caches compiled patterns by name)", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "é", "😀", "_"), maxLength: 5 });
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), text, (pattern, s) => {
        const nested = compileConstraint({ items: { type: "string", pattern } });
        expect(nested.holds([s])).toBe(new RegExp(pattern, "u").test(s));
      }),
      { numRuns: 500 },
    );
  });

  test("`explain` lists a failure exactly when `holds` is false, naming only keywords of the constraint", () => {
    fc.assert(
      fc.property(flatConstraint, value, fc.boolean(), (c, v, secret) => {
        const check = compileConstraint(c);
        const failures = check.explain(v, "`x`", secret);
        expect(failures.length === 0).toBe(check.holds(v));
        const keywords = failures.map((f) => f.keyword);
        // A value of the wrong type is reported once, as a type error.
        if (keywords.includes("type")) expect(keywords).toEqual(["type"]);
        for (const k of keywords) expect(k === "type" || k in c).toBe(true);
        // Each failing keyword really fails on its own, as ajv reads it.
        for (const k of keywords) {
          if (k !== "type") expect(ajvHolds({ [k]: c[k as keyof Constraint] }, v)).toBe(false);
        }
        if (secret) for (const f of failures) expect(f.value).toBe("[redacted]");
      }),
      { numRuns: 1200 },
    );
  });
});

describe("flat constraints: edges", () => {
  test.each([
    [{ maximum: 1200 }, "5000", false],
    [{ maximum: 1200 }, 1200, true],
    [{ exclusiveMaximum: 1200 }, 1200, false],
    [{ minimum: 0 }, -0, true],
    [{ multipleOf: 0.1 }, 0.3, true],
    [{ multipleOf: 0.01 }, 19.99, true],
    [{ multipleOf: 0.01 }, 19.995, false],
    [{ multipleOf: 0.5 }, 1.5, true],
    [{ multipleOf: 1 }, 1e21, true],
    [{ type: "integer" }, 1.0, true],
    [{ type: "integer" }, 1.5, false],
    [{ minLength: 2 }, "😀", false],
    [{ maxLength: 1 }, "😀", true],
    [{ pattern: "^.$" }, "😀", true],
    [{ const: 1 }, 1.0, true],
    [{ const: { a: [1] } }, { a: [1] }, true],
    [{ enum: ["a", 1] }, "1", false],
    [{ uniqueItems: true }, [{ a: 1 }, { a: 1 }], false],
    [{ minItems: 1 }, "a", false],
    [{ type: ["string", "null"], maxLength: 1 }, null, true],
    [{ type: "string", maximum: 1 }, "5000", true],
  ] as [Constraint, unknown, boolean][])("%j on %j → %s", (c, v, holds) => {
    expect(compileConstraint(c).holds(v)).toBe(holds);
    expect(ajvHolds(meaning(c), v)).toBe(holds);
  });

  test("a constraint mixing keyword families without a `type` does not compile", () => {
    expect(() => compileConstraint({ maximum: 1, pattern: "x" })).toThrow(/mixes keywords of types/);
  });
});
