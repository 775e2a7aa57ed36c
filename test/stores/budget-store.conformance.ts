import { describe, expect, test } from "vitest";
import type { BudgetCharge } from "../../src/core/decision.js";
import type { BudgetStore } from "../../src/guard/ports.js";
import type { BudgetStoreOptions } from "../../src/stores/budget-reservation.js";

export type NewBudgetStore = (opts: BudgetStoreOptions) => Promise<BudgetStore>;

export function charge(
  key: string,
  amount: number,
  limit: number,
  windowEnds: number | null = null,
): BudgetCharge {
  return { key, amount, limit, windowEnds, label: "calls", rule: "/allow/0/budget/calls" };
}

async function reserved(store: BudgetStore, charges: readonly BudgetCharge[]): Promise<string> {
  const result = await store.reserve(charges);
  if (!result.ok) throw new Error(`expected \`${charges.map((c) => c.key).join(", ")}\` to fit`);
  return result.reservation;
}

/**
 * One suite for every `BudgetStore`: the same limits, atomicity, expiry and windows whatever holds the numbers.
 * `newStore` makes an empty store each time; the clock is injected so the suite can move time.
 */
export function runBudgetStoreConformance(name: string, newStore: NewBudgetStore): void {
  describe(`${name} budget store (conformance)`, () => {
    const T0 = 1_700_000_000_000;
    const TTL = 60_000;
    const clocked = async (): Promise<{ store: BudgetStore; clock: { now: number } }> => {
      const clock = { now: T0 };
      const store = await newStore({ clock: () => clock.now, reservationTtlMs: TTL });
      return { store, clock };
    };
    const usage = async (store: BudgetStore, ...keys: string[]): Promise<number[]> => {
      const map = await store.usage(keys);
      return keys.map((k) => map.get(k) ?? Number.NaN);
    };

    test("unknown keys have no usage", async () => {
      const { store } = await clocked();
      expect(await usage(store, "a", "b")).toEqual([0, 0]);
    });

    test("reserves up to the limit and refuses beyond it, naming the charge", async () => {
      const { store } = await clocked();
      await reserved(store, [charge("calls", 3, 5)]);
      await reserved(store, [charge("calls", 2, 5)]);
      expect(await usage(store, "calls")).toEqual([5]);
      const over = charge("calls", 1, 5);
      expect(await store.reserve([over])).toEqual({ ok: false, charge: over, used: 5 });
    });

    test("a zero amount fits even a full budget; a limit of zero admits nothing else", async () => {
      const { store } = await clocked();
      await reserved(store, [charge("z", 0, 0)]);
      expect(await store.reserve([charge("z", 1, 0)])).toMatchObject({ ok: false, used: 0 });
    });

    test("is atomic over several charges: one that does not fit reserves none", async () => {
      const { store } = await clocked();
      const refused = await store.reserve([charge("a", 1, 10), charge("b", 11, 10), charge("c", 1, 10)]);
      expect(refused).toMatchObject({ ok: false, charge: { key: "b" }, used: 0 });
      expect(await usage(store, "a", "b", "c")).toEqual([0, 0, 0]);
    });

    test("charges of one call on the same key add up", async () => {
      const { store } = await clocked();
      expect(await store.reserve([charge("k", 6, 10), charge("k", 6, 10)])).toMatchObject({
        ok: false,
        charge: { key: "k", amount: 6 },
        used: 6,
      });
      expect(await usage(store, "k")).toEqual([0]);
      await reserved(store, [charge("k", 4, 10), charge("k", 6, 10)]);
      expect(await usage(store, "k")).toEqual([10]);
    });

    test("commit keeps the amounts; release gives them back", async () => {
      const { store } = await clocked();
      const kept = await reserved(store, [charge("k", 4, 10)]);
      const dropped = await reserved(store, [charge("k", 5, 10)]);
      await store.commit(kept);
      await store.release(dropped);
      expect(await usage(store, "k")).toEqual([4]);
      await reserved(store, [charge("k", 6, 10)]);
      expect(await usage(store, "k")).toEqual([10]);
    });

    test("a reservation is finished once: double commit, commit after release and unknown ids are refused", async () => {
      const { store } = await clocked();
      const r = await reserved(store, [charge("k", 1, 10)]);
      await store.commit(r);
      const finished =
        /^cannot commit reservation `.+`: it is unknown, already committed or released, or expired$/;
      await expect(store.commit(r)).rejects.toThrow(finished);
      await expect(store.release(r)).rejects.toThrow(/^cannot release reservation/);
      const s = await reserved(store, [charge("k", 1, 10)]);
      await store.release(s);
      await expect(store.commit(s)).rejects.toThrow(finished);
      await expect(store.commit("no-such-reservation")).rejects.toThrow(finished);
      expect(await usage(store, "k")).toEqual([1]);
    });

    test("an uncommitted reservation expires: it stops counting and can no longer be committed", async () => {
      const { store, clock } = await clocked();
      const r = await reserved(store, [charge("k", 7, 10)]);
      clock.now = T0 + TTL - 1;
      expect(await usage(store, "k")).toEqual([7]);
      clock.now = T0 + TTL;
      expect(await usage(store, "k")).toEqual([0]);
      await reserved(store, [charge("k", 10, 10)]);
      await expect(store.commit(r)).rejects.toThrow(/expired$/);
      expect(await usage(store, "k")).toEqual([10]);
    });

    test("an expired reservation cannot be committed even if nothing else touched the store", async () => {
      const { store, clock } = await clocked();
      const r = await reserved(store, [charge("k", 7, 10)]);
      clock.now = T0 + TTL + 1;
      await expect(store.commit(r)).rejects.toThrow(/^cannot commit reservation/);
      clock.now = T0;
      expect(await usage(store, "k")).toEqual([0]);
    });

    test("usage in a window counts until the window ends, then the budget starts over", async () => {
      const { store, clock } = await clocked();
      const end = T0 + 1_000;
      await store.commit(await reserved(store, [charge("w", 3, 3, end)]));
      expect(await store.reserve([charge("w", 1, 3, end)])).toMatchObject({ ok: false, used: 3 });
      clock.now = end;
      expect(await usage(store, "w")).toEqual([0]);
      const next = end + 1_000;
      await store.commit(await reserved(store, [charge("w", 2, 3, next)]));
      expect(await usage(store, "w")).toEqual([2]);
    });

    test("a charge whose window closed before commit is not counted", async () => {
      const { store, clock } = await clocked();
      const r = await reserved(store, [charge("w", 2, 5, T0 + 10), charge("life", 1, 5)]);
      clock.now = T0 + 10;
      await store.commit(r);
      expect(await usage(store, "w", "life")).toEqual([0, 1]);
    });

    test("invalid charges are refused and reserve nothing", async () => {
      const { store } = await clocked();
      const bad: BudgetCharge[] = [
        charge("k", Number.NaN, 10),
        charge("k", -1, 10),
        charge("k", 1, Number.POSITIVE_INFINITY),
        charge("", 1, 10),
        { ...charge("k", 1, 10), windowEnds: Number.NaN },
      ];
      for (const c of bad) await expect(store.reserve([charge("ok", 1, 10), c])).rejects.toThrow(/^invalid /);
      expect(await usage(store, "ok", "k")).toEqual([0, 0]);
    });

    test("a reservation TTL that is not a positive number is refused", async () => {
      await expect(newStore({ reservationTtlMs: 0 })).rejects.toThrow(
        "invalid `reservationTtlMs` `0`: expected a finite number > 0",
      );
    });

    test("concurrent reserves never overspend", async () => {
      const { store } = await clocked();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.reserve([charge("race", 1, 10), charge("sum", 3, 31)])),
      );
      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(10);
      await Promise.all(won.map((r) => store.commit(r.reservation)));
      expect(await usage(store, "race", "sum")).toEqual([10, 30]);
    });
  });
}
