// ajv keys each compiled `pattern` by `regExp(source).toString()` and reuses the value under an existing key.
// Our RE2 patterns had no `toString`, so every pattern was "[object Object]": after the first, every pattern
// compiled by the same ajv (nested constraints, tools' input schemas) was checked as that first pattern.
import { expect, test } from "vitest";
import { compileConstraint } from "../../src/core/constraint.js";
import { compile, createCatalog, decide } from "../../src/core/index.js";

test("two nested constraints with different patterns each keep their own", () => {
  const a = compileConstraint({ items: { type: "string", pattern: "^a+$" } });
  const b = compileConstraint({ items: { type: "string", pattern: "^b+$" } });
  expect([a.holds(["a"]), a.holds(["b"])]).toEqual([true, false]);
  expect([b.holds(["b"]), b.holds(["a"])]).toEqual([true, false]);
});

test("a mandate's nested patterns are checked as written", () => {
  const compiled = compile(
    {
      mandate: 1,
      id: "m",
      allow: [
        { tool: "mail", args: { to: { items: { pattern: "@example\\.com$" } } } },
        { tool: "pay", args: { ibans: { items: { pattern: "^DE[0-9]{20}$" } } } },
      ],
    },
    { now: 0 },
  );
  const verdict = (tool: string, args: unknown) =>
    decide(compiled, { tool, args, callId: "c" }, { now: 0 }).verdict;
  expect(verdict("mail", { to: ["bob@example.com"] })).toBe("allow");
  expect(verdict("mail", { to: ["eve@evil.test"] })).toBe("deny");
  expect(verdict("pay", { ibans: ["DE89370400440532013000"] })).toBe("allow");
  expect(verdict("pay", { ibans: ["bob@example.com"] })).toBe("deny");
});

test("tools' input schemas keep their own patterns", () => {
  const catalog = createCatalog([
    { name: "t1", inputSchema: { type: "object", properties: { x: { type: "string", pattern: "^a+$" } } } },
    { name: "t2", inputSchema: { type: "object", properties: { x: { type: "string", pattern: "^b+$" } } } },
  ]);
  expect(catalog.tools.get("t1")!.check({ x: "a" })).toEqual([]);
  expect(catalog.tools.get("t1")!.check({ x: "b" })).not.toEqual([]);
  expect(catalog.tools.get("t2")!.check({ x: "b" })).toEqual([]);
  expect(catalog.tools.get("t2")!.check({ x: "a" })).not.toEqual([]);
});
