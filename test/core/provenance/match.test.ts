// findValue: what counts as "found", per kind of value, and token boundaries.
import { describe, expect, test } from "vitest";
import { findValue, ObservationLog, type Source } from "../../../src/core/provenance/index.js";

const USER: Source = { id: "user:1", trust: "trusted", kind: "user" };
const tool = (id: string, extra: Partial<Source> = {}): Source => ({
  id,
  trust: "untrusted",
  kind: "tool",
  tool: "read_file",
  callId: id,
  ...extra,
});

/** Whether `value` is found in a log holding only `content` (as an untrusted output). */
function foundIn(content: unknown, value: unknown): boolean {
  const log = new ObservationLog();
  log.observe(tool("c1"), content);
  const f = findValue(log, value);
  if (!f.attributable) throw new Error(`${String(value)} is not attributable: ${f.reason}`);
  return f.untrusted.length > 0;
}

describe("what counts as found", () => {
  test.each([
    // [source, value, found]
    ["Rent: 1,200.00 EUR", 1200, true],
    ["Rent: 1,200.00 EUR", "1200", true],
    ["Rent: 1.200,00 €", "1,200.00", true],
    ["Rent: 1 200,00 €", 1200, true],
    ["Rent: 1200 EUR", 1200.0, true],
    ["Rent: 1200.50 EUR", 1200.5, true],
    ["Rent: 1200.50 EUR", 1200, false],
    ["Rent: 1000 EUR", 100, false],
    ["Rent: 1,200 EUR", 1.2, false],
    ["Rent: 1.200 EUR", 1200, false], // a single dot is a decimal point: 1.2
    ["Rent: 1.200 EUR", 1.2, true],
    ["amounts 1200,1500,800", 1500, true],
    ["IBAN DE89 3704 0044 0532 0130 00.", "DE89370400440532013000", true],
    ["IBAN DE89370400440532013000.", "DE89 3704 0044 0532 0130 00", true],
    ["IBAN DE89-3704-0044-0532-0130-00", "de89.3704.0044.0532.0130.00", true],
    ["IBAN GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819", true],
    ["IBAN DE89  3704 0044 0532 0130 00", "DE89370400440532013000", false], // two spaces end a chain
    ["IBAN DE89\n3704 0044 0532 0130 00", "DE89370400440532013000", false], // a line break ends a chain
    ["Tel. 030 1234567 or 030 7654321", "0301234567", true],
    ["Tel. 030 1234567", "+49 30 1234567", false], // a different number
    ["account 12 345 678", 12345678, true],
    ["account 12.345.678", 12345678, true],
    ["Write to Bob@X.com.", "bob@x.com", true],
    ["Write to bob@x.com", "BOB@X.COM.", true],
    ["see https://Example.com/docs", "example.com", true],
    ["see https://example.com/docs", "https://example.com/docs", true],
    ["Please pay the electricity bill, before Friday!", "pay the electricity bill before friday", true],
    ["Please pay the electricity bill", "pay the water bill", false],
    ["Please pay the electricity bill", "bill electricity", false],
  ])("%j contains %j: %s", (source, value, expected) => {
    expect(foundIn(source, value)).toBe(expected);
  });

  test("a value must be within one leaf of a JSON output", () => {
    expect(foundIn({ a: "pay the", b: "rent now" }, "pay the rent")).toBe(false);
    expect(foundIn({ a: "DE89 3704 0044", b: "0532 0130 00" }, "DE89370400440532013000")).toBe(false);
    expect(foundIn({ a: "pay the rent now" }, "pay the rent")).toBe(true);
  });

  test("JSON numbers, keys and strings are recorded; booleans and null are not", () => {
    const out = { total: 1200.5, DE89370400440532013000: { ok: true, note: null }, list: ["alpha beta"] };
    expect(foundIn(out, "1,200.50")).toBe(true);
    expect(foundIn(out, "DE89370400440532013000")).toBe(true);
    expect(foundIn(out, "alpha beta")).toBe(true);
    expect(foundIn(out, "total")).toBe(true);
    expect(foundIn(out, "note")).toBe(true);
  });
});

describe("token boundaries", () => {
  test.each([
    ["XDE89370400440532013000Y", "DE89370400440532013000"],
    ["DE893704004405320130001", "DE89370400440532013000"],
    ["1000", 100],
    ["1000", "100"],
    ["10000.5", 1000],
    ["evilbob@x.com", "bob@x.com"],
    ["bob@x.com.evil.org", "bob@x.com"],
    ["bob+tag@x.com", "tag@x.com"],
    ["notexample.com", "example.com"],
    ["example.com.evil.org", "example.com"],
    ["ab-cd-ef-123456", "123456"],
    ["payment", "pay"],
    ["1,200.50", 200.5],
    ["1 200,00", 200],
    ["10.0.0.1", "10.0.0"],
    ["10.0.0.1", "0.0.1"],
    ["v1.2.3", "1.2"],
  ])("%j does not contain %j", (source, value) => {
    expect(foundIn(`see ${source} here`, value)).toBe(false);
  });

  test("a grouped identifier is not found when the source continues it with another short digit group", () => {
    expect(foundIn("IBAN DE89 3704 0044 0532 0130 00 1", "DE89370400440532013000")).toBe(false);
    expect(foundIn("IBAN DE89 3704 0044 0532 0130 00", "3704 0044 0532 0130 00")).toBe(false);
    expect(foundIn("IBAN GB29 NWBK 6016 1331 9268 19", "NWBK 6016 1331 9268 19")).toBe(false);
    // A longer digit group is another value; a word is not a group of the number.
    expect(foundIn("IBAN DE89 3704 0044 0532 0130 00 2026-03-01", "DE89370400440532013000")).toBe(true);
    expect(foundIn("IBAN DE89 3704 0044 0532 0130 00 today", "DE89370400440532013000")).toBe(true);
    // A value written as one token stands alone.
    expect(foundIn("DE89370400440532013000 12", "DE89370400440532013000")).toBe(true);
  });
});

describe("results", () => {
  test("report every source, trusted and untrusted apart, in observation order, once per id", () => {
    const log = new ObservationLog();
    log.observe(tool("c2"), "pay DE89370400440532013000");
    log.observe(USER, "my IBAN is DE89 3704 0044 0532 0130 00");
    log.observe(
      { id: "mandate", trust: "trusted", kind: "mandate" },
      { recipient: "DE89370400440532013000" },
    );
    log.observe(tool("c1", { tool: "get_contacts" }), [
      "DE89370400440532013000",
      "again DE89370400440532013000",
    ]);
    log.observe(tool("c2"), "and again DE89370400440532013000");
    expect(findValue(log, "DE89370400440532013000")).toEqual({
      attributable: true,
      kind: "identifier",
      normalised: "de89370400440532013000",
      trusted: [
        { id: "user:1", kind: "user" },
        { id: "mandate", kind: "mandate" },
      ],
      untrusted: [
        { id: "c2", kind: "tool", tool: "read_file", callId: "c2" },
        { id: "c1", kind: "tool", tool: "get_contacts", callId: "c1" },
      ],
      truncated: false,
    });
  });

  test("a value found nowhere", () => {
    const log = new ObservationLog();
    log.observe(USER, "pay the rent");
    expect(findValue(log, "CY17002001280000001200527600")).toMatchObject({
      attributable: true,
      trusted: [],
      untrusted: [],
    });
    expect(findValue(new ObservationLog(), "pay the rent")).toMatchObject({ trusted: [], untrusted: [] });
  });

  test("values too short or too common are reported as such, with empty lists", () => {
    const log = new ObservationLog();
    log.observe(USER, "send 5 EUR, ok? true");
    for (const [value, reason] of [
      [5, "too-short"],
      ["ok", "common"],
      [true, "common"],
      [null, "common"],
      ["", "empty"],
      [{ a: 1 }, "not-a-scalar"],
    ] as const) {
      expect(findValue(log, value)).toEqual({
        attributable: false,
        reason,
        trusted: [],
        untrusted: [],
        truncated: false,
      });
    }
  });
});
