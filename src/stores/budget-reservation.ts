import type { BudgetCharge } from "../core/decision.js";
import type { ReserveResult } from "../guard/ports.js";

/** Options every `BudgetStore` implementation accepts. */
export interface BudgetStoreOptions {
  /** Milliseconds since the epoch. Injected so tests can move time. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * How long an uncommitted reservation holds its amounts. After that it no longer counts, so a worker killed
   * between reserve and commit cannot block a budget forever. Default 5 minutes.
   */
  readonly reservationTtlMs?: number;
}

export const DEFAULT_RESERVATION_TTL_MS = 5 * 60_000;

/** Resolves the options, rejecting a TTL that would make every reservation expire at once or never. */
export function resolveBudgetStoreOptions(opts: BudgetStoreOptions): {
  clock: () => number;
  reservationTtlMs: number;
} {
  const reservationTtlMs = opts.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  if (!Number.isFinite(reservationTtlMs) || reservationTtlMs <= 0) {
    throw new RangeError(
      `invalid \`reservationTtlMs\` \`${reservationTtlMs}\`: expected a finite number > 0`,
    );
  }
  return { clock: opts.clock ?? Date.now, reservationTtlMs };
}

/** Throws on a charge no store could account for correctly (NaN would make every comparison false). */
export function validateCharges(charges: readonly BudgetCharge[]): void {
  for (const c of charges) {
    if (typeof c.key !== "string" || c.key === "") {
      throw new TypeError(`invalid budget key \`${String(c.key)}\`: expected a non-empty string`);
    }
    for (const field of ["amount", "limit"] as const) {
      const value = c[field];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new RangeError(
          `invalid ${field} \`${String(value)}\` for budget \`${c.key}\`: expected a finite number >= 0`,
        );
      }
    }
    if (c.windowEnds !== null && (typeof c.windowEnds !== "number" || !Number.isFinite(c.windowEnds))) {
      throw new RangeError(
        `invalid window end \`${String(c.windowEnds)}\` for budget \`${c.key}\`: expected a time in ms or null`,
      );
    }
  }
}

/** Usage recorded with a window counts only while the window is open. */
export function windowOpen(windowEnds: number | null, now: number): boolean {
  return windowEnds === null || now < windowEnds;
}

/**
 * The admission check shared by every store, run while the store holds its lock: the first charge that does not
 * fit, or `null` when all fit. Charges of one call on the same key add up, so two charges of 6 do not both fit
 * under a limit of 10.
 */
export function firstOverLimit(
  charges: readonly BudgetCharge[],
  used: (key: string) => number,
): Extract<ReserveResult, { ok: false }> | null {
  const pending = new Map<string, number>();
  for (const charge of charges) {
    const before = pending.get(charge.key) ?? used(charge.key);
    if (before + charge.amount > charge.limit) return { ok: false, charge, used: before };
    pending.set(charge.key, before + charge.amount);
  }
  return null;
}

export function finishedReservationError(action: "commit" | "release", reservation: string): Error {
  return new Error(
    `cannot ${action} reservation \`${reservation}\`: it is unknown, already committed or released, or expired`,
  );
}
