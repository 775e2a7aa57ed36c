import type Database from "better-sqlite3";
import { openDatabase, type SqliteOptions } from "../stores/sqlite/database.js";
import { type BreakerStore, type BreakerTrip, mergeTrip } from "./breaker-store.js";

interface Row {
  readonly json: string;
}

/**
 * Breakers in a SQLite file, so that `mandate monitor reset` in another process closes them. Synchronous
 * (better-sqlite3), so the check before each call needs no await. Its table is created if missing.
 */
export class SqliteBreakerStore implements BreakerStore {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], Row>;

  private constructor(db: Database.Database) {
    this.#db = db;
    db.exec("CREATE TABLE IF NOT EXISTS mandate_breakers (key TEXT PRIMARY KEY, json TEXT NOT NULL)");
    this.#get = db.prepare<[string], Row>("SELECT json FROM mandate_breakers WHERE key = ?");
  }

  static open(path: string, opts: SqliteOptions = {}): SqliteBreakerStore {
    return new SqliteBreakerStore(openDatabase(path, opts));
  }

  trip(trip: BreakerTrip): void {
    this.#db.transaction(() => {
      const row = this.#get.get(trip.key);
      const next = mergeTrip(row === undefined ? undefined : parse(row.json), trip);
      this.#db
        .prepare(
          "INSERT INTO mandate_breakers (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json",
        )
        .run(trip.key, JSON.stringify(next));
    })();
  }

  find(keys: readonly string[]): BreakerTrip | null {
    let found: BreakerTrip | null = null;
    for (const key of keys) {
      const row = this.#get.get(key);
      if (row === undefined) continue;
      const t = parse(row.json);
      if (found === null || t.action === "deny") found = t;
    }
    return found;
  }

  reset(key: string): boolean {
    return this.#db.prepare("DELETE FROM mandate_breakers WHERE key = ?").run(key).changes > 0;
  }

  list(): readonly BreakerTrip[] {
    return this.#db
      .prepare<[], Row>("SELECT json FROM mandate_breakers ORDER BY key")
      .all()
      .map((r) => parse(r.json));
  }

  close(): void {
    this.#db.close();
  }
}

function parse(json: string): BreakerTrip {
  return JSON.parse(json) as BreakerTrip;
}
