import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SCHEMA_MIGRATIONS } from "./schema.js";

export interface SqliteOptions {
  /**
   * What a resolved write survives. Both run SQLite in WAL mode.
   * - `process` (default, `synchronous = NORMAL`): a commit reaches the WAL with write(2) before it returns, so it
   *   is in the OS page cache and survives the process being killed (SIGKILL, crash, OOM). An OS crash or power
   *   loss may drop the last commits; the file stays consistent and the audit chain stays valid, only shorter.
   *   This is the guarantee the ports promise, at the cost of no fsync per commit.
   * - `power` (`synchronous = FULL`): the WAL is also fsynced on every commit, so commits survive power loss.
   *   With group commit that is one fsync per batch, not per record.
   */
  readonly durability?: "process" | "power";
  /** How long to wait for another connection's write lock before failing, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) a Mandate database: WAL, a busy timeout so several processes can share the file,
 * and the schema migrated to this version. The audit log and the budget store may share one file.
 */
export function openDatabase(path: string, opts: SqliteOptions = {}): Database.Database {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`invalid \`busyTimeoutMs\` \`${String(busyTimeoutMs)}\`: expected an integer >= 0`);
  }
  const durability = opts.durability ?? "process";
  if (durability !== "process" && durability !== "power") {
    throw new RangeError(
      `invalid \`durability\` \`${String(durability)}\`: expected \`process\` or \`power\``,
    );
  }
  // A store at `.mandate/audit.db` should not need the folder made by hand first.
  if (path !== ":memory:" && path !== "") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // First, so that switching to WAL and migrating wait for other processes instead of failing.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${durability === "power" ? "FULL" : "NORMAL"}`);
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations this file lacks, under the write lock so two processes cannot both apply one. */
function migrate(db: Database.Database, path: string): void {
  const latest = SCHEMA_MIGRATIONS.length;
  if (schemaVersion(db) === latest) return;
  db.transaction(() => {
    const version = schemaVersion(db);
    if (version > latest) {
      throw new Error(
        `database \`${path}\` has schema version ${version}; this version of mandate reads up to ${latest}`,
      );
    }
    for (const sql of SCHEMA_MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
}

function schemaVersion(db: Database.Database): number {
  const version = db.pragma("user_version", { simple: true });
  if (typeof version !== "number") throw new Error("cannot read the database's `user_version`");
  return version;
}
