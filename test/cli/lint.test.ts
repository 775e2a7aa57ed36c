import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Command, CommanderError } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { registerLintCommand } from "../../src/cli/commands/lint.js";
import { CliError, EXIT } from "../../src/cli/exit-codes.js";

/** Runs `mandate lint …` through its own registration, as main.ts wires it, and maps errors as main does. */
async function lint(args: string[], color = false): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  let code: number = EXIT.ok;
  const io = { out: (t: string) => (out += `${t}\n`), err: (t: string) => (err += `${t}\n`) };
  const program = new Command("mandate")
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: (t) => io.err(t.trimEnd()) });
  registerLintCommand(program, io, (c) => (code = c), { color });
  try {
    await program.parseAsync(["lint", ...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return { code: EXIT.usage, out, err };
    if (error instanceof CliError) return { code: error.code, out, err: `${err}${error.message}\n` };
    throw error;
  }
  return { code, out, err };
}

let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
let tools: string;
let good: string;
let bad: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mandate-lint-"));
  tools = file(
    "tools.json",
    JSON.stringify({
      tools: [
        { name: "get_balance", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
        {
          name: "send_money",
          inputSchema: {
            type: "object",
            properties: { recipient: { type: "string" }, amount: { type: "number" } },
          },
          annotations: { destructiveHint: true, openWorldHint: true },
        },
      ],
    }),
  );
  good = file("good.yaml", "mandate: 1\nid: good\nttl: 1h\nallow:\n  - tool: get_balance\n");
  bad = file(
    "bad.yaml",
    'mandate: 1\nid: bad\nallow:\n  - tool: "*"\n  - tool: send_money\nask:\n  - tool: get_balance\n',
  );
});

describe("mandate lint", () => {
  it("prints nothing to fix for a narrow mandate and exits 0", async () => {
    const r = await lint([good, "--tools", tools]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${good}: no findings\n`);
  });

  it("prints each finding with place, severity, rule id and fix, then a summary; exits 1 on an error", async () => {
    const r = await lint([bad, "--tools", tools]);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `${bad}:1:1: warning: the mandate has neither \`expires\` nor \`ttl\`: it grants its authority for ever [no-expiry]`,
    );
    expect(lines[1]).toMatch(/^ {2}fix: add `ttl: 1h`/);
    expect(r.out).toContain(`${bad}:4:11: error: allow[0].tool: \`*\` allows every tool whose name matches`);
    expect(r.out).toContain("[unbounded-risky-tool]");
    expect(r.out).toContain("[ask-without-approver]");
    expect(lines.at(-1)).toBe(`${bad}: 1 error, 4 warnings, 0 notes`);
  });

  it("colours severities for a terminal", async () => {
    const r = await lint([bad, "--tools", tools], true);
    expect(r.out).toContain("\u001b[31m"); // red error
    expect(r.out).toContain("\u001b[33m"); // yellow warning
  });

  it("--fail-on sets the severity that fails", async () => {
    expect((await lint([bad, "--tools", tools, "--fail-on", "none"])).code).toBe(0);
    const warnOnly = file("warn.yaml", "mandate: 1\nid: w\nallow:\n  - tool: get_balance\n");
    expect((await lint([warnOnly, "--tools", tools])).code).toBe(0);
    expect((await lint([warnOnly, "--tools", tools, "--fail-on", "warning"])).code).toBe(1);
    expect((await lint([warnOnly, "--tools", tools, "--fail-on", "note"])).code).toBe(1);
    expect((await lint([good, "--tools", tools, "--fail-on", "note"])).code).toBe(0);
  });

  it("--approver configured accepts ask rules", async () => {
    const r = await lint([bad, "--tools", tools, "--approver", "configured", "--json"]);
    const { findings } = JSON.parse(r.out) as { findings: { ruleId: string }[] };
    expect(findings.map((f) => f.ruleId)).not.toContain("ask-without-approver");
  });

  it("--json prints findings and counts", async () => {
    const r = await lint([bad, good, "--tools", tools, "--json"]);
    const parsed = JSON.parse(r.out) as {
      findings: { ruleId: string; file: string; line: number; pointer: string; fix: string }[];
      counts: Record<string, number>;
    };
    expect(parsed.counts).toEqual({ error: 1, warning: 4, note: 0 });
    expect(parsed.findings.find((f) => f.ruleId === "wildcard-allow")).toMatchObject({
      file: bad,
      line: 4,
      pointer: "/allow/0/tool",
    });
    expect(parsed.findings.every((f) => f.fix.length > 0)).toBe(true);
  });

  it("--sarif prints a SARIF 2.1.0 log of the required shape", async () => {
    const r = await lint([bad, "--tools", tools, "--sarif"]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out) as unknown;
    const validate = new Ajv({ strict: false }).compile(SARIF_REQUIRED_SHAPE);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = (log as { runs: { tool: { driver: { rules: { id: string }[] } }; results: SarifResult[] }[] })
      .runs[0]!;
    const ids = run.tool.driver.rules.map((rule) => rule.id);
    for (const result of run.results) {
      expect(ids[result.ruleIndex]).toBe(result.ruleId);
    }
    const wildcard = run.results.find((x) => x.ruleId === "wildcard-allow")!;
    expect(wildcard.level).toBe("error");
    expect(wildcard.locations[0]!.physicalLocation.region).toEqual({ startLine: 4, startColumn: 11 });
    expect(wildcard.locations[0]!.physicalLocation.artifactLocation.uri).toBe(encodeURI(bad));
    expect(wildcard.message.text).toMatch(/Fix: list the tools/);
  });

  it("keeps the CLI's exit statuses for usage, data and input errors", async () => {
    expect((await lint([bad, "--json", "--sarif"])).code).toBe(EXIT.usage);
    expect((await lint([bad, "--fail-on", "fatal"])).code).toBe(EXIT.usage);
    expect((await lint([bad, "--approver", "maybe"])).code).toBe(EXIT.usage);
    const missing = await lint([join(dir, "nope.yaml")]);
    expect(missing.code).toBe(EXIT.noInput);
    const invalid = file("invalid.yaml", "mandate: 1\nid: x\nttl: soon\n");
    const r = await lint([invalid]);
    expect(r.code).toBe(EXIT.dataError);
    expect(r.err).toContain(`${invalid}:3:6: error: ttl:`);
    const badCatalog = file("bad-tools.json", "{");
    expect((await lint([good, "--tools", badCatalog])).code).toBe(EXIT.dataError);
    expect((await lint([good, "--now", "yesterday"])).code).toBe(EXIT.usage);
  });
});

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; startColumn: number };
    };
  }[];
}

/** The parts of the SARIF 2.1.0 schema code scanning relies on, with the schema's own requirements. */
const SARIF_REQUIRED_SHAPE = {
  type: "object",
  required: ["version", "runs"],
  properties: {
    version: { const: "2.1.0" },
    $schema: { type: "string", format: "uri" },
    runs: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["tool", "results"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: {
              driver: {
                type: "object",
                required: ["name", "rules"],
                properties: {
                  name: { type: "string", minLength: 1 },
                  rules: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["id", "shortDescription", "defaultConfiguration"],
                      properties: {
                        id: { type: "string" },
                        shortDescription: { type: "object", required: ["text"] },
                        defaultConfiguration: {
                          type: "object",
                          properties: { level: { enum: ["none", "note", "warning", "error"] } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["ruleId", "level", "message", "locations"],
              properties: {
                ruleId: { type: "string" },
                ruleIndex: { type: "integer", minimum: 0 },
                level: { enum: ["none", "note", "warning", "error"] },
                message: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
                locations: {
                  type: "array",
                  minItems: 1,
                  items: {
                    type: "object",
                    required: ["physicalLocation"],
                    properties: {
                      physicalLocation: {
                        type: "object",
                        required: ["artifactLocation", "region"],
                        properties: {
                          artifactLocation: {
                            type: "object",
                            required: ["uri"],
                            properties: { uri: { type: "string", pattern: '^[^\\s<>"{}|\\\\^`]+$' } },
                          },
                          region: {
                            type: "object",
                            required: ["startLine"],
                            properties: {
                              startLine: { type: "integer", minimum: 1 },
                              startColumn: { type: "integer", minimum: 1 },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
