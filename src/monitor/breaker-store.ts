import type { BreakerScope } from "./rule.js";

/** An open breaker: which rule tripped it, when, and what it does to further calls. */
export interface BreakerTrip {
  /** `session:<id>`, `agent:<name>` or `all`. */
  readonly key: string;
  readonly scope: BreakerScope;
  readonly action: "ask" | "deny";
  readonly rule: string;
  readonly reason: string;
  /** ISO 8601. */
  readonly time: string;
  /** The alert that tripped it. */
  readonly alertId: string;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where breaker state lives until a person resets it. Methods may answer synchronously (memory, SQLite) so the
 * check before each call stays cheap; a shared store may answer with a promise.
 */
export interface BreakerStore {
  /** Opens a breaker; an open one stays open, and becomes `deny` if either trip says so. */
  trip(trip: BreakerTrip): MaybePromise<void>;
  /** The strictest open breaker among `keys` (`deny` before `ask`), or `null`. */
  find(keys: readonly string[]): MaybePromise<BreakerTrip | null>;
  /** Closes a breaker; `false` when it was not open. */
  reset(key: string): MaybePromise<boolean>;
  list(): MaybePromise<readonly BreakerTrip[]>;
}

/** The key a breaker of `scope` has for a call. `null` when the call has no such thing (no session). */
export function breakerKey(scope: BreakerScope, session: string | null, agent: string | null): string | null {
  if (scope === "all") return "all";
  if (scope === "session") return session === null ? null : `session:${session}`;
  return `agent:${agent ?? "-"}`;
}

/** Joins an open breaker with a new trip of the same key: the stricter action wins, the first trip is kept. */
export function mergeTrip(open: BreakerTrip | undefined, next: BreakerTrip): BreakerTrip {
  if (open === undefined) return next;
  return open.action === "deny" || next.action === "ask" ? open : { ...open, action: "deny" };
}

/** Breakers in this process's memory. */
export class MemoryBreakerStore implements BreakerStore {
  readonly #open = new Map<string, BreakerTrip>();

  trip(trip: BreakerTrip): void {
    this.#open.set(trip.key, mergeTrip(this.#open.get(trip.key), trip));
  }

  find(keys: readonly string[]): BreakerTrip | null {
    if (this.#open.size === 0) return null;
    let found: BreakerTrip | null = null;
    for (const key of keys) {
      const t = this.#open.get(key);
      if (t !== undefined && (found === null || t.action === "deny")) found = t;
    }
    return found;
  }

  reset(key: string): boolean {
    return this.#open.delete(key);
  }

  list(): readonly BreakerTrip[] {
    return [...this.#open.values()];
  }
}
