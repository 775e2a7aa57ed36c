// "In a mandate a numeric bound means a number" held only at the top of an argument's constraint: nested
// constraints (`items`, `properties`, `allOf`, …) went to ajv without their implied type, so
// `{ items: { maximum: 100 } }` let `["5000"]` through.
import { expect, test } from "vitest";
import { compile, decide } from "../../src/core/index.js";
import { compileConstraint } from "../../src/core/constraint.js";

test("a numeric bound inside `items` implies a number", () => {
  const compiled = compile(
    { mandate: 1, id: "m", allow: [{ tool: "pay", args: { amounts: { items: { maximum: 100 } } } }] },
    { now: 0 },
  );
  const pay = (amounts: unknown) =>
    decide(compiled, { tool: "pay", args: { amounts }, callId: "c" }, { now: 0 });
  expect(pay([5, 100]).verdict).toBe("allow");
  expect(pay(["5000"]).verdict).toBe("deny");
  expect(pay([5, "5000"]).delta[0]).toMatchObject({ kind: "argument", path: "/amounts/1" });
});

test("nested constraints mean what the same constraint means at the top", () => {
  for (const [c, value] of [
    [{ maximum: 100 }, "5000"],
    [{ minLength: 1 }, 5],
    [{ pattern: "^a" }, 42],
    [{ maxItems: 1 }, "ab"],
  ] as const) {
    expect(compileConstraint(c).holds(value)).toBe(false);
    expect(compileConstraint({ allOf: [c] }).holds(value)).toBe(false);
    expect(compileConstraint({ anyOf: [c, { const: "never" }] }).holds(value)).toBe(false);
    expect(compileConstraint({ type: "object", properties: { x: c } }).holds({ x: value })).toBe(false);
    expect(compileConstraint({ type: "array", items: c }).holds([value])).toBe(false);
  }
});

test("an explicit nested `type` is kept as written", () => {
  expect(compileConstraint({ items: { type: ["number", "string"], maximum: 100 } }).holds(["5000", 5])).toBe(
    true,
  );
});
