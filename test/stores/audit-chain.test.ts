import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GENESIS_HASH, hashEntry, parseEntry, sealEntry, verifyChain } from "../../src/guard/audit-chain.js";
import type { AuditEntry, AuditRecord } from "../../src/guard/audit-record.js";
import { auditRecord } from "./records.js";

function chain(records: readonly AuditRecord[]): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const record of records) {
    entries.push(sealEntry(record, entries.length + 1, entries.at(-1)?.hash ?? GENESIS_HASH).entry);
  }
  return entries;
}

const five = (): AuditEntry[] => chain([1, 2, 3, 4, 5].map((i) => auditRecord(i)));

function at(entries: readonly AuditEntry[], i: number): AuditEntry {
  const entry = entries[i];
  if (!entry) throw new Error(`no entry at index ${i}`);
  return entry;
}

describe("hashEntry", () => {
  test("is SHA-256 over the canonical JSON of the record with seq and prevHash", async () => {
    const { createHash } = await import("node:crypto");
    const record = auditRecord();
    const expected = createHash("sha256")
      .update(canonicalize({ ...record, seq: 1, prevHash: GENESIS_HASH }) ?? "")
      .digest("hex");
    expect(hashEntry(record, 1, GENESIS_HASH)).toBe(expected);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  test("does not depend on key order, and ignores a `hash` member", () => {
    const record = auditRecord();
    const reversed = Object.fromEntries(Object.entries(record).reverse()) as unknown as AuditRecord;
    expect(hashEntry(reversed, 1, GENESIS_HASH)).toBe(hashEntry(record, 1, GENESIS_HASH));
    const entry = sealEntry(record, 1, GENESIS_HASH).entry;
    expect(hashEntry(entry, 1, GENESIS_HASH)).toBe(entry.hash);
  });

  test("sealEntry refuses what JSON cannot hold, and records missing indexed fields", () => {
    expect(() => sealEntry(auditRecord(1, { args: { n: Number.NaN } }), 1, GENESIS_HASH)).toThrow(/NaN/);
    expect(() =>
      sealEntry(auditRecord(1, { tool: undefined as unknown as string }), 1, GENESIS_HASH),
    ).toThrow("invalid audit record: `tool` must be a string");
  });

  test("sealEntry returns a frozen copy the caller can no longer change", () => {
    const record = auditRecord();
    const { entry } = sealEntry(record, 1, GENESIS_HASH);
    (record.args as { to: string }).to = "mallory@example.com";
    expect(entry.args).toEqual(auditRecord().args);
    expect(Object.isFrozen(entry.args)).toBe(true);
  });
});

describe("verifyChain", () => {
  test("accepts a valid chain and reports its head", () => {
    const entries = five();
    expect(verifyChain(entries)).toEqual({ ok: true, count: 5, head: at(entries, 4).hash });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
  });

  test("an edited record is the first bad one", () => {
    const entries = five();
    entries[2] = { ...at(entries, 2), tool: "delete_all" };
    expect(verifyChain(entries)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 3, reason: "hash does not match the record's contents" },
    });
  });

  test("an edited record with a recomputed hash breaks the link of the next", () => {
    const entries = five();
    const edited = { ...at(entries, 2), tool: "delete_all" };
    entries[2] = { ...edited, hash: hashEntry(edited, 3, edited.prevHash) };
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      firstBad: { seq: 4, reason: "prevHash does not match the hash of record `3`" },
    });
  });

  test("a deleted record", () => {
    const entries = five();
    entries.splice(2, 1);
    expect(verifyChain(entries)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 4, reason: "expected seq `3`, found `4`: a record was deleted or moved" },
    });
  });

  test("an inserted record", () => {
    const entries = five();
    const forged = sealEntry(auditRecord(9, { tool: "wire_money" }), 3, at(entries, 1).hash).entry;
    entries.splice(2, 0, forged);
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      count: 3,
      firstBad: { seq: 3, reason: "expected seq `4`, found `3`: a record was inserted or moved" },
    });
  });

  test("reordered records", () => {
    const entries = five();
    [entries[1], entries[2]] = [at(entries, 2), at(entries, 1)];
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      count: 1,
      firstBad: { seq: 3, reason: "expected seq `2`, found `3`: a record was deleted or moved" },
    });
  });

  test("a first record not chained to the genesis hash", () => {
    const entries = chain([auditRecord(1)]);
    const moved = { ...at(entries, 0), prevHash: "f".repeat(64) };
    expect(verifyChain([{ ...moved, hash: hashEntry(moved, 1, moved.prevHash) }])).toMatchObject({
      ok: false,
      firstBad: { seq: 1, reason: "prevHash of the first record is not the genesis hash" },
    });
  });

  test("entries that are not objects or have no integer seq", () => {
    const parsed = parseEntry("[1]");
    expect(parsed).toEqual({ reason: "record is not a json object" });
    const bad = { ...at(five(), 0), seq: "1" as unknown as number };
    expect(verifyChain([bad])).toMatchObject({
      ok: false,
      firstBad: { seq: 1, reason: "seq `1` is not a positive integer" },
    });
  });

  test("a chain cut short at its end still verifies, with an older head", () => {
    const entries = five();
    const result = verifyChain(entries.slice(0, 4));
    expect(result).toEqual({ ok: true, count: 4, head: at(entries, 3).hash });
  });
});

/** One mutation of a chain, and the range of `count` (valid prefix) verify may report for it. */
type Mutation = (entries: AuditEntry[]) => { min: number; max: number };

const json = fc.jsonValue({ maxDepth: 2 });

const mutation = (n: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    // Edit one field of one entry (top level, `args`, or the chain fields themselves).
    fc
      .tuple(
        fc.nat({ max: n - 1 }),
        fc.constantFrom("tool", "verdict", "time", "args", "reason", "seq", "prevHash", "hash", "extra"),
        json,
      )
      .map(([i, field, value]): Mutation => (entries) => {
        entries[i] = { ...at(entries, i), [field]: value };
        return { min: i, max: i };
      }),
    fc
      .tuple(fc.nat({ max: n - 1 }), fc.string({ minLength: 1 }), json)
      .map(([i, key, value]): Mutation => (entries) => {
        const entry = at(entries, i);
        entries[i] = { ...entry, args: { ...(entry.args as object), [key]: value } };
        return { min: i, max: i };
      }),
    // Delete any entry but the last (cutting the tail is only detected against a kept head).
    fc.nat({ max: n - 2 }).map((i): Mutation => (entries) => {
      entries.splice(i, 1);
      return { min: i, max: i };
    }),
    // Insert a copy of an entry, or a well-formed forgery chained to its predecessor, before an existing entry.
    fc
      .tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 }), fc.boolean())
      .map(([i, from, copy]): Mutation => (entries) => {
        const forged = copy
          ? at(entries, from)
          : sealEntry(auditRecord(99), i + 1, entries[i - 1]?.hash ?? GENESIS_HASH).entry;
        entries.splice(i, 0, forged);
        return { min: i, max: i + 1 };
      }),
    // Swap two entries.
    fc
      .tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 }))
      .filter(([i, j]) => i !== j)
      .map(([i, j]): Mutation => (entries) => {
        [entries[i], entries[j]] = [at(entries, j), at(entries, i)];
        return { min: Math.min(i, j), max: Math.min(i, j) };
      }),
  );

test("property: any single mutation of a valid chain is detected at the mutated place", () => {
  const scenario = fc.integer({ min: 2, max: 12 }).chain((n) => fc.tuple(fc.constant(n), mutation(n)));
  fc.assert(
    fc.property(scenario, ([n, mutate]) => {
      const original = chain(Array.from({ length: n }, (_, i) => auditRecord(i + 1)));
      const mutated = original.slice();
      const { min, max } = mutate(mutated);
      // An edit that changes nothing JSON can see (e.g. writing the same value back) is not a mutation.
      fc.pre(canonicalize(mutated) !== canonicalize(original));
      const result = verifyChain(mutated);
      expect(result.ok).toBe(false);
      expect(result.count).toBeGreaterThanOrEqual(min);
      expect(result.count).toBeLessThanOrEqual(max);
    }),
    { numRuns: 500 },
  );
});
