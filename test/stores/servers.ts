import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll } from "vitest";

/** The real servers the shared-store tests run against (`.ci/run` starts them when they are not answering). */
export const POSTGRES_URL =
  process.env.MANDATE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.MANDATE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

/** A name no other test run uses: test files run concurrently against the same servers. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/**
 * A maker of fresh PostgreSQL schema names for this test file; every schema it made is dropped after the file's
 * tests. `url(schema)` is the connection URL selecting it.
 */
export function usePostgresSchemas(): { fresh: () => string; url: (schema: string) => string } {
  const made: string[] = [];
  afterAll(async () => {
    if (made.length === 0) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      for (const schema of made) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  return {
    fresh: () => {
      const schema = uniqueName("mt");
      made.push(schema);
      return schema;
    },
    url: (schema) => `${POSTGRES_URL}?schema=${schema}`,
  };
}

/** A maker of fresh Redis key prefixes for this test file; their keys are deleted after the file's tests. */
export function useRedisPrefixes(): () => string {
  const made: string[] = [];
  afterAll(async () => {
    if (made.length === 0) return;
    const redis = new Redis(REDIS_URL);
    try {
      for (const prefix of made) {
        const keys = await redis.keys(`${prefix.replace(/[{}*?[\]]/g, "\\$&")}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  });
  return () => {
    const prefix = `{${uniqueName("mt")}}:`;
    made.push(prefix);
    return prefix;
  };
}
