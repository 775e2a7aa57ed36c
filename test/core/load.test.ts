/**
 * The loader on bad input: every problem becomes an issue with a clear one-line message and its exact place
 * in the source (file, line, column, field), never a crash.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  compile,
  decide,
  formatIssue,
  loadMandate,
  MandateError,
  type MandateIssue,
  parseMandate,
  validateMandate,
} from "../../src/core/index.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
/** Numbered source lines, so that the line numbers asserted below can be read off the test. */
const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;
const load = (text: string) => parseMandate(text, { file: "m.yaml", now: NOW });
const errors = (text: string): MandateIssue[] => {
  const r = load(text);
  expect(r.ok).toBe(false);
  return r.issues.filter((i) => i.severity === "error");
};
const warnings = (text: string): MandateIssue[] => {
  const r = load(text);
  expect(r.ok).toBe(true);
  return r.issues.filter((i) => i.severity === "warning");
};

describe("syntax errors", () => {
  test("malformed YAML is an error at the offending line", () => {
    const issues = errors(
      yaml(
        "mandate: 1", // 1
        "id: m", // 2
        "allow:", // 3
        "  - tool: a", // 4
        "   args: x", // 5: mis-indented
      ),
    );
    expect(issues).toEqual([
      expect.objectContaining({ file: "m.yaml", line: 5, column: 1, pointer: "", field: "" }),
    ]);
    expect(issues[0]!.message).toMatch(/^[a-z]/);
  });

  test("an unclosed flow sequence and an unclosed quote are located", () => {
    expect(errors(yaml("mandate: 1", "id: [m"))[0]).toMatchObject({ line: 3, column: 1 });
    expect(errors(yaml("mandate: 1", 'id: "m', "allow: []"))[0]).toMatchObject({
      line: 4,
      message: expect.stringContaining("quote"),
    });
  });

  test("tabs as indentation are an error at their line", () => {
    expect(errors(yaml("mandate: 1", "id: m", "allow:", "\t- tool: a"))[0]).toMatchObject({
      line: 4,
      message: expect.stringContaining("tab"),
    });
  });

  test("malformed JSON is an error at the place the parser stopped", () => {
    const missingComma = errors('{\n  "mandate": 1\n  "id": "m"\n}\n');
    expect(missingComma.length).toBeGreaterThan(0);
    expect(missingComma[0]).toMatchObject({ line: 2, column: 14 });
    const unclosedString = errors('{\n  "mandate": 1,\n  "id": "m\n}\n');
    expect(unclosedString[0]).toMatchObject({ line: 5, message: expect.stringContaining("quote") });
    const truncated = errors('{"mandate": 1,\n "id": "m",\n "allow": [\n');
    expect(truncated[0]).toMatchObject({ line: 4, column: 1 });
  });

  test("duplicate keys are an error at the second key, in YAML and in JSON", () => {
    expect(errors(yaml("mandate: 1", "id: m", "id: n"))).toEqual([
      expect.objectContaining({ line: 3, column: 1, message: expect.stringContaining("unique") }),
    ]);
    expect(errors('{"mandate": 1,\n "id": "m",\n "id": "n"}')).toEqual([
      expect.objectContaining({ line: 3, column: 2, message: expect.stringContaining("unique") }),
    ]);
    expect(
      errors(yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", "      x: {}", "      x: {}")),
    ).toEqual([expect.objectContaining({ line: 7, column: 7 })]);
  });

  test("several documents, an empty document, a scalar and a list are errors", () => {
    expect(errors("---\nmandate: 1\nid: a\n---\nmandate: 1\nid: b\n")[0]).toMatchObject({
      line: 4,
      message: expect.stringContaining("multiple documents"),
    });
    expect(errors("")).toEqual([
      expect.objectContaining({ line: 1, column: 1, message: "expected object, got null" }),
    ]);
    expect(errors("hello")[0]!.message).toBe("expected object, got string `hello`");
    expect(errors("- a\n- b\n")[0]!.message).toBe("expected object, got a list");
  });

  test("an alias bomb is refused, not expanded", () => {
    const bomb = yaml(
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    );
    expect(errors(bomb)).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^cannot read the document: .*alias/i) }),
    ]);
  });
});

describe("unknown keys, with the nearest valid key as a suggestion", () => {
  test.each([
    ["top level", yaml("mandate: 1", "id: m", "alow:", "  - tool: a"), "alow", "allow", 3, 1, ""],
    [
      "rule",
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    arg: {}"),
      "arg",
      "args",
      5,
      5,
      "/allow/0",
    ],
    [
      "constraint",
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", "      amount: { maxium: 5 }"),
      "maxium",
      "maximum",
      6,
      17,
      "/allow/0/args/amount",
    ],
    [
      "nested constraint",
      yaml(
        "mandate: 1",
        "id: m",
        "allow:",
        "  - tool: a",
        "    args:",
        "      x:",
        "        items:",
        "          maxLenght: 3",
      ),
      "maxLenght",
      "maxLength",
      8,
      11,
      "/allow/0/args/x/items",
    ],
    [
      "budget",
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget:", "      call: 5"),
      "call",
      "calls",
      6,
      7,
      "/allow/0/budget",
    ],
    [
      "form",
      yaml(
        "mandate: 1",
        "id: m",
        "allow:",
        "  - tool: a",
        "    args:",
        "      p: { path: { undr: [/tmp] } }",
      ),
      "undr",
      "under",
      6,
      20,
      "/allow/0/args/p/path",
    ],
  ])("at the %s level", (_level, text, key, suggestion, line, column, pointer) => {
    const issue = errors(text).find((i) => i.message.startsWith(`unknown key \`${key}\``));
    expect(issue).toMatchObject({ line, column, pointer, suggestion });
    expect(issue!.field.endsWith(key)).toBe(true);
    expect(formatIssue(issue!)).toContain(`did you mean \`${suggestion}\`?`);
  });

  test("a key far from every valid key gets no suggestion, but the list of valid keys", () => {
    const [issue] = errors(
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget:", "      zzzzzzzz: 5"),
    );
    expect(issue!.suggestion).toBeUndefined();
    expect(issue!.message).toContain("`calls`");
  });

  test("a `budget` on a deny rule is an unknown key there", () => {
    const [issue] = errors(yaml("mandate: 1", "id: m", "deny:", "  - tool: b", "    budget: { calls: 1 }"));
    expect(issue).toMatchObject({
      line: 5,
      column: 5,
      pointer: "/deny/0",
      message: expect.stringContaining("`budget`"),
    });
  });
});

describe("wrong types and values", () => {
  test.each([
    [
      "a numeric bound given as a string",
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", '      x: { maximum: "5" }'),
      6,
      21,
      "/allow/0/args/x/maximum",
      "expected number, got string `5`",
    ],
    [
      "rules given as a map",
      yaml("mandate: 1", "id: m", "allow: { tool: a }"),
      3,
      8,
      "/allow",
      "expected array, got a map",
    ],
    ["a numeric id", yaml("mandate: 1", "id: 5"), 2, 5, "/id", "expected string, got number `5`"],
    [
      "a fractional budget",
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget: { calls: 1.5 }"),
      5,
      22,
      "/allow/0/budget/calls",
      "expected integer, got number `1.5`",
    ],
    [
      "an unknown mode",
      yaml("mandate: 1", "id: m", "mode: audit"),
      3,
      7,
      "/mode",
      'expected one of `enforce`, `shadow`, got `"audit"`',
    ],
  ])("%s", (_name, text, line, column, pointer, message) => {
    expect(errors(text)).toContainEqual(expect.objectContaining({ line, column, pointer, message }));
  });

  test("a misspelt type name is an error at the type", () => {
    const issues = errors(
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", "      x: { type: strin }"),
    );
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) expect(i).toMatchObject({ line: 6, column: 18, pointer: "/allow/0/args/x/type" });
  });

  test("a negative budget is an error", () => {
    expect(
      errors(yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget: { calls: -1 }"))[0],
    ).toMatchObject({
      line: 5,
      pointer: "/allow/0/budget/calls",
    });
  });
});

describe("required keys and versions", () => {
  test("a missing `mandate` or `id` is an error naming the key", () => {
    expect(errors(yaml("id: m", "allow:", "  - tool: a"))).toEqual([
      expect.objectContaining({ line: 1, column: 1, pointer: "", message: "missing required key `mandate`" }),
    ]);
    expect(errors(yaml("mandate: 1", "allow:", "  - tool: a"))).toEqual([
      expect.objectContaining({ message: "missing required key `id`" }),
    ]);
  });

  test("a version other than 1 is an error at the version", () => {
    expect(errors(yaml("mandate: 2", "id: m"))).toEqual([
      expect.objectContaining({ line: 1, column: 10, pointer: "/mandate", message: "expected `1`, got `2`" }),
    ]);
    expect(errors(yaml('mandate: "1"', "id: m"))[0]!.message).toBe('expected `1`, got `"1"`');
  });
});

describe("times", () => {
  test.each(["next tuesday", "2026-12-01T00:00:00", "2026-13-01", "2026-12-01T25:00Z"])(
    "`expires: %s` is an error at the value",
    (text) => {
      expect(errors(yaml("mandate: 1", "id: m", `expires: ${text}`, "allow:", "  - tool: a"))).toEqual([
        expect.objectContaining({
          line: 3,
          column: 10,
          pointer: "/expires",
          field: "expires",
          message: expect.stringContaining("is not an ISO 8601 date"),
        }),
      ]);
    },
  );

  test("`ttl` and `expires` together are an error at `ttl`", () => {
    expect(
      errors(
        yaml("mandate: 1", "id: m", "expires: 2026-12-01T00:00:00Z", "ttl: 1h", "allow:", "  - tool: a"),
      ),
    ).toEqual([
      expect.objectContaining({
        line: 4,
        column: 6,
        pointer: "/ttl",
        message: "give `expires` or `ttl`, not both",
      }),
    ]);
  });

  test("a bad `ttl`, a bad `per` and an empty validity window are errors", () => {
    expect(errors(yaml("mandate: 1", "id: m", "ttl: forever"))[0]).toMatchObject({ line: 3, column: 6 });
    expect(
      errors(
        yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget: { calls: 1, per: fortnight }"),
      )[0],
    ).toMatchObject({ line: 5, column: 30, pointer: "/allow/0/budget/per" });
    expect(
      errors(
        yaml("mandate: 1", "id: m", "notBefore: 2026-12-01T00:00:00Z", "expires: 2026-11-01T00:00:00Z"),
      )[0],
    ).toMatchObject({ line: 3, pointer: "/notBefore", message: expect.stringContaining("never valid") });
  });

  test("an already expired mandate is a warning, not an error", () => {
    expect(warnings(yaml("mandate: 1", "id: m", "expires: 2020-01-01", "allow:", "  - tool: a"))).toEqual([
      expect.objectContaining({ line: 3, column: 10, message: expect.stringContaining("expired") }),
    ]);
  });
});

describe("globs and patterns", () => {
  test("an unclosed or nested brace in a tool glob is an error at the glob", () => {
    expect(errors(yaml("mandate: 1", "id: m", "allow:", '  - tool: "{a"'))).toEqual([
      expect.objectContaining({
        line: 4,
        column: 11,
        pointer: "/allow/0/tool",
        message: "unclosed `{` in tool glob `{a`",
      }),
    ]);
    expect(errors(yaml("mandate: 1", "id: m", "allow:", '  - tool: "{a,{b}}"'))[0]!.message).toContain(
      "nested `{`",
    );
    expect(errors(yaml("mandate: 1", "id: m", "allow:", "  - tools: [ok, '{a']"))).toEqual([
      expect.objectContaining({ line: 4, column: 17, pointer: "/allow/0/tools/1" }),
    ]);
  });

  test("an invalid pattern is an error at the pattern", () => {
    expect(
      errors(yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", '      x: { pattern: "[a" }')),
    ).toEqual([
      expect.objectContaining({
        line: 6,
        column: 21,
        pointer: "/allow/0/args/x/pattern",
        message: expect.stringMatching(/^invalid pattern `\[a`/),
      }),
    ]);
  });

  test.each(["^(?=a)", "(?<=a)b", "(?!a)", "(a)\\\\1"])(
    "look-around and back-references (`%s`) are rejected",
    (p) => {
      const [issue] = errors(
        yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", `      x: { pattern: "${p}" }`),
      );
      expect(issue).toMatchObject({ line: 6, pointer: "/allow/0/args/x/pattern" });
      expect(issue!.message).toContain("RE2");
    },
  );

  test("a catastrophic-backtracking pattern loads, and RE2 decides an attack string", () => {
    const mandate = loadMandate(
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", '      x: { pattern: "(a+)+$" }'),
    );
    const compiled = compile(mandate, { now: NOW });
    const attack = `${"a".repeat(50_000)}!`;
    // No timing assertion: on a backtracking engine this call would not return in our lifetime.
    expect(decide(compiled, { tool: "a", args: { x: attack }, callId: "c" }, { now: NOW }).verdict).toBe(
      "deny",
    );
    expect(
      decide(compiled, { tool: "a", args: { x: `!${"a".repeat(50_000)}` }, callId: "c" }, { now: NOW })
        .verdict,
    ).toBe("allow");
  });
});

describe("argument names and keyword families", () => {
  test("`__proto__`, `constructor` and `prototype` are errors at the key, in YAML and in JSON", () => {
    const issues = errors(
      yaml(
        "mandate: 1",
        "id: m",
        "allow:",
        "  - tool: a",
        "    args:",
        "      __proto__: { maximum: 1 }",
        "      constructor: { maximum: 1 }",
        "      prototype: { maximum: 1 }",
      ),
    );
    expect(issues.map((i) => [i.line, i.column, i.field, i.message])).toEqual([
      [6, 7, "allow[0].args.__proto__", "`__proto__` cannot be an argument name"],
      [7, 7, "allow[0].args.constructor", "`constructor` cannot be an argument name"],
      [8, 7, "allow[0].args.prototype", "`prototype` cannot be an argument name"],
    ]);
    const json = errors(
      '{"mandate": 1, "id": "m",\n "allow": [{"tool": "a", "args": {"__proto__": {"maximum": 1}}}]}',
    );
    expect(json).toEqual([
      expect.objectContaining({ line: 2, column: 35, field: "allow[0].args.__proto__" }),
    ]);
    expect(
      errors(
        yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget:", "      sum: { __proto__: 5 }"),
      ),
    ).toEqual([
      expect.objectContaining({ line: 6, column: 14, message: "`__proto__` cannot be an argument name" }),
    ]);
  });

  test("keywords of two types without a `type` are an error; with a `type` they are fine", () => {
    expect(
      errors(
        yaml(
          "mandate: 1",
          "id: m",
          "allow:",
          "  - tool: a",
          "    args:",
          "      x: { maximum: 1, pattern: x }",
        ),
      ),
    ).toEqual([
      expect.objectContaining({
        line: 6,
        column: 10,
        pointer: "/allow/0/args/x",
        message: "mixes keywords of types `number` and `string`; name the `type`",
      }),
    ]);
    expect(
      load(
        yaml(
          "mandate: 1",
          "id: m",
          "allow:",
          "  - tool: a",
          "    args:",
          "      x: { type: [number, string], maximum: 1, pattern: x }",
        ),
      ).ok,
    ).toBe(true);
    expect(
      errors(
        yaml(
          "mandate: 1",
          "id: m",
          "allow:",
          "  - tool: a",
          "    args:",
          "      x: { items: { minItems: 1, minLength: 1 } }",
        ),
      )[0],
    ).toMatchObject({ pointer: "/allow/0/args/x/items" });
  });
});

describe("warnings", () => {
  test("a mandate with no allow or ask rule warns that it grants nothing", () => {
    expect(warnings(yaml("mandate: 1", "id: m", "deny:", "  - tool: a"))).toEqual([
      expect.objectContaining({
        severity: "warning",
        line: 1,
        column: 1,
        message: expect.stringContaining("grants nothing"),
      }),
    ]);
    expect(warnings(yaml("mandate: 1", "id: m"))).toHaveLength(1);
  });

  test("allow `*` (or ask `**`) warns at the glob; deny `*` does not", () => {
    expect(warnings(yaml("mandate: 1", "id: m", "allow:", '  - tool: "*"'))).toEqual([
      expect.objectContaining({
        line: 4,
        column: 11,
        pointer: "/allow/0/tool",
        message: expect.stringContaining("allows every tool"),
      }),
    ]);
    expect(warnings(yaml("mandate: 1", "id: m", "ask:", '  - tools: [a, "**"]'))).toEqual([
      expect.objectContaining({ line: 4, column: 16, pointer: "/ask/0/tools/1" }),
    ]);
    expect(warnings(yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "deny:", '  - tool: "*"'))).toEqual(
      [],
    );
  });

  test("constraints that can never hold warn", () => {
    expect(
      warnings(
        yaml(
          "mandate: 1",
          "id: m",
          "allow:",
          "  - tool: a",
          "    args:",
          "      x: { minimum: 5, maximum: 1 }",
        ),
      ),
    ).toEqual([
      expect.objectContaining({ line: 6, column: 10, message: expect.stringContaining("can never hold") }),
    ]);
    expect(
      warnings(yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    budget: { calls: 0 }")),
    ).toEqual([expect.objectContaining({ line: 5, column: 22, pointer: "/allow/0/budget/calls" })]);
  });
});

describe("positions in JSON input", () => {
  test("issues in a JSON mandate point at the right line and column", () => {
    const text = [
      "{", // 1
      '  "mandate": 1,', // 2
      '  "id": "m",', // 3
      '  "allow": [', // 4
      '    { "tool": "send_money",', // 5
      '      "args": { "amount": { "maxium": 5 } } },', // 6
      '    { "tool": "a", "budget": { "calls": "3" } }', // 7
      "  ]", // 8
      "}", // 9
    ].join("\n");
    expect(errors(text).map((i) => [i.line, i.column, i.field])).toEqual([
      [6, 29, "allow[0].args.amount.maxium"],
      [7, 41, "allow[1].budget.calls"],
    ]);
  });

  test("semantic issues in JSON are located too", () => {
    expect(errors('{"mandate": 1, "id": "m",\n "expires": "soon",\n "allow": [{"tool": "a"}]}')).toEqual([
      expect.objectContaining({ line: 2, column: 13, pointer: "/expires" }),
    ]);
  });

  test("CRLF line ends count as one line end", () => {
    expect(errors("mandate: 1\r\nid: m\r\nalow: []\r\n")[0]).toMatchObject({ line: 3, column: 1 });
  });
});

describe("reporting", () => {
  test("formatIssue: `file:line:column: severity: field: message; did you mean …?`", () => {
    const [issue] = errors(
      yaml("mandate: 1", "id: m", "allow:", "  - tool: a", "    args:", "      amount: { maxium: 5 }"),
    );
    expect(formatIssue(issue!)).toBe(
      "m.yaml:6:17: error: allow[0].args.amount.maxium: unknown key `maxium`; did you mean `maximum`?",
    );
    expect(
      formatIssue({
        severity: "warning",
        file: null,
        line: 1,
        column: 1,
        pointer: "",
        field: "",
        message: "m",
      }),
    ).toBe("<mandate>:1:1: warning: m");
  });

  test("loadMandate throws a MandateError carrying every issue; one error is the message itself", () => {
    const one = () => loadMandate(yaml("mandate: 1", "id: m", "alow: []"), { file: "x.yaml" });
    expect(one).toThrow(MandateError);
    expect(one).toThrow(/^x\.yaml:3:1: error: alow: unknown key `alow`; did you mean `allow`\?$/);
    try {
      loadMandate(yaml("mandate: 1", "id: m", "alow: []", "allw: []"), { file: "x.yaml" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MandateError);
      const e = error as MandateError;
      expect(e.issues).toHaveLength(2);
      expect(e.message.split("\n")).toEqual([
        "2 errors in mandate:",
        "x.yaml:3:1: error: alow: unknown key `alow`; did you mean `allow`?",
        "x.yaml:4:1: error: allw: unknown key `allw`; did you mean `allow`?",
      ]);
    }
  });

  test("validateMandate on a value has no source: every issue is at 1:1, with its field", () => {
    const r = validateMandate({ mandate: 1, id: "m", alow: [] });
    expect(r.issues).toEqual([
      expect.objectContaining({ file: null, line: 1, column: 1, field: "alow", suggestion: "allow" }),
    ]);
  });

  test("compile throws a MandateError for an invalid value", () => {
    expect(() => compile({ mandate: 1, id: "m", allow: [{ tool: "{a" }] })).toThrow(MandateError);
  });
});

describe("never a crash", () => {
  const valid = yaml(
    "mandate: 1",
    "id: pay-rent",
    "expires: 2026-12-01T00:00:00Z",
    "allow:",
    "  - tool: send_money",
    "    args:",
    "      amount: { exclusiveMinimum: 0, maximum: 1200 }",
    "      to: { pattern: '^DE[0-9]{20}$' }",
    "    budget: { calls: 1, sum: { amount: 1200 } }",
    "deny:",
    '  - tool: "update_*"',
  );
  const wellFormed = (text: string, issues: readonly MandateIssue[]): void => {
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const i of issues) {
      expect(["error", "warning"]).toContain(i.severity);
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.line).toBeLessThanOrEqual(lines + 1);
      expect(i.column).toBeGreaterThanOrEqual(1);
      expect(i.message).not.toBe("");
      expect(i.message).not.toContain("\n");
    }
  };

  test("any text gives a result with well-formed issues", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = parseMandate(text);
        wellFormed(text, r.issues);
        expect(r.ok || r.issues.some((i) => i.severity === "error")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("random edits of a valid mandate give a result with well-formed issues", () => {
    const edit = fc.record({
      at: fc.nat(valid.length),
      remove: fc.nat(6),
      insert: fc.constantFrom(
        "",
        " ",
        "  ",
        "\n",
        ":",
        "-",
        "{",
        "}",
        "[",
        "]",
        '"',
        "'",
        "*",
        "&a",
        "*a",
        "#",
        "\t",
        "!!",
      ),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = valid;
        for (const e of edits) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.remove);
        const r = parseMandate(text, { now: NOW });
        wellFormed(text, r.issues);
        if (r.ok) expect(() => compile(r.mandate, { now: NOW })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  test("any value given to validateMandate gives a result; compile throws only MandateError", () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withBoxedValues: true }),
        (value) => {
          const r = validateMandate(value);
          wellFormed("", r.issues);
          try {
            compile(value, { now: NOW });
          } catch (error) {
            expect(error).toBeInstanceOf(MandateError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
