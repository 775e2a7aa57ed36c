import { randomUUID } from "node:crypto";
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

interface Committed {
  used: number;
  windowEnds: number | null;
}

interface Reservation {
  readonly charges: readonly BudgetCharge[];
  readonly expiresAt: number;
}

/**
 * Budgets held in this process's memory: for tests and single-process agents. Every method runs to completion
 * without awaiting, so concurrent calls in one process cannot interleave inside a reservation.
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly #clock: () => number;
  readonly #ttlMs: number;
  readonly #committed = new Map<string, Committed>();
  readonly #reservations = new Map<string, Reservation>();

  constructor(opts: BudgetStoreOptions = {}) {
    const { clock, reservationTtlMs } = resolveBudgetStoreOptions(opts);
    this.#clock = clock;
    this.#ttlMs = reservationTtlMs;
  }

  async usage(keys: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const used = this.#usedNow(this.#clock());
    return new Map(keys.map((key) => [key, used(key)]));
  }

  async reserve(charges: readonly BudgetCharge[]): Promise<ReserveResult> {
    validateCharges(charges);
    const now = this.#clock();
    const refused = firstOverLimit(charges, this.#usedNow(now));
    if (refused) return refused;
    const reservation = randomUUID();
    this.#reservations.set(reservation, {
      charges: charges.map((c) => ({ ...c })),
      expiresAt: now + this.#ttlMs,
    });
    return { ok: true, reservation };
  }

  async commit(reservation: string): Promise<void> {
    const now = this.#clock();
    const held = this.#take("commit", reservation, now);
    for (const { key, amount, windowEnds } of held.charges) {
      if (!windowOpen(windowEnds, now)) continue;
      const prior = this.#committed.get(key);
      const base = prior && windowOpen(prior.windowEnds, now) ? prior.used : 0;
      this.#committed.set(key, { used: base + amount, windowEnds });
    }
  }

  async release(reservation: string): Promise<void> {
    this.#take("release", reservation, this.#clock());
  }

  /** Removes and returns a live reservation; an expired one is as good as gone. */
  #take(action: "commit" | "release", reservation: string, now: number): Reservation {
    const held = this.#reservations.get(reservation);
    this.#reservations.delete(reservation);
    if (!held || now >= held.expiresAt) throw finishedReservationError(action, reservation);
    return held;
  }

  /** Drops expired reservations and closed windows, then totals what is left per key. */
  #usedNow(now: number): (key: string) => number {
    for (const [id, r] of this.#reservations) if (now >= r.expiresAt) this.#reservations.delete(id);
    for (const [key, c] of this.#committed) if (!windowOpen(c.windowEnds, now)) this.#committed.delete(key);
    const totals = new Map<string, number>();
    for (const [key, c] of this.#committed) totals.set(key, c.used);
    for (const r of this.#reservations.values()) {
      for (const { key, amount, windowEnds } of r.charges) {
        if (windowOpen(windowEnds, now)) totals.set(key, (totals.get(key) ?? 0) + amount);
      }
    }
    return (key) => totals.get(key) ?? 0;
  }
}
