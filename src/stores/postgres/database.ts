import pg from "pg";
import { POSTGRES_MIGRATIONS } from "./schema.js";

export interface PostgresOptions {
  /**
   * The schema Mandate's tables live in (created if missing). Default `mandate`, or the URL's `?schema=` parameter.
   * Separate schemas keep separate deployments (or test runs) apart in one database.
   */
  readonly schema?: string;
  /** Use this pool instead of opening one from the URL; it is not closed by `close()`. */
  readonly pool?: pg.Pool;
  /** Connections this store may open (default 10). */
  readonly maxConnections?: number;
  /** Waiting for a connection before failing, in ms (default 2000): an unreachable server denies fast. */
  readonly connectTimeoutMs?: number;
  /** A query with no answer within this many ms fails (default 10000), so a stalled server cannot hang a call. */
  readonly queryTimeoutMs?: number;
  /** Run the migrations this schema lacks when opening (default true). */
  readonly migrate?: boolean;
}

/** An open connection pool and the schema, quoted for SQL. */
export interface PostgresHandle {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** Ends the pool if this handle opened it. */
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Splits Mandate's own `schema` parameter off a connection URL; the rest goes to the driver as it is. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string | undefined } {
  if (!isPostgresUrl(url))
    throw new TypeError(`invalid PostgreSQL URL: expected postgres://…, got \`${url}\``);
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.toString(), schema };
}

/** Opens a pool on `url` (or uses `opts.pool`) and, unless told not to, brings the schema up to date. */
export async function openPostgres(url: string | null, opts: PostgresOptions = {}): Promise<PostgresHandle> {
  const fromUrl = url === null ? { connectionString: undefined, schema: undefined } : parsePostgresUrl(url);
  const schemaName = opts.schema ?? fromUrl.schema ?? "mandate";
  if (!SCHEMA_NAME.test(schemaName)) {
    throw new RangeError(`invalid schema \`${schemaName}\`: expected letters, digits and _ (at most 63)`);
  }
  const schema = `"${schemaName}"`;
  let pool = opts.pool;
  const owned = pool === undefined;
  if (pool === undefined) {
    if (fromUrl.connectionString === undefined) throw new TypeError("a PostgreSQL URL or a pool is required");
    pool = new pg.Pool({
      connectionString: fromUrl.connectionString,
      max: opts.maxConnections ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
      query_timeout: opts.queryTimeoutMs ?? 10_000,
      allowExitOnIdle: true,
    });
    // An idle connection the server (or the network) drops emits `error` on the pool; without a listener that
    // would end the process. The pool discards the connection and the next query opens a new one.
    pool.on("error", () => {});
  }
  const handle: PostgresHandle = {
    pool,
    schema,
    close: async () => {
      if (owned) await pool.end();
    },
  };
  try {
    if (opts.migrate !== false) await migrate(pool, schemaName);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Applies the migrations the schema lacks, in one transaction under an advisory lock, so that replicas starting
 * together apply each migration once. Returns the versions before and after; running it again changes nothing.
 */
export async function migrate(pool: pg.Pool, schemaName: string): Promise<{ from: number; to: number }> {
  const schema = `"${schemaName}"`;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`mandate-migrate:${schemaName}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version int NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_version`);
    const from = rows[0]?.version ?? 0;
    const latest = POSTGRES_MIGRATIONS.length;
    if (from > latest) {
      throw new Error(
        `schema \`${schemaName}\` has version ${from}; this version of mandate reads up to ${latest}`,
      );
    }
    for (const sql of POSTGRES_MIGRATIONS.slice(from)) {
      await client.query(sql.replace(/(?<![\w"])S\./g, `${schema}.`));
    }
    if (rows.length === 0) await client.query(`INSERT INTO ${schema}.schema_version VALUES ($1)`, [latest]);
    else if (from !== latest)
      await client.query(`UPDATE ${schema}.schema_version SET version = $1`, [latest]);
    await client.query("COMMIT");
    return { from, to: latest };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The error a store reports: says which store failed, keeps the driver's message. */
export function storeError(what: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${what}: ${message}`, { cause: error });
}
