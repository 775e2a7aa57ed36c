/**
 * Tool selectors: exact names and globs (`*` any run, `?` one character, `{a,b}` alternatives; everything
 * else literal), and what a glob covering every tool means in a deny rule and in an allow rule.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, createCatalog, decide, parseMandate } from "../../src/core/index.js";
import { compileGlob, GlobError, isGlob } from "../../src/core/glob.js";
import type { Mandate } from "../../src/core/mandate.js";
import { globMatches } from "./reference.js";

const TOOLS = [
  "send_money",
  "send_mail",
  "read_file",
  "get_balance",
  "a.b",
  "x+y",
  "(a)",
  "a|b",
  "^$",
  "we\\ird",
];

function verdictOf(mandate: Omit<Mandate, "mandate" | "id">, tool: string, catalog = false): string {
  const compiled = compile(
    { mandate: 1, id: "m", ...mandate },
    {
      now: 0,
      ...(catalog ? { catalog: createCatalog(TOOLS.map((name) => ({ name, inputSchema: {} }))) } : {}),
    },
  );
  return decide(compiled, { tool, args: {}, callId: "c" }, { now: 0 }).verdict;
}

describe("a glob covering every tool", () => {
  test.each([false, true])(
    "deny `*` denies every call, even one an allow rule covers (catalog: %s)",
    (catalog) => {
      for (const tool of TOOLS) {
        expect(
          verdictOf(
            { allow: [{ tool }, { tool: "*" }], ask: [{ tool }], deny: [{ tool: "*" }] },
            tool,
            catalog,
          ),
        ).toBe("deny");
      }
    },
  );

  test("the deny `*` decision names the deny rule and kind `policy`", () => {
    const compiled = compile(
      { mandate: 1, id: "m", allow: [{ tool: "send_money" }], deny: [{ tool: "*" }] },
      { now: 0 },
    );
    const d = decide(compiled, { tool: "send_money", args: {}, callId: "c" }, { now: 0 });
    expect(d.rule).toMatchObject({ effect: "deny", pointer: "/deny/0" });
    expect(d.delta).toEqual([
      expect.objectContaining({ kind: "policy", rule: "/deny/0", exercised: "send_money" }),
    ]);
  });

  test("allow `*` allows every tool, and the loader warns about it", () => {
    for (const tool of [...TOOLS, "anything at all", "😀"])
      expect(verdictOf({ allow: [{ tool: "*" }] }, tool)).toBe("allow");
    const r = parseMandate('mandate: 1\nid: m\nallow:\n  - tool: "*"\n');
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([
      expect.objectContaining({
        severity: "warning",
        pointer: "/allow/0/tool",
        message: expect.stringContaining("every tool"),
      }),
    ]);
  });

  test("allow `*` with a narrower deny: the deny still wins where it applies", () => {
    const m = { allow: [{ tool: "*" }], deny: [{ tool: "send_*" }] };
    expect(verdictOf(m, "send_money")).toBe("deny");
    expect(verdictOf(m, "read_file")).toBe("allow");
  });
});

describe("glob syntax", () => {
  test("`?` is exactly one character (a whole code point)", () => {
    const m = compileGlob("read_?ile");
    expect(m("read_file")).toBe(true);
    expect(m("read_ile")).toBe(false);
    expect(m("read_ffile")).toBe(false);
    expect(m("read_😀ile")).toBe(true);
    expect(compileGlob("?")("")).toBe(false);
  });

  test("`*` is any run, including none, and the match is anchored", () => {
    const m = compileGlob("send_*");
    expect(["send_", "send_money", "send_\nx"].map(m)).toEqual([true, true, true]);
    expect(["resend_money", "send", "Send_money"].map(m)).toEqual([false, false, false]);
    expect(compileGlob("*_file")("read_file")).toBe(true);
    expect(compileGlob("*_file")("read_file.bak")).toBe(false);
  });

  test("`{a,b}` is either alternative, and may hold wildcards or an empty alternative", () => {
    const m = compileGlob("{send_money,read_file}");
    expect(["send_money", "read_file"].map(m)).toEqual([true, true]);
    expect(["send_mail", "send_money,read_file", "{send_money,read_file}"].map(m)).toEqual([
      false,
      false,
      false,
    ]);
    expect(["send_money", "send_mail_all", "send_"].map(compileGlob("send_{money,mail*}"))).toEqual([
      true,
      true,
      false,
    ]);
    expect(["get", "get_all"].map(compileGlob("get{,_all}"))).toEqual([true, true]);
  });

  test("a name without `*`, `?` or `{` is an exact, case-sensitive name", () => {
    for (const name of ["send_money", "a.b", "x+y", "a,b", "a}b", "^$"]) {
      expect(isGlob(name)).toBe(false);
      expect(compileGlob(name)(name)).toBe(true);
      expect(compileGlob(name)(name.toUpperCase() === name ? `${name}x` : name.toUpperCase())).toBe(false);
    }
  });

  test("regular-expression characters in tool names are literal, in globs too", () => {
    expect(compileGlob("a.b")("axb")).toBe(false);
    expect(compileGlob("a.*")("axb")).toBe(false);
    expect(compileGlob("a.*")("a.b")).toBe(true);
    expect(compileGlob("x+?")("x+y")).toBe(true);
    expect(compileGlob("x+?")("xxy")).toBe(false);
    expect(compileGlob("(a)*")("(a)")).toBe(true);
    expect(compileGlob("(a)*")("a")).toBe(false);
    expect(compileGlob("a|b*")("a")).toBe(false);
    expect(compileGlob("a|b*")("a|b")).toBe(true);
    expect(compileGlob("^$*")("^$")).toBe(true);
    expect(compileGlob("^$*")("")).toBe(false);
    expect(compileGlob("[ab]*")("a")).toBe(false);
    expect(compileGlob("[ab]*")("[ab]")).toBe(true);
    expect(compileGlob("we\\ird*")("we\\ird")).toBe(true);
    expect(compileGlob("we\\ird*")("weird")).toBe(false);
    expect(compileGlob("a/b*")("a/b")).toBe(true);
    expect(compileGlob("a}b*")("a}b")).toBe(true);
    expect(compileGlob("a,b*")("a,b")).toBe(true);
  });

  test("an unclosed or nested brace is a GlobError", () => {
    expect(() => compileGlob("{a")).toThrow(GlobError);
    expect(() => compileGlob("{a,{b}}")).toThrow(/nested/);
  });

  test("selectors in a mandate match as the glob says, with and without a catalog", () => {
    const m = { allow: [{ tools: ["a.*", "x+?", "(a)"] }] };
    for (const catalog of [false, true]) {
      expect(verdictOf(m, "a.b", catalog)).toBe("allow");
      expect(verdictOf(m, "x+y", catalog)).toBe("allow");
      expect(verdictOf(m, "(a)", catalog)).toBe("allow");
      expect(verdictOf(m, "a|b", catalog)).toBe("deny");
    }
    expect(verdictOf(m, "axb")).toBe("deny");
    expect(verdictOf(m, "xxy")).toBe("deny");
  });

  test("the compiled glob agrees with the reference matcher on random globs and names", () => {
    const char = fc.constantFrom(
      "a",
      "b",
      ".",
      "+",
      "(",
      ")",
      "[",
      "]",
      "^",
      "$",
      "|",
      "\\",
      "/",
      ",",
      "}",
      "é",
      "😀",
    );
    const piece = fc.oneof(
      { arbitrary: char, weight: 6 },
      fc.constantFrom("*", "?"),
      fc
        .array(fc.array(fc.oneof(char, fc.constantFrom("*", "?")), { maxLength: 3 }), {
          minLength: 1,
          maxLength: 3,
        })
        .map((alts) => `{${alts.map((a) => a.join("")).join(",")}}`),
    );
    const glob = fc.array(piece, { maxLength: 6 }).map((p) => p.join(""));
    const name = fc.array(char, { maxLength: 8 }).map((c) => c.join(""));
    fc.assert(
      fc.property(glob, name, (g, n) => {
        expect(compileGlob(g)(n)).toBe(globMatches(g, n));
      }),
      { numRuns: 3000 },
    );
    // And on names built to match: a glob with its wildcards filled in.
    fc.assert(
      fc.property(
        fc.array(fc.oneof(char, fc.constantFrom("*", "?")), { maxLength: 6 }),
        fc.array(char, { maxLength: 3 }),
        (parts, fill) => {
          const g = parts.join("");
          const n = parts.map((p) => (p === "*" ? fill.join("") : p === "?" ? "a" : p)).join("");
          expect(compileGlob(g)(n)).toBe(true);
          expect(globMatches(g, n)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
