// "Every error on this path denies" (DESIGN.md §2), but a clock that reads NaN passed every validity check
// (NaN compares false), and a budget usage of NaN never counted as over the limit: both let calls through.
import { expect, test } from "vitest";
import { compile, decide } from "../../src/core/index.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");

test("a non-finite `now` denies for expiry instead of skipping the validity window", () => {
  const expired = compile(
    { mandate: 1, id: "m", expires: "2026-01-01T00:00:00Z", allow: [{ tool: "t" }] },
    { now: NOW },
  );
  for (const now of [NaN, Infinity, -Infinity, 1e300]) {
    const d = decide(expired, { tool: "t", args: {}, callId: "c" }, { now });
    expect(d.verdict).toBe("deny");
    expect(d.delta.map((i) => i.kind)).toEqual(["expiry"]);
  }
  const open = compile({ mandate: 1, id: "m", allow: [{ tool: "t" }] }, { now: NOW });
  expect(decide(open, { tool: "t", args: {}, callId: "c" }, { now: NaN }).verdict).toBe("deny");
});

test("a budget usage that is not a number counts as spent", () => {
  const compiled = compile(
    { mandate: 1, id: "m", allow: [{ tool: "t", budget: { calls: 1, sum: { amount: 100 } } }] },
    { now: NOW },
  );
  const call = { tool: "t", args: { amount: 5 }, callId: "c" };
  const ok = decide(compiled, call, { now: NOW });
  expect(ok.verdict).toBe("allow");
  for (const charge of ok.charges) {
    const d = decide(compiled, call, { now: NOW, usage: new Map([[charge.key, NaN]]) });
    expect(d.verdict).toBe("deny");
    expect(d.delta.map((i) => i.kind)).toEqual(["budget"]);
  }
});
