/**
 * Where an argument value appears among the recorded sources (value origin). The value is normalised
 * (normalise.ts) and looked up in the log's index; "found in a source" means:
 *
 * - `number`: a token of that source is a number with the same exact value (`1,200.00` for 1200);
 * - `text`, `email`, `host`: the value's whole token sequence occurs, token for token, inside one leaf of that
 *   source (whitespace and separating punctuation between tokens are not compared);
 * - `identifier` (and integers of six or more digits): some consecutive group tokens of one leaf of the source,
 *   joined by exactly one space, spell the value's compact form exactly, starting at the start of a group and
 *   ending at the end of one. When the match spans several groups, it must not be continued, across a single
 *   space, by a group that contains a digit and is no longer than the longest group matched: `DE89 3704 … 00 1`
 *   does not contain `DE89370400440532013000`, and `DE89 3704 … 00` does not contain `3704 0044 0532 0130 00`.
 *
 * Token boundaries follow from this: a value never matches inside a longer token (`100` is not in `1000`,
 * `bob@x.com` is not in `evilbob@x.com`, `DE89…000` is not in `XDE89…000Y`). A value is found in one source or
 * not at all: pieces spread over two sources, or over two leaves (strings) of one JSON output, do not add up.
 */
import { GAP_HARD, GAP_SPACE, IDENTIFIER_MIN, normaliseValue } from "./normalise.js";
import type { UnattributableReason, ValueKind } from "./normalise.js";
import {
  type Dict,
  type ObservationLog,
  type Rec,
  type Region,
  type SourceRef,
  storeOfLog,
} from "./source.js";

/** Where a value was found. `trusted` lists trusted sources only, `untrusted` the others, each in observation order. */
export interface Attributed {
  readonly attributable: true;
  readonly kind: ValueKind;
  /** The normalised value, its tokens joined by single spaces. */
  readonly normalised: string;
  readonly trusted: readonly SourceRef[];
  readonly untrusted: readonly SourceRef[];
  /** The log dropped or cut something: a source that held the value may be gone. */
  readonly truncated: boolean;
}

/**
 * A value too short or too common to say where it came from (`5`, `ok`, `true`), or not a scalar. Both lists
 * are empty, so a caller that ignores `attributable` treats it as found nowhere, which fails closed.
 */
export interface Unattributable {
  readonly attributable: false;
  readonly reason: UnattributableReason;
  readonly trusted: readonly [];
  readonly untrusted: readonly [];
  readonly truncated: boolean;
}

export type Finding = Attributed | Unattributable;

/** Where `value` (an argument value: string, number, …) appears in the log's sources. */
export function findValue(log: ObservationLog, value: unknown): Finding {
  const store = storeOfLog(log);
  const v = normaliseValue(value);
  if (!v.ok) {
    return { attributable: false, reason: v.reason, trusted: [], untrusted: [], truncated: store.truncated };
  }
  const find = (region: Region): SourceRef[] => {
    if (region.live === 0) return [];
    const found = new Set<Rec>();
    if (v.kind === "number") byCanon(region, store.dict.numbers.get(v.number!) ?? -1, found);
    else if (v.kind !== "identifier") bySequence(store.dict, region, v.tokens, found);
    if (v.compact !== undefined) byIdentifier(store.dict, region, v.compact, found);
    return refs(found);
  };
  return {
    attributable: true,
    kind: v.kind,
    normalised: v.text,
    trusted: find(store.trusted),
    untrusted: find(store.untrusted),
    truncated: store.truncated,
  };
}

/** The refs of the recs found, in observation order, one per source id. */
function refs(found: Set<Rec>): SourceRef[] {
  if (found.size === 0) return [];
  const recs = [...found].sort((a, b) => a.seq - b.seq);
  const ids = new Set<string>();
  const out: SourceRef[] = [];
  for (const r of recs) {
    if (ids.has(r.ref.id)) continue;
    ids.add(r.ref.id);
    out.push(r.ref);
  }
  return out;
}

/** Every live source with a token of canonical id `c`. */
function byCanon(region: Region, c: number, found: Set<Rec>): void {
  if (c < 0 || c >= region.head.length) return;
  const { prevCanon, firstLive } = region;
  let below = Infinity; // positions at or above this belong to a source already found
  for (let p = region.head[c]!; p >= firstLive; p = prevCanon[p]!) {
    if (p >= below) continue;
    const rec = region.recAt(p);
    found.add(rec);
    below = rec.start;
  }
}

/** Every live source where the whole token sequence occurs within one leaf. */
function bySequence(dict: Dict, region: Region, tokens: readonly string[], found: Set<Rec>): void {
  const k = tokens.length;
  const canons = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const c = dict.canonOf(tokens[i]!);
    if (c < 0) return; // some token occurs nowhere
    canons[i] = c;
  }
  if (k === 1) {
    byCanon(region, canons[0]!, found);
    return;
  }
  // Anchor on the rarest token of the value, then verify the whole sequence around each of its positions.
  let j = 0;
  let fewest = Infinity;
  for (let i = 0; i < k; i++) {
    const c = canons[i]!;
    const n = c < region.count.length ? region.count[c]! : 0;
    if (n < fewest) {
      fewest = n;
      j = i;
    }
  }
  if (fewest === 0) return;
  const { lit, gap, prevCanon, firstLive } = region;
  const canon = dict.canon;
  let below = Infinity;
  let rec: Rec | undefined;
  for (let p = region.head[canons[j]!]!; p >= firstLive; p = prevCanon[p]!) {
    if (p >= below) continue;
    if (rec === undefined || p < rec.start) rec = region.recAt(p);
    const s = p - j;
    if (s < rec.start || s + k > rec.end) continue;
    let ok = true;
    for (let i = 0; i < k; i++) {
      if ((i > 0 && gap[s + i] === GAP_HARD) || canon[lit[s + i]!] !== canons[i]) {
        ok = false;
        break;
      }
    }
    if (ok) {
      found.add(rec);
      below = rec.start;
    }
  }
}

/** Every live source where a chain of groups spells `compact` (see the module comment). */
function byIdentifier(dict: Dict, region: Region, compact: string, found: Set<Rec>): void {
  const { prevKey, firstLive } = region;
  let below = Infinity;
  let rec: Rec | undefined;
  for (let p = region.keys.get(compact.slice(0, IDENTIFIER_MIN)) ?? -1; p >= firstLive; p = prevKey[p]!) {
    if (p >= below) continue;
    if (rec === undefined || p < rec.start) rec = region.recAt(p);
    if (spells(dict, region, p, rec, compact)) {
      found.add(rec);
      below = rec.start;
    }
  }
}

/** Whether the chain of groups from position `p` spells exactly `compact`, and is not continued. */
function spells(dict: Dict, region: Region, p: number, rec: Rec, compact: string): boolean {
  const { lit, gap } = region;
  let off = 0;
  let q = p;
  let longest = 0;
  for (;;) {
    const c = dict.compact[lit[q]!];
    if (c === undefined || !compact.startsWith(c, off)) return false;
    off += c.length;
    if (c.length > longest) longest = c.length;
    if (off === compact.length) break;
    q++;
    if (q >= rec.end || gap[q] !== GAP_SPACE) return false;
  }
  if (q === p) return true;
  const continues = (id: number): boolean => {
    const c = dict.compact[id];
    return c !== undefined && dict.digit[id] !== -1 && c.length <= longest;
  };
  if (p > rec.start && gap[p] === GAP_SPACE && continues(lit[p - 1]!)) return false;
  if (q + 1 < rec.end && gap[q + 1] === GAP_SPACE && continues(lit[q + 1]!)) return false;
  return true;
}
