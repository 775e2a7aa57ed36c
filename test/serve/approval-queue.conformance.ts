import { afterEach, describe, expect, test } from "vitest";
import type { ApprovalQueue, PendingCall, Presented, Verdict } from "../../src/serve/approval-queue.js";
import { argsHash } from "../../src/serve/binding.js";

export type NewApprovalQueue = () => Promise<ApprovalQueue>;

const AGENT = "payments-bot";

export function call(callId: string, args: Record<string, unknown>, waitMs = 60_000): PendingCall {
  return {
    callId,
    tool: "send_money",
    args,
    session: "s1",
    mandate: { id: "pay-suppliers", subject: "user:alice", agent: AGENT, task: "Pay the invoices." },
    reason: "the call needs approval",
    rule: { effect: "ask", index: 0, pointer: "/ask/0" },
    delta: [],
    escalation: [
      { kind: "argument", path: "/amount", exercised: args["amount"], message: "`amount` is above 50" },
    ],
    waitMs,
  };
}

export const approve = (by = "alice", reason = "known supplier"): Verdict => ({
  approved: true,
  by,
  reason,
  narrowing: null,
});
export const deny = (by = "bob", reason = "not today"): Verdict => ({
  approved: false,
  by,
  reason,
  narrowing: null,
});

export function presented(c: PendingCall): Presented {
  return { callId: c.callId, tool: c.tool, argsHash: argsHash(c.args) };
}

/**
 * One suite for every `ApprovalQueue`: the binding of an approval to one call, single use, expiry, and that
 * concurrent answers or redemptions cannot both succeed. `newQueue` makes an empty queue each time.
 */
export function runApprovalQueueConformance(name: string, newQueue: NewApprovalQueue): void {
  describe(`${name} approval queue (conformance)`, () => {
    const opened: ApprovalQueue[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((q) => q.close()));
    });
    const fresh = async (): Promise<ApprovalQueue> => {
      const queue = await newQueue();
      opened.push(queue);
      return queue;
    };
    const T0 = 1_700_000_000_000;
    const TTL = 60_000;

    async function submitted(queue: ApprovalQueue, c: PendingCall, now = T0, agent = AGENT) {
      const result = await queue.submit(agent, c, argsHash(c.args), now);
      if (!result.ok) throw new Error(`expected ${c.callId} to be queued: ${result.reason}`);
      return result.approval;
    }

    test("queues a call bound to its id, tool and arguments hash; a retry gets the same entry", async () => {
      const queue = await fresh();
      const c = call("c1", { amount: 200, memo: "invoice 7" });
      const first = await queue.submit(AGENT, c, argsHash(c.args), T0);
      expect(first).toMatchObject({ ok: true, created: true });
      if (!first.ok) return;
      expect(first.approval).toMatchObject({
        agentToken: AGENT,
        argsHash: argsHash({ memo: "invoice 7", amount: 200 }),
        status: "pending",
        createdMs: T0,
        deadlineMs: T0 + 60_000,
        decidedMs: null,
        redeemedMs: null,
        call: { callId: "c1", tool: "send_money", args: { amount: 200, memo: "invoice 7" }, session: "s1" },
      });
      expect(first.approval.call).toEqual(c);
      expect(await queue.get(first.approval.id, T0 + 1)).toEqual(first.approval);
      const retry = await queue.submit(AGENT, c, argsHash(c.args), T0 + 5);
      expect(retry).toMatchObject({ ok: true, created: false, approval: { id: first.approval.id } });
      expect(await queue.get("no-such-id", T0)).toBeUndefined();
    });

    test("refuses a call id reused with other arguments, or after it was answered", async () => {
      const queue = await fresh();
      const c = call("c1", { amount: 200 });
      const a = await submitted(queue, c);
      const swapped = call("c1", { amount: 900 });
      expect(await queue.submit(AGENT, swapped, argsHash(swapped.args), T0 + 1)).toMatchObject({
        ok: false,
        reason: "the call id is already waiting with another tool or other arguments",
        existing: { id: a.id },
      });
      // Call ids are per agent: another agent's c1 is another call.
      expect((await submitted(queue, c, T0, "other-bot")).id).not.toBe(a.id);
      await queue.decide(a.id, deny(), TTL, T0 + 2);
      expect(await queue.submit(AGENT, c, argsHash(c.args), T0 + 3)).toMatchObject({
        ok: false,
        reason: "the call id was already denied: an approval is for one call only",
      });
    });

    test("the same call submitted twice at once is queued once", async () => {
      const queue = await fresh();
      const c = call("twice", { amount: 1 });
      const results = await Promise.all([1, 2, 3].map(() => queue.submit(AGENT, c, argsHash(c.args), T0)));
      const ok = results.filter((r) => r.ok);
      expect(ok).toHaveLength(3);
      expect(ok.filter((r) => r.ok && r.created)).toHaveLength(1);
      expect(new Set(ok.map((r) => r.ok && r.approval.id)).size).toBe(1);
      expect(await queue.pending(T0)).toHaveLength(1);
    });

    test("lists waiting calls oldest first, and answered or abandoned ones newest first", async () => {
      const queue = await fresh();
      const a = await submitted(queue, call("a", { amount: 1 }, 10_000), T0);
      const b = await submitted(queue, call("b", { amount: 2 }, 60_000), T0 + 1);
      const c = await submitted(queue, call("c", { amount: 3 }, 60_000), T0 + 2);
      expect((await queue.pending(T0 + 5)).map((x) => x.id)).toEqual([a.id, b.id, c.id]);
      await queue.decide(b.id, approve(), TTL, T0 + 6);
      // `a` waited 10 s: past that it is expired, no longer pending.
      const later = T0 + 20_000;
      expect((await queue.pending(later)).map((x) => x.id)).toEqual([c.id]);
      const recent = await queue.recent(10, later);
      expect(recent.map((x) => [x.id, x.status])).toEqual([
        [a.id, "expired"],
        [b.id, "approved"],
      ]);
      expect(await queue.recent(1, later)).toHaveLength(1);
    });

    test("takes one answer: a second, a late one or one for an unknown call is refused", async () => {
      const queue = await fresh();
      const a = await submitted(queue, call("a", { amount: 5 }));
      const narrowed: Verdict = { ...approve(), narrowing: { arg: "amount", maximum: 10 } };
      const first = await queue.decide(a.id, narrowed, TTL, T0 + 10);
      expect(first).toMatchObject({
        ok: true,
        approval: {
          status: "approved",
          decidedBy: "alice",
          decidedMs: T0 + 10,
          reason: "known supplier",
          narrowing: { arg: "amount", maximum: 10 },
          grantExpiresMs: T0 + 10 + TTL,
        },
      });
      expect(await queue.decide(a.id, deny(), TTL, T0 + 11)).toEqual({
        ok: false,
        reason: "this call was already approved by alice",
      });
      const late = await submitted(queue, call("late", { amount: 6 }, 1_000));
      expect(await queue.decide(late.id, approve(), TTL, T0 + 1_000)).toEqual({
        ok: false,
        reason: "the agent stopped waiting for this call",
      });
      expect(await queue.decide("nope", approve(), TTL, T0)).toEqual({
        ok: false,
        reason: "no such pending call",
      });
      const denied = await submitted(queue, call("d", { amount: 7 }));
      expect(await queue.decide(denied.id, deny(), TTL, T0 + 1)).toMatchObject({
        ok: true,
        approval: { status: "denied", grantExpiresMs: null, reason: "not today", decidedBy: "bob" },
      });
    });

    test("of two answers given at the same moment, exactly one is taken", async () => {
      const queue = await fresh();
      for (let i = 0; i < 5; i++) {
        const a = await submitted(queue, call(`race-${i}`, { amount: i }));
        const answers = await Promise.all([
          queue.decide(a.id, approve("alice"), TTL, T0 + 1),
          queue.decide(a.id, deny("bob"), TTL, T0 + 1),
          queue.decide(a.id, approve("carol"), TTL, T0 + 1),
        ]);
        const won = answers.filter((r) => r.ok);
        expect(won).toHaveLength(1);
        const stored = await queue.get(a.id, T0 + 2);
        expect(won[0]!.ok && won[0]!.approval.decidedBy).toBe(stored?.decidedBy);
      }
    });

    test("redeems an approval once, for exactly its call, before it expires", async () => {
      const queue = await fresh();
      const c = call("r1", { amount: 300, memo: "x" });
      const a = await submitted(queue, c);
      const p = presented(c);
      expect(await queue.redeem(a.id, AGENT, p, T0 + 1)).toMatchObject({
        ok: false,
        reason: "the call was not approved (pending)",
      });
      await queue.decide(a.id, approve(), TTL, T0 + 2);
      const refusals: [string, Presented, string][] = [
        ["other-bot", p, "no such approval for this agent"],
        [AGENT, { ...p, callId: "r2" }, "the approval was given for another call"],
        [AGENT, { ...p, tool: "delete_account" }, "the approval was given for another call"],
        [
          AGENT,
          { ...p, argsHash: argsHash({ amount: 900, memo: "x" }) },
          "the approval was given for other arguments",
        ],
      ];
      for (const [agent, shown, reason] of refusals)
        expect(await queue.redeem(a.id, agent, shown, T0 + 3)).toMatchObject({ ok: false, reason });
      expect(await queue.redeem("nope", AGENT, p, T0 + 3)).toMatchObject({
        ok: false,
        reason: "no such approval for this agent",
        approval: undefined,
      });
      // Key order does not matter: the hash is over canonical JSON.
      const used = await queue.redeem(
        a.id,
        AGENT,
        { ...p, argsHash: argsHash({ memo: "x", amount: 300 }) },
        T0 + 4,
      );
      expect(used).toMatchObject({ ok: true, approval: { redeemedMs: T0 + 4, status: "approved" } });
      expect(await queue.redeem(a.id, AGENT, p, T0 + 5)).toMatchObject({
        ok: false,
        reason: "the approval was already used",
      });

      const late = call("r3", { amount: 1 });
      const b = await submitted(queue, late);
      await queue.decide(b.id, approve(), TTL, T0 + 10);
      expect(await queue.redeem(b.id, AGENT, presented(late), T0 + 10 + TTL)).toMatchObject({
        ok: false,
        reason: "the approval has expired",
      });
      const no = call("r4", { amount: 2 });
      const d = await submitted(queue, no);
      await queue.decide(d.id, deny(), TTL, T0 + 10);
      expect(await queue.redeem(d.id, AGENT, presented(no), T0 + 11)).toMatchObject({
        ok: false,
        reason: "the call was not approved (denied)",
      });
    });

    test("of several redemptions at the same moment, exactly one succeeds", async () => {
      const queue = await fresh();
      const c = call("many", { amount: 40 });
      const a = await submitted(queue, c);
      await queue.decide(a.id, approve(), TTL, T0 + 1);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => queue.redeem(a.id, AGENT, presented(c), T0 + 2)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const r of results.filter((x) => !x.ok))
        expect(r).toMatchObject({ reason: "the approval was already used" });
    });

    test("a call withdrawn by its agent can no longer be answered; only that agent may withdraw it", async () => {
      const queue = await fresh();
      const a = await submitted(queue, call("w", { amount: 3 }));
      await queue.cancel(a.id, "other-bot", T0 + 1);
      expect((await queue.get(a.id, T0 + 1))?.status).toBe("pending");
      await queue.cancel(a.id, AGENT, T0 + 2);
      expect(await queue.get(a.id, T0 + 3)).toMatchObject({ status: "cancelled", decidedMs: T0 + 2 });
      expect(await queue.decide(a.id, approve(), TTL, T0 + 4)).toEqual({
        ok: false,
        reason: "this call was already cancelled",
      });
      // Withdrawing an answered call changes nothing.
      const b = await submitted(queue, call("w2", { amount: 4 }));
      await queue.decide(b.id, approve(), TTL, T0 + 5);
      await queue.cancel(b.id, AGENT, T0 + 6);
      expect((await queue.get(b.id, T0 + 7))?.status).toBe("approved");
    });

    test("a waiter learns of the answer as it is given; waiting ends at its time, its deadline or abort", async () => {
      const queue = await fresh();
      const now = Date.now();
      const a = await submitted(queue, call("wait-1", { amount: 8 }), now);
      const started = Date.now();
      const waiting = queue.wait(a.id, 10_000, new AbortController().signal);
      setTimeout(() => void queue.decide(a.id, approve(), TTL, Date.now()), 50);
      expect(await waiting).toMatchObject({ id: a.id, status: "approved" });
      expect(Date.now() - started).toBeLessThan(1_500);

      const b = await submitted(queue, call("wait-2", { amount: 9 }), Date.now());
      const t1 = Date.now();
      expect(await queue.wait(b.id, 150, new AbortController().signal)).toMatchObject({ status: "pending" });
      expect(Date.now() - t1).toBeGreaterThanOrEqual(140);

      const stop = new AbortController();
      const aborted = queue.wait(b.id, 10_000, stop.signal);
      setTimeout(() => stop.abort(), 30);
      expect(await aborted).toMatchObject({ status: "pending" });

      const short = await submitted(queue, call("wait-3", { amount: 10 }, 200), Date.now());
      expect(await queue.wait(short.id, 10_000, new AbortController().signal)).toMatchObject({
        status: "expired",
      });
      expect(await queue.wait("nope", 100, new AbortController().signal)).toBeUndefined();
    });

    test("tells subscribers of changes until they unsubscribe", async () => {
      const queue = await fresh();
      let told = 0;
      const unsubscribe = queue.subscribe(() => told++);
      const a = await submitted(queue, call("s", { amount: 11 }));
      await expect.poll(() => told).toBeGreaterThan(0);
      const before = told;
      await queue.decide(a.id, approve(), TTL, T0 + 1);
      await expect.poll(() => told).toBeGreaterThan(before);
      unsubscribe();
      const after = told;
      await submitted(queue, call("s2", { amount: 12 }));
      await new Promise((r) => setTimeout(r, 100));
      expect(told).toBe(after);
    });
  });
}
