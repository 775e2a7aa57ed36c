// `exportCedar`: a mandate as Cedar for review. The exported text, evaluated by the real cedar-wasm in the request
// shape of `cedarPolicy`, agrees with `decide` on every call it can express, and never permits a call `decide` denies.
import { Command } from "commander";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCatalog } from "../../src/core/catalog.js";
import { compile } from "../../src/core/compile.js";
import { decide } from "../../src/core/decide.js";
import type { ArgumentConstraint, Mandate, Rule } from "../../src/core/mandate.js";
import { registerExportCommand } from "../../src/cli/commands/export.js";
import type { DeploymentCall } from "../../src/guard/deployment.js";
import { cedarPolicy } from "../../src/policy/cedar.js";
import { exportCedar } from "../../src/policy/cedar-export.js";

const TOOLS = ["get_balance", "send_money", "send_note", "update_email", "update_phone", "v1.delete"];
const RECIPIENTS = ["alice", "bob", "eve", 'quo"te\\', "line\nbreak"];
const NOW = Date.parse("2026-11-23T12:00:00Z");

function asCall(m: Mandate, tool: string, args: Record<string, unknown>): DeploymentCall {
  return {
    tool,
    args,
    callId: "c",
    session: null,
    mandate: { id: m.id, subject: m.subject ?? null, agent: m.agent ?? null, task: null },
  };
}

/** Cedar's verdict on the exported text, and whether the mandate lets the call through (allow or ask). */
function both(m: Mandate, text: string, tool: string, args: Record<string, unknown>) {
  const policy = cedarPolicy(text);
  const cedar = policy.evaluate(asCall(m, tool, args));
  const mandate = decide(compile(m, { now: NOW }), { tool, args, callId: "c" }, { now: NOW }).verdict;
  return { cedar, mandate };
}

// Generated mandates over the constructs the export says exactly: exact names and `*`/`{a,b}` globs, const, enum,
// integer and fractional bounds, booleans, optional arguments, per-call budget shares.
const bound = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.integer({ min: -20, max: 20 }).map((n) => n + 0.5),
);
const amount: fc.Arbitrary<ArgumentConstraint> = fc
  .record(
    {
      minimum: bound,
      maximum: bound,
      exclusiveMinimum: bound,
      exclusiveMaximum: bound,
      optional: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map((c) => ({ ...c }));
const recipient: fc.Arbitrary<ArgumentConstraint> = fc.oneof(
  fc.record({ const: fc.constantFrom(...RECIPIENTS), optional: fc.boolean() }),
  fc.record({
    enum: fc.uniqueArray(fc.constantFrom(...RECIPIENTS), { minLength: 1 }),
    optional: fc.boolean(),
  }),
  fc.record({ type: fc.constant("string"), optional: fc.boolean() }),
);
const flag: fc.Arbitrary<ArgumentConstraint> = fc.oneof(
  fc.record({ const: fc.boolean() }),
  fc.record({ type: fc.constant("boolean"), optional: fc.boolean() }),
);
const selector = fc.constantFrom(...TOOLS, "send_*", "update_*", "*", "{get,send}_*", "v1.*");
const rule = (effect: "allow" | "ask" | "deny"): fc.Arbitrary<Rule> =>
  fc
    .record(
      {
        tool: selector,
        args: fc.record({ amount, recipient, flag }, { requiredKeys: [] }),
        budget: fc.record({ sum: fc.record({ amount: fc.integer({ min: 0, max: 12 }) }) }),
      },
      { requiredKeys: ["tool"] },
    )
    .map((r) => (effect === "deny" ? { tool: r.tool, ...(r.args ? { args: r.args } : {}) } : r));
const mandates: fc.Arbitrary<Mandate> = fc
  .record({
    subject: fc.constantFrom(undefined, "user:alice"),
    allow: fc.array(rule("allow"), { maxLength: 3 }),
    ask: fc.array(rule("ask"), { maxLength: 2 }),
    deny: fc.array(rule("deny"), { maxLength: 2 }),
  })
  .map(
    ({ subject, ...rules }) =>
      ({ mandate: 1, id: "gen", ...(subject ? { subject } : {}), ...rules }) as Mandate,
  );
const calls = fc.record({
  tool: fc.constantFrom(...TOOLS, "other"),
  args: fc.record(
    {
      amount: fc.integer({ min: -15, max: 15 }),
      recipient: fc.constantFrom(...RECIPIENTS),
      flag: fc.boolean(),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  ),
});

describe("exportCedar", () => {
  test("differential: on integer-valued, well-typed calls the Cedar permits exactly what the mandate lets through", () => {
    fc.assert(
      fc.property(mandates, fc.array(calls, { minLength: 1, maxLength: 15 }), (m, cs) => {
        const exported = exportCedar(m);
        expect(exported.notes.filter((n) => n.kind !== "stateful")).toEqual([]);
        const policy = cedarPolicy(exported.text);
        const compiled = compile(m, { now: NOW });
        for (const c of cs) {
          const cedar = policy.evaluate(asCall(m, c.tool, c.args));
          const verdict = decide(compiled, { tool: c.tool, args: c.args, callId: "c" }, { now: NOW }).verdict;
          expect({
            call: c,
            cedar: cedar.verdict,
            errors: cedar.verdict === "deny" ? cedar.errors : [],
          }).toEqual({
            call: c,
            cedar: verdict === "deny" ? "deny" : "allow",
            errors: [],
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  test("soundness: with any values and constructs it cannot say, the Cedar never permits what the mandate denies", () => {
    const inexact: fc.Arbitrary<ArgumentConstraint> = fc.constantFrom(
      { pattern: "^a" },
      { maxLength: 3 },
      { multipleOf: 2 },
      { path: { under: ["/home"] } },
      { type: "number" as const },
      { items: { const: 1 } },
    );
    const wild = fc.record({
      tool: fc.constantFrom(...TOOLS, "v2.delete"),
      args: fc.dictionary(
        fc.constantFrom("amount", "recipient", "flag", "name"),
        fc.oneof(
          fc.integer({ min: -15, max: 15 }),
          fc.double({ min: -20, max: 20, noNaN: true }),
          fc.string(),
          fc.boolean(),
          fc.constant("/home/x"),
          fc.array(fc.integer({ min: 0, max: 2 })),
        ),
      ),
    });
    const wider = fc
      .record({
        m: mandates,
        extra: fc.array(
          fc.record({
            tool: fc.constantFrom("v?.delete", "send_*", "send_money"),
            name: inexact,
            deny: fc.boolean(),
          }),
        ),
      })
      .map(({ m, extra }) => ({
        ...m,
        allow: [
          ...(m.allow ?? []),
          ...extra.filter((e) => !e.deny).map((e) => ({ tool: e.tool, args: { name: e.name } })),
        ],
        deny: [
          ...(m.deny ?? []),
          ...extra.filter((e) => e.deny).map((e) => ({ tool: e.tool, args: { name: e.name } })),
        ],
      }));
    fc.assert(
      fc.property(wider, fc.array(wild, { minLength: 1, maxLength: 10 }), (m, cs) => {
        const policy = cedarPolicy(exportCedar(m).text);
        const compiled = compile(m, { now: NOW });
        for (const c of cs) {
          const cedar = policy.evaluate(asCall(m, c.tool, c.args)).verdict;
          const verdict = decide(compiled, { tool: c.tool, args: c.args, callId: "c" }, { now: NOW }).verdict;
          if (cedar === "allow") expect({ call: c, verdict }).not.toEqual({ call: c, verdict: "deny" });
        }
      }),
      { numRuns: 150 },
    );
  });

  test("what cannot be said exactly is a comment: permits are left out, forbids widened, state noted", () => {
    const m: Mandate = {
      mandate: 1,
      id: "files",
      subject: "user:alice",
      expires: "2027-01-01T00:00:00Z",
      allow: [
        { tool: "read_file", args: { path: { path: { under: ["/home/alice"] } } } },
        { tool: "send_money", args: { to: { const: "bob", provenance: "trusted" } }, budget: { calls: 2 } },
      ],
      deny: [{ tool: "v?.delete", args: { name: { pattern: "^prod" } } }],
    };
    const { text, notes, policies } = exportCedar(m);
    expect(policies).toBe(2);
    expect(notes.map((n) => [n.pointer, n.kind])).toEqual([
      ["/expires", "stateful"],
      ["/deny/0/tool", "widened"],
      ["/deny/0/args/name", "widened"],
      ["/allow/0/args/path", "omitted"],
      ["/allow/1/args/to", "stateful"],
      ["/allow/1/budget", "stateful"],
    ]);
    expect(text).toContain('// permit (principal == User::"alice", action == Action::"read_file"');
    expect(text).toContain('context.tool like "v*.delete" &&\n  context.args has "name"\n};');
    const { cedar } = both(m, text, "v1.delete", { name: "staging" });
    expect(cedar.verdict).toBe("deny");
    expect(both(m, text, "read_file", { path: "/home/alice/a" }).cedar.verdict).toBe("deny");
  });

  test("with a catalog, globs become actions (`?` included) and tools outside it are left out", () => {
    const catalog = createCatalog(
      ["v1.delete", "v2.delete", "v10.delete", "get_balance"].map((name) => ({
        name,
        inputSchema: { type: "object" },
      })),
    );
    const m: Mandate = { mandate: 1, id: "c", allow: [{ tool: "v?.delete" }, { tool: "send_*" }] };
    const { text, notes } = exportCedar(m, { catalog });
    expect(notes).toEqual([]);
    expect(text).toContain('action in [Action::"v1.delete", Action::"v2.delete"]');
    expect(text).toContain("// allow[1] matches no tool in the catalog");
    expect(cedarPolicy(text).policies).toEqual(["allow[0]"]);
  });

  test('an ask rule is a permit marked @effect("ask")', () => {
    const { text } = exportCedar({ mandate: 1, id: "a", ask: [{ tool: "pay", id: "big" }] });
    expect(text).toContain(
      '@id("ask[0]")\n@rule("big")\n@effect("ask")\npermit (principal, action == Action::"pay", resource == Mandate::"a");',
    );
  });
});

describe("mandate export --cedar", () => {
  const dir = mkdtempSync(join(tmpdir(), "mandate-export-"));
  const file = join(dir, "m.yaml");
  writeFileSync(
    file,
    "mandate: 1\nid: rent\nsubject: user:alice\nallow:\n  - tool: send_money\n    args:\n      amount: { maximum: 1200 }\n",
  );

  async function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    let code = -1;
    const program = new Command("mandate").exitOverride();
    registerExportCommand(program, { out: (t) => out.push(t), err: (t) => err.push(t) }, (c) => (code = c));
    await program.parseAsync(argv, { from: "user" });
    return { out: out.join("\n"), err: err.join("\n"), code };
  }

  test("prints the policy set; cedar-wasm parses it", async () => {
    const { out, code } = await run(["export", "--cedar", file]);
    expect(code).toBe(0);
    expect(out).toContain(
      'permit (principal == User::"alice", action == Action::"send_money", resource == Mandate::"rent")',
    );
    expect(cedarPolicy(out).policies).toEqual(["allow[0]"]);
  });

  test("--json gives the notes; no format is a usage error", async () => {
    const { out } = await run(["export", "--cedar", "--json", file]);
    expect(JSON.parse(out)).toMatchObject({ policies: 1, notes: [] });
    await expect(run(["export", file])).rejects.toThrow(/choose a format: --cedar/);
  });
});
