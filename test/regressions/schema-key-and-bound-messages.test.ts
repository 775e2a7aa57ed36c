// Editors need `$schema` in a JSON mandate; it was an unknown-key error. And bound errors spoke ajv
// ("must be >= 0") instead of saying what was expected and what was given.
import { expect, test } from "vitest";
import { parseMandate } from "../../src/core/index.js";

test("a JSON mandate may name its JSON Schema", () => {
  const r = parseMandate(
    JSON.stringify({ $schema: "./mandate.schema.json", mandate: 1, id: "m", allow: [{ tool: "t" }] }),
  );
  expect(r.ok).toBe(true);
});

test("bound errors say what was expected", () => {
  const r = parseMandate("mandate: 1\nid: m\nallow:\n  - tool: t\n    budget: { calls: -1 }\n");
  expect(r.issues[0]).toMatchObject({
    line: 5,
    field: "allow[0].budget.calls",
    message: "expected a number ≥ 0, got `-1`",
  });
});
