// Properties of findValue: a value inserted at token boundaries, in any of its formats, is always found; and the
// indexed search agrees with a naive reference search that scans every leaf of every source (so a value that was
// never inserted is found only where it occurs naturally).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  compactOf,
  GAP_SPACE,
  normaliseText,
  normaliseValue,
  numberKey,
  tokenise,
} from "../../../src/core/provenance/normalise.js";
import { findValue, ObservationLog, type Source } from "../../../src/core/provenance/index.js";

/** The matching rules of match.ts, written as plainly as possible: scan every position of every leaf. */
function referenceFound(leaves: readonly string[], value: unknown): boolean {
  const v = normaliseValue(value);
  if (!v.ok) return false;
  const same = (a: string, b: string): boolean => {
    const ka = numberKey(a);
    const kb = numberKey(b);
    return ka !== undefined || kb !== undefined ? ka === kb : a === b;
  };
  for (const leaf of leaves) {
    const toks: string[] = [];
    const gaps: number[] = [];
    tokenise(normaliseText(leaf), toks, gaps);
    if (v.kind === "number" && toks.some((t) => numberKey(t) === v.number)) return true;
    if (v.kind !== "number" && v.kind !== "identifier") {
      for (let i = 0; i + v.tokens.length <= toks.length; i++) {
        if (v.tokens.every((t, j) => same(toks[i + j]!, t))) return true;
      }
    }
    if (v.compact !== undefined) {
      for (let i = 0; i < toks.length; i++) {
        let spelled = "";
        let longest = 0;
        for (let j = i; j < toks.length; j++) {
          if (j > i && gaps[j] !== GAP_SPACE) break;
          const c = compactOf(toks[j]!);
          if (c === undefined) break;
          spelled += c;
          longest = Math.max(longest, c.length);
          if (!v.compact.startsWith(spelled)) break;
          if (spelled !== v.compact) continue;
          const continues = (t: string): boolean => {
            const c2 = compactOf(t);
            return c2 !== undefined && /[0-9]/.test(c2) && c2.length <= longest;
          };
          const before = j > i && i > 0 && gaps[i] === GAP_SPACE && continues(toks[i - 1]!);
          const after = j > i && j + 1 < toks.length && gaps[j + 1] === GAP_SPACE && continues(toks[j + 1]!);
          if (!before && !after) return true;
          break;
        }
      }
    }
  }
  return false;
}

// Words chosen to collide: prefixes, digit groups, numbers in several formats, addresses and hosts.
const VOCAB = [
  "pay",
  "the",
  "rent",
  "payment",
  "bob@x.com",
  "evilbob@x.com",
  "x.com",
  "de89",
  "DE89",
  "3704",
  "0044",
  "0532",
  "00",
  "1",
  "12",
  "120",
  "1,200",
  "1200",
  "1.200",
  "1 200,00",
  "1200.00",
  "100",
  "1000",
  "030",
  "1234567",
  "0301234567",
  "DE89370400440532013000",
  "12345678",
  "2026-03-20",
  "nwbk",
  "ΟΔΟΣ",
  "p\u0430y",
];
const SEPS = [" ", " ", " ", "  ", ", ", ". ", "\n", "-", ".", "", ",", " | ", "\u200B", "\u00A0"];

const textArb = fc
  .array(fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom(...SEPS)), { minLength: 0, maxLength: 25 })
  .map((parts) => parts.map(([w, s]) => w + s).join(""));

/** Values to look for: vocabulary, short phrases of it, numbers, and pieces of generated text. */
const valueArb = fc.oneof(
  fc.constantFrom<unknown>(...VOCAB),
  fc
    .array(fc.constantFrom(...VOCAB), { minLength: 2, maxLength: 4 })
    .chain((ws) => fc.constantFrom(ws.join(" "), ws.join(""), ws.join("-"), ws.join(", "))),
  fc.constantFrom<unknown>(1200, 1.2, 120, 100, 1000, 12345678, 301234567, 1200.5),
  fc
    .tuple(textArb, fc.nat(), fc.nat())
    .map(([t, a, b]) => t.slice(Math.min(a, b) % (t.length + 1), Math.max(a, b))),
);

const sourcesArb = fc.array(
  fc.record({ trusted: fc.boolean(), leaves: fc.array(textArb, { minLength: 1, maxLength: 3 }) }),
  { minLength: 1, maxLength: 6 },
);

describe("findValue agrees with a naive reference search", () => {
  test("on random sources and values built to collide", () => {
    fc.assert(
      fc.property(sourcesArb, fc.array(valueArb, { minLength: 1, maxLength: 8 }), (specs, values) => {
        const log = new ObservationLog();
        specs.forEach((s, i) => {
          const source: Source = s.trusted
            ? { id: `u${i}`, trust: "trusted", kind: "user" }
            : { id: `t${i}`, trust: "untrusted", kind: "tool" };
          log.observe(source, s.leaves.length === 1 ? s.leaves[0] : s.leaves);
        });
        for (const value of values) {
          const f = findValue(log, value);
          const got = [...f.trusted, ...f.untrusted].map((r) => r.id).sort();
          const want = specs
            .map((s, i) => (referenceFound(s.leaves, value) ? `${s.trusted ? "u" : "t"}${i}` : ""))
            .filter((id) => id !== "")
            .sort();
          expect(got, `value ${JSON.stringify(value)}`).toEqual(want);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Insertion: a value, written in one of its formats and sprinkled with invisible characters, inserted between
// hard separators into a random source, is found when looked up in another format.

const sprinkle = (word: string, at: number): string =>
  word.length < 2
    ? word
    : `${word.slice(0, 1 + (at % (word.length - 1)))}\u200B${word.slice(1 + (at % (word.length - 1)))}`;

interface Case {
  readonly query: unknown;
  readonly written: string;
}

const ibanArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom("DE", "GB", "FR", "CY"),
    fc.stringMatching(/^[0-9]{18,26}$/),
    fc.constantFrom(" ", "-", ".", ""),
    fc.boolean(),
    fc.nat(),
  )
  .map(([cc, digits, sep, lower, at]) => {
    const iban = cc + digits;
    const written = iban.replace(/(.{4})(?!$)/g, `$1${sep}`);
    return { query: lower ? iban.toLowerCase() : iban, written: sprinkle(written, at) };
  });

const emailArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{2,8}$/),
    fc.stringMatching(/^[a-z][a-z0-9-]{1,8}[a-z0-9]$/),
    fc.constantFrom("com", "org", "de"),
    fc.boolean(),
  )
  .map(([local, domain, tld, dot]) => {
    const address = `${local}@${domain}.${tld}`;
    return { query: address.toUpperCase(), written: dot ? `${address}.` : address };
  });

const numberArb: fc.Arbitrary<Case> = fc
  .tuple(fc.integer({ min: 100, max: 99_999_999 }), fc.integer({ min: 0, max: 99 }), fc.nat(4), fc.boolean())
  .map(([int, cents, form, asString]) => {
    const g = String(int).replace(/\B(?=(\d{3})+(?!\d))/g, "|");
    const frac = String(cents).padStart(2, "0");
    const written = [
      `${int}.${frac}`,
      `${g.replaceAll("|", ",")}.${frac}`,
      `${g.replaceAll("|", ".")},${frac}`,
      `${g.replaceAll("|", "'")}.${frac}`,
      `${g.replaceAll("|", " ")},${frac}`,
    ][form]!;
    const value = Number(`${int}.${frac}`);
    return { query: asString ? String(value) : value, written };
  });

const phraseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.array(fc.stringMatching(/^[a-zA-Zäöüé]{3,9}$/), { minLength: 2, maxLength: 6 }),
    fc.constantFrom(" ", ",  ", " — ", "\u00A0", " (", "; "),
    fc.nat(),
  )
  .map(([words, sep, at]) => ({
    query: words.join(" "),
    written: words.map((w, i) => (i === at % words.length ? sprinkle(w.toUpperCase(), at) : w)).join(sep),
  }));

describe("a value inserted at token boundaries is always found", () => {
  test.each([
    ["an IBAN", ibanArb],
    ["an e-mail address", emailArb],
    ["an amount", numberArb],
    ["a phrase", phraseArb],
  ] as const)("%s, in another format than it is looked up in", (_name, caseArb) => {
    fc.assert(
      fc.property(textArb, textArb, caseArb, fc.boolean(), (before, after, c, trusted) => {
        const log = new ObservationLog();
        const source: Source = trusted
          ? { id: "s", trust: "trusted", kind: "user" }
          : { id: "s", trust: "untrusted", kind: "tool" };
        log.observe(source, `${before}\n${c.written}\n${after}`);
        const f = findValue(log, c.query);
        expect(f.attributable).toBe(true);
        expect(trusted ? f.trusted : f.untrusted, JSON.stringify(c)).toEqual([
          { id: "s", kind: source.kind },
        ]);
      }),
      { numRuns: 1000 },
    );
  });
});
