// ajv's deep equality calls an object's `valueOf` when it is not Object.prototype's, so an argument object with
// an own `valueOf` key made `decide` throw from an ajv-compiled `enum`/`const`. `decide` must never throw.
import { expect, test } from "vitest";
import { compile, decide } from "../../src/core/index.js";

test("an own `valueOf` key in an argument is a denial, not an exception", () => {
  const compiled = compile({
    mandate: 1,
    id: "m",
    allow: [{ tool: "t", args: { x: { items: { enum: [{}] } } } }],
  });
  const call = { tool: "t", args: { x: [{ valueOf: 0 }] }, callId: "c" };
  expect(() => decide(compiled, call)).not.toThrow();
  expect(decide(compiled, call).verdict).toBe("deny");
});

test("an own `toString` key too (found by the differential test: enum [{}, []] against { toString: null })", () => {
  const compiled = compile({
    mandate: 1,
    id: "m",
    allow: [{ tool: "t", args: { x: { items: { enum: [{}, []] } } } }],
  });
  const call = { tool: "t", args: { x: [{ toString: null }] }, callId: "c" };
  expect(() => decide(compiled, call)).not.toThrow();
  expect(decide(compiled, call).verdict).toBe("deny");
});
