// YAML lets an alias sit inside its own anchor (`x: &a { items: *a }`), which reads back as a value that
// contains itself. The loader passed it to ajv, which recursed until the stack ran out: `parseMandate` threw a
// RangeError instead of reporting an issue (and a cyclic `const` made `compile()` throw a TypeError). Values
// given to `validateMandate` that nest absurdly deep overflowed the stack the same way.
import { expect, test } from "vitest";
import { compile, MandateError, parseMandate, validateMandate } from "../../src/core/index.js";

test.each([
  ["&a { items: *a }", "/allow/0/args/x/items"],
  ["&a { not: *a }", "/allow/0/args/x/not"],
  ["&a { const: [*a] }", "/allow/0/args/x/const/0"],
  ["{ items: { const: &b [1, *b] } }", "/allow/0/args/x/items/const/1"],
])("`x: %s` is an error, not a crash", (constraint, pointer) => {
  const r = parseMandate(`mandate: 1\nid: m\nallow:\n  - tool: t\n    args:\n      x: ${constraint}\n`);
  expect(r.ok).toBe(false);
  expect(r.issues).toEqual([
    expect.objectContaining({
      severity: "error",
      pointer,
      line: 6,
      message: expect.stringContaining("contains itself"),
    }),
  ]);
});

test("a cyclic value given to validateMandate or compile is an issue too", () => {
  const cyclic: Record<string, unknown> = { maximum: 1 };
  cyclic.not = cyclic;
  const value = { mandate: 1, id: "m", allow: [{ tool: "t", args: { x: cyclic } }] };
  expect(validateMandate(value).ok).toBe(false);
  expect(() => compile(value)).toThrow(MandateError);
});

test("a value nested thousands of levels deep is an issue, not a stack overflow", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const r = validateMandate({ mandate: 1, id: "m", allow: [{ tool: "t", args: { x: { const: deep } } }] });
  expect(r.ok).toBe(false);
  expect(r.issues[0]!.message).toContain("nested deeper");
  let notChain: Record<string, unknown> = { maximum: 1 };
  for (let i = 0; i < 10_000; i++) notChain = { not: notChain };
  expect(validateMandate({ mandate: 1, id: "m", allow: [{ tool: "t", args: { x: notChain } }] }).ok).toBe(
    false,
  );
});

test("shared (non-cyclic) aliases are fine", () => {
  const r = parseMandate(
    "mandate: 1\nid: m\nallow:\n  - tool: a\n    args: &args\n      x: { maximum: 5 }\n  - tool: b\n    args: *args\n",
  );
  expect(r.ok).toBe(true);
});
