import { describe, expect, test } from "vitest";
import { SqliteBudgetStore } from "../../src/stores/sqlite/budget-store.js";
import { charge } from "./budget-store.conformance.js";
import { spawnFixture, watchChild } from "./spawn.js";
import { useTempDir } from "./temp-dir.js";

const file = useTempDir("mandate-sqlite-budget-");

describe("SqliteBudgetStore", () => {
  test("usage and live reservations survive closing and reopening", async () => {
    const path = file("budget.db");
    const store = await SqliteBudgetStore.open(path);
    const kept = await store.reserve([charge("k", 3, 10)]);
    const held = await store.reserve([charge("k", 2, 10)]);
    if (!kept.ok || !held.ok) throw new Error("expected both to fit");
    await store.commit(kept.reservation);
    await store.close();

    const reopened = await SqliteBudgetStore.open(path);
    expect((await reopened.usage(["k"])).get("k")).toBe(5);
    await reopened.release(held.reservation);
    expect((await reopened.usage(["k"])).get("k")).toBe(3);
    await reopened.close();
  });

  test("two stores on one file share their budgets", async () => {
    const path = file("shared.db");
    const [a, b] = await Promise.all([SqliteBudgetStore.open(path), SqliteBudgetStore.open(path)]);
    const fromA = await a.reserve([charge("k", 6, 10)]);
    expect(await b.reserve([charge("k", 6, 10)])).toMatchObject({ ok: false, used: 6 });
    if (!fromA.ok) throw new Error("expected the first to fit");
    await b.commit(fromA.reservation);
    expect((await a.usage(["k"])).get("k")).toBe(6);
    await Promise.all([a.close(), b.close()]);
  });

  test("methods of a closed store reject", async () => {
    const store = await SqliteBudgetStore.open(file("closed.db"));
    await store.close();
    await expect(store.reserve([charge("k", 1, 1)])).rejects.toThrow("the budget store is closed");
  });

  test("four processes reserving against one file never commit more than the limit", async () => {
    const path = file("race.db");
    // Create the file first, so the workers race on budgets and not on creating the schema.
    await (await SqliteBudgetStore.open(path)).close();
    const LIMIT = 200;
    const workers = Array.from({ length: 4 }, () =>
      spawnFixture("budget-worker.ts", [path, "80", String(LIMIT)]),
    );
    const committed: number[] = [];
    let ready = 0;
    const runs = workers.map((child) =>
      watchChild(child, (line) => {
        if (line === "ready" && ++ready === workers.length) for (const w of workers) w.stdin.write("go\n");
        const match = /^committed (\d+)$/.exec(line);
        if (match) committed.push(Number(match[1]));
      }),
    );
    for (const { code, stderr } of await Promise.all(runs))
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });

    // 4 × 80 attempts ask for 640 in all: the budget runs out, and no process got past the limit.
    const total = committed.reduce((a, b) => a + b, 0);
    expect(committed).toHaveLength(4);
    expect(total).toBeLessThanOrEqual(LIMIT);
    expect(total).toBeGreaterThan(LIMIT - 3);
    const store = await SqliteBudgetStore.open(path);
    expect((await store.usage(["shared"])).get("shared")).toBe(total);
    await store.close();
  });
});
