import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { BudgetCharge } from "../../core/decision.js";
import type { BudgetStore, ReserveResult } from "../../guard/ports.js";
import {
  type BudgetStoreOptions,
  finishedReservationError,
  firstOverLimit,
  resolveBudgetStoreOptions,
  validateCharges,
  windowOpen,
} from "../budget-reservation.js";
import { openDatabase, type SqliteOptions } from "./database.js";

export type SqliteBudgetStoreOptions = BudgetStoreOptions & SqliteOptions;

interface Held {
  key: string;
  amount: number;
  window_ends: number | null;
}

interface Usage {
  used: number;
  window_ends: number | null;
}

/**
 * Budgets in an SQLite file, with the same semantics as `MemoryBudgetStore`. Every read-check-write runs inside
 * `BEGIN IMMEDIATE`, so reservations are atomic across the processes sharing the file, not only within one.
 */
export class SqliteBudgetStore implements BudgetStore {
  readonly #db: Database.Database;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  readonly #committedOf: Database.Statement<[string], Usage>;
  readonly #heldOf: Database.Statement<[string, number], Omit<Held, "key">>;
  readonly #dropExpiredHolds: Database.Statement<[number]>;
  readonly #dropExpired: Database.Statement<[number]>;
  readonly #dropClosedWindows: Database.Statement<[number]>;
  readonly #insertReservation: Database.Statement<[string, number]>;
  readonly #insertHold: Database.Statement<[string, string, number, number | null]>;
  readonly #expiryOf: Database.Statement<[string], { expires_at: number }>;
  readonly #holdsOf: Database.Statement<[string], Held>;
  readonly #dropReservation: Database.Statement<[string]>;
  readonly #dropHolds: Database.Statement<[string]>;
  readonly #setUsage: Database.Statement<[string, number, number | null]>;
  #closed = false;

  private constructor(db: Database.Database, opts: BudgetStoreOptions) {
    const { clock, reservationTtlMs } = resolveBudgetStoreOptions(opts);
    this.#db = db;
    this.#clock = clock;
    this.#ttlMs = reservationTtlMs;
    this.#committedOf = db.prepare("SELECT used, window_ends FROM budget_usage WHERE key = ?");
    // rowid order: the same summation order as the memory store, so both round alike.
    this.#heldOf = db.prepare(
      `SELECT h.amount, h.window_ends FROM budget_hold h JOIN budget_reservation r ON r.id = h.reservation
       WHERE h.key = ? AND r.expires_at > ? ORDER BY h.rowid`,
    );
    this.#dropExpiredHolds = db.prepare(
      "DELETE FROM budget_hold WHERE reservation IN (SELECT id FROM budget_reservation WHERE expires_at <= ?)",
    );
    this.#dropExpired = db.prepare("DELETE FROM budget_reservation WHERE expires_at <= ?");
    this.#dropClosedWindows = db.prepare(
      "DELETE FROM budget_usage WHERE window_ends IS NOT NULL AND window_ends <= ?",
    );
    this.#insertReservation = db.prepare("INSERT INTO budget_reservation (id, expires_at) VALUES (?, ?)");
    this.#insertHold = db.prepare(
      "INSERT INTO budget_hold (reservation, key, amount, window_ends) VALUES (?, ?, ?, ?)",
    );
    this.#expiryOf = db.prepare("SELECT expires_at FROM budget_reservation WHERE id = ?");
    this.#holdsOf = db.prepare(
      "SELECT key, amount, window_ends FROM budget_hold WHERE reservation = ? ORDER BY rowid",
    );
    this.#dropReservation = db.prepare("DELETE FROM budget_reservation WHERE id = ?");
    this.#dropHolds = db.prepare("DELETE FROM budget_hold WHERE reservation = ?");
    this.#setUsage = db.prepare(
      `INSERT INTO budget_usage (key, used, window_ends) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET used = excluded.used, window_ends = excluded.window_ends`,
    );
  }

  /** Opens or creates the store at `path`; several processes may open the same file. */
  static async open(path: string, opts: SqliteBudgetStoreOptions = {}): Promise<SqliteBudgetStore> {
    resolveBudgetStoreOptions(opts);
    return new SqliteBudgetStore(openDatabase(path, opts), opts);
  }

  async usage(keys: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.#checkOpen();
    const now = this.#clock();
    // One read transaction, so all keys are read from the same snapshot.
    return this.#db.transaction(() => new Map(keys.map((key) => [key, this.#used(key, now)]))).deferred();
  }

  async reserve(charges: readonly BudgetCharge[]): Promise<ReserveResult> {
    validateCharges(charges);
    this.#checkOpen();
    const now = this.#clock();
    return this.#db
      .transaction((): ReserveResult => {
        this.#dropExpiredHolds.run(now);
        this.#dropExpired.run(now);
        this.#dropClosedWindows.run(now);
        const refused = firstOverLimit(charges, (key) => this.#used(key, now));
        if (refused) return refused;
        const reservation = randomUUID();
        this.#insertReservation.run(reservation, now + this.#ttlMs);
        for (const c of charges) this.#insertHold.run(reservation, c.key, c.amount, c.windowEnds);
        return { ok: true, reservation };
      })
      .immediate();
  }

  async commit(reservation: string): Promise<void> {
    this.#checkOpen();
    const now = this.#clock();
    const done = this.#db
      .transaction((): boolean => {
        const held = this.#take(reservation, now);
        if (!held) return false;
        for (const { key, amount, window_ends } of held) {
          if (!windowOpen(window_ends, now)) continue;
          const prior = this.#committedOf.get(key);
          const base = prior && windowOpen(prior.window_ends, now) ? prior.used : 0;
          this.#setUsage.run(key, base + amount, window_ends);
        }
        return true;
      })
      .immediate();
    if (!done) throw finishedReservationError("commit", reservation);
  }

  async release(reservation: string): Promise<void> {
    this.#checkOpen();
    const now = this.#clock();
    const done = this.#db.transaction(() => this.#take(reservation, now) !== null).immediate();
    if (!done) throw finishedReservationError("release", reservation);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /**
   * Removes a reservation and returns its holds, or `null` when it is unknown or expired. Returns rather than
   * throws, so that removing an expired one is committed and not rolled back.
   */
  #take(reservation: string, now: number): Held[] | null {
    const row = this.#expiryOf.get(reservation);
    if (!row) return null;
    const held = this.#holdsOf.all(reservation);
    this.#dropHolds.run(reservation);
    this.#dropReservation.run(reservation);
    return now >= row.expires_at ? null : held;
  }

  /** Committed usage while its window is open, plus live reservations' holds in open windows. */
  #used(key: string, now: number): number {
    const committed = this.#committedOf.get(key);
    let used = committed && windowOpen(committed.window_ends, now) ? committed.used : 0;
    for (const h of this.#heldOf.all(key, now)) if (windowOpen(h.window_ends, now)) used += h.amount;
    return used;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("the budget store is closed");
  }
}
