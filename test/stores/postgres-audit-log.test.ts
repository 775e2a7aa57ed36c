import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { migrate, openPostgres } from "../../src/stores/postgres/database.js";
import { POSTGRES_MIGRATIONS } from "../../src/stores/postgres/schema.js";
import { runAuditLogConformance } from "./audit-log.conformance.js";
import { auditRecord } from "./records.js";
import { POSTGRES_URL, usePostgresSchemas } from "./servers.js";

const schemas = usePostgresSchemas();

runAuditLogConformance("PostgreSQL", () =>
  PostgresAuditLog.open(schemas.url(schemas.fresh()), { maxConnections: 2 }),
);

const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
afterAll(() => admin.end());

/** A fresh schema holding `n` appended records. */
async function logOf(n: number): Promise<string> {
  const schema = schemas.fresh();
  const log = await PostgresAuditLog.open(schemas.url(schema));
  for (let i = 1; i <= n; i++) await log.append(auditRecord(i));
  await log.close();
  return schema;
}

async function verifySchema(schema: string): Promise<Awaited<ReturnType<PostgresAuditLog["verify"]>>> {
  const log = await PostgresAuditLog.open(schemas.url(schema));
  try {
    return await log.verify();
  } finally {
    await log.close();
  }
}

describe("PostgreSQL migrations", () => {
  test("run on open, are versioned, and running them again changes nothing", async () => {
    const schema = schemas.fresh();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      const latest = POSTGRES_MIGRATIONS.length;
      expect(await migrate(pool, schema)).toEqual({ from: 0, to: latest });
      expect(await migrate(pool, schema)).toEqual({ from: latest, to: latest });
      const { rows } = await pool.query(`SELECT version FROM "${schema}".schema_version`);
      expect(rows).toEqual([{ version: latest }]);
    } finally {
      await pool.end();
    }
  });

  test("replicas starting together apply each migration once", async () => {
    const schema = schemas.fresh();
    const logs = await Promise.all(
      Array.from({ length: 4 }, () => PostgresAuditLog.open(schemas.url(schema), { maxConnections: 1 })),
    );
    const entries = await Promise.all(logs.map((log, i) => log.append(auditRecord(i + 1))));
    expect(entries.map((e) => e.seq).sort()).toEqual([1, 2, 3, 4]);
    await Promise.all(logs.map((log) => log.close()));
  });

  test("a schema newer than this version is refused, not written to", async () => {
    const schema = schemas.fresh();
    await (await openPostgres(schemas.url(schema))).close();
    await admin.query(`UPDATE "${schema}".schema_version SET version = 99`);
    await expect(PostgresAuditLog.open(schemas.url(schema))).rejects.toThrow(
      `schema \`${schema}\` has version 99; this version of mandate reads up to ${POSTGRES_MIGRATIONS.length}`,
    );
  });

  test("a schema name that is not an identifier is refused", async () => {
    await expect(PostgresAuditLog.open(`${POSTGRES_URL}?schema=a;drop`)).rejects.toThrow(
      "invalid schema `a;drop`",
    );
  });
});

describe("PostgresAuditLog verify detects tampering", () => {
  test("a filter column edited", async () => {
    const schema = await logOf(5);
    await admin.query(`UPDATE "${schema}".audit SET tool = 'wire_money' WHERE seq = 3`);
    expect(await verifySchema(schema)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 3, reason: "column `tool` does not match the stored record" },
    });
  });

  test("the stored JSON edited", async () => {
    const schema = await logOf(5);
    await admin.query(
      `UPDATE "${schema}".audit SET record = replace(record, 'bob@example.com', 'eve@example.com') WHERE seq = 2`,
    );
    expect(await verifySchema(schema)).toMatchObject({
      ok: false,
      firstBad: { seq: 2, reason: "hash does not match the record's contents" },
    });
  });

  test("a row deleted, and a row's time edited", async () => {
    const deleted = await logOf(5);
    await admin.query(`DELETE FROM "${deleted}".audit WHERE seq = 3`);
    expect(await verifySchema(deleted)).toMatchObject({
      ok: false,
      firstBad: { seq: 4, reason: "expected seq `3`, found `4`: a record was deleted or moved" },
    });
    const timed = await logOf(3);
    await admin.query(`UPDATE "${timed}".audit SET time_ms = time_ms + 1 WHERE seq = 2`);
    expect(await verifySchema(timed)).toMatchObject({
      ok: false,
      firstBad: { seq: 2, reason: "column `time_ms` does not match the stored record" },
    });
  });
});

describe("PostgresAuditLog with several writers", () => {
  test("three logs (three pools) appending at once keep one chain", async () => {
    const schema = schemas.fresh();
    const logs = await Promise.all(
      [0, 1, 2].map(() => PostgresAuditLog.open(schemas.url(schema), { maxConnections: 2 })),
    );
    const appends = Array.from({ length: 300 }, (_, i) => logs[i % 3]!.append(auditRecord(i)));
    const seqs = (await Promise.all(appends)).map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await logs[0]!.verify()).toMatchObject({ ok: true, count: 300 });
    await Promise.all(logs.map((log) => log.close()));
  });
});
