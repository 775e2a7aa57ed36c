import { randomUUID } from "node:crypto";
import type { QueryResultRow } from "pg";
import type { BudgetCharge } from "../../core/decision.js";
import type { BudgetStore, ReserveResult } from "../../guard/ports.js";
import {
  type BudgetStoreOptions,
  finishedReservationError,
  resolveBudgetStoreOptions,
  validateCharges,
} from "../budget-reservation.js";
import { openPostgres, type PostgresHandle, type PostgresOptions, storeError } from "./database.js";

export type PostgresBudgetStoreOptions = BudgetStoreOptions & PostgresOptions;

/**
 * Budgets in PostgreSQL, shared by every worker and replica that opens the same schema, with the semantics of
 * `MemoryBudgetStore`. Each operation is one call of a function the migrations install (`budget_reserve`,
 * `budget_finish`): one round trip, one transaction, with the keys' usage rows locked while it checks and writes.
 * A reservation whose worker died is never committed; it stops counting when its TTL has passed.
 */
export class PostgresBudgetStore implements BudgetStore {
  readonly #db: PostgresHandle;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  #closed = false;

  private constructor(db: PostgresHandle, opts: BudgetStoreOptions) {
    const { clock, reservationTtlMs } = resolveBudgetStoreOptions(opts);
    this.#db = db;
    this.#clock = clock;
    this.#ttlMs = reservationTtlMs;
  }

  /** Connects to `url` (`postgres://…[?schema=name]`), migrating the schema unless told not to. */
  static async open(url: string | null, opts: PostgresBudgetStoreOptions = {}): Promise<PostgresBudgetStore> {
    resolveBudgetStoreOptions(opts);
    return new PostgresBudgetStore(await openPostgres(url, opts), opts);
  }

  async usage(keys: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.#checkOpen();
    const s = this.#db.schema;
    // One statement: every key is read from the same snapshot.
    const { rows } = await this.#query<{ key: string; used: number }>(
      `SELECT k AS key, ${s}.budget_used(k, $2) AS used FROM unnest($1::text[]) AS k`,
      [[...keys], this.#clock()],
    );
    const used = new Map(rows.map((r) => [r.key, Number(r.used)]));
    return new Map(keys.map((k) => [k, used.get(k) ?? 0]));
  }

  async reserve(charges: readonly BudgetCharge[]): Promise<ReserveResult> {
    validateCharges(charges);
    this.#checkOpen();
    const now = this.#clock();
    const reservation = randomUUID();
    const { rows } = await this.#query<{ refused: number[] }>(
      `SELECT ${this.#db.schema}.budget_reserve($1, $2, $3, $4::text[], $5::float8[], $6::float8[], $7::float8[])
         AS refused`,
      [
        reservation,
        now,
        now + this.#ttlMs,
        charges.map((c) => c.key),
        charges.map((c) => c.amount),
        charges.map((c) => c.limit),
        charges.map((c) => c.windowEnds),
      ],
    );
    const refused = rows[0]?.refused;
    if (!refused) throw new Error("postgres budget store: budget_reserve returned nothing");
    if (refused.length === 0) return { ok: true, reservation };
    const charge = charges[Number(refused[0])];
    if (!charge) throw new Error("postgres budget store: budget_reserve named no charge");
    return { ok: false, charge, used: Number(refused[1]) };
  }

  async commit(reservation: string): Promise<void> {
    await this.#finish("commit", reservation);
  }

  async release(reservation: string): Promise<void> {
    await this.#finish("release", reservation);
  }

  /** Closes the pool if this store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  async #finish(action: "commit" | "release", reservation: string): Promise<void> {
    this.#checkOpen();
    const { rows } = await this.#query<{ done: boolean }>(
      `SELECT ${this.#db.schema}.budget_finish($1, $2, $3) AS done`,
      [reservation, this.#clock(), action === "commit"],
    );
    if (rows[0]?.done !== true) throw finishedReservationError(action, reservation);
  }

  async #query<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<{ rows: R[] }> {
    try {
      return await this.#db.pool.query<R>(sql, params);
    } catch (error) {
      throw storeError("postgres budget store", error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("the budget store is closed");
  }
}
