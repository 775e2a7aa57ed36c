// DESIGN.md §4: an invalid call (a tool outside the catalog, arguments that break the tool's own schema) is
// judged first (`scope`/`argument`), the mandate's validity second (`expiry`). The decider checked expiry first.
import { expect, test } from "vitest";
import { compile, createCatalog, decide } from "../../src/core/index.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const catalog = createCatalog([
  { name: "send_money", inputSchema: { type: "object", properties: { amount: { type: "number" } } } },
]);
const expired = compile(
  { mandate: 1, id: "m", expires: "2026-06-01T00:00:00Z", allow: [{ tool: "send_money" }] },
  { catalog, now: NOW },
);

test("a tool outside the catalog is out of scope, even when the mandate has expired", () => {
  const d = decide(expired, { tool: "launch_rocket", args: {}, callId: "c" }, { now: NOW });
  expect(d.verdict).toBe("deny");
  expect(d.delta.map((i) => i.kind)).toEqual(["scope"]);
});

test("arguments breaking the tool's schema are an argument error, even when the mandate has expired", () => {
  const d = decide(expired, { tool: "send_money", args: { amount: "5" }, callId: "c" }, { now: NOW });
  expect(d.verdict).toBe("deny");
  expect(d.delta.map((i) => i.kind)).toEqual(["argument"]);
});

test("a valid call of an expired mandate is still denied for expiry", () => {
  const d = decide(expired, { tool: "send_money", args: { amount: 5 }, callId: "c" }, { now: NOW });
  expect(d.delta.map((i) => i.kind)).toEqual(["expiry"]);
});
