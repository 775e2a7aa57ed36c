import type pg from "pg";
import {
  type ChainVerification,
  ChainVerifier,
  parseEntry,
  type SealedEntry,
  sealEntry,
} from "../../guard/audit-chain.js";
import type { AuditEntry, AuditRecord } from "../../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../../guard/ports.js";
import { type DerivedColumns, deriveColumns, FILTER_COLUMN } from "../audit-columns.js";
import { AUDIT_FILTER_FIELDS, entryTimeMs, resolveAuditFilter } from "../audit-filter.js";
import { AsyncBatcher, type BatchOutcome } from "./batcher.js";
import { openPostgres, type PostgresHandle, type PostgresOptions, storeError } from "./database.js";

/** A row as the driver returns it: bigint columns arrive as text. */
interface AuditRow extends Omit<DerivedColumns, "seq" | "time_ms"> {
  seq: string;
  time_ms: string | null;
  record: string;
  hash: string;
}

const TEXT_COLUMNS = [
  "mandate_id",
  "agent",
  "subject",
  "session",
  "tool",
  "verdict",
  "effect",
  "prev_hash",
] as const satisfies readonly (keyof DerivedColumns)[];

const PAGE_SIZE = 1000;

/**
 * The audit log in PostgreSQL: one hash chain for every process that writes to the schema.
 *
 * Appends are serialised on one head row (`audit_head`, locked with SELECT … FOR UPDATE): a writer reads the
 * chain's end, seals its records after it, inserts them and moves the head, in one transaction. Two writers can
 * therefore never both continue from the same entry, and the chain has exactly the shape the SQLite and JSONL logs
 * have, verified by the same code. Within a process, appends arriving while a batch is being written form the next
 * batch (group commit), so the lock is taken once per batch, not once per record. An append resolves after its
 * transaction has committed: an acknowledged record survives the writer being killed.
 */
export class PostgresAuditLog implements AuditLog, AuditReader {
  readonly #db: PostgresHandle;
  readonly #batches: AsyncBatcher<AuditRecord, AuditEntry>;
  #closed = false;

  private constructor(db: PostgresHandle) {
    this.#db = db;
    this.#batches = new AsyncBatcher((records) => this.#writeBatch(records));
  }

  /** Connects to `url` (`postgres://…[?schema=name]`), migrating the schema unless told not to. */
  static async open(url: string | null, opts: PostgresOptions = {}): Promise<PostgresAuditLog> {
    return new PostgresAuditLog(await openPostgres(url, opts));
  }

  append(record: AuditRecord): Promise<AuditEntry> {
    if (this.#closed) return Promise.reject(new Error("cannot append: the audit log is closed"));
    return this.#batches.submit(record);
  }

  /** Writes the appends still queued, then closes the pool if this log opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#batches.drained();
    await this.#db.close();
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    this.#checkOpen();
    const f = resolveAuditFilter(filter);
    const where: string[] = [];
    const params: (string | number)[] = [];
    const param = (value: string | number): string => {
      params.push(value);
      return `$${params.length}`;
    };
    for (const field of AUDIT_FILTER_FIELDS) {
      const value = f[field];
      if (value !== undefined) where.push(`${FILTER_COLUMN[field]} = ${param(value)}`);
    }
    for (const [column, op, value] of [
      ["seq", ">", f.afterSeq],
      ["time_ms", ">=", f.fromMs],
      ["time_ms", "<", f.toMs],
    ] as const) {
      if (value !== undefined) where.push(`${column} ${op} ${param(value)}`);
    }
    let sql = `SELECT seq, record, hash FROM ${this.#db.schema}.audit`;
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    sql += " ORDER BY seq";
    if (f.limit !== undefined) sql += ` LIMIT ${param(f.limit)}`;
    const rows = await this.#read<Pick<AuditRow, "seq" | "record" | "hash">>(sql, params);
    return rows.map((row) => toEntry(row));
  }

  async get(seq: number): Promise<AuditEntry | undefined> {
    this.#checkOpen();
    if (!Number.isSafeInteger(seq)) return undefined;
    const rows = await this.#read<Pick<AuditRow, "seq" | "record" | "hash">>(
      `SELECT seq, record, hash FROM ${this.#db.schema}.audit WHERE seq = $1`,
      [seq],
    );
    return rows[0] && toEntry(rows[0]);
  }

  /**
   * Re-hashes the chain from the stored JSON and checks every other column (seq, the filter columns, prev_hash)
   * against it, so an edit to any column or to the JSON is reported at the first entry it touches.
   */
  async verify(): Promise<ChainVerification> {
    const verifier = new ChainVerifier();
    for await (const rows of this.#pages()) {
      for (const row of rows) if (!checkRow(verifier, row)) return verifier.result();
    }
    return verifier.result();
  }

  async *entries(): AsyncIterable<AuditEntry> {
    for await (const rows of this.#pages()) yield* rows.map((row) => toEntry(row));
  }

  async *#pages(): AsyncIterable<AuditRow[]> {
    const s = this.#db.schema;
    let after: string | null = null;
    for (;;) {
      this.#checkOpen();
      // No lower bound on the first page: a forged row with seq 0 or below must be read too.
      const rows: AuditRow[] =
        after === null
          ? await this.#read<AuditRow>(`SELECT * FROM ${s}.audit ORDER BY seq LIMIT $1`, [PAGE_SIZE])
          : await this.#read<AuditRow>(`SELECT * FROM ${s}.audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [
              after,
              PAGE_SIZE,
            ]);
      if (rows.length > 0) yield rows;
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_SIZE) return;
      after = last.seq;
    }
  }

  /**
   * One transaction: lock the head, seal the records after it, insert them and move the head. Three round trips
   * for the whole batch; a record that cannot be sealed fails alone and the chain goes on without it.
   */
  async #writeBatch(records: readonly AuditRecord[]): Promise<BatchOutcome<AuditEntry>[]> {
    const s = this.#db.schema;
    let client: pg.PoolClient;
    try {
      client = await this.#db.pool.connect();
    } catch (error) {
      throw storeError("postgres audit log", error);
    }
    let broken: Error | undefined;
    try {
      // A simple-protocol query may hold two statements: BEGIN and the lock in one round trip.
      const results = (await client.query(
        `BEGIN; SELECT seq, hash FROM ${s}.audit_head WHERE id = 1 FOR UPDATE`,
      )) as unknown as pg.QueryResult<{ seq: string; hash: string }>[];
      const head = results[1]?.rows[0];
      if (!head) throw new Error(`the audit head row is missing from ${s}.audit_head`);
      let seq = Number(head.seq);
      let prevHash = head.hash;
      const outcomes: BatchOutcome<AuditEntry>[] = [];
      const sealed: SealedEntry[] = [];
      for (const record of records) {
        try {
          const entry = sealEntry(record, seq + 1, prevHash);
          sealed.push(entry);
          outcomes.push({ ok: true, value: entry.entry });
          seq = entry.entry.seq;
          prevHash = entry.entry.hash;
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      if (sealed.length > 0) {
        const rows = sealed.map((e) => ({ ...deriveColumns(e.entry), record: e.json, hash: e.entry.hash }));
        const column = <K extends keyof (typeof rows)[number]>(k: K): (typeof rows)[number][K][] =>
          rows.map((r) => r[k]);
        await client.query(
          `WITH added AS (
             INSERT INTO ${s}.audit (seq, time_ms, mandate_id, agent, subject, session, tool, verdict, effect,
                                     record, prev_hash, hash)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]))
           UPDATE ${s}.audit_head SET seq = $13, hash = $14 WHERE id = 1`,
          [
            column("seq"),
            column("time_ms"),
            column("mandate_id"),
            column("agent"),
            column("subject"),
            column("session"),
            column("tool"),
            column("verdict"),
            column("effect"),
            column("record"),
            column("prev_hash"),
            column("hash"),
            seq,
            prevHash,
          ],
        );
      }
      await client.query("COMMIT");
      return outcomes;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query("ROLLBACK").catch(() => {});
      throw storeError("postgres audit log", error);
    } finally {
      // A connection that failed mid-transaction is discarded rather than handed to the next batch.
      client.release(broken);
    }
  }

  async #read<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      return (await this.#db.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw storeError("postgres audit log", error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("cannot read: the audit log is closed");
  }
}

/** Checks one row: its JSON parses, every column agrees with it, and it continues the chain. */
function checkRow(verifier: ChainVerifier, row: AuditRow): boolean {
  const seq = Number(row.seq);
  const parsed = parseEntry(row.record, row.hash);
  if ("reason" in parsed) return verifier.fail(seq, `stored ${parsed.reason}`);
  const derived = deriveColumns(parsed.entry);
  if (derived.seq !== seq) {
    return verifier.fail(
      seq,
      `column \`seq\` is \`${seq}\` but the stored record says \`${String(derived.seq)}\``,
    );
  }
  const timeMs = row.time_ms === null ? null : Number(row.time_ms);
  if ((derived.time_ms ?? null) !== timeMs) {
    return verifier.fail(seq, "column `time_ms` does not match the stored record");
  }
  for (const column of TEXT_COLUMNS) {
    // `?? null`: a field missing from the JSON reads as undefined, a NULL column as null.
    if ((derived[column] ?? null) !== row[column]) {
      return verifier.fail(seq, `column \`${column}\` does not match the stored record`);
    }
  }
  return verifier.add(parsed.entry);
}

function toEntry(row: Pick<AuditRow, "seq" | "record" | "hash">): AuditEntry {
  const parsed = parseEntry(row.record, row.hash);
  if ("reason" in parsed) {
    throw new Error(`audit entry \`${row.seq}\` is damaged (${parsed.reason}): run verify`);
  }
  return parsed.entry;
}
