import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { AuditEntry, AuditRecord } from "./audit-record.js";

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly head: string }
  | {
      readonly ok: false;
      /** How many entries verified before the first bad one. */
      readonly count: number;
      readonly firstBad: { readonly seq: number; readonly reason: string };
    };

/**
 * The text that is hashed: RFC 8785 canonical JSON of the record with its `seq` and `prevHash`. Stores keep
 * exactly this text, so an entry can be re-hashed from what is on disk. A `hash` member is never part of it.
 */
export function canonicalEntryJson(record: AuditRecord, seq: number, prevHash: string): string {
  const body: Record<string, unknown> = { ...record, seq, prevHash };
  delete body["hash"];
  let json: string | undefined;
  try {
    json = canonicalize(body);
  } catch (error) {
    throw new TypeError(`audit record cannot be written as json: ${messageOf(error)}`);
  }
  if (json === undefined) throw new TypeError("audit record cannot be written as json");
  return json;
}

export function hashEntry(record: AuditRecord, seq: number, prevHash: string): string {
  return sha256(canonicalEntryJson(record, seq, prevHash));
}

/** A record placed in the chain: the entry (deep-frozen, as read back from `json`) and its stored text. */
export interface SealedEntry {
  readonly entry: AuditEntry;
  readonly json: string;
}

/**
 * Places a record after `prevHash`. The entry is parsed back from the canonical text, so what a store returns is
 * exactly what it will read back and verify, and later changes to the caller's objects cannot reach it.
 * Throws when the record is not JSON (NaN, cycles, lone surrogates).
 */
export function sealEntry(record: AuditRecord, seq: number, prevHash: string): SealedEntry {
  checkRecord(record);
  const json = canonicalEntryJson(record, seq, prevHash);
  const body: Omit<AuditEntry, "hash"> = JSON.parse(json);
  return { entry: deepFreeze({ ...body, hash: sha256(json) }), json };
}

/**
 * Reads stored JSON back as an entry to verify, with `hash` from elsewhere when the JSON lacks it. Only the shape
 * is checked here; `ChainVerifier` checks the contents.
 */
export function parseEntry(json: string, hash?: string): { entry: AuditEntry } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { reason: "record is not valid json" };
  }
  if (!isEntryShaped(value)) return { reason: "record is not a json object" };
  return { entry: hash === undefined ? value : { ...value, hash } };
}

/**
 * Checks a chain one entry at a time, so a store can stream its entries. After the first bad entry it stops
 * checking: everything after it is unanchored.
 */
export class ChainVerifier {
  #count = 0;
  #head = GENESIS_HASH;
  #bad: { seq: number; reason: string } | null = null;

  /** The `seq` the next entry must have. */
  get nextSeq(): number {
    return this.#count + 1;
  }

  /** Checks the next entry; `false` once any entry has been bad. */
  add(entry: AuditEntry): boolean {
    if (this.#bad) return false;
    const reason = this.#problem(entry);
    if (reason !== null) {
      return this.fail(Number.isSafeInteger(entry?.seq) ? entry.seq : this.nextSeq, reason);
    }
    this.#count++;
    this.#head = entry.hash;
    return true;
  }

  /** Records a problem a store found itself (a malformed line, a column that disagrees with the record). */
  fail(seq: number, reason: string): false {
    this.#bad ??= { seq, reason };
    return false;
  }

  result(): ChainVerification {
    if (this.#bad) return { ok: false, count: this.#count, firstBad: this.#bad };
    return { ok: true, count: this.#count, head: this.#head };
  }

  #problem(entry: AuditEntry): string | null {
    if (typeof entry !== "object" || entry === null) return "entry is not a json object";
    const expected = this.nextSeq;
    const { seq } = entry;
    if (!Number.isSafeInteger(seq) || seq < 1) return `seq \`${String(seq)}\` is not a positive integer`;
    if (seq !== expected) {
      const how = seq > expected ? "deleted" : "inserted";
      return `expected seq \`${expected}\`, found \`${seq}\`: a record was ${how} or moved`;
    }
    if (entry.prevHash !== this.#head) {
      return expected === 1
        ? "prevHash of the first record is not the genesis hash"
        : `prevHash does not match the hash of record \`${expected - 1}\``;
    }
    let hash: string;
    try {
      hash = hashEntry(entry, seq, entry.prevHash);
    } catch (error) {
      return messageOf(error);
    }
    return hash === entry.hash ? null : "hash does not match the record's contents";
  }
}

/**
 * Verifies a whole chain: seq runs 1, 2, 3… without gaps, each `prevHash` is the previous entry's hash, and each
 * hash recomputes. Edited, deleted, inserted and reordered records are reported at the first bad entry.
 * A chain cut short at its end still verifies: compare `head` with a copy kept elsewhere to detect that.
 */
export function verifyChain(entries: Iterable<AuditEntry>): ChainVerification {
  const verifier = new ChainVerifier();
  for (const entry of entries) if (!verifier.add(entry)) break;
  return verifier.result();
}

/** The fields stores index must be there, so a store never has to refuse a record the others accept. */
function checkRecord(record: AuditRecord): void {
  for (const field of ["time", "mandateId", "callId", "tool", "verdict", "effect"] as const) {
    if (typeof record[field] !== "string") {
      throw new TypeError(`invalid audit record: \`${field}\` must be a string`);
    }
  }
  for (const field of ["agent", "subject", "session"] as const) {
    const value = record[field];
    if (value !== null && typeof value !== "string") {
      throw new TypeError(`invalid audit record: \`${field}\` must be a string or null`);
    }
  }
}

/** A JSON object; whether it is a valid entry is for `ChainVerifier` to say. */
function isEntryShaped(value: unknown): value is AuditEntry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
