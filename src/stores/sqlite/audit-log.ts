import type Database from "better-sqlite3";
import {
  type ChainVerification,
  ChainVerifier,
  GENESIS_HASH,
  parseEntry,
  type SealedEntry,
  sealEntry,
} from "../../guard/audit-chain.js";
import type { AuditEntry, AuditRecord } from "../../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../../guard/ports.js";
import { type DerivedColumns, deriveColumns, FILTER_COLUMN } from "../audit-columns.js";
import { AUDIT_FILTER_FIELDS, entryTimeMs, resolveAuditFilter } from "../audit-filter.js";
import { GroupCommit, type Settled } from "../group-commit.js";
import { openDatabase, type SqliteOptions } from "./database.js";

interface AuditRow extends DerivedColumns {
  record: string;
  hash: string;
}

type StoredRow = Pick<AuditRow, "seq" | "record" | "hash">;

const DERIVED_COLUMNS = [
  "time_ms",
  "mandate_id",
  "agent",
  "subject",
  "session",
  "tool",
  "verdict",
  "effect",
  "prev_hash",
] as const satisfies readonly (keyof DerivedColumns)[];

/** Rows read per query by `verify` and `entries`, yielding to the event loop between pages. */
const PAGE_SIZE = 1000;

/**
 * The audit log in an SQLite file (WAL). Appends made in the same turn of the event loop share one transaction
 * (group commit) and resolve after it commits. Each transaction takes the write lock (`BEGIN IMMEDIATE`) and
 * continues the chain from the last row on disk, so several processes can append to one file and still form a
 * single chain.
 */
export class SqliteAuditLog implements AuditLog, AuditReader {
  readonly #db: Database.Database;
  readonly #commits: GroupCommit<AuditRecord, AuditEntry>;
  readonly #lastRow: Database.Statement<[], Pick<AuditRow, "seq" | "hash">>;
  readonly #insert: Database.Statement<[AuditRow]>;
  readonly #byseq: Database.Statement<[number], StoredRow>;
  readonly #firstPage: Database.Statement<[number], AuditRow>;
  readonly #page: Database.Statement<[number, number], AuditRow>;
  readonly #queries = new Map<string, Database.Statement<(string | number)[], StoredRow>>();
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#lastRow = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    this.#insert = db.prepare(
      `INSERT INTO audit (seq, time_ms, mandate_id, agent, subject, session, tool, verdict, effect, record,
         prev_hash, hash)
       VALUES (@seq, @time_ms, @mandate_id, @agent, @subject, @session, @tool, @verdict, @effect, @record,
         @prev_hash, @hash)`,
    );
    this.#byseq = db.prepare("SELECT seq, record, hash FROM audit WHERE seq = ?");
    // No lower bound on the first page: a forged row with seq 0 or below must be read too.
    this.#firstPage = db.prepare("SELECT * FROM audit ORDER BY seq LIMIT ?");
    this.#page = db.prepare("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?");
    this.#commits = new GroupCommit((records) => this.#writeBatch(records));
  }

  /** Opens or creates the log at `path`. See `SqliteOptions` for what an acknowledged append survives. */
  static async open(path: string, opts: SqliteOptions = {}): Promise<SqliteAuditLog> {
    return new SqliteAuditLog(openDatabase(path, opts));
  }

  append(record: AuditRecord): Promise<AuditEntry> {
    if (this.#closed) return Promise.reject(new Error("cannot append: the audit log is closed"));
    return this.#commits.submit(record);
  }

  /** Writes the appends still queued, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#commits.flush();
    this.#closed = true;
    this.#db.close();
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    this.#checkOpen();
    const f = resolveAuditFilter(filter);
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const field of AUDIT_FILTER_FIELDS) {
      const value = f[field];
      if (value === undefined) continue;
      where.push(`${FILTER_COLUMN[field]} = ?`);
      params.push(value);
    }
    for (const [column, op, value] of [
      ["seq", ">", f.afterSeq],
      ["time_ms", ">=", f.fromMs],
      ["time_ms", "<", f.toMs],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} ${op} ?`);
      params.push(value);
    }
    let sql = `SELECT seq, record, hash FROM audit${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
    sql += " ORDER BY seq";
    if (f.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(f.limit);
    }
    return this.#query(sql)
      .all(...params)
      .map((row) => toEntry(row));
  }

  async get(seq: number): Promise<AuditEntry | undefined> {
    this.#checkOpen();
    if (!Number.isSafeInteger(seq)) return undefined;
    const row = this.#byseq.get(seq);
    return row && toEntry(row);
  }

  /**
   * Re-hashes the chain from the stored JSON, and checks that every other column (seq, the filter columns,
   * prev_hash) still agrees with it, so editing any column or the JSON itself is reported.
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
    let after: number | null = null;
    for (;;) {
      this.#checkOpen();
      const rows: AuditRow[] =
        after === null ? this.#firstPage.all(PAGE_SIZE) : this.#page.all(after, PAGE_SIZE);
      if (rows.length > 0) yield rows;
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_SIZE) return;
      after = last.seq;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** One transaction for the whole batch; seq and prevHash come from the last row under the write lock. */
  #writeBatch(records: readonly AuditRecord[]): Settled<AuditEntry>[] {
    return this.#db
      .transaction((): Settled<AuditEntry>[] => {
        const last = this.#lastRow.get();
        let seq = last?.seq ?? 0;
        let prevHash = last?.hash ?? GENESIS_HASH;
        return records.map((record) => {
          let sealed: SealedEntry;
          try {
            sealed = sealEntry(record, seq + 1, prevHash);
          } catch (error) {
            return { ok: false, error };
          }
          this.#insert.run({ ...deriveColumns(sealed.entry), record: sealed.json, hash: sealed.entry.hash });
          seq = sealed.entry.seq;
          prevHash = sealed.entry.hash;
          return { ok: true, value: sealed.entry };
        });
      })
      .immediate();
  }

  #query(sql: string): Database.Statement<(string | number)[], StoredRow> {
    let statement = this.#queries.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#queries.set(sql, statement);
    }
    return statement;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("cannot read: the audit log is closed");
  }
}

/** Checks one row: its JSON parses, every column agrees with it, and it continues the chain. */
function checkRow(verifier: ChainVerifier, row: AuditRow): boolean {
  const parsed = parseEntry(row.record, row.hash);
  if ("reason" in parsed) return verifier.fail(row.seq, `stored ${parsed.reason}`);
  const derived = deriveColumns(parsed.entry);
  if (derived.seq !== row.seq) {
    return verifier.fail(
      row.seq,
      `column \`seq\` is \`${row.seq}\` but the stored record says \`${String(derived.seq)}\``,
    );
  }
  for (const column of DERIVED_COLUMNS) {
    // `?? null`: a field missing from the JSON reads as undefined, a NULL column as null.
    if ((derived[column] ?? null) !== row[column]) {
      return verifier.fail(row.seq, `column \`${column}\` does not match the stored record`);
    }
  }
  return verifier.add(parsed.entry);
}

function toEntry(row: StoredRow): AuditEntry {
  const parsed = parseEntry(row.record, row.hash);
  if ("reason" in parsed) {
    throw new Error(`audit entry \`${row.seq}\` is damaged (${parsed.reason}): run verify`);
  }
  return parsed.entry;
}
