// Mandate updates during a run: narrowing applies by itself (and the replaced mandate keeps counting), widening
// needs a person, and every attempt is audited.
import { describe, expect, test } from "vitest";
import type { Mandate } from "../../src/core/mandate.js";
import { callbackApprover, createGuard, MemoryAuditLog } from "../../src/index.js";

const BROAD: Mandate = {
  mandate: 1,
  id: "broad",
  expires: "2099-01-01T00:00:00Z",
  allow: [{ tool: "pay", args: { amount: { maximum: 1000 } }, budget: { sum: { amount: 1200 } } }],
};
const NARROW: Mandate = {
  mandate: 1,
  id: "narrow",
  expires: "2098-01-01T00:00:00Z",
  allow: [{ tool: "pay", args: { amount: { maximum: 500 } }, budget: { sum: { amount: 1000 } } }],
};
const WIDER: Mandate = {
  mandate: 1,
  id: "wider",
  expires: "2098-01-01T00:00:00Z",
  allow: [{ tool: "pay", args: { amount: { maximum: 5000 } } }, { tool: "delete_account" }],
};

describe("guard.updateMandate", () => {
  test("a narrowing applies at once, and the replaced mandate's budget keeps counting", async () => {
    const audit = new MemoryAuditLog();
    const guard = createGuard({ mandate: BROAD, audit });
    let paid = 0;
    const pay = (amount: number) => guard.run({ tool: "pay", args: { amount } }, () => (paid += amount));
    expect((await pay(900)).denied).toBe(false);
    const update = await guard.updateMandate(NARROW);
    expect(update).toMatchObject({ applied: true, kind: "narrowing" });
    expect(guard.mandate.id).toBe("narrow");
    expect((await pay(600)).denied).toBe(true); // beyond the new maximum
    const overOld = await pay(400); // within the new mandate (400 ≤ 500, 400 ≤ 1000) but 900 + 400 > 1200
    expect(overOld.denied).toBe(true);
    expect(overOld.decision.delta).toMatchObject([{ kind: "budget" }]);
    expect((await pay(300)).denied).toBe(false);
    expect(paid).toBe(1200);
    const records = (await audit.list()).filter((r) => r.tool === "mandate.update");
    expect(records).toMatchObject([
      { verdict: "allow", effect: "allow", args: { from: "broad", to: "narrow" } },
    ]);
  });

  test("a widening is refused without an approver, and applies only when a person approves it", async () => {
    const audit = new MemoryAuditLog();
    const refused = createGuard({ mandate: BROAD, audit });
    const r = await refused.updateMandate(WIDER);
    expect(r).toMatchObject({ applied: false, kind: "widening" });
    expect(r.wider.map((g) => g.message).join("\n")).toMatch(/5000|delete_account/);
    expect(refused.mandate.id).toBe("broad");
    expect(refused.decide({ tool: "delete_account", args: {} }).verdict).toBe("deny");

    const asked: string[] = [];
    const approved = createGuard({
      mandate: BROAD,
      audit,
      approver: callbackApprover((request) => {
        asked.push(`${request.tool}: ${request.decision.delta.map((d) => d.message).join("; ")}`);
        return true;
      }),
    });
    const a = await approved.updateMandate(WIDER);
    expect(a).toMatchObject({ applied: true, kind: "approved-widening" });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^mandate\.update: /);
    expect(approved.decide({ tool: "delete_account", args: {} }).verdict).toBe("allow");
    const updates = (await audit.list()).filter((r) => r.tool === "mandate.update");
    expect(updates.map((u) => [u.verdict, u.effect])).toEqual([
      ["ask", "deny"],
      ["ask", "allow"],
    ]);
  });

  test("a proposal that is not a mandate is refused and audited; the mandate in force stays", async () => {
    const audit = new MemoryAuditLog();
    const guard = createGuard({ mandate: BROAD, audit });
    const r = await guard.updateMandate({ mandate: 1, id: "" } as Mandate);
    expect(r).toMatchObject({ applied: false, kind: "invalid" });
    expect(guard.mandate.id).toBe("broad");
    expect((await audit.list()).filter((x) => x.tool === "mandate.update")).toMatchObject([
      { verdict: "deny" },
    ]);
  });
});
