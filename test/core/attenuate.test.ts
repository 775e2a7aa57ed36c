import { describe, expect, test } from "vitest";
import { attenuate, type Attenuation } from "../../src/core/attenuate.js";
import { globsOverlap, globsWithin } from "../../src/core/glob-subset.js";
import { loadMandate } from "../../src/core/load.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");

const PARENT = loadMandate(`
mandate: 1
id: parent
expires: 2026-12-01T00:00:00Z
allow:
  - tool: get_balance
  - tool: read_file
    args:
      path: { path: { under: [/home/alice] } }
  - tool: send_money
    id: rent
    args:
      recipient: { enum: [DE89370400440532013000, FR1420041010050500013M02606] }
      amount: { exclusiveMinimum: 0, maximum: 1200, multipleOf: 0.01 }
    budget: { calls: 3, sum: { amount: 2000 }, per: 1d }
  - tool: fetch
    args:
      url: { url: { hosts: [api.example.com, "*.cdn.example.com"], schemes: [https] } }
  - tool: send_email
    args:
      to: { email: { domains: [acme.com, "*.acme.com"] } }
      body: { type: string, maxLength: 5000, flow: { forbid: [untrusted] } }
  - tool: "github.{get,list}_*"
ask:
  - tool: schedule_transaction
deny:
  - tool: read_file
    args:
      path: { path: { under: [/home/alice/.ssh] } }
`);

function child(rules: string, head = "expires: 2026-11-01T00:00:00Z"): ReturnType<typeof loadMandate> {
  return loadMandate(`mandate: 1\nid: child\n${head}\n${rules}`);
}

function messages(result: Attenuation): string[] {
  return result.ok ? [] : result.wider.map((g) => g.message);
}

describe("attenuate: accepts narrower children", () => {
  test("a strict subset of tools, values, budgets and time", () => {
    const c = child(`
allow:
  - tool: get_balance
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { minimum: 1, maximum: 500, multipleOf: 1 }
    budget: { calls: 1, sum: { amount: 500 } }
  - tool: read_file
    args:
      path: { path: { under: [/home/alice/bills] } }
  - tool: fetch
    args:
      url: { url: { hosts: [img.eu.cdn.example.com], schemes: [https], ports: [443] } }
  - tool: send_email
    args:
      to: { email: { domains: [eu.acme.com] } }
      body: { maxLength: 200, flow: {} }
  - tool: github.get_issue
ask:
  - tool: schedule_transaction
`);
    expect(messages(attenuate(PARENT, c, { now: NOW }))).toEqual([]);
  });

  test("a parent deny is respected by a copied deny rule or by disjoint roots", () => {
    const copied = child(`
allow:
  - tool: read_file
    args:
      path: { path: { under: [/home/alice] } }
deny:
  - tool: read_file
    args:
      path: { path: { under: [/home/alice/.ssh] } }
`);
    expect(attenuate(PARENT, copied, { now: NOW })).toEqual({ ok: true });
    const withoutDeny = child(`
allow:
  - tool: read_file
    args:
      path: { path: { under: [/home/alice] } }
`);
    expect(messages(attenuate(PARENT, withoutDeny, { now: NOW }))).toEqual([
      "allow[0]: cannot prove it excludes what the parent's deny[0] forbids for `read_file`; copy that deny rule into the child",
    ]);
  });

  test("an ask for what the parent allows is narrower", () => {
    expect(attenuate(PARENT, child("ask:\n  - tool: get_balance"), { now: NOW })).toEqual({ ok: true });
  });
});

describe("attenuate: names what is wider", () => {
  test("a bigger amount, a new recipient, no budget", () => {
    const c = child(`
allow:
  - tool: send_money
    args:
      recipient: { enum: [DE89370400440532013000, GB33BUKB20201555555555] }
      amount: { exclusiveMinimum: 0, maximum: 5000, multipleOf: 0.01 }
`);
    const result = attenuate(PARENT, c, { now: NOW });
    expect(result.ok).toBe(false);
    expect(messages(result)).toEqual([
      'allow[0]: wider than the parent: `recipient` may be `"GB33BUKB20201555555555"`, which the parent does not grant (against the parent\'s allow[2] (`rent`))',
      "allow[0]: wider than the parent: `amount` maximum 5000 > 1200 (against the parent's allow[2] (`rent`))",
      "allow[0]: wider than the parent: no budget (the parent's allow[2] (`rent`) has one) (against the parent's allow[2] (`rent`))",
    ]);
    expect(result.ok ? [] : result.wider.map((g) => g.field)).toEqual([
      "allow[0].args.recipient.enum",
      "allow[0].args.amount.maximum",
      "allow[0]",
    ]);
  });

  test("tools, globs, approval, expiry, patterns, hosts, flows, budgets", () => {
    const d = child(
      `
trustedTools: [read_file]
allow:
  - tool: "*"
  - tool: "github.*"
  - tool: schedule_transaction
  - tool: fetch
    args:
      url: { url: { hosts: [evil.example.com, "*.example.com"] } }
  - tool: send_email
    args:
      to: { email: { domains: [acme.com] } }
      body: { type: string, maxLength: 10 }
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 100, multipleOf: 0.01 }
    budget: { calls: 5, sum: { amount: 100 }, per: 1h }
`,
      "expires: 2027-01-01T00:00:00Z",
    );
    const m = messages(attenuate(PARENT, d, { now: NOW }));
    expect(m).toEqual([
      "wider than the parent: the child expires at 2027-01-01T00:00:00.000Z, after the parent (2026-12-01T00:00:00.000Z)",
      "wider than the parent: it trusts the outputs of `read_file`",
      "allow[0]: wider than the parent: no one parent rule grants every tool `*` matches",
      "allow[0]: cannot prove it excludes what the parent's deny[0] forbids for `*`; copy that deny rule into the child",
      "allow[1]: wider than the parent: no one parent rule grants every tool `github.*` matches",
      "allow[2]: wider than the parent: it allows `schedule_transaction` without approval; the parent asks for it",
      "allow[3]: wider than the parent: `url` host `evil.example.com` is not one the parent grants (against the parent's allow[3])",
      "allow[3]: wider than the parent: `url` host `*.example.com` is not one the parent grants (against the parent's allow[3])",
      "allow[3]: wider than the parent: `url` URL scheme `http` is not one the parent grants (against the parent's allow[3])",
      "allow[4]: wider than the parent: `body` drops the parent's `flow` rule (against the parent's allow[4])",
      "allow[5]: wider than the parent: budget calls 5 > 3 (against the parent's allow[2] (`rent`))",
      "allow[5]: wider than the parent: budget per 1h is not a whole number of the parent's 1d windows (against the parent's allow[2] (`rent`))",
    ]);
  });

  test("a pattern that differs cannot be proven; an identical one can", () => {
    const p = loadMandate(`
mandate: 1
id: p
allow:
  - tool: t
    args:
      ref: { pattern: "^INV-[0-9]+$", maxLength: 20 }
`);
    const same = loadMandate(`
mandate: 1
id: c
allow:
  - tool: t
    args:
      ref: { pattern: "^INV-[0-9]+$", maxLength: 12 }
`);
    const other = loadMandate(`
mandate: 1
id: c
allow:
  - tool: t
    args:
      ref: { pattern: "^INV-[0-9]{6}$", maxLength: 12 }
`);
    expect(attenuate(p, same)).toEqual({ ok: true });
    const result = attenuate(p, other);
    expect(result.ok ? null : result.wider[0]).toMatchObject({
      kind: "unproven",
      field: "allow[0].args.ref.pattern",
      message:
        "allow[0]: cannot prove: `ref` pattern differs (`^INV-[0-9]{6}$`, the parent's `^INV-[0-9]+$`) (against the parent's allow[0])",
    });
  });

  test("optional where the parent requires, unconstrained arguments, shadow mode, no expiry", () => {
    const c = loadMandate(`
mandate: 1
id: c
mode: shadow
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000, optional: true }
    budget: { calls: 1, sum: { amount: 1 } }
`);
    expect(messages(attenuate(PARENT, c, { now: NOW }))).toEqual([
      "wider than the parent: the child never expires; the parent expires at 2026-12-01T00:00:00.000Z",
      "wider than the parent: mode `shadow` lets denied calls run",
      "allow[0]: wider than the parent: `recipient` is optional (the parent requires it) (against the parent's allow[2] (`rent`))",
      "allow[0]: wider than the parent: `amount` is not constrained (the parent requires it) (against the parent's allow[2] (`rent`))",
    ]);
  });

  test("a ttl without issued cannot be placed before the parent's end", () => {
    const c = child("allow:\n  - tool: get_balance", "ttl: 1h");
    expect(messages(attenuate(PARENT, c, { now: NOW }))).toEqual([
      "cannot prove: `ttl` without `issued` ends relative to when the child is compiled; give `issued` or `expires`",
    ]);
  });
});

describe("globs as languages", () => {
  test.each([
    [["github.get_issue"], ["github.{get,list}_*"], true],
    [["github.get_*"], ["github.{get,list}_*"], true],
    [["github.*"], ["github.{get,list}_*"], false],
    [["a?c"], ["a*"], true],
    [["a*"], ["a?*"], false],
    [["a*b"], ["a*", "*b"], true],
    [["*"], ["*"], true],
    [["{a,b}"], ["a", "b"], true],
    [["a.b"], ["a?b"], true],
    [["a?b"], ["a.b"], false],
  ])("%j within %j: %s", (inner, outer, want) => {
    expect(globsWithin(inner, outer)).toBe(want);
  });

  test.each([
    [["send_*"], ["*_money"], true],
    [["read_*"], ["write_*"], false],
    [["a?"], ["?b"], true],
    [["a"], ["ab"], false],
  ])("%j overlaps %j: %s", (x, y, want) => {
    expect(globsOverlap(x, y)).toBe(want);
  });
});
