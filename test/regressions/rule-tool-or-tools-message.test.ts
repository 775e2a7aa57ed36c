// A rule with both `tool` and `tools`, or with neither, was reported as "`{…}` is not a valid value here":
// the schema's `oneOf` hid the loader's own message. The issue now says what to write.
import { expect, test } from "vitest";
import { parseMandate } from "../../src/core/index.js";

test.each([
  ["both", "  - tool: a\n    tools: [b]\n"],
  ["neither", "  - args: {}\n"],
  ["an empty rule", "  - {}\n"],
])("a rule naming %s of `tool` and `tools` gets a message that says so", (_name, rule) => {
  const r = parseMandate(`mandate: 1\nid: m\nallow:\n${rule}`);
  expect(r.ok).toBe(false);
  expect(r.issues).toEqual([
    expect.objectContaining({
      pointer: "/allow/0",
      line: 4,
      column: 5,
      message: "give exactly one of `tool` and `tools`",
    }),
  ]);
});
