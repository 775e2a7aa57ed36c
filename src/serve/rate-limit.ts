/**
 * Failed sign-ins, counted per user name and per client address in a fixed window: past its limit either
 * key is refused until its window ends, whatever the password. In memory: one server process answers sign-ins.
 */
export class SignInLimiter {
  readonly #failures = new Map<string, { count: number; resetMs: number }>();
  readonly #perUser: number;
  readonly #perAddress: number;
  readonly #windowMs: number;

  /** Per address the limit is higher: operators behind one NAT should not lock each other out at once. */
  constructor(opts: { perUser?: number; perAddress?: number; windowMs?: number } = {}) {
    this.#perUser = opts.perUser ?? 5;
    this.#perAddress = opts.perAddress ?? 50;
    this.#windowMs = opts.windowMs ?? 15 * 60_000;
  }

  /** Milliseconds until `keys` may try again, or 0. */
  blockedFor(keys: readonly string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const entry = this.#failures.get(key);
      if (entry === undefined) continue;
      if (entry.resetMs <= now) this.#failures.delete(key);
      else if (entry.count >= (key.startsWith("user:") ? this.#perUser : this.#perAddress))
        wait = Math.max(wait, entry.resetMs - now);
    }
    return wait;
  }

  fail(keys: readonly string[], now: number): void {
    if (this.#failures.size > 100_000) this.#sweep(now);
    for (const key of keys) {
      const entry = this.#failures.get(key);
      if (entry === undefined || entry.resetMs <= now)
        this.#failures.set(key, { count: 1, resetMs: now + this.#windowMs });
      else entry.count++;
    }
  }

  succeed(keys: readonly string[]): void {
    for (const key of keys) if (key.startsWith("user:")) this.#failures.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (entry.resetMs <= now) this.#failures.delete(key);
  }
}
