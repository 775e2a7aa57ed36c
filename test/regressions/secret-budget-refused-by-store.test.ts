// The Guard builds its own budget item when the store refuses a reservation; it leaked a secret summed amount
// (and the amount earlier calls had spent) that the decider's own item redacts.
import { expect, test } from "vitest";
import { createGuard, MemoryAuditLog, MemoryBudgetStore } from "../../src/index.js";
import type { BudgetStore } from "../../src/guard/ports.js";

test("a refused reservation of a secret amount is redacted in the denial and the audit log", async () => {
  const store = new MemoryBudgetStore();
  // The store disagrees with the decider (e.g. another replica spent the budget): it refuses at once.
  const refusing: BudgetStore = {
    usage: (keys) => store.usage(keys),
    reserve: (charges) => Promise.resolve({ ok: false, charge: charges[0]!, used: 777 }),
    commit: (r) => store.commit(r),
    release: (r) => store.release(r),
  };
  const audit = new MemoryAuditLog();
  const guard = createGuard({
    mandate: {
      mandate: 1,
      id: "m",
      allow: [
        { tool: "pay", args: { salary: { secret: true, minimum: 0 } }, budget: { sum: { salary: 1000 } } },
      ],
    },
    audit,
    budgets: refusing,
  });
  const result = await guard.run({ tool: "pay", args: { salary: 4321 } }, () => "paid");
  expect(result.denied).toBe(true);
  const text = JSON.stringify(result) + JSON.stringify(await audit.list());
  expect(text).not.toContain("4321");
  expect(text).not.toContain("777");
  expect(text).not.toContain("5098");
});
