import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, test } from "vitest";
import { createCatalog } from "../../src/core/catalog.js";
import { compile } from "../../src/core/compile.js";
import { decide } from "../../src/core/decide.js";
import { inferMandate, type InferOptions, type ObservedCall } from "../../src/core/infer.js";
import { parseMandate } from "../../src/core/load.js";
import type { Mandate } from "../../src/core/mandate.js";
import { reportOverPrivilege } from "../../src/core/over-privilege.js";

function infer(calls: readonly ObservedCall[], opts: InferOptions = {}): Mandate {
  const result = inferMandate(calls, opts);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.mandate;
}

/** Replays calls in order with budget usage, as a Guard would; returns the verdicts. */
function replay(mandate: Mandate, calls: readonly { tool: string; args: unknown }[]): string[] {
  const compiled = compile(mandate);
  const usage = new Map<string, number>();
  return calls.map((call, i) => {
    const d = decide(compiled, { tool: call.tool, args: call.args, callId: `c${i}` }, { usage });
    if (d.verdict === "allow")
      for (const c of d.charges) usage.set(c.key, (usage.get(c.key) ?? 0) + c.amount);
    return d.verdict;
  });
}

const verdict = (mandate: Mandate, tool: string, args: Record<string, unknown>): string =>
  decide(compile(mandate), { tool, args, callId: "x" }).verdict;

const PAY = [
  { tool: "read_file", args: { path: "/home/emma/bills/a.txt" } },
  { tool: "read_file", args: { path: "/home/emma/bills/2026/b.txt" } },
  { tool: "send_money", args: { recipient: "DE1", amount: 86.4, subject: "INV-1" } },
  { tool: "send_money", args: { recipient: "DE2", amount: 39.99, subject: "INV-2" } },
  { tool: "fetch", args: { url: "https://api.example.com/v1/x" } },
  { tool: "mail", args: { to: ["bob@acme.com"] } },
];

describe("inferMandate", () => {
  test("exact (default): one rule per observed combination, counts as budgets", () => {
    const m = infer(PAY);
    expect(replay(m, PAY)).toEqual(PAY.map(() => "allow"));
    // An unseen combination of seen values is not granted.
    expect(verdict(m, "send_money", { recipient: "DE1", amount: 39.99, subject: "INV-2" })).toBe("deny");
    expect(verdict(m, "read_file", { path: "/home/emma/bills/c.txt" })).toBe("deny");
    expect(verdict(m, "delete_file", {})).toBe("deny");
    // Each call once: a second identical call exceeds its budget.
    expect(replay(m, [PAY[0]!, PAY[0]!])).toEqual(["allow", "deny"]);
    expect(m.allow?.filter((r) => r.tool === "send_money")).toHaveLength(2);
  });

  test("set: each argument one of its observed values", () => {
    const m = infer(PAY, { strings: "set", numbers: "set" });
    expect(replay(m, PAY)).toEqual(PAY.map(() => "allow"));
    const send = m.allow!.find((r) => r.tool === "send_money")!;
    expect(send.args?.recipient).toEqual({ enum: ["DE1", "DE2"] });
    expect(send.budget).toEqual({ calls: 2, sum: { amount: 126.39000000000001 } });
    expect(verdict(m, "send_money", { recipient: "DE1", amount: 39.99, subject: "INV-2" })).toBe("allow");
    expect(verdict(m, "send_money", { recipient: "CY9", amount: 39.99, subject: "INV-2" })).toBe("deny");
  });

  test("range: a positive minimum rounded down to 0 stays above 0", () => {
    const m = infer([{ tool: "pay", args: { amount: 3 } }], { numbers: "range", roundUp: 10 });
    expect(m.allow![0]!.args?.amount).toEqual({ type: "integer", exclusiveMinimum: 0, maximum: 10 });
  });

  test("range with rounding, path prefix, host, domain, pattern prefix, headroom, ttl", () => {
    const m = infer(PAY, {
      strings: "pattern-prefix",
      numbers: "range",
      roundUp: 10,
      paths: "prefix",
      urls: "host",
      emails: "domain",
      headroom: 2,
      ttl: "1h",
    });
    expect(m.ttl).toBe("1h");
    expect(replay(m, PAY)).toEqual(PAY.map(() => "allow"));
    const rule = (tool: string) => m.allow!.find((r) => r.tool === tool)!;
    expect(rule("send_money").args?.amount).toEqual({ type: "number", minimum: 30, maximum: 90 });
    expect(rule("send_money").args?.subject).toEqual({ type: "string", pattern: "^INV\\-", maxLength: 5 });
    expect(rule("send_money").budget).toEqual({ calls: 4, sum: { amount: 260 } });
    expect(rule("read_file").args?.path).toEqual({ type: "string", path: { under: ["/home/emma/bills"] } });
    expect(rule("fetch").args?.url).toEqual({
      type: "string",
      url: { hosts: ["api.example.com"], schemes: ["https"], ports: [443] },
    });
    expect(rule("mail").args?.to).toEqual({
      type: "array",
      minItems: 1,
      maxItems: 1,
      items: { type: "string", email: { domains: ["acme.com"] } },
    });
    expect(verdict(m, "read_file", { path: "/home/emma/bills/../private/x" })).toBe("deny");
    expect(verdict(m, "fetch", { url: "https://evil.example/" })).toBe("deny");
    expect(verdict(m, "mail", { to: ["eve@evil.io"] })).toBe("deny");
    expect(verdict(m, "send_money", { recipient: "X", amount: 91, subject: "INV-3" })).toBe("deny");
  });

  test("an argument seen in some calls only is optional; one never seen in a group must be absent", () => {
    const calls = [
      { tool: "t", args: { a: 1, note: "x" } },
      { tool: "t", args: { a: 2 } },
    ];
    const set = infer(calls, { strings: "set", numbers: "set" });
    expect(set.allow![0]!.args?.note).toEqual({ const: "x", optional: true });
    const exact = infer(calls);
    expect(replay(exact, calls)).toEqual(["allow", "allow"]);
    expect(verdict(exact, "t", { a: 2, note: "x" })).toBe("deny");
  });

  test("with a catalog: only its tools and arguments; arguments never seen are refused", () => {
    const catalog = createCatalog([
      {
        name: "update",
        inputSchema: {
          type: "object",
          properties: { id: { type: "string" }, amount: { type: "number" }, recipient: { type: "string" } },
        },
      },
    ]);
    const result = inferMandate(
      [
        { tool: "update", args: { id: "s1", amount: 5 } },
        { tool: "gone", args: {} },
      ],
      { catalog },
    );
    if (!result.ok) throw new Error("not ok");
    expect(result.skipped).toBe(1);
    expect(result.notes.map((n) => n.message)).toContain("`gone` is not in the catalog: not granted");
    expect(result.mandate.allow).toHaveLength(1);
    const c = compile(result.mandate, { catalog });
    expect(decide(c, { tool: "update", args: { id: "s1", amount: 5 }, callId: "a" }).verdict).toBe("allow");
    expect(
      decide(c, { tool: "update", args: { id: "s1", amount: 5, recipient: "CY" }, callId: "b" }).verdict,
    ).toBe("deny");
  });

  test("denied calls are not learnt from; redacted values are only marked secret", () => {
    const result = inferMandate([
      { tool: "pay", args: { pin: "[redacted]" } },
      { tool: "wipe", args: {}, verdict: "deny" },
    ]);
    if (!result.ok) throw new Error("not ok");
    expect(result.skipped).toBe(1);
    expect(result.mandate.allow).toEqual([
      expect.objectContaining({ tool: "pay", args: { pin: { secret: true } } }),
    ]);
  });

  test("bad knobs are refused with the field named", () => {
    const r = inferMandate([], { headroom: 0.5, ttl: "soon", roundUp: -1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join("\n")).toMatch(/headroom[\s\S]*roundUp[\s\S]*ttl/);
  });

  // Values that exercise every kind: paths, URLs, e-mails, free text, numbers, booleans, arrays.
  const value = fc.oneof(
    fc.constantFrom(
      "/a/b/c",
      "/a/b/d/e",
      "/x",
      "https://h.example/p",
      "http://h2.example:8080/",
      "a@b.example",
    ),
    fc.string({ maxLength: 8 }),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    fc.integer({ min: 0, max: 1000 }),
    fc.boolean(),
    fc.array(fc.constantFrom("x@acme.example", "y@b.example"), { minLength: 1, maxLength: 3 }),
  );
  const call = fc.record({
    tool: fc.constantFrom("t1", "t2", "t3"),
    args: fc.dictionary(fc.constantFrom("a", "b", "c"), value, { maxKeys: 3 }),
  });
  const knobs = fc.record({
    strings: fc.constantFrom("exact", "set", "pattern-prefix"),
    numbers: fc.constantFrom("exact", "set", "range"),
    paths: fc.constantFrom("exact", "prefix"),
    urls: fc.constantFrom("exact", "host"),
    emails: fc.constantFrom("exact", "domain"),
    headroom: fc.constantFrom(1, 1.5, 3),
    budgets: fc.boolean(),
  }) as fc.Arbitrary<InferOptions>;

  test("property: any knobs, the inferred mandate loads from its YAML and allows every observed call in order", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 12 }), knobs, (calls, opts) => {
        const result = inferMandate(calls, opts);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.notes.filter((n) => n.message.startsWith("an observed call"))).toEqual([]);
        const loaded = parseMandate(stringify(result.mandate, { aliasDuplicateObjects: false }));
        expect(loaded.issues.filter((i) => i.severity === "error")).toEqual([]);
        if (!loaded.ok) return;
        expect(replay(loaded.mandate, calls).every((v) => v === "allow")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  const abc = { type: "object", properties: { a: {}, b: {}, c: {} } };
  const catalog = createCatalog(["t1", "t2", "t3"].map((name) => ({ name, inputSchema: abc })));

  test("property: exact mode with a catalog grants no call that was not observed", () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 8 }), call, (calls, probe) => {
        const m = infer(calls, { budgets: false, catalog });
        const seen = calls.some(
          (c) =>
            c.tool === probe.tool &&
            JSON.stringify(Object.entries(c.args).sort()) ===
              JSON.stringify(Object.entries(probe.args).sort()),
        );
        if (!seen) expect(verdict(m, probe.tool, probe.args)).toBe("deny");
      }),
      { numRuns: 300 },
    );
  });
});

describe("reportOverPrivilege", () => {
  const mandate: Mandate = {
    mandate: 1,
    id: "broad",
    ttl: "1h",
    allow: [
      { tool: "read_file", args: { path: { path: { under: ["/home/emma"] } } } },
      {
        tool: "send_money",
        args: { recipient: { enum: ["DE1", "DE2", "DE3"] }, amount: { exclusiveMinimum: 0, maximum: 1000 } },
        budget: { calls: 5, sum: { amount: 1000 } },
      },
      { tool: "delete_file" },
      { tools: ["list_*"] },
    ],
  };
  const calls: ObservedCall[] = [
    { tool: "read_file", args: { path: "/home/emma/bills/a.txt" } },
    { tool: "send_money", args: { recipient: "DE1", amount: 86.4, memo: "hi" } },
    { tool: "list_files", args: { dir: "/x" } },
    { tool: "wipe", args: {} },
  ];

  test("names unused rules, unused values, ranges and budgets, and unconstrained arguments", () => {
    const r = reportOverPrivilege(mandate, calls);
    expect(r.calls).toBe(4);
    expect(r.uncovered).toBe(1);
    const byField = Object.fromEntries(r.rules.map((x) => [x.field, x]));
    expect(byField["allow[2]"]!.unused).toBe(true);
    const send = byField["allow[1]"]!;
    expect(send.calls).toBe(1);
    const arg = (name: string) => send.args.find((a) => a.arg === name)!;
    expect(arg("recipient")).toMatchObject({ wider: true, observed: ["DE1"] });
    expect(arg("recipient").detail).toContain('"DE2", "DE3"');
    expect(arg("amount").detail).toBe("granted 0 to 1000, observed 86.4 to 86.4");
    expect(arg("memo")).toMatchObject({ granted: null, wider: true });
    expect(send.budget).toEqual([
      { what: "calls", limit: 5, used: 1 },
      { what: "sum of amount", limit: 1000, used: 86.4 },
    ]);
    expect(byField["allow[3]"]!.findings.join("\n")).toContain("list_files");
    expect(r.findings).toBeGreaterThan(5);
  });

  test("an inferred mandate has no over-privilege on the calls it came from, except budgets with headroom", () => {
    const exact = reportOverPrivilege(infer(PAY), PAY);
    expect(exact.uncovered).toBe(0);
    expect(exact.findings).toBe(0);
    const loose = reportOverPrivilege(infer(PAY, { headroom: 2 }), PAY);
    expect(loose.findings).toBeGreaterThan(0);
    expect(loose.rules.flatMap((x) => x.findings).every((f) => f.includes(".budget"))).toBe(true);
  });
});
