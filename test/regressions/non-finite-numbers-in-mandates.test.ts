// YAML can spell numbers JSON cannot (`.nan`, `.inf`). The loader accepted them where the format wants a
// number, so `maximum: .nan` silently made a constraint that never holds (and a deny rule that never
// applies), and the constraint cache, keyed by JSON text, could not tell `.inf`, `-.inf` and `.nan` apart.
import { expect, test } from "vitest";
import { compile, decide, loadMandate, MandateError, parseMandate } from "../../src/core/index.js";

test.each([
  ["maximum: .nan", "      x: { maximum: .nan }\n", "/allow/0/args/x/maximum", 6],
  ["minimum: -.inf", "      x: { minimum: -.inf }\n", "/allow/0/args/x/minimum", 6],
  ["items maximum: .inf", "      x: { items: { maximum: .inf } }\n", "/allow/0/args/x/items/maximum", 6],
])("`%s` is an error at its place", (_name, line, pointer, lineNo) => {
  const r = parseMandate(`mandate: 1\nid: m\nallow:\n  - tool: a\n    args:\n${line}`);
  expect(r.ok).toBe(false);
  expect(r.issues).toEqual([
    expect.objectContaining({
      severity: "error",
      pointer,
      line: lineNo,
      message: expect.stringMatching(/finite/),
    }),
  ]);
});

test("budgets must be finite too", () => {
  const r = parseMandate("mandate: 1\nid: m\nallow:\n  - tool: a\n    budget: { calls: .inf }\n");
  expect(r.ok).toBe(false);
  expect(r.issues[0]).toMatchObject({ pointer: "/allow/0/budget/calls", line: 5 });
});

// Compiled nested constraints are cached by their JSON text, which writes NaN and ±Infinity as `null`: once
// `{ items: { const: null } }` was compiled, `{ items: { const: .inf } }` reused its validator and allowed
// `[null]`. Such values are now errors wherever a mandate holds a value (`const`, `enum`).
test.each([
  ["{ items: { const: .inf } }", "/allow/0/args/x/items/const"],
  ["{ items: { enum: [1, .nan] } }", "/allow/0/args/x/items/enum"],
  ["{ const: [-.inf] }", "/allow/0/args/x/const"],
  ["{ enum: [{ a: .nan }] }", "/allow/0/args/x/enum"],
])("`x: %s` is an error", (constraint, pointer) => {
  const r = parseMandate(`mandate: 1\nid: m\nallow:\n  - tool: a\n    args:\n      x: ${constraint}\n`);
  expect(r.ok).toBe(false);
  expect(r.issues).toEqual([expect.objectContaining({ severity: "error", pointer, line: 6 })]);
  expect(() => compile({ mandate: 1, id: "m", allow: [{ tool: "a", args: { x: { const: NaN } } }] })).toThrow(
    MandateError,
  );
});

test("`const: null` still means null", () => {
  const c = compile(
    loadMandate("mandate: 1\nid: m\nallow:\n  - tool: t\n    args:\n      x: { items: { const: null } }\n"),
  );
  expect(decide(c, { tool: "t", args: { x: [null] }, callId: "c" }).verdict).toBe("allow");
});
