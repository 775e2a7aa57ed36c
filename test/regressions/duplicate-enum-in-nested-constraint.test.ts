// The mandate format allows an `enum` to repeat a value, and a flat constraint compiled fine, but nested in
// a structural constraint the same `enum` went to ajv, whose meta-schema forbids repeats: `compile()` threw a
// raw ajv error for a mandate the loader had accepted.
import { expect, test } from "vitest";
import { compile, decide, parseMandate } from "../../src/core/index.js";

test("a repeated `enum` value inside `items` loads, compiles and decides", () => {
  const text =
    "mandate: 1\nid: m\nallow:\n  - tool: t\n    args:\n      x: { items: { enum: [a, a, 1, 1.0] } }\n";
  const loaded = parseMandate(text);
  expect(loaded.ok).toBe(true);
  if (!loaded.ok) return;
  const compiled = compile(loaded.mandate, { now: 0 });
  const call = (x: unknown) => decide(compiled, { tool: "t", args: { x }, callId: "c" }, { now: 0 }).verdict;
  expect(call(["a", 1, "a"])).toBe("allow");
  expect(call(["b"])).toBe("deny");
});
