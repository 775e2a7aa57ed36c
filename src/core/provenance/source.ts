/**
 * What a Guard session has seen, and from whom: the sources (user messages, the mandate, tool outputs) with
 * their trust, and an index of their normalised tokens built when they are observed, so that a check
 * (match.ts, flow.ts) costs a few map lookups and never rescans the text.
 *
 * Memory is bounded by `maxChars` normalised characters. When a new source does not fit, the oldest untrusted
 * sources are dropped to make room; trusted sources are dropped (oldest first) only to make room for a new
 * trusted source, never for an untrusted one, which is cut instead to the room the trusted sources leave. A
 * source longer than `maxSourceChars` keeps only its beginning. Whenever anything is dropped or cut the log
 * remembers it (`truncated`), and every result computed from it says so, so that a check can fail closed.
 *
 * Layout: one token dictionary for the whole log, and two regions (trusted, untrusted), each an append-only
 * token stream with typed arrays: the literal token id at each position, the gap before it, and two posting
 * lists threaded through the stream (the previous position of the same token, and of the same identifier key).
 * Dropping the oldest source of a region moves its first live position; the dead prefix is reclaimed by
 * rebuilding the log once it outgrows the live part.
 */
import {
  compactOf,
  firstDigit,
  GAP_SPACE,
  IDENTIFIER_MIN,
  normaliseText,
  numberKey,
  plainDecimal,
  tokenise,
} from "./normalise.js";

export type Trust = "trusted" | "untrusted";
export type SourceKind = "user" | "mandate" | "tool";

/** One thing the session observed: a user message, the mandate, or one tool output. */
export interface Source {
  /** Unique within the session: `user:1`, `mandate`, the tool call's id. */
  readonly id: string;
  readonly trust: Trust;
  readonly kind: SourceKind;
  /** The tool whose output this is. */
  readonly tool?: string;
  /** The call that produced it. */
  readonly callId?: string;
  /** Data that must not flow out (see flow.ts), whatever its trust. */
  readonly label?: "sensitive";
}

/** How a result names a source. */
export interface SourceRef {
  readonly id: string;
  readonly kind: SourceKind;
  readonly tool?: string;
  readonly callId?: string;
  /** Present when the source was labelled `sensitive`. */
  readonly label?: "sensitive";
}

export interface ObservationLogOptions {
  /** Normalised characters kept across all sources. Default 4 MiB (4,194,304). */
  readonly maxChars?: number;
  /** Normalised characters kept of any one source; the rest is cut. Default and upper bound: `maxChars`. */
  readonly maxSourceChars?: number;
}

/** What `observe` did. */
export interface ObserveReport {
  /** Normalised characters recorded for this source. */
  readonly chars: number;
  readonly tokens: number;
  /** The source was longer than `maxSourceChars` and only its beginning was kept. */
  readonly partial: boolean;
  /** Older sources dropped to make room for this one. */
  readonly dropped: number;
}

export const DEFAULT_MAX_CHARS = 4 * 1024 * 1024;
/** Dead token positions (of dropped sources) that trigger a rebuild, when they also outnumber the live ones. */
const REBUILD_MIN = 4096;

/** A recorded source and where its tokens are. @internal */
export interface Rec {
  readonly source: Source;
  readonly ref: SourceRef;
  /** Observation order across the whole log. */
  readonly seq: number;
  start: number;
  end: number;
  readonly chars: number;
  readonly partial: boolean;
  /** Untrusted or sensitive: data that flow rules watch. */
  readonly watched: boolean;
}

/** The token dictionary shared by both regions. @internal */
export class Dict {
  readonly ids = new Map<string, number>();
  readonly numbers = new Map<string, number>();
  readonly text: string[] = [];
  /** Canonical token id of each literal: literals that are equal numbers share one. */
  readonly canon: number[] = [];
  /** Compact form of group tokens, `undefined` for others. */
  readonly compact: (string | undefined)[] = [];
  /** Index of the first digit in the compact form, -1 when none or not a group. */
  readonly digit: number[] = [];
  canonCount = 0;

  intern(token: string): number {
    const known = this.ids.get(token);
    if (known !== undefined) return known;
    const id = this.text.length;
    this.ids.set(token, id);
    this.text.push(token);
    const key = numberKey(token);
    let canon: number;
    if (key === undefined) canon = this.canonCount++;
    else {
      const n = this.numbers.get(key);
      if (n === undefined) {
        canon = this.canonCount++;
        this.numbers.set(key, canon);
      } else canon = n;
    }
    this.canon.push(canon);
    const compact = compactOf(token);
    this.compact.push(compact);
    this.digit.push(compact === undefined ? -1 : firstDigit(compact));
    return id;
  }

  /** The canonical id of a normalised token, or -1 when no source has it. */
  canonOf(token: string): number {
    const key = numberKey(token);
    if (key !== undefined) return this.numbers.get(key) ?? -1;
    const id = this.ids.get(token);
    return id === undefined ? -1 : this.canon[id]!;
  }
}

/** One trust region: an append-only token stream with its posting lists. @internal */
export class Region {
  lit = new Int32Array(256);
  gap = new Uint8Array(256);
  /** Previous position with the same canonical token, -1 at the first. */
  prevCanon = new Int32Array(256);
  /** Previous position with the same identifier key, -1 at the first or when not a key position. */
  prevKey = new Int32Array(256);
  length = 0;
  /** Last position of each canonical token id, -1 when none; and how many positions it has had. */
  head = new Int32Array(256).fill(-1);
  count = new Int32Array(256);
  /** Last position of each identifier key. */
  readonly keys = new Map<string, number>();
  readonly recs: Rec[] = [];
  /** Index of the first live rec, and the first live position. */
  first = 0;
  firstLive = 0;
  chars = 0;

  constructor(readonly trust: Trust) {}

  get live(): number {
    return this.recs.length - this.first;
  }

  /** The live rec holding position `p` (which must be live). */
  recAt(p: number): Rec {
    let lo = this.first;
    let hi = this.recs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.recs[mid]!.start <= p) lo = mid;
      else hi = mid - 1;
    }
    return this.recs[lo]!;
  }

  ensure(extra: number, canonCount: number): void {
    const need = this.length + extra;
    if (need > this.lit.length) {
      let cap = this.lit.length * 2;
      while (cap < need) cap *= 2;
      this.lit = grow(this.lit, cap);
      this.prevCanon = grow(this.prevCanon, cap);
      this.prevKey = grow(this.prevKey, cap);
      const gap = new Uint8Array(cap);
      gap.set(this.gap);
      this.gap = gap;
    }
    if (canonCount > this.head.length) {
      let cap = this.head.length * 2;
      while (cap < canonCount) cap *= 2;
      const head = new Int32Array(cap).fill(-1);
      head.set(this.head);
      this.head = head;
      this.count = grow(this.count, cap);
    }
  }
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** What `identifierKey` reads of a dictionary. @internal */
export interface KeyTokens {
  readonly compact: readonly (string | undefined)[];
  readonly digit: readonly number[];
}

/** Everything match.ts and flow.ts read. @internal */
export interface Store {
  readonly dict: Dict;
  readonly trusted: Region;
  readonly untrusted: Region;
  readonly truncated: boolean;
}

const TRUSTS: readonly string[] = ["trusted", "untrusted"];
const KINDS: readonly string[] = ["user", "mandate", "tool"];

let storeOf: (log: ObservationLog) => Store;

/** The per-session record of sources. Not safe to share across sessions; cheap to create. */
export class ObservationLog {
  readonly maxChars: number;
  readonly maxSourceChars: number;
  #dict = new Dict();
  #trusted = new Region("trusted");
  #untrusted = new Region("untrusted");
  #seq = 0;
  #truncated = false;
  #droppedSources = 0;
  #droppedChars = 0;

  static {
    storeOf = (log) => ({
      dict: log.#dict,
      trusted: log.#trusted,
      untrusted: log.#untrusted,
      truncated: log.#truncated,
    });
  }

  constructor(options: ObservationLogOptions = {}) {
    const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    if (!Number.isSafeInteger(maxChars) || maxChars < 1) {
      throw new RangeError(`maxChars must be a positive integer, got ${String(maxChars)}`);
    }
    const maxSourceChars = options.maxSourceChars ?? maxChars;
    if (!Number.isSafeInteger(maxSourceChars) || maxSourceChars < 1) {
      throw new RangeError(`maxSourceChars must be a positive integer, got ${String(maxSourceChars)}`);
    }
    this.maxChars = maxChars;
    this.maxSourceChars = Math.min(maxSourceChars, maxChars);
  }

  /** True once anything was dropped or cut: a check that found nothing cannot know it was not there. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /**
   * Records that something the session saw could not be recorded (an output that failed to flatten, say): from
   * now on `truncated` is true, so flow checks fail closed instead of missing what was lost.
   */
  markIncomplete(): void {
    this.#truncated = true;
  }

  /** Normalised characters held now (≤ `maxChars`). */
  get chars(): number {
    return this.#trusted.chars + this.#untrusted.chars;
  }

  /** Sources held now. */
  get size(): number {
    return this.#trusted.live + this.#untrusted.live;
  }

  /** Sources dropped to stay under `maxChars`, and their characters. */
  get dropped(): { readonly sources: number; readonly chars: number } {
    return { sources: this.#droppedSources, chars: this.#droppedChars };
  }

  /** The sources held now, in observation order. */
  sources(): SourceRef[] {
    const recs = [...liveRecs(this.#trusted), ...liveRecs(this.#untrusted)];
    return recs.sort((a, b) => a.seq - b.seq).map((r) => r.ref);
  }

  /**
   * Records what a source said. `content` is text or any JSON value: strings, object keys and numbers are
   * recorded (each one a separate leaf that no match spans), booleans and `null` are not.
   */
  observe(source: Source, content: unknown): ObserveReport {
    const src = checkSource(source);
    const region = src.trust === "trusted" ? this.#trusted : this.#untrusted;
    const toks: string[] = [];
    const gaps: number[] = [];
    // Untrusted content never displaces trusted content: it gets at most the room trusted sources leave.
    const room =
      src.trust === "trusted"
        ? this.maxSourceChars
        : Math.min(this.maxSourceChars, this.maxChars - this.#trusted.chars);
    const { chars, partial } = flatten(content, room, toks, gaps);
    const ref: SourceRef = {
      id: src.id,
      kind: src.kind,
      ...(src.tool === undefined ? {} : { tool: src.tool }),
      ...(src.callId === undefined ? {} : { callId: src.callId }),
      ...(src.label === undefined ? {} : { label: src.label }),
    };
    const rec: Rec = {
      source: src,
      ref: Object.freeze(ref),
      seq: this.#seq++,
      start: region.length,
      end: region.length,
      chars,
      partial,
      watched: src.trust === "untrusted" || src.label === "sensitive",
    };
    const ids = new Int32Array(toks.length);
    for (let i = 0; i < toks.length; i++) ids[i] = this.#dict.intern(toks[i]!);
    append(region, this.#dict, rec, ids, Uint8Array.from(gaps));
    if (partial) this.#truncated = true;

    let dropped = 0;
    while (this.chars > this.maxChars) {
      // Oldest untrusted first, then (only for a trusted source, as an untrusted one was cut to fit) oldest
      // trusted; never the source just recorded, which fits on its own.
      const from = [this.#untrusted, this.#trusted].find((r) => r.live > 0 && r.recs[r.first] !== rec);
      if (from === undefined) break;
      const old = from.recs[from.first]!;
      from.first++;
      from.firstLive = from.first < from.recs.length ? from.recs[from.first]!.start : from.length;
      from.chars -= old.chars;
      this.#droppedSources++;
      this.#droppedChars += old.chars;
      this.#truncated = true;
      dropped++;
    }
    if (dropped > 0) this.#maybeRebuild();
    return { chars, tokens: toks.length, partial, dropped };
  }

  /** Reclaims dropped sources' positions and dictionary entries once they outweigh the live ones. */
  #maybeRebuild(): void {
    const dead = this.#trusted.firstLive + this.#untrusted.firstLive;
    const live =
      this.#trusted.length - this.#trusted.firstLive + this.#untrusted.length - this.#untrusted.firstLive;
    if (dead < REBUILD_MIN || dead < live) return;
    const dict = new Dict();
    const trusted = new Region("trusted");
    const untrusted = new Region("untrusted");
    for (const [from, to] of [
      [this.#trusted, trusted],
      [this.#untrusted, untrusted],
    ] as const) {
      for (const old of liveRecs(from)) {
        const n = old.end - old.start;
        const ids = new Int32Array(n);
        for (let i = 0; i < n; i++) ids[i] = dict.intern(this.#dict.text[from.lit[old.start + i]!]!);
        const rec: Rec = { ...old, start: to.length, end: to.length };
        append(to, dict, rec, ids, from.gap.slice(old.start, old.end));
      }
    }
    this.#dict = dict;
    this.#trusted = trusted;
    this.#untrusted = untrusted;
  }
}

/** The internals match.ts and flow.ts read. @internal */
export function storeOfLog(log: ObservationLog): Store {
  return storeOf(log);
}

function* liveRecs(region: Region): Generator<Rec> {
  for (let i = region.first; i < region.recs.length; i++) yield region.recs[i]!;
}

function checkSource(source: Source): Source {
  if (typeof source !== "object" || source === null) throw new TypeError("a source must be an object");
  if (typeof source.id !== "string" || source.id === "")
    throw new TypeError("a source needs a non-empty `id`");
  if (!TRUSTS.includes(source.trust)) {
    throw new TypeError(`source \`${source.id}\`: \`trust\` must be "trusted" or "untrusted"`);
  }
  if (!KINDS.includes(source.kind)) {
    throw new TypeError(`source \`${source.id}\`: \`kind\` must be "user", "mandate" or "tool"`);
  }
  if (source.label !== undefined && source.label !== "sensitive") {
    throw new TypeError(`source \`${source.id}\`: \`label\` must be "sensitive" when given`);
  }
  for (const k of ["tool", "callId"] as const) {
    if (source[k] !== undefined && typeof source[k] !== "string") {
      throw new TypeError(`source \`${source.id}\`: \`${k}\` must be a string when given`);
    }
  }
  return Object.freeze({ ...source });
}

/** Appends a rec's tokens to a region and threads them into the posting lists. */
function append(region: Region, dict: Dict, rec: Rec, ids: Int32Array, gaps: Uint8Array): void {
  const n = ids.length;
  region.ensure(n, dict.canonCount);
  const start = region.length;
  const { lit, gap, prevCanon, prevKey, head, count } = region;
  for (let i = 0; i < n; i++) {
    const p = start + i;
    const id = ids[i]!;
    lit[p] = id;
    gap[p] = gaps[i]!;
    const c = dict.canon[id]!;
    prevCanon[p] = head[c]!;
    head[c] = p;
    count[c] = count[c]! + 1;
    prevKey[p] = -1;
  }
  region.length = start + n;
  rec.start = start;
  rec.end = start + n;
  for (let p = start; p < rec.end; p++) {
    const key = identifierKey(dict, lit, gap, p, rec.end);
    if (key === undefined) continue;
    prevKey[p] = region.keys.get(key) ?? -1;
    region.keys.set(key, p);
  }
  region.recs.push(rec);
  region.chars += rec.chars;
}

/**
 * The identifier key at position `p`: the first `IDENTIFIER_MIN` characters of the compact forms of the chain
 * of group tokens starting at `p` (joined by single spaces), when they include a digit. Identifier values are
 * looked up by their own first characters (match.ts), which always include a digit.
 * @internal
 */
export function identifierKey(
  dict: KeyTokens,
  lit: Int32Array,
  gap: Uint8Array,
  p: number,
  end: number,
): string | undefined {
  let acc = 0;
  let digit = false;
  let q = p;
  for (;;) {
    const id = lit[q]!;
    const compact = dict.compact[id];
    if (compact === undefined) return undefined;
    const d = dict.digit[id]!;
    if (d !== -1 && acc + d < IDENTIFIER_MIN) digit = true;
    acc += compact.length;
    if (acc >= IDENTIFIER_MIN) break;
    q++;
    if (q >= end || gap[q] !== GAP_SPACE) return undefined;
  }
  if (!digit) return undefined;
  if (q === p) return dict.compact[lit[p]!]!.slice(0, IDENTIFIER_MIN);
  let key = "";
  for (let r = p; r <= q; r++) key += dict.compact[lit[r]!]!;
  return key.slice(0, IDENTIFIER_MIN);
}

/**
 * Flattens content into normalised tokens, leaf by leaf (strings, object keys, numbers; depth first, keys before
 * their values), keeping at most `max` normalised characters (each leaf costs its length plus one).
 */
function flatten(
  content: unknown,
  max: number,
  toks: string[],
  gaps: number[],
): { chars: number; partial: boolean } {
  let used = 0;
  let partial = false;
  const leaf = (raw: string): boolean => {
    const room = max - used - 1;
    if (room < 0) {
      partial = true;
      return false;
    }
    // NFKC can grow text up to 18-fold and stripping can shrink it: cut the raw text generously first.
    const cutRaw = raw.length > room * 4 + 16;
    const text = normaliseText(cutRaw ? raw.slice(0, room * 4 + 16) : raw);
    if (text.length <= room && !cutRaw) {
      tokenise(text, toks, gaps);
      used += text.length + 1;
      return true;
    }
    const kept = text.slice(0, room);
    const before = toks.length;
    tokenise(kept, toks, gaps);
    // The last token may have been cut in the middle: drop it.
    if (toks.length > before) {
      toks.pop();
      gaps.pop();
    }
    used += kept.length + 1;
    partial = true;
    return false;
  };

  if (typeof content === "string") leaf(content);
  else {
    const seen = new WeakSet<object>();
    const stack: unknown[] = [content];
    while (stack.length > 0) {
      const v = stack.pop();
      if (typeof v === "string") {
        if (!leaf(v)) break;
      } else if (typeof v === "number") {
        if (Number.isFinite(v) && !leaf(plainDecimal(v))) break;
      } else if (typeof v === "bigint") {
        if (!leaf((v < 0n ? -v : v).toString())) break;
      } else if (typeof v === "object" && v !== null) {
        if (seen.has(v)) continue;
        seen.add(v);
        if (Array.isArray(v)) {
          for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
        } else if (v instanceof Map || v instanceof Set) {
          // Tools written in JS return these; their data is not in own keys.
          const items = [...(v as Iterable<unknown>)];
          for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
        } else if (v instanceof Date) {
          if (!Number.isNaN(v.getTime()) && !leaf(v.toISOString())) break;
        } else if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
          // Bytes cannot be matched as text: refuse, so the caller knows the record is incomplete.
          throw new TypeError("binary content cannot be recorded");
        } else if (!isPlain(v) && typeof (v as { toJSON?: unknown }).toJSON === "function") {
          stack.push((v as { toJSON(): unknown }).toJSON());
        } else if (!isPlain(v) && Object.keys(v).length === 0) {
          // A class instance whose data sits behind getters or private fields: recording nothing would be silent.
          throw new TypeError(`an object of class ${v.constructor?.name ?? "?"} has no own data to record`);
        } else {
          const keys = Object.keys(v);
          for (let i = keys.length - 1; i >= 0; i--) {
            stack.push((v as Record<string, unknown>)[keys[i]!]);
            stack.push(keys[i]);
          }
        }
      }
    }
  }
  return { chars: used, partial };
}

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
