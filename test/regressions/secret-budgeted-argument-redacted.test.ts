// `secret: true` promises the argument's value is redacted in deltas, but when a secret argument was summed by
// a budget, the budget item carried it in `exercised` (used + amount), in its message and in the reason.
import { expect, test } from "vitest";
import { compile, decide } from "../../src/core/index.js";

const compiled = compile(
  {
    mandate: 1,
    id: "m",
    allow: [
      { tool: "pay", args: { salary: { secret: true, minimum: 0 } }, budget: { sum: { salary: 1000 } } },
    ],
  },
  { now: 0 },
);

test("a secret argument over its budget is not shown in the delta or the reason", () => {
  const d = decide(compiled, { tool: "pay", args: { salary: 4321 }, callId: "c" }, { now: 0 });
  expect(d.verdict).toBe("deny");
  expect(d.delta).toEqual([
    expect.objectContaining({
      kind: "budget",
      path: "/salary",
      exercised: "[redacted]",
      granted: { limit: 1000 },
    }),
  ]);
  expect(JSON.stringify(d.delta)).not.toContain("4321");
  expect(d.reason).not.toContain("4321");
  // Nor what earlier calls spent: that is a sum of the same secret.
  const later = decide(
    compiled,
    { tool: "pay", args: { salary: 600 }, callId: "c" },
    { now: 0, usage: new Map([["m#/allow/0/budget/sum/salary", 777]]) },
  );
  expect(later.verdict).toBe("deny");
  expect(JSON.stringify(later.delta)).not.toMatch(/777|600|1377/);
});
