// The normalisation spec of src/core/provenance/normalise.ts (and docs/provenance.md), as tables.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  normaliseText,
  normaliseValue,
  numberKey,
  plainDecimal,
  plainOfKey,
  tokens,
} from "../../../src/core/provenance/normalise.js";

describe("text", () => {
  test.each([
    ["ASCII is lowercased", "Bob@Example.COM", "bob@example.com"],
    ["zero-width space removed", "DE89\u200B3704", "de893704"],
    ["zero-width joiner and non-joiner removed", "a\u200Db\u200Cc", "abc"],
    ["soft hyphen removed", "pay\u00ADment", "payment"],
    ["word joiner and BOM removed", "\uFEFFab\u2060cd", "abcd"],
    ["bidi controls removed", "\u202Eabc\u202C", "abc"],
    ["variation selector removed", "a\uFE0Fb", "ab"],
    ["tag characters removed", "a\u{E0041}b", "ab"],
    ["full-width letters and digits (NFKC)", "ＤＥ８９", "de89"],
    ["ligature (NFKC)", "ﬁle", "file"],
    ["non-breaking space becomes a space", "1\u00A0200", "1 200"],
    ["narrow no-break space becomes a space", "1\u202F200", "1 200"],
    ["composed and decomposed forms agree", "Cafe\u0301", "café"],
    ["final sigma folded", "ΟΔΟΣ", "οδοσ"],
    [
      "ß is lowercase, not folded to ss (IDNA2008 keeps faß.de and fass.de apart)",
      "STRAẞE Straße",
      "straße straße",
    ],
    ["dotless ı stays distinct from i", "PAYPAL paypal pıypal", "paypal paypal pıypal"],
    ["Cyrillic а is not folded to Latin a", "p\u0430ypal", "p\u0430ypal"],
    ["Greek omicron is not folded to Latin o", "g\u03BFogle", "g\u03BFogle"],
  ])("%s", (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });

  test("is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const once = normaliseText(s);
        expect(normaliseText(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  test("is idempotent on letters whose case mappings change under NFKC", () => {
    for (const s of ["İ", "ǅ", "Ǆ", "ẞ", "ᴬ", "Ω", "K", "Å", "ΣΑΣ", "\u0345", "ﬀ", "㎒", "ﷺ", "ŉ"]) {
      const once = normaliseText(s);
      expect(normaliseText(once), s).toBe(once);
    }
  });
});

describe("tokens", () => {
  test.each([
    ["words and punctuation", "Hello, World!", ["hello", "world"]],
    ["trailing dot dropped from an address", "write to bob@x.com.", ["write", "to", "bob@x.com"]],
    ["trailing dot dropped from a host", "see example.com.", ["see", "example.com"]],
    ["inner punctuation joins", "don't e-mail a.b+c@d.org", ["don't", "e-mail", "a.b+c@d.org"]],
    ["doubled punctuation separates", "a--b a..b", ["a", "b", "a", "b"]],
    ["slash and colon separate", "https://x.com/a/b?q=1", ["https", "x.com", "a", "b", "q", "1"]],
    ["comma joins digits only", "1,200 alice,bob", ["1,200", "alice", "bob"]],
    ["comma lists of numbers stay lists", "1200,1500,800", ["1200", "1500", "800"]],
    ["grouped number with a decimal part", "1 200,00 EUR", ["1 200,00", "eur"]],
    ["space-grouped integers are separate numbers", "3 100", ["3", "100"]],
    ["leading decimal point", "(.5)", [".5"]],
    ["an IBAN in groups", "DE89 3704 0044", ["de89", "3704", "0044"]],
    ["underscores are word characters", "file_name.txt", ["file_name.txt"]],
    [
      "CSV fields",
      "2026-03-01,DE89370400440532013000,12.50",
      ["2026-03-01", "de89370400440532013000", "12.50"],
    ],
  ])("%s", (_name, input, expected) => {
    expect(tokens(input)).toEqual(expected);
  });
});

describe("numbers", () => {
  test.each([
    ["1200", "1200"],
    ["0", "0"],
    ["1,200", "1200"],
    ["1,200.00", "1200"],
    ["1.200,00", "1200"],
    ["1.200.000", "1200000"],
    ["1,200,000", "1200000"],
    ["1'200.50", "1200.5"],
    ["1’200", "1200"],
    ["1 200,00", "1200"],
    ["1 200.50", "1200.5"],
    ["12 345 678,9", "12345678.9"],
    ["1.200", "1.2"], // a single dot is always the decimal point
    ["1,5", "1.5"],
    ["1,20", "1.2"],
    ["0,125", "0.125"], // leading group 0: cannot be grouping
    ["1234,567", "1234.567"], // leading group of four: cannot be grouping
    ["1,2345", "1.2345"],
    [".5", "0.5"],
    ["0.50", "0.5"],
    ["86.40", "86.4"],
  ])("%s is the number %s", (token, plain) => {
    const key = numberKey(token);
    expect(key).toBeDefined();
    expect(plainOfKey(key!)).toBe(plain);
  });

  test.each([
    "0044",
    "01.5",
    "1.2.3",
    "10.0.0.1",
    "1,200,50",
    "1e3",
    "eur1200",
    "1.200,00,00",
    "1,2,3",
    "١٢٠٠",
  ])("%s is not a number", (token) => {
    expect(numberKey(token)).toBeUndefined();
  });

  test("every format of the same decimal has the same key", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 999_999_999 }),
        fc.integer({ min: 0, max: 99 }),
        (int, cents) => {
          const groups = String(int).replace(/\B(?=(\d{3})+(?!\d))/g, "|");
          const frac = String(cents).padStart(2, "0");
          const forms = [
            `${int}.${frac}`,
            `${groups.replaceAll("|", ",")}.${frac}`,
            `${groups.replaceAll("|", ".")},${frac}`,
            `${groups.replaceAll("|", "'")}.${frac}`,
            `${groups.replaceAll("|", " ")},${frac}`,
          ];
          const keys = forms.map((f) => {
            const ts = tokens(f);
            expect(ts, f).toHaveLength(1);
            return numberKey(ts[0]!);
          });
          const expected = numberKey(plainDecimal(int + cents / 100));
          for (const k of keys) expect(k).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test.each([
    [1200, "1200"],
    [1200.5, "1200.5"],
    [-86.4, "86.4"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [0.1, "0.1"],
  ])("plainDecimal(%d) is %s", (n, plain) => {
    expect(plainDecimal(n)).toBe(plain);
    expect(plainOfKey(numberKey(plain)!)).toBe(plain);
  });
});

describe("values", () => {
  test.each([
    ["DE89 3704 0044 0532 0130 00", "identifier", "de89 3704 0044 0532 0130 00"],
    ["DE89-3704-0044-0532-0130-00", "identifier", "de89-3704-0044-0532-0130-00"],
    ["+49 30 1234567", "identifier", "49 30 1234567"],
    ["4111 1111 1111 1111", "identifier", "4111 1111 1111 1111"],
    ["2026-03-20", "identifier", "2026-03-20"],
    ["Bob@X.com.", "email", "bob@x.com"],
    ["Example.COM.", "host", "example.com"],
    ["1,200.00", "number", "1200"],
    ["1200", "number", "1200"],
    ["0.5", "number", "0.5"],
    ["SW1A 1AA", "text", "sw1a 1aa"], // fewer than half digits
    ["pay the rent", "text", "pay the rent"],
    ["0044", "text", "0044"], // four characters: too short for an identifier
  ])("%s is %s", (value, kind, text) => {
    const v = normaliseValue(value);
    expect(v.ok && v.kind).toBe(kind);
    expect(v.ok && v.text).toBe(text);
  });

  test.each([
    [1200, "number"],
    [123456, "number"],
    [86.4, "number"],
  ])("the number %d is %s", (value, kind) => {
    const v = normaliseValue(value);
    expect(v.ok && v.kind).toBe(kind);
  });

  test("integers of six or more digits are also compared as identifiers", () => {
    expect(normaliseValue(123456)).toMatchObject({ kind: "number", compact: "123456" });
    expect(normaliseValue("12,345,678")).toMatchObject({ kind: "number", compact: "12345678" });
    expect(normaliseValue(12345)).not.toHaveProperty("compact");
    expect(normaliseValue(1234567.5)).not.toHaveProperty("compact");
  });

  test.each([
    ["", "empty"],
    ["  ,;!  ", "empty"],
    ["\u200B", "empty"],
    ["a", "too-short"],
    ["ok", "common"],
    ["de", "too-short"],
    ["a b", "too-short"],
    [5, "too-short"],
    [10, "too-short"],
    [99, "too-short"],
    ["7", "too-short"],
    [-3, "too-short"],
    [true, "common"],
    [false, "common"],
    [null, "common"],
    ["TRUE", "common"],
    ["None", "common"],
    ["yes", "common"],
    [Number.NaN, "not-a-scalar"],
    [Number.POSITIVE_INFINITY, "not-a-scalar"],
    [{ iban: "DE89370400440532013000" }, "not-a-scalar"],
    [["DE89370400440532013000"], "not-a-scalar"],
    [undefined, "not-a-scalar"],
  ])("%j cannot be attributed: %s", (value, reason) => {
    expect(normaliseValue(value)).toEqual({ ok: false, reason });
  });

  test("three characters or integers from 100 can be attributed", () => {
    expect(normaliseValue("abc").ok).toBe(true);
    expect(normaliseValue(100).ok).toBe(true);
    expect(normaliseValue(0.5).ok).toBe(true);
  });
});
