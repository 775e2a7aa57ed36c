import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { hashEntry } from "../../src/guard/audit-chain.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";
import { SqliteBudgetStore } from "../../src/stores/sqlite/budget-store.js";
import { auditRecord } from "./records.js";
import { spawnFixture, watchChild } from "./spawn.js";
import { useTempDir } from "./temp-dir.js";

const file = useTempDir("mandate-sqlite-audit-");

/** A log of `n` records at a fresh path, closed again, so the test can tamper with the file. */
async function logOf(n: number): Promise<string> {
  const path = file("audit.db");
  const log = await SqliteAuditLog.open(path);
  for (let i = 1; i <= n; i++) await log.append(auditRecord(i, { tool: i % 2 ? "send_email" : "read_file" }));
  await log.close();
  return path;
}

/** Runs SQL on the file through a connection of its own, as someone with access to the disk would. */
function tamper(path: string, sql: string, ...params: unknown[]): void {
  const db = new Database(path);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function verifyFile(path: string): ReturnType<SqliteAuditLog["verify"]> {
  const log = await SqliteAuditLog.open(path);
  try {
    return await log.verify();
  } finally {
    await log.close();
  }
}

describe("SqliteAuditLog on disk", () => {
  test("entries survive closing and reopening, and the chain continues", async () => {
    const path = await logOf(3);
    const log = await SqliteAuditLog.open(path);
    const fourth = await log.append(auditRecord(4));
    expect(fourth.seq).toBe(4);
    expect(fourth.prevHash).toBe((await log.get(3))?.hash);
    expect(await log.verify()).toMatchObject({ ok: true, count: 4, head: fourth.hash });
    await log.close();
  });

  test("uses WAL and records its schema version", async () => {
    const path = await logOf(1);
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.close();
  });

  test("refuses a file from a newer version of mandate", async () => {
    const path = await logOf(1);
    tamper(path, "PRAGMA user_version = 99");
    await expect(SqliteAuditLog.open(path)).rejects.toThrow(
      /has schema version 99; this version of mandate reads up to 1$/,
    );
  });

  test("the audit log and the budget store can share one file", async () => {
    const path = await logOf(2);
    const budgets = await SqliteBudgetStore.open(path);
    const charge = { key: "k", amount: 1, limit: 1, windowEnds: null, label: "calls", rule: "/allow/0" };
    expect(await budgets.reserve([charge])).toMatchObject({ ok: true });
    await budgets.close();
    expect(await verifyFile(path)).toMatchObject({ ok: true, count: 2 });
  });

  test("durability `power` and a busy timeout are accepted; nonsense is refused", async () => {
    const log = await SqliteAuditLog.open(file("power.db"), { durability: "power", busyTimeoutMs: 100 });
    expect((await log.append(auditRecord(1))).seq).toBe(1);
    await log.close();
    await expect(
      SqliteAuditLog.open(file("x.db"), { durability: "fast" as unknown as "power" }),
    ).rejects.toThrow("invalid `durability` `fast`: expected `process` or `power`");
  });
});

describe("SqliteAuditLog verify detects tampering with the file", () => {
  test("an untouched file verifies", async () => {
    expect(await verifyFile(await logOf(6))).toMatchObject({ ok: true, count: 6 });
  });

  test("a filter column edited", async () => {
    const path = await logOf(6);
    tamper(path, "UPDATE audit SET tool = 'wire_money' WHERE seq = 3");
    expect(await verifyFile(path)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 3, reason: "column `tool` does not match the stored record" },
    });
  });

  test("the time column edited", async () => {
    const path = await logOf(6);
    tamper(path, "UPDATE audit SET time_ms = time_ms + 1 WHERE seq = 5");
    expect(await verifyFile(path)).toMatchObject({
      ok: false,
      firstBad: { seq: 5, reason: "column `time_ms` does not match the stored record" },
    });
  });

  test("the stored JSON edited, alone or with its column", async () => {
    const path = await logOf(6);
    tamper(
      path,
      "UPDATE audit SET record = replace(record, 'bob@example.com', 'eve@example.com') WHERE seq = 2",
    );
    expect(await verifyFile(path)).toEqual({
      ok: false,
      count: 1,
      firstBad: { seq: 2, reason: "hash does not match the record's contents" },
    });

    const both = await logOf(6);
    tamper(
      both,
      `UPDATE audit SET record = replace(record, '"tool":"send_email"', '"tool":"wire_money"'),
         tool = 'wire_money' WHERE seq = 3`,
    );
    expect(await verifyFile(both)).toMatchObject({
      ok: false,
      firstBad: { seq: 3, reason: "hash does not match the record's contents" },
    });
  });

  test("the stored JSON broken", async () => {
    const path = await logOf(3);
    tamper(path, "UPDATE audit SET record = substr(record, 2) WHERE seq = 2");
    expect(await verifyFile(path)).toMatchObject({
      ok: false,
      firstBad: { seq: 2, reason: "stored record is not valid json" },
    });
  });

  test("a hash or prev_hash column edited", async () => {
    const path = await logOf(4);
    tamper(path, "UPDATE audit SET hash = ? WHERE seq = 2", "a".repeat(64));
    expect(await verifyFile(path)).toMatchObject({
      ok: false,
      firstBad: { seq: 2, reason: "hash does not match the record's contents" },
    });
    const prev = await logOf(4);
    tamper(prev, "UPDATE audit SET prev_hash = ? WHERE seq = 4", "b".repeat(64));
    expect(await verifyFile(prev)).toMatchObject({
      ok: false,
      firstBad: { seq: 4, reason: "column `prev_hash` does not match the stored record" },
    });
  });

  test("a row deleted", async () => {
    const path = await logOf(6);
    tamper(path, "DELETE FROM audit WHERE seq = 3");
    expect(await verifyFile(path)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 4, reason: "expected seq `3`, found `4`: a record was deleted or moved" },
    });
  });

  test("a forged row inserted", async () => {
    // A copy of row 2 replayed at the end.
    const replayed = await logOf(4);
    tamper(
      replayed,
      `INSERT INTO audit (seq, time_ms, mandate_id, agent, subject, session, tool, verdict, effect, record,
         prev_hash, hash)
       SELECT 5, time_ms, mandate_id, agent, subject, session, tool, verdict, effect, record, prev_hash, hash
       FROM audit WHERE seq = 2`,
    );
    expect(await verifyFile(replayed)).toMatchObject({
      ok: false,
      count: 4,
      firstBad: { seq: 5, reason: "column `seq` is `5` but the stored record says `2`" },
    });

    // A made-up record, consistent in itself and with its columns, but not chained to the record before it.
    const forged = await logOf(4);
    const record = auditRecord(9, { tool: "wire_money" });
    const body = JSON.stringify({ ...record, seq: 5, prevHash: "0".repeat(64) });
    tamper(
      forged,
      `INSERT INTO audit (seq, time_ms, mandate_id, agent, subject, session, tool, verdict, effect, record,
         prev_hash, hash) VALUES (5, ?, 'm-1', 'mail-agent', 'alice', 's-1', 'wire_money', 'allow', 'allow', ?, ?, ?)`,
      Date.parse(record.time),
      body,
      "0".repeat(64),
      hashEntry(record, 5, "0".repeat(64)),
    );
    expect(await verifyFile(forged)).toMatchObject({
      ok: false,
      count: 4,
      firstBad: { seq: 5, reason: "prevHash does not match the hash of record `4`" },
    });
  });

  test("a row slipped in before the first", async () => {
    const path = await logOf(3);
    tamper(
      path,
      `INSERT INTO audit (seq, time_ms, mandate_id, agent, subject, session, tool, verdict, effect, record,
         prev_hash, hash)
       SELECT 0, time_ms, mandate_id, agent, subject, session, tool, verdict, effect,
         replace(record, '"seq":1', '"seq":0'), prev_hash, hash
       FROM audit WHERE seq = 1`,
    );
    expect(await verifyFile(path)).toMatchObject({
      ok: false,
      count: 0,
      firstBad: { seq: 0, reason: "seq `0` is not a positive integer" },
    });
  });

  test("two rows' seq swapped", async () => {
    const path = await logOf(6);
    tamper(path, "UPDATE audit SET seq = -2 WHERE seq = 2");
    tamper(path, "UPDATE audit SET seq = 2 WHERE seq = 3");
    tamper(path, "UPDATE audit SET seq = 3 WHERE seq = -2");
    expect(await verifyFile(path)).toEqual({
      ok: false,
      count: 1,
      firstBad: { seq: 2, reason: "column `seq` is `2` but the stored record says `3`" },
    });
  });
});

describe("SqliteAuditLog across processes", () => {
  test("an acknowledged append survives SIGKILL", async () => {
    const path = file("killed.db");
    const child = spawnFixture("audit-appender.ts", ["sqlite", path, "0", "32"]);
    const acknowledged: number[] = [];
    const done = watchChild(child, (line) => {
      acknowledged.push(Number(line));
      if (acknowledged.length === 3000) child.kill("SIGKILL");
    });
    const { signal, stderr } = await done;
    expect(stderr).toBe("");
    expect(signal).toBe("SIGKILL");
    expect(acknowledged.length).toBeGreaterThanOrEqual(3000);

    const log = await SqliteAuditLog.open(path);
    const stored = new Set((await log.list()).map((e) => e.seq));
    expect(acknowledged.filter((seq) => !stored.has(seq))).toEqual([]);
    expect(await log.verify()).toMatchObject({ ok: true, count: stored.size });
    // The chain goes on from what the killed process left.
    expect((await log.append(auditRecord(1))).seq).toBe(stored.size + 1);
    await log.close();
  });

  test("two processes appending to one file keep one valid chain", async () => {
    const path = file("shared.db");
    // Create the file first, so that neither child has to. They start together and usually interleave, but
    // SQLite's busy handler is not fair: one may get all its appends in first. The chain must be valid either way.
    await (await SqliteAuditLog.open(path)).close();
    const children = [0, 1].map(() =>
      spawnFixture("audit-appender.ts", ["sqlite", path, "500", "16", "--wait"]),
    );
    const acknowledged: number[][] = [[], []];
    let ready = 0;
    const runs = children.map((child, i) =>
      watchChild(child, (line) => {
        if (line !== "ready") acknowledged[i]?.push(Number(line));
        else if (++ready === children.length) for (const c of children) c.stdin.write("go\n");
      }),
    );
    for (const { code, stderr } of await Promise.all(runs))
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });

    const all = acknowledged.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const log = await SqliteAuditLog.open(path);
    expect(await log.verify()).toMatchObject({ ok: true, count: 1000 });
    const agents = new Set((await log.list()).map((e) => e.agent));
    expect(agents.size).toBe(2);
    await log.close();
  });

  test("two logs in one process on one file keep one valid chain", async () => {
    const path = file("two.db");
    const [a, b] = await Promise.all([SqliteAuditLog.open(path), SqliteAuditLog.open(path)]);
    const appends = Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).append(auditRecord(i)));
    const seqs = (await Promise.all(appends)).map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await a.verify()).toMatchObject({ ok: true, count: 100 });
    await Promise.all([a.close(), b.close()]);
  });
});
