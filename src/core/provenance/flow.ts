/**
 * Flows (exfiltration): which watched sources — untrusted ones, and any labelled `sensitive` — substantially
 * reappear in a text an outward tool would send (an e-mail body, a URL's query, a chat message).
 *
 * The text is normalised and tokenised like the sources (normalise.ts). A *piece* is a stretch of the text that
 * also occurs in one source:
 * - a run: consecutive tokens equal to consecutive tokens of one leaf of the source (numbers by value);
 * - an identifier piece: group tokens of the text and of the source, each chained by single spaces, that spell
 *   the same compact characters (at least six) from a group start to a group end on both sides, so that an IBAN
 *   copied as `DE89370400440532013000` and recorded as `DE89 3704 0044 0532 0130 00` (or the other way round)
 *   is still one piece.
 * A piece is measured in characters of the text: its tokens' lengths plus one per gap between them.
 *
 * A source flows into the text when
 * - `run`: its longest piece is at least `minRun` characters (default 20: longer than almost any single word or
 *   common short phrase, about the length of an IBAN, a long account or card number with its spaces, an API key
 *   or a sentence fragment of four words), or
 * - `share`: its pieces of at least `minPiece` characters (default 8) together cover at least `minShare` of the
 *   text (default 0.5): a short argument — a URL query value, a code, a subject line — that is mostly copied.
 *
 * Tokens that occur more than `SEED_LIMIT` times in a region do not start a search (they would make the check
 * cost grow with the log); a run that contains at least one rarer token is still found whole, because runs are
 * extended both ways from where they are found. A run made only of such frequent tokens is not found.
 */
import { findValue } from "./match.js";
import {
  compactOf,
  firstDigit,
  GAP_HARD,
  GAP_SPACE,
  IDENTIFIER_MIN,
  isDate,
  isIdentifier,
  isValueToken,
  normaliseText,
  tokenise,
} from "./normalise.js";
import {
  type Dict,
  identifierKey,
  type KeyTokens,
  type ObservationLog,
  type Rec,
  type Region,
  type SourceRef,
  storeOfLog,
  type Trust,
} from "./source.js";

export const DEFAULT_MIN_RUN = 20;
export const DEFAULT_MIN_SHARE = 0.5;
export const DEFAULT_MIN_PIECE = 8;
/** A token seen at most this often in a region starts a search wherever it is in the text. */
export const SEED_ALWAYS = 32;
/** Otherwise, the rarest token of each window of this many text tokens does, if seen at most `SEED_LIMIT` times. */
export const SEED_WINDOW = 4;
/** Tokens seen more often than this in a region never start a search. */
export const SEED_LIMIT = 1024;

export interface OverlapOptions {
  /** Characters of the longest piece that make a flow. Default 20. */
  readonly minRun?: number;
  /** Share of the text (0–1] covered by pieces of `minPiece` characters or more that makes a flow. Default 0.5. */
  readonly minShare?: number;
  /** Characters a piece needs to count towards `minShare`. Default 8. */
  readonly minPiece?: number;
  /**
   * Also report a source when one *value* of the text comes from it, however short: an identifier (a numeric
   * code, an IBAN, a card, account or phone number: six or more characters, at least half digits; not a date), an
   * e-mail address, a host name, or a code (one token of eight or more characters mixing letters and digits: a
   * password, a key), found in the source and in no trusted source that is not itself sensitive. Default false.
   */
  readonly values?: boolean;
}

/** One watched source that flows into the text. */
export interface Flow {
  readonly source: SourceRef;
  readonly trust: Trust;
  readonly sensitive: boolean;
  /** Which test it met, first of `run`, `share`, `value`. */
  readonly by: "run" | "share" | "value";
  /** Characters of the longest piece. */
  readonly longestRun: number;
  /** Share of the text's characters covered by this source's pieces of at least `minPiece` characters. */
  readonly share: number;
  /** With `values`: how many of the text's values (identifiers, addresses, hosts) come from this source. */
  readonly values: number;
}

export interface FlowReport {
  /** Longest run first. */
  readonly flows: readonly Flow[];
  /** The log dropped or cut something: a flow from what is gone cannot be seen. Fail closed. */
  readonly truncated: boolean;
}

/** The watched sources whose content substantially flows into `text`. */
export function overlap(log: ObservationLog, text: string, options: OverlapOptions = {}): FlowReport {
  const minRun = options.minRun ?? DEFAULT_MIN_RUN;
  const minShare = options.minShare ?? DEFAULT_MIN_SHARE;
  const minPiece = options.minPiece ?? DEFAULT_MIN_PIECE;
  if (!(minRun > 0)) throw new RangeError(`minRun must be positive, got ${String(minRun)}`);
  if (!(minShare > 0 && minShare <= 1))
    throw new RangeError(`minShare must be in (0, 1], got ${String(minShare)}`);
  if (!(minPiece > 0)) throw new RangeError(`minPiece must be positive, got ${String(minPiece)}`);
  const withValues = options.values === true;

  const store = storeOfLog(log);
  const toks: string[] = [];
  const gaps: number[] = [];
  tokenise(normaliseText(text), toks, gaps);
  const n = toks.length;
  if (n === 0) return { flows: [], truncated: store.truncated };

  const t: Text = {
    n,
    tokens: toks,
    canon: new Int32Array(n),
    pre: new Int32Array(n + 1),
    gaps,
    compacts: [],
  };
  for (let i = 0; i < n; i++) {
    const tok = toks[i]!;
    t.canon[i] = store.dict.canonOf(tok);
    t.pre[i + 1] = t.pre[i]! + tok.length;
    t.compacts.push(compactOf(tok));
  }
  const total = measure(t, 0, n - 1);

  const pieces = new Map<Rec, number[]>(); // rec → flat [start, end, start, end, …] token intervals
  const add = (rec: Rec, a: number, b: number): void => {
    let list = pieces.get(rec);
    if (list === undefined) pieces.set(rec, (list = []));
    list.push(a, b);
  };
  const valuePieces = new Map<Rec, Set<string>>(); // rec → the text's values (normalised) it holds
  const addValue = (rec: Rec, a: number, b: number): void => {
    let set = valuePieces.get(rec);
    if (set === undefined) valuePieces.set(rec, (set = new Set()));
    set.add(toks.slice(a, b + 1).join(" "));
  };
  for (const region of [store.trusted, store.untrusted]) {
    if (!hasWatched(region)) continue;
    runs(store.dict, region, t, Math.min(minRun, minPiece), add);
    identifierPieces(store.dict, region, t, add, withValues ? addValue : undefined);
    if (withValues) valueTokens(region, t, toks, addValue);
  }
  // A value the user or the mandate also gave is theirs to send: it does not flow from a tool's output.
  const vouched = new Map<string, boolean>();
  const isVouched = (value: string): boolean => {
    let v = vouched.get(value);
    if (v === undefined) {
      const found = findValue(log, value);
      v = found.attributable && found.trusted.some((s) => s.label !== "sensitive");
      vouched.set(value, v);
    }
    return v;
  };

  const flows: (Flow & { seq: number })[] = [];
  for (const rec of new Set([...pieces.keys(), ...valuePieces.keys()])) {
    const list = pieces.get(rec) ?? [];
    let longest = 0;
    const counted: [number, number][] = [];
    for (let k = 0; k < list.length; k += 2) {
      const m = measure(t, list[k]!, list[k + 1]!);
      if (m > longest) longest = m;
      if (m >= minPiece) counted.push([list[k]!, list[k + 1]!]);
    }
    const share = Math.min(1, union(t, counted) / total);
    let values = 0;
    for (const value of valuePieces.get(rec) ?? []) if (!isVouched(value)) values++;
    const by = longest >= minRun ? "run" : share >= minShare ? "share" : values > 0 ? "value" : undefined;
    if (by === undefined) continue;
    flows.push({
      source: rec.ref,
      trust: rec.source.trust,
      sensitive: rec.source.label === "sensitive",
      by,
      longestRun: longest,
      share,
      values,
      seq: rec.seq,
    });
  }
  flows.sort((a, b) => b.longestRun - a.longestRun || a.seq - b.seq);
  const ids = new Set<string>();
  const out: Flow[] = [];
  for (const { seq: _, ...f } of flows) {
    if (ids.has(f.source.id)) continue;
    ids.add(f.source.id);
    out.push(f);
  }
  return { flows: out, truncated: store.truncated };
}

interface Text {
  readonly n: number;
  readonly tokens: readonly string[];
  /** Canonical token ids (-1: in no source). */
  readonly canon: Int32Array;
  /** Prefix sums of token lengths. */
  readonly pre: Int32Array;
  readonly gaps: readonly number[];
  readonly compacts: (string | undefined)[];
}

/** Characters of tokens a..b of the text, with one per gap between them. */
function measure(t: Text, a: number, b: number): number {
  return t.pre[b + 1]! - t.pre[a]! + (b - a);
}

/** Characters covered by a set of token intervals. */
function union(t: Text, intervals: [number, number][]): number {
  if (intervals.length === 0) return 0;
  intervals.sort((x, y) => x[0] - y[0]);
  let sum = 0;
  let [a, b] = intervals[0]!;
  for (const [c, d] of intervals) {
    if (c <= b) {
      if (d > b) b = d;
    } else {
      sum += measure(t, a, b);
      a = c;
      b = d;
    }
  }
  return sum + measure(t, a, b);
}

function hasWatched(region: Region): boolean {
  if (region.trust === "untrusted") return region.live > 0;
  for (let i = region.first; i < region.recs.length; i++) if (region.recs[i]!.watched) return true;
  return false;
}

/**
 * Maximal runs of equal tokens between the text and the region's watched sources. Every source and every leaf
 * starts with a hard gap, so extending a run never needs the source's bounds: only runs long enough to matter
 * (`least` characters) are attributed to their source.
 */
function runs(
  dict: Dict,
  region: Region,
  t: Text,
  least: number,
  add: (rec: Rec, a: number, b: number) => void,
): void {
  const { lit, gap, prevCanon, firstLive, count } = region;
  const canon = dict.canon;
  const end = region.length;
  // Seeds: tokens at most SEED_ALWAYS times in the region, and the rarest token of each window of SEED_WINDOW
  // consecutive tokens when it occurs at most SEED_LIMIT times.
  const counts = new Int32Array(t.n);
  for (let i = 0; i < t.n; i++) {
    const c = t.canon[i]!;
    counts[i] = c >= 0 && c < count.length ? count[c]! : 0;
  }
  const seedable = new Uint8Array(t.n);
  for (let i = 0; i < t.n; i++) if (counts[i]! > 0 && counts[i]! <= SEED_ALWAYS) seedable[i] = 1;
  for (let w = 0; w + SEED_WINDOW <= t.n; w++) {
    let best = w;
    for (let i = w + 1; i < w + SEED_WINDOW; i++) if (counts[i]! < counts[best]!) best = i;
    if (counts[best]! > 0 && counts[best]! <= SEED_LIMIT) seedable[best] = 1;
  }
  const seen = new Set<number>();
  const stride = end + 1;
  for (let i = 0; i < t.n; i++) {
    if (seedable[i] === 0) continue;
    const before = i > 0 ? t.canon[i - 1]! : -2;
    const seedBefore = i > 0 && seedable[i - 1] === 1;
    for (let p = region.head[t.canon[i]!]!; p >= firstLive; p = prevCanon[p]!) {
      const joined = gap[p] !== GAP_HARD && canon[lit[p - 1]!] === before;
      if (joined && seedBefore) continue; // found from the seed just before
      let a = i;
      let b = p;
      if (joined) {
        while (a > 0 && gap[b] !== GAP_HARD && canon[lit[b - 1]!] === t.canon[a - 1]) {
          a--;
          b--;
        }
      }
      let e = i;
      let f = p;
      while (e + 1 < t.n && f + 1 < end && gap[f + 1] !== GAP_HARD && canon[lit[f + 1]!] === t.canon[e + 1]) {
        e++;
        f++;
      }
      if (measure(t, a, e) < least) continue;
      const key = a * stride + b;
      if (seen.has(key)) continue;
      seen.add(key);
      const rec = region.recAt(p);
      if (rec.watched) add(rec, a, e);
    }
  }
}

/** Identifier pieces: the same compact characters, grouped differently on each side. */
function identifierPieces(
  dict: Dict,
  region: Region,
  t: Text,
  add: (rec: Rec, a: number, b: number) => void,
  addValue?: (rec: Rec, a: number, b: number) => void,
): void {
  // The text's own identifier keys, by the same rule as the sources' (source.ts).
  const tdict = textDict(t);
  const tlit = Int32Array.from({ length: t.n }, (_, i) => i);
  const tgap = Uint8Array.from(t.gaps);
  const { lit, gap, prevKey, firstLive } = region;
  for (let i = 0; i < t.n; i++) {
    const key = identifierKey(tdict, tlit, tgap, i, t.n);
    if (key === undefined) continue;
    let rec: Rec | undefined;
    for (let p = region.keys.get(key) ?? -1; p >= firstLive; p = prevKey[p]!) {
      if (rec === undefined || p < rec.start) rec = region.recAt(p);
      if (!rec.watched) continue;
      // Walk both chains in lockstep while their characters agree; keep the last point where both are at a
      // group end.
      let ti = i;
      let to = 0;
      let si = p;
      let so = 0;
      let matched = 0;
      let aligned = 0;
      let alignedEnd = -1;
      for (;;) {
        const tc = t.compacts[ti];
        const sc = dict.compact[lit[si]!];
        if (tc === undefined || sc === undefined) break;
        const l = Math.min(tc.length - to, sc.length - so);
        let same = true;
        for (let k = 0; k < l; k++) {
          if (tc.charCodeAt(to + k) !== sc.charCodeAt(so + k)) {
            same = false;
            break;
          }
        }
        if (!same) break;
        to += l;
        so += l;
        matched += l;
        const tEnd = to === tc.length;
        const sEnd = so === sc.length;
        if (tEnd && sEnd) {
          aligned = matched;
          alignedEnd = ti;
        }
        if (tEnd) {
          ti++;
          to = 0;
          if (ti >= t.n || t.gaps[ti] !== GAP_SPACE) break;
        }
        if (sEnd) {
          si++;
          so = 0;
          if (si >= rec.end || gap[si] !== GAP_SPACE) break;
        }
      }
      if (aligned >= IDENTIFIER_MIN) {
        add(rec, i, alignedEnd);
        if (
          addValue !== undefined &&
          isIdentifier(t.compacts.slice(i, alignedEnd + 1).join("")) &&
          !isDate(t.tokens.slice(i, alignedEnd + 1).join(" "))
        )
          addValue(rec, i, alignedEnd);
      }
    }
  }
}

/** Value tokens of the text (addresses, hosts, codes) that occur as whole tokens in the region's watched sources. */
function valueTokens(
  region: Region,
  t: Text,
  toks: readonly string[],
  addValue: (rec: Rec, a: number, b: number) => void,
): void {
  const { prevCanon, firstLive } = region;
  for (let i = 0; i < t.n; i++) {
    const c = t.canon[i]!;
    if (c < 0 || c >= region.head.length || !isValueToken(toks[i]!)) continue;
    let rec: Rec | undefined;
    for (let p = region.head[c]!; p >= firstLive; p = prevCanon[p]!) {
      if (rec !== undefined && p >= rec.start) continue; // this source is already counted
      rec = region.recAt(p);
      if (rec.watched) addValue(rec, i, i);
    }
  }
}

/** The text's own tokens as `identifierKey` reads them (id = position). */
function textDict(t: Text): KeyTokens {
  return { compact: t.compacts, digit: t.compacts.map((c) => (c === undefined ? -1 : firstDigit(c))) };
}
