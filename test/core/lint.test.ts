import { describe, expect, it } from "vitest";
import { createCatalog, type ToolDefinition } from "../../src/core/catalog.js";
import { type LintFinding, type LintOptions, lintMandate } from "../../src/core/lint.js";
import { parseMandate } from "../../src/core/load.js";

const obj = (props: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({
  type: "object",
  properties: props,
  required,
  additionalProperties: false,
});
const str = { type: "string" };
const TOOLS: ToolDefinition[] = [
  { name: "get_balance", inputSchema: obj({}), annotations: { readOnlyHint: true } },
  {
    name: "send_money",
    inputSchema: obj({ recipient: str, amount: { type: "number" }, subject: str }, ["recipient", "amount"]),
    annotations: { destructiveHint: true, openWorldHint: true },
  },
  // Claims to be read-only; its name says otherwise, and hints are untrusted.
  { name: "delete_repo", inputSchema: obj({ repo: str }, ["repo"]), annotations: { readOnlyHint: true } },
  {
    name: "http_get",
    inputSchema: obj({ url: str }, ["url"]),
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  { name: "github.list_issues", inputSchema: obj({ repo: str }), annotations: { readOnlyHint: true } },
  {
    name: "github.get_issue",
    inputSchema: obj({ repo: str, n: { type: "integer" } }),
    annotations: { readOnlyHint: true },
  },
  {
    name: "github.delete_issue",
    inputSchema: obj({ repo: str, n: { type: "integer" } }),
    annotations: { destructiveHint: true },
  },
  {
    name: "send_email",
    inputSchema: obj({ to: { type: "array", items: str }, cc: { type: "array", items: str }, body: str }, [
      "to",
    ]),
    annotations: { openWorldHint: true },
  },
  { name: "update_password", inputSchema: obj({ password: str }), annotations: { destructiveHint: true } },
];
const catalog = createCatalog(TOOLS);

function lint(text: string, options: Omit<LintOptions, "source"> = { catalog }): readonly LintFinding[] {
  const loaded = parseMandate(text, { file: "m.yaml" });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return lintMandate(loaded.mandate, { ...options, source: { text, file: "m.yaml" } });
}
const brief = (findings: readonly LintFinding[]): string[][] =>
  findings.map((f) => [f.ruleId, f.severity, f.pointer, `${f.line}:${f.column}`]);

describe("lintMandate", () => {
  it("finds nothing in a narrow mandate", () => {
    const findings = lint(`mandate: 1
id: ok
ttl: 1h
allow:
  - tool: get_balance
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 100 }
    budget: { calls: 1 }
`);
    expect(findings).toEqual([]);
  });

  it("reports a missing expiry at the top of the file", () => {
    const findings = lint("mandate: 1\nid: forever\nallow:\n  - tool: get_balance\n");
    expect(brief(findings)).toEqual([["no-expiry", "warning", "", "1:1"]]);
    expect(findings[0]!.fix).toMatch(/ttl: 1h/);
    expect(findings[0]!.file).toBe("m.yaml");
  });

  it("grades globs on allow rules: `*` is an error, a glob over a risky tool a warning, over reads a note", () => {
    const findings = lint(`mandate: 1
id: globs
ttl: 1h
allow:
  - tool: "*"
  - tool: "github.*"
  - tools: ["github.{list,get}_*"]
ask:
  - tool: "github.*"
`);
    const globs = findings.filter((f) => f.ruleId === "wildcard-allow");
    expect(brief(globs)).toEqual([
      ["wildcard-allow", "error", "/allow/0/tool", "5:11"],
      ["wildcard-allow", "warning", "/allow/1/tool", "6:11"],
      ["wildcard-allow", "note", "/allow/2/tools/0", "7:13"],
      ["wildcard-allow", "note", "/ask/0/tool", "9:11"],
    ]);
    expect(globs[1]!.message).toContain(
      "3 tools: `github.list_issues`, `github.get_issue`, `github.delete_issue`",
    );
    expect(globs[1]!.fix).toContain("tools: [github.list_issues, github.get_issue, github.delete_issue]");
    expect(globs[1]!.tools).toEqual(["github.list_issues", "github.get_issue", "github.delete_issue"]);
    // The loader's own `*` warning is not repeated under another id.
    expect(findings.filter((f) => f.pointer === "/allow/0/tool")).toHaveLength(1);
  });

  it("flags a risky tool granted with any arguments and no budget; milder on `ask`", () => {
    const findings = lint(`mandate: 1
id: risky
ttl: 1h
allow:
  - tool: send_money
  - tool: delete_repo
ask:
  - tool: github.delete_issue
`);
    expect(brief(findings)).toEqual([
      ["unbounded-risky-tool", "warning", "/allow/0", "5:5"],
      ["unbounded-risky-tool", "warning", "/allow/1", "6:5"],
      ["ask-without-approver", "warning", "/ask/0", "8:5"],
      ["unbounded-risky-tool", "note", "/ask/0", "8:5"],
    ]);
    expect(findings[0]!.message).toContain(
      "`send_money` (destructive, outward, spending: `destructiveHint`, `openWorldHint`",
    );
    // `readOnlyHint: true` does not clear a tool whose name deletes.
    expect(findings[1]!.message).toContain("name `delete_repo`");
  });

  it("flags amounts, recipients and URLs a risky tool may take unbounded, with a fix for each kind", () => {
    const findings = lint(`mandate: 1
id: args
ttl: 1h
allow:
  - tool: send_money
    args:
      amount: { minimum: 0 }
      subject: { maxLength: 140 }
  - tool: http_get
    args:
      url: { type: string, maxLength: 200 }
`);
    expect(brief(findings)).toEqual([
      ["spend-without-budget", "warning", "/allow/0", "5:5"],
      ["unconstrained-argument", "warning", "/allow/0", "5:5"],
      ["unconstrained-argument", "warning", "/allow/0/args/amount", "7:15"],
      ["unconstrained-argument", "warning", "/allow/1/args/url", "11:12"],
    ]);
    const byArg = (arg: string) => findings.find((f) => f.message.includes(`any \`${arg}\``))!;
    expect(byArg("recipient").fix).toMatch(/recipient: \{ const: … \}/);
    expect(byArg("amount").fix).toMatch(/maximum/);
    expect(byArg("amount").message).toContain("its constraint does not bound it");
    expect(byArg("url").fix).toMatch(/url: \{ hosts:/);
    expect(findings[0]!.fix).toBe("add `budget: { calls: 1, sum: { amount: <the task's total> } }`");
  });

  it("counts a budget sum as a bound on an amount, and a deny rule as closing an argument", () => {
    const findings = lint(`mandate: 1
id: closed
ttl: 1h
allow:
  - tool: send_money
    args:
      recipient: { enum: [A, B] }
    budget: { sum: { amount: 100 } }
  - tool: send_email
    args:
      to: { items: { email: { domains: [acme.com] } } }
      body: { maxLength: 1000 }
    budget: { calls: 1 }
deny:
  - tool: send_email
    args:
      cc: {}
`);
    expect(findings).toEqual([]);
  });

  it("flags `ask` rules only when no approver is configured", () => {
    const text = `mandate: 1
id: asks
ttl: 1h
ask:
  - tool: get_balance
`;
    expect(brief(lint(text))).toEqual([["ask-without-approver", "warning", "/ask/0", "5:5"]]);
    expect(lint(text, { catalog, approver: "configured" })).toEqual([]);
  });

  it("keeps the loader's never-match warnings under stable ids, with the suggested spelling", () => {
    const findings = lint(`mandate: 1
id: dead
ttl: 1h
allow:
  - tool: get_balanse
  - tool: github.get_issue
    args:
      repo: { const: acme/app }
      nn: { minimum: 5, maximum: 1 }
  - tool: github.list_issues
    args:
      repo: { minLength: 5, maxLength: 2 }
    budget: { calls: 0 }
`);
    expect(brief(findings)).toEqual([
      ["unknown-tool", "warning", "/allow/0/tool", "5:11"],
      ["never-matches", "warning", "/allow/1/args/nn", "9:7"],
      ["never-matches", "warning", "/allow/1/args/nn", "9:11"],
      ["never-matches", "warning", "/allow/2/args/repo", "12:13"],
      ["never-matches", "warning", "/allow/2/budget/calls", "13:22"],
    ]);
    expect(findings[0]!.message).toContain("did you mean `get_balance`?");
    expect(findings[0]!.fix).toBe("write `get_balance` if that is the tool meant, or remove the selector");
  });

  it("finds an allow rule every call of which a deny rule forbids", () => {
    const findings = lint(`mandate: 1
id: shadowed
ttl: 1h
allow:
  - tool: send_money
    id: landlord
    args:
      recipient: { const: DE89 }
      amount: { exclusiveMinimum: 0, maximum: 100 }
    budget: { calls: 1 }
  - tool: send_money
    args:
      recipient: { const: FR76 }
      amount: { exclusiveMinimum: 0, maximum: 100 }
    budget: { calls: 1 }
deny:
  - tool: send_money
    args:
      recipient: { enum: [DE89, GB33] }
`);
    expect(brief(findings)).toEqual([["allow-shadowed-by-deny", "warning", "/allow/0", "5:5"]]);
    expect(findings[0]!.message).toBe(
      "every call the rule `landlord` covers is denied by deny[0]: it grants nothing",
    );
  });

  it("finds deny rules that forbid nothing granted, and keeps those that do", () => {
    const findings = lint(`mandate: 1
id: denies
ttl: 1h
allow:
  - tool: send_email
    args:
      to: { items: { const: a@acme.com } }
      body: { maxLength: 100 }
    budget: { calls: 1 }
deny:
  - tool: update_password
  - tool: send_email
    args:
      cc: {}
  - tool: send_email
    args:
      to: { items: { const: a@acme.com } }
      cc: { optional: true }
`);
    expect(brief(findings)).toEqual([
      ["allow-shadowed-by-deny", "warning", "/allow/0", "5:5"],
      ["deny-shadows-nothing", "note", "/deny/0", "11:5"],
    ]);
    expect(findings[1]!.fix).toContain("keep it on purpose (it still forbids `update_password`");
  });

  it("judges tools by name alone without a catalog", () => {
    const findings = lint(
      `mandate: 1
id: no-catalog
ttl: 1h
allow:
  - tool: get_balance
  - tool: transfer_funds
  - tool: "mail.*"
  - tool: notify
    args:
      channel: { maxLength: 20 }
`,
      {},
    );
    expect(brief(findings)).toEqual([
      ["unbounded-risky-tool", "warning", "/allow/1", "6:5"],
      ["wildcard-allow", "warning", "/allow/2/tool", "7:11"],
      ["unconstrained-argument", "warning", "/allow/3/args/channel", "10:16"],
    ]);
  });

  it("reports the mandate's own errors as `invalid-mandate` when given an unchecked value", () => {
    const findings = lintMandate(
      { mandate: 1, id: "x", ttl: "soon", allow: [{ tool: "get_balance" }] },
      { catalog },
    );
    expect(brief(findings)).toEqual([["invalid-mandate", "error", "/ttl", "1:1"]]);
  });

  it("says the mandate expired, judged at `now`", () => {
    const text = "mandate: 1\nid: old\nexpires: 2026-01-01T00:00:00Z\nallow:\n  - tool: get_balance\n";
    const loaded = parseMandate(text, { now: 0 });
    if (!loaded.ok) throw new Error("invalid");
    const at = (now: number) => lintMandate(loaded.mandate, { catalog, now, source: { text } });
    expect(at(0)).toEqual([]);
    expect(brief(at(Date.parse("2027-01-01")))).toEqual([["expired", "warning", "/expires", "3:10"]]);
    expect(at(Date.parse("2027-01-01"))[0]!.file).toBeNull();
  });
});
