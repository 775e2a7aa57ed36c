import { afterEach, describe, expect, test } from "vitest";
import { GENESIS_HASH, hashEntry } from "../../src/guard/audit-chain.js";
import type { AuditEntry } from "../../src/guard/audit-record.js";
import type { AuditLog, AuditReader } from "../../src/guard/ports.js";
import { auditRecord } from "./records.js";

export type AuditStore = AuditLog & AuditReader;

async function collect(iterable: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** One suite for every `AuditLog & AuditReader`: what appends return, what reads see, what verify says. */
export function runAuditLogConformance(name: string, newLog: () => Promise<AuditStore>): void {
  describe(`${name} audit log (conformance)`, () => {
    const open: AuditStore[] = [];
    const fresh = async (): Promise<AuditStore> => {
      const log = await newLog();
      open.push(log);
      return log;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((log) => log.close()));
    });

    test("append chains entries from the genesis hash", async () => {
      const log = await fresh();
      const first = await log.append(auditRecord(1));
      const second = await log.append(auditRecord(2));
      expect(first).toMatchObject({ ...auditRecord(1), seq: 1, prevHash: GENESIS_HASH });
      expect(first.hash).toBe(hashEntry(auditRecord(1), 1, GENESIS_HASH));
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(await log.verify()).toEqual({ ok: true, count: 2, head: second.hash });
    });

    test("an empty log verifies", async () => {
      const log = await fresh();
      expect(await log.verify()).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
      expect(await log.list()).toEqual([]);
      expect(await log.get(1)).toBeUndefined();
    });

    test("concurrent appends form one contiguous chain", async () => {
      const log = await fresh();
      const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(auditRecord(i))));
      expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect(await log.verify()).toMatchObject({ ok: true, count: 200 });
      expect(await collect(log.entries())).toEqual([...entries].sort((a, b) => a.seq - b.seq));
    });

    test("a record JSON cannot hold is refused, and the chain goes on without it", async () => {
      const log = await fresh();
      const results = await Promise.allSettled([
        log.append(auditRecord(1)),
        log.append(auditRecord(2, { args: { amount: Number.POSITIVE_INFINITY } })),
        log.append(auditRecord(3)),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((await log.list()).map((e) => [e.seq, e.callId])).toEqual([
        [1, "call-1"],
        [2, "call-3"],
      ]);
      expect(await log.verify()).toMatchObject({ ok: true, count: 2 });
    });

    test("what is stored is what was appended, whatever the caller changes afterwards", async () => {
      const log = await fresh();
      const record = auditRecord(1);
      const entry = await log.append(record);
      (record.args as { to: string }).to = "mallory@example.com";
      expect(await log.get(1)).toEqual(entry);
      expect((await log.get(1))?.args).toEqual(auditRecord(1).args);
    });

    test("get reads one entry by seq", async () => {
      const log = await fresh();
      const entries = [await log.append(auditRecord(1)), await log.append(auditRecord(2))];
      expect(await log.get(2)).toEqual(entries[1]);
      expect(await log.get(3)).toBeUndefined();
      expect(await log.get(0)).toBeUndefined();
      expect(await log.get(1.5)).toBeUndefined();
    });

    test("list filters by each field, by time, and pages", async () => {
      const log = await fresh();
      await log.append(auditRecord(1));
      await log.append(auditRecord(2, { mandateId: "m-2", agent: "other", tool: "read_file" }));
      await log.append(auditRecord(3, { verdict: "deny", effect: "deny", outcome: "not_run" }));
      await log.append(auditRecord(4, { subject: "bob", session: "s-2", verdict: "ask" }));
      await log.append(auditRecord(5, { agent: null, session: null, subject: null }));
      const seqs = async (filter: Parameters<AuditReader["list"]>[0]): Promise<number[]> =>
        (await log.list(filter)).map((e) => e.seq);

      expect(await seqs({})).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs({ mandateId: "m-2" })).toEqual([2]);
      expect(await seqs({ agent: "mail-agent" })).toEqual([1, 3, 4]);
      expect(await seqs({ subject: "bob" })).toEqual([4]);
      expect(await seqs({ session: "s-1" })).toEqual([1, 2, 3]);
      expect(await seqs({ tool: "read_file" })).toEqual([2]);
      expect(await seqs({ verdict: "ask" })).toEqual([4]);
      expect(await seqs({ effect: "deny" })).toEqual([3]);
      expect(await seqs({ mandateId: "m-1", effect: "allow" })).toEqual([1, 4, 5]);
      // auditRecord(i) is at 12:00:i; `from` is inclusive and `to` exclusive, offsets are honoured.
      expect(await seqs({ from: "2025-01-01T12:00:02Z", to: "2025-01-01T12:00:04.000Z" })).toEqual([2, 3]);
      expect(await seqs({ from: "2025-01-01T13:00:03+01:00" })).toEqual([3, 4, 5]);
      expect(await seqs({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
      expect(await seqs({ limit: 0 })).toEqual([]);
      expect(await seqs({ tool: "nothing" })).toEqual([]);
    });

    test("list refuses a filter that cannot mean anything", async () => {
      const log = await fresh();
      await expect(log.list({ limit: -1 })).rejects.toThrow("invalid `limit` `-1`: expected an integer >= 0");
      await expect(log.list({ afterSeq: 1.5 })).rejects.toThrow("invalid `afterSeq`");
      await expect(log.list({ from: "yesterday" })).rejects.toThrow(
        "invalid `from` `yesterday`: expected an ISO 8601 time",
      );
    });

    test("append after close is refused", async () => {
      const log = await newLog();
      await log.append(auditRecord(1));
      await log.close();
      await expect(log.append(auditRecord(2))).rejects.toThrow("cannot append: the audit log is closed");
      await log.close();
    });

    test("appends queued before close are written", async () => {
      const log = await fresh();
      const pending = [log.append(auditRecord(1)), log.append(auditRecord(2))];
      const closing = log.close();
      await expect(Promise.all(pending)).resolves.toHaveLength(2);
      await closing;
    });
  });
}
