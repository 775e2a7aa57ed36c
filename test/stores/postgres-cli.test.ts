import { describe, expect, test } from "vitest";
import { openAuditLog, openBudgetStore, storeLocation } from "../../src/stores/connect.js";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { POSTGRES_MIGRATIONS } from "../../src/stores/postgres/schema.js";
import { run } from "../cli/run-cli.js";
import { auditRecord } from "./records.js";
import { POSTGRES_URL, REDIS_URL, usePostgresSchemas, useRedisPrefixes } from "./servers.js";

const schemas = usePostgresSchemas();
const prefixes = useRedisPrefixes();

describe("mandate migrate and mandate audit on PostgreSQL", () => {
  test("migrate creates the schema once; audit list and verify read it by --postgres or a URL in --db", async () => {
    const url = schemas.url(schemas.fresh());
    const first = await run("migrate", "--postgres", url);
    expect(first).toMatchObject({
      code: 0,
      out: expect.stringContaining(`migrated from version 0 to ${POSTGRES_MIGRATIONS.length}`),
    });
    expect(await run("migrate", "--postgres", url)).toMatchObject({
      code: 0,
      out: expect.stringContaining(`is up to date (version ${POSTGRES_MIGRATIONS.length})`),
    });

    const log = await PostgresAuditLog.open(url);
    for (let i = 1; i <= 3; i++)
      await log.append(auditRecord(i, i === 2 ? { verdict: "deny", effect: "deny" } : {}));
    await log.close();

    const listed = await run("audit", "list", "--postgres", url, "--verdict", "deny", "--json");
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as { seq: number }[]).map((e) => e.seq)).toEqual([2]);
    const verified = await run("audit", "verify", "--db", url);
    expect(verified).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: 3 records, chain intact/) });
  });

  test("an unreachable server or a schema never migrated is a clear error, not a crash", async () => {
    const down = await run("audit", "verify", "--postgres", "postgres://postgres:secret@127.0.0.1:1/test");
    expect(down.code).toBe(65);
    expect(down.err).toMatch(
      /^mandate: cannot open audit log at postgres:\/\/postgres:…@127\.0\.0\.1:1\/test: /,
    );
    const empty = await run("audit", "list", "--postgres", `${POSTGRES_URL}?schema=${schemas.fresh()}`);
    expect(empty.code).toBe(65);
    expect(empty.err).toMatch(/does not exist/);
  });
});

describe("stores selected by location", () => {
  test("postgres://, redis:// and file paths; anything else is refused", async () => {
    expect(storeLocation("postgres://h/db").kind).toBe("postgres");
    expect(storeLocation("redis://h:6379").kind).toBe("redis");
    expect(storeLocation(".mandate/budgets.db").kind).toBe("sqlite");
    expect(() => storeLocation("mysql://u:p@h/db")).toThrow(
      "unsupported store URL `mysql://…@h/db`: expected postgres://, redis:// or a file path",
    );
    const redis = await openBudgetStore(`${REDIS_URL}?prefix=${encodeURIComponent(prefixes())}`);
    const charge = { key: "k", amount: 1, limit: 1, windowEnds: null, label: "calls", rule: "/allow/0" };
    expect(await redis.reserve([charge])).toMatchObject({ ok: true });
    await redis.close();
    const pg = await openBudgetStore(schemas.url(schemas.fresh()));
    expect(await pg.reserve([charge])).toMatchObject({ ok: true });
    await pg.close();
    const audit = await openAuditLog(schemas.url(schemas.fresh()));
    expect((await audit.append(auditRecord(1))).seq).toBe(1);
    await audit.close();
    await expect(openAuditLog(REDIS_URL)).rejects.toThrow("the audit log cannot be kept in Redis");
  });
});
