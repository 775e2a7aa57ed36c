// Keeps docs/mandate-language.md true to the code: every example mandate loads, every error example prints
// what the doc says, and every table of values that hold or fail a constraint is decided as the doc says.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { compile, decide, formatIssue, loadMandate, parseMandate } from "../../src/core/index.js";
import { NOW, PAY_RENT_YAML } from "../fixtures/banking.js";

const DOC = "docs/mandate-language.md";
const text = readFileSync(new URL(`../../${DOC}`, import.meta.url), "utf8");
const lines = text.split("\n");

interface Block {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The nearest non-empty line before the opening fence. */
  readonly before: string;
}

function fencedBlocks(): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end === -1) throw new Error(`${DOC}:${i + 1}: unclosed code block`);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === "") k--;
    blocks.push({
      lang: open[1] ?? "",
      body: `${lines.slice(i + 1, end).join("\n")}\n`,
      line: i + 1,
      before: k >= 0 ? lines[k]! : "",
    });
    i = end;
  }
  return blocks;
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly line: number;
  readonly before: string;
}

/** GitHub tables: cells split on `|` not escaped as `\|`. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, "|"));
}

function tables(): Table[] {
  const out: Table[] = [];
  let inCode = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^```/.test(lines[i]!)) inCode = !inCode;
    if (inCode || !lines[i]!.startsWith("|") || !/^\|[\s:|-]+\|$/.test(lines[i + 1] ?? "")) continue;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === "") k--;
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.startsWith("|"); j++) rows.push(cells(lines[j]!));
    out.push({ header: cells(lines[i]!), rows, line: i + 1, before: k >= 0 ? lines[k]! : "" });
    i = j - 1;
  }
  return out;
}

/** The code spans of a cell, in order (single backticks). */
function spans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

const ABSENT = "(absent)";

/** Decides one value of an argument `v` against a constraint written as YAML flow. */
function verdictFor(constraintYaml: string): (value: string) => string {
  const constraint: unknown = parseYaml(constraintYaml);
  const compiled = compile(
    { mandate: 1, id: "doc-table", allow: [{ tool: "t", args: { v: constraint } }] },
    { now: NOW },
  );
  return (value) => {
    const args = value === ABSENT ? {} : { v: JSON.parse(value) as unknown };
    return decide(compiled, { tool: "t", args, callId: "doc" }, { now: NOW }).verdict;
  };
}

const blocks = fencedBlocks();
const mandateBlocks = blocks.filter(
  (b) =>
    (b.lang === "yaml" && /^mandate: 1\s*$/m.test(b.body)) ||
    (b.lang === "json" && /^\s*"mandate": 1,?\s*$/m.test(b.body)),
);
const invalidMarker = /^<!-- invalid: (\S+) -->$/;

describe(DOC, () => {
  test("finds the examples", () => {
    expect(mandateBlocks.length).toBeGreaterThanOrEqual(15);
    expect(mandateBlocks.filter((b) => invalidMarker.test(b.before)).length).toBeGreaterThanOrEqual(1);
  });

  test("every YAML example is a whole mandate, not a fragment", () => {
    const fragments = blocks
      .filter((b) => b.lang === "yaml" && !mandateBlocks.includes(b))
      .map((b) => b.line);
    expect(fragments).toEqual([]);
  });

  test("opens with the pay-rent mandate of the test fixtures", () => {
    expect(mandateBlocks[0]!.body).toBe(PAY_RENT_YAML);
  });

  for (const block of mandateBlocks.filter((b) => !invalidMarker.test(b.before))) {
    test(`the example at line ${block.line} is a valid mandate, without warnings`, () => {
      const result = parseMandate(block.body, { file: `${DOC}@${block.line}`, now: NOW });
      expect(result.issues.map(formatIssue)).toEqual([]);
      expect(result.ok).toBe(true);
    });
  }

  for (const block of mandateBlocks.filter((b) => invalidMarker.test(b.before))) {
    test(`the invalid example at line ${block.line} reports what the doc shows`, () => {
      const file = invalidMarker.exec(block.before)![1]!;
      const shown = blocks.find((b) => b.line > block.line && b.lang === "text");
      expect(shown, "a ```text block of the expected output follows the example").toBeDefined();
      const result = parseMandate(block.body, { file, now: NOW });
      expect(result.ok).toBe(false);
      expect(result.issues.map(formatIssue).join("\n")).toBe(shown!.body.trimEnd());
    });
  }

  test("the delta shown is the delta the decider computes", () => {
    const compiled = compile(loadMandate(PAY_RENT_YAML), { now: NOW });
    const decision = decide(
      compiled,
      { tool: "send_money", args: { recipient: "GB33BUKB20201555555555", amount: 5000 }, callId: "c" },
      { now: NOW },
    );
    const deltas = blocks
      .filter((b) => b.lang === "json")
      .map((b) => JSON.parse(b.body) as unknown)
      .filter((v) => Array.isArray(v) && v.length > 0 && "kind" in (v[0] as object));
    expect(deltas).toEqual([decision.delta]);
  });

  const valueTables = tables().filter((t) => t.header.includes("constraint"));
  const formTables = tables().filter((t) => t.header.includes("within"));

  test("finds the tables of values", () => {
    expect(valueTables.length).toBeGreaterThanOrEqual(2);
    expect(formTables.length).toBeGreaterThanOrEqual(4);
  });

  for (const table of valueTables) {
    const col = (name: string): number => table.header.indexOf(name);
    for (const row of table.rows) {
      const [constraint, ...extra] = spans(row[col("constraint")]!);
      test(`line ${table.line}: \`${constraint}\` holds and fails as shown`, () => {
        expect(extra).toEqual([]);
        const verdict = verdictFor(constraint!);
        const holds = spans(row[col("holds for")]!);
        const fails = spans(row[col("fails for")]!);
        expect(holds.length + fails.length).toBeGreaterThan(0);
        for (const v of holds) expect([v, verdict(v)]).toEqual([v, "allow"]);
        for (const v of fails) expect([v, verdict(v)]).toEqual([v, "deny"]);
      });
    }
  }

  for (const table of formTables) {
    const against = /^Against `(.+)`:$/.exec(table.before);
    test(`line ${table.line}: values are within the form as shown`, () => {
      expect(against, "the table follows a line `Against `<constraint>`:`").not.toBeNull();
      const verdict = verdictFor(against![1]!);
      const value = table.header.indexOf("value");
      const within = table.header.indexOf("within");
      for (const row of table.rows) {
        const [v] = spans(row[value]!);
        const want = row[within] === "yes" ? "allow" : "deny";
        expect([v, verdict(v!)]).toEqual([v, want]);
      }
    });
  }
});
