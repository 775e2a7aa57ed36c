// `per: 0s` was accepted and made budget keys end in `@NaN` (every call a new window); `ttl: 0s` made a mandate
// that expired as it was granted.
import { expect, test } from "vitest";
import { parseMandate } from "../../src/core/index.js";

test.each([
  [
    "per",
    "mandate: 1\nid: m\nallow:\n  - tool: t\n    budget: { calls: 1, per: 0s }\n",
    "allow[0].budget.per",
  ],
  ["ttl", "mandate: 1\nid: m\nttl: 0m\nallow:\n  - tool: t\n", "ttl"],
])("a zero `%s` is an error", (_, text, field) => {
  const r = parseMandate(text);
  expect(r.ok).toBe(false);
  expect(r.issues).toEqual([
    expect.objectContaining({ severity: "error", field, message: expect.stringContaining("above zero") }),
  ]);
});
