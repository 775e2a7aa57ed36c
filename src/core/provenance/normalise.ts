/**
 * Value normalisation for provenance: how text is folded, cut into tokens and compared. Both sides of a
 * comparison — a recorded source and an argument value — go through exactly these steps, so the spec below is
 * the whole definition of "the same value". docs/provenance.md repeats it with examples.
 *
 * 1. Text. Default-ignorable code points (`\p{Default_Ignorable_Code_Point}`: zero-width space and joiners,
 *    soft hyphen, word joiner, BOM, bidi controls, variation selectors, tag characters, Hangul fillers) are
 *    removed; the rest is put in Unicode NFKC (full-width letters and digits, ligatures, non-breaking and other
 *    spaces become their plain forms), lowercased with `toLowerCase()` (locale-independent), final sigma `ς`
 *    folded to `σ`, then NFKC again and ignorables removed again (lowercasing can un-normalise a few letters).
 *    Confusable letters are NOT folded: Cyrillic `а` stays distinct from Latin `a`, Greek `ο` from `o`. A
 *    look-alike is a different value to the system that receives it (a different domain, account or address),
 *    so it must not inherit the trust of the value it imitates.
 * 2. Tokens. A token is a maximal run of word characters (`\p{L}\p{N}\p{M}_`) joined by single inner
 *    punctuation: `.`, `-`, `‐`, `'`, `’`, `@`, `+`, and `,` only between two digits. Anything else separates
 *    tokens and is not compared: whitespace, other punctuation, and inner punctuation that is doubled, leads or
 *    trails (so `bob@x.com.` is the token `bob@x.com`, a host's trailing dot is dropped, and a sentence's final
 *    full stop is not part of its last word). Two extensions: a `.` directly before a digit and not after a word
 *    character starts a token (`.5`), and a number grouped by single spaces with a decimal part is one token
 *    (`1 200,00`). A token that contains a comma but is not a number (below) is split at its commas
 *    (`1200,1500,800` is three tokens: comma-separated lists stay lists).
 * 3. Numbers. A token is a number when it is written in one of these forms; its value is compared as an exact
 *    decimal (no binary floating point), so `1,200.00`, `1200`, `1.200,00`, `1'200.00` and `1 200,00` are all
 *    1200. Signs are not part of a token: `-5` and `5` are compared by magnitude (a sign is one character any
 *    format may move: `(5)`, `5-`, `−5`; the mandate's `minimum`/`maximum` constrain signs).
 *    - plain: `0` or digits without a leading zero (`0044` is not a number: it is an identifier);
 *    - one separator: `1,5` and `1.25` are decimals; `1,200` (a comma followed by exactly three digits, after
 *      one to three digits that do not start with 0) is 1200. `1.200` is 1.2: a single dot is always the
 *      decimal point. This is the English and JSON convention; in German `1.200` means 1200 and `1,200` means
 *      1.2. The choice is fixed rather than guessed per source, so that a value means one thing everywhere;
 *      the cost is that `1.200` written for 1200 does not match 1200 (a false "not found", which denies, not a
 *      false "found");
 *    - grouped: `1,200,000` and `1,200.50` (commas group, dot is decimal), `1.200.000` and `1.200,50` (dots
 *      group — at least two dot groups, or a comma decimal part), `1'200.50` (apostrophes group), and
 *      `1 200,50` / `1 200.50` (single spaces group; only with a decimal part, because `3 100` is as often two
 *      numbers as one). Groups after the first have exactly three digits.
 *    Numbers written with other digits than ASCII 0–9 (after NFKC), in exponent notation, or glued to letters
 *    (`EUR1200`) are plain tokens, not numbers.
 * 4. Identifiers (IBANs, account, card and phone numbers). A token is a group when it is made of word
 *    characters joined only by `.` and `-`; its compact form drops those. An argument value is an identifier
 *    when all its tokens are groups, their compact forms together are at least six characters, at least half of
 *    them digits, with a digit among the first six; integers of six or more digits are identifiers too. An
 *    identifier is compared on its compact form, so `DE89 3704 0044 0532 0130 00`, `DE89-3704-…`,
 *    `de89.3704.…` and `DE89370400440532013000` are one value. In a source, groups joined by exactly one space
 *    form a chain and may be read together (see match.ts for the boundary rule).
 * 5. Kinds, for messages: `number`, `identifier`, `email` (one token `local@domain.tld`), `host` (one token of
 *    dot-separated labels, the last starting with a letter), `text` (anything else: a sequence of tokens).
 *    E-mail addresses and hosts are case-folded like all text (local parts included: providers treat them as
 *    case-insensitive). Internationalised domains are not converted: `bücher.de` and `xn--bcher-kva.de` differ.
 * 6. Unattributable values: no token at all (`empty`); one to two characters (`too-short`: `ok`, `42`; for a
 *    number, its digits as a plain decimal, so integers up to 99); booleans, `null` and the single tokens
 *    `true false null none nil undefined nan yes no ok` (`common`); objects, arrays, non-finite numbers and
 *    other non-JSON values (`not-a-scalar`). Such values occur everywhere by chance, so where they were seen
 *    says nothing about where they came from.
 */

/** Why a value cannot be attributed to a source (see the module comment, point 6). */
export type UnattributableReason = "empty" | "too-short" | "common" | "not-a-scalar";

/** How a value is compared (see the module comment, point 5). */
export type ValueKind = "number" | "identifier" | "email" | "host" | "text";

/** The fewest compact characters an identifier has, and the length of its index key. */
export const IDENTIFIER_MIN = 6;

/** Gap classes: what separates a token from the one before it. */
export const GAP_HARD = 0; // start of a source or of one of its leaves: nothing spans it
export const GAP_SPACE = 1; // exactly one space: groups on either side may form one identifier
export const GAP_OTHER = 2; // anything else: text sequences span it, identifiers do not

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const HAS_IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const NON_ASCII = /[^\x00-\x7f]/;

function stripIgnorable(text: string): string {
  return HAS_IGNORABLE.test(text) ? text.replace(IGNORABLE, "") : text;
}

/** Point 1: NFKC, no default-ignorables, lowercase, `ς` → `σ`. Idempotent. */
export function normaliseText(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let t = stripIgnorable(text).normalize("NFKC").toLowerCase();
  if (t.includes("ς")) t = t.replaceAll("ς", "σ");
  return stripIgnorable(t.normalize("NFKC"));
}

const W = String.raw`[\p{L}\p{N}\p{M}_]`;
const INNER = String.raw`[.'’@+\-‐]`;
/** Point 2. The first alternative is a space-grouped number with a decimal part. */
const TOKEN = new RegExp(
  String.raw`[1-9]\d{0,2}(?: \d{3})+[.,]\d+(?!${W}|${INNER}${W}|,\d)` +
    String.raw`|(?:\.(?=\d))?${W}+(?:(?:${INNER}|(?<=\d),(?=\d))${W}+)*`,
  "gu",
);

/** Appends the tokens of one normalised leaf to `tokens`/`gaps`; the first gets `GAP_HARD`. */
export function tokenise(text: string, tokens: string[], gaps: number[]): void {
  let end = -1;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const token = m[0];
    const gap =
      end === -1 ? GAP_HARD : m.index - end === 1 && text.charCodeAt(end) === 32 ? GAP_SPACE : GAP_OTHER;
    end = m.index + token.length;
    if (token.includes(",") && numberKey(token) === undefined) {
      const parts = token.split(",");
      for (let i = 0; i < parts.length; i++) {
        tokens.push(parts[i]!);
        gaps.push(i === 0 ? gap : GAP_OTHER);
      }
    } else {
      tokens.push(token);
      gaps.push(gap);
    }
  }
}

/** The tokens of a text, normalised. */
export function tokens(text: string): string[] {
  const out: string[] = [];
  tokenise(normaliseText(text), out, []);
  return out;
}

const PLAIN = /^(?:0|[1-9]\d*)$/;
const LEAD_DOT = /^\.(\d+)$/;
const ONE_SEP = /^(0|[1-9]\d*)([.,])(\d+)$/;
const EN = /^([1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d+))?$/;
const DE = /^([1-9]\d{0,2}(?:\.\d{3})+)(?:,(\d+))?$/;
const CH = /^([1-9]\d{0,2}(?:['’]\d{3})+)(?:\.(\d+))?$/;
const SPACED = /^([1-9]\d{0,2}(?: \d{3})+)[.,](\d+)$/;

/** Canonical form of the exact decimal `int.frac`: `12e2` for 1200, `12005e-1` for 1200.5, `0` for zero. */
function canonical(int: string, frac: string): string {
  const all = int + frac;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  if (start === all.length) return "0";
  let end = all.length;
  while (all.charCodeAt(end - 1) === 48) end--;
  return `${all.slice(start, end)}e${all.length - end - frac.length}`;
}

/**
 * Point 3: the canonical decimal of a token that is a number, `undefined` for any other token. Equal numbers
 * have equal keys whatever their format.
 */
export function numberKey(token: string): string | undefined {
  const c = token.charCodeAt(0);
  if (c !== 46 && (c < 48 || c > 57)) return undefined;
  if (PLAIN.test(token)) return canonical(token, "");
  let m = LEAD_DOT.exec(token);
  if (m) return canonical("", m[1]!);
  m = ONE_SEP.exec(token);
  if (m) {
    const [, int, sep, frac] = m as unknown as [string, string, string, string];
    if (sep === "," && frac.length === 3 && int !== "0" && int.length <= 3) return canonical(int + frac, "");
    return canonical(int, frac);
  }
  m = EN.exec(token);
  if (m) return canonical(m[1]!.replaceAll(",", ""), m[2] ?? "");
  m = DE.exec(token);
  if (m) return canonical(m[1]!.replaceAll(".", ""), m[2] ?? "");
  m = CH.exec(token);
  if (m) return canonical(m[1]!.replace(/['’]/g, ""), m[2] ?? "");
  m = SPACED.exec(token);
  if (m) return canonical(m[1]!.replaceAll(" ", ""), m[2]!);
  return undefined;
}

/** A finite number's magnitude as a plain decimal: 1e21 → `1000000000000000000000`, 1.5e-7 → `0.00000015`. */
export function plainDecimal(n: number): string {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(n)));
  if (m === null) return String(Math.abs(n));
  const frac = m[2] ?? "";
  const digits = m[1]! + frac;
  const exp = Number(m[3] ?? 0) - frac.length;
  if (exp >= 0) return digits.replace(/^0+(?=\d)/, "") + "0".repeat(exp);
  const padded = digits.padStart(-exp + 1, "0");
  const int = padded.slice(0, padded.length + exp).replace(/^0+(?=\d)/, "");
  return `${int}.${padded.slice(padded.length + exp)}`;
}

const GROUP = /^[\p{L}\p{N}\p{M}_]+(?:[.\-‐][\p{L}\p{N}\p{M}_]+)*$/u;

/** Point 4: the compact form of a group token (`de89-3704` → `de893704`), `undefined` for other tokens. */
export function compactOf(token: string): string | undefined {
  if (!GROUP.test(token)) return undefined;
  return /[.\-‐]/.test(token) ? token.replace(/[.\-‐]/g, "") : token;
}

/** Index of the first ASCII digit, or -1. */
export function firstDigit(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return i;
  }
  return -1;
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Whether a compact form is identifier-like (point 4). */
export function isIdentifier(compact: string): boolean {
  if (compact.length < IDENTIFIER_MIN) return false;
  const first = firstDigit(compact);
  return first !== -1 && first < IDENTIFIER_MIN && digitCount(compact) * 2 >= compact.length;
}

const COMMON = new Set(["true", "false", "null", "none", "nil", "undefined", "nan", "yes", "no", "ok"]);
const EMAIL = /^[^@]+@[^@]+\.[^@.]+$/;
const HOST = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}\-]*$/u;

/**
 * Whether one normalised token is a *value* for flow detection: an e-mail address, a host name, or a code (eight
 * or more characters mixing letters and digits: a password, an API key, a token, a hash). Calendar dates are not:
 * every status line repeats them and they carry little.
 */
export function isValueToken(token: string): boolean {
  if (EMAIL.test(token) || HOST.test(token)) return true;
  return token.length >= 8 && /\p{L}/u.test(token) && /[0-9]/.test(token) && !isDate(token);
}

const MONTH = String.raw`(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\p{L}*`;
const DATE = new RegExp(
  String.raw`^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[.-][0-9]{1,2}[.-][0-9]{2,4}` +
    String.raw`|[0-9]{1,2} ${MONTH}(?: [0-9]{4})?|${MONTH} [0-9]{1,2}(?: [0-9]{4})?)$`,
  "u",
);

/**
 * `2026-03-01`, `01.03.2026`, `1-3-26`, `12 march 2026`, `march 12 2026` (normalised, tokens joined by one space):
 * dates are not identifiers worth keeping from flowing.
 */
export function isDate(text: string): boolean {
  return DATE.test(text);
}

/** An argument value, normalised for matching. */
export type NormalisedValue =
  | {
      readonly ok: true;
      readonly kind: ValueKind;
      /** The normalised tokens joined by single spaces; for a number, its plain decimal (`1200.5`). */
      readonly text: string;
      readonly tokens: readonly string[];
      /** The canonical decimal, for `number`. */
      readonly number?: string;
      /** The compact form, for `identifier` and for integers of six or more digits. */
      readonly compact?: string;
    }
  | { readonly ok: false; readonly reason: UnattributableReason };

/** Normalises an argument value and says how it is compared, or why it cannot be attributed. */
export function normaliseValue(value: unknown): NormalisedValue {
  let raw: string;
  if (typeof value === "string") raw = value;
  else if (typeof value === "number") {
    if (!Number.isFinite(value)) return { ok: false, reason: "not-a-scalar" };
    raw = plainDecimal(value);
  } else if (typeof value === "bigint") raw = (value < 0n ? -value : value).toString();
  else if (typeof value === "boolean" || value === null) return { ok: false, reason: "common" };
  else return { ok: false, reason: "not-a-scalar" };

  const toks: string[] = [];
  tokenise(normaliseText(raw), toks, []);
  if (toks.length === 0) return { ok: false, reason: "empty" };
  const text = toks.join(" ");
  const single = toks.length === 1 ? toks[0]! : undefined;
  if (single !== undefined && COMMON.has(single)) return { ok: false, reason: "common" };

  if (single !== undefined) {
    const key = numberKey(single);
    if (key !== undefined) {
      const plain = plainOfKey(key);
      if (plain.length <= 2) return { ok: false, reason: "too-short" };
      const integer = !plain.includes(".");
      return integer && plain.length >= IDENTIFIER_MIN
        ? { ok: true, kind: "number", text: plain, tokens: toks, number: key, compact: plain }
        : { ok: true, kind: "number", text: plain, tokens: toks, number: key };
    }
  }
  let chars = 0;
  for (const t of toks) chars += t.length;
  if (chars <= 2) return { ok: false, reason: "too-short" };

  let compact = "";
  for (const t of toks) {
    const c = compactOf(t);
    if (c === undefined) {
      compact = "";
      break;
    }
    compact += c;
  }
  if (compact !== "" && isIdentifier(compact))
    return { ok: true, kind: "identifier", text, tokens: toks, compact };
  if (single !== undefined && EMAIL.test(single)) return { ok: true, kind: "email", text, tokens: toks };
  if (single !== undefined && HOST.test(single)) return { ok: true, kind: "host", text, tokens: toks };
  return { ok: true, kind: "text", text, tokens: toks };
}

/** The plain decimal of a canonical key: `12e2` → `1200`, `12005e-1` → `1200.5`. */
export function plainOfKey(key: string): string {
  if (key === "0") return "0";
  const e = key.indexOf("e");
  const digits = key.slice(0, e);
  const exp = Number(key.slice(e + 1));
  if (exp >= 0) return digits + "0".repeat(exp);
  const padded = digits.padStart(-exp + 1, "0");
  return `${padded.slice(0, padded.length + exp)}.${padded.slice(padded.length + exp)}`;
}
