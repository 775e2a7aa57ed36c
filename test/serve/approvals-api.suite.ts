// The approvals API and the web approver over real HTTP, run once per approvals queue (SQLite, PostgreSQL): the
// same answers, bindings, single use and expiry whichever store holds the queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webApprover } from "../../src/approvers/web.js";
import { createGuard } from "../../src/guard/guard.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { paymentsMandate } from "./fixtures/payments.js";
import { agentCall, Client, pendingCall, type TestServer } from "./helpers.js";

export function runApprovalsApiSuite(name: string, start: () => Promise<TestServer>): void {
  describe(`the approvals API on ${name}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await start();
    });
    afterAll(async () => server?.close());

    let n = 0;
    const callId = () => `call-${++n}-${Date.now()}`;

    async function approver(): Promise<{ client: Client; csrf: string }> {
      const client = new Client(server.url);
      expect((await client.signIn("alice")).status).toBe(303);
      return { client, csrf: await client.csrf() };
    }

    async function submit(args: Record<string, unknown>, id = callId()) {
      const res = await agentCall(server, "/api/v1/agent/approvals", pendingCall(id, args));
      expect(res.status).toBe(201);
      return { id: res.body["id"] as string, callId: id };
    }

    async function lastAudit(tool: string) {
      return (await server.audit.list({ tool })).at(-1);
    }

    describe("approvals", () => {
      it("binds an approval to one call: other arguments and replays are refused and audited", async () => {
        const { client, csrf } = await approver();
        const { id, callId: cid } = await submit({ amount: 200, memo: "invoice 7" });
        await client.request(`/approvals/${id}/decide`, {
          method: "POST",
          form: { _csrf: csrf, answer: "approve", reason: "known supplier" },
        });
        const answer = await agentCall(server, `/api/v1/agent/approvals/${id}?wait=1`);
        expect(answer.body).toMatchObject({
          status: "approved",
          callId: cid,
          decidedBy: "alice",
          reason: "known supplier",
        });

        const swapped = await agentCall(server, `/api/v1/agent/approvals/${id}/redeem`, {
          callId: cid,
          tool: "send_money",
          args: { amount: 900, memo: "invoice 7" },
        });
        expect(swapped.status).toBe(409);
        expect(swapped.body["error"]).toBe("the approval was given for other arguments");
        expect(await lastAudit("serve.redeem")).toMatchObject({
          verdict: "deny",
          callId: cid,
          reason: "approval refused: the approval was given for other arguments",
        });

        const otherCall = await agentCall(server, `/api/v1/agent/approvals/${id}/redeem`, {
          callId: "another",
          tool: "send_money",
          args: { amount: 200, memo: "invoice 7" },
        });
        expect(otherCall.status).toBe(409);

        // Key order does not matter: the binding is over canonical JSON.
        const used = await agentCall(server, `/api/v1/agent/approvals/${id}/redeem`, {
          callId: cid,
          tool: "send_money",
          args: { memo: "invoice 7", amount: 200 },
        });
        expect(used.status).toBe(200);
        const replay = await agentCall(server, `/api/v1/agent/approvals/${id}/redeem`, {
          callId: cid,
          tool: "send_money",
          args: { amount: 200, memo: "invoice 7" },
        });
        expect(replay.status).toBe(409);
        expect(replay.body["error"]).toBe("the approval was already used");
        expect(await lastAudit("serve.redeem")).toMatchObject({
          verdict: "deny",
          reason: "approval refused: the approval was already used",
        });

        // Re-submitting the used call id is a replay too.
        const again = await agentCall(
          server,
          "/api/v1/agent/approvals",
          pendingCall(cid, { amount: 200, memo: "invoice 7" }),
        );
        expect(again.status).toBe(409);
        // And answering it a second time is refused.
        const twice = await client.request(`/approvals/${id}/decide`, {
          method: "POST",
          form: { _csrf: csrf, answer: "approve" },
        });
        expect(twice.status).toBe(409);
      });

      it("lets only the agent that asked read or redeem the answer", async () => {
        const { id } = await submit({ amount: 77 });
        const other = server.operators.addAgentToken(`other-${n}`);
        expect((await agentCall(server, `/api/v1/agent/approvals/${id}`, undefined, other)).status).toBe(404);
      });

      it("expires an approval that is not used in time", async () => {
        const { client, csrf } = await approver();
        const { id, callId: cid } = await submit({ amount: 300 });
        await client.request(`/approvals/${id}/decide`, {
          method: "POST",
          form: { _csrf: csrf, answer: "approve" },
        });
        server.advance(61_000);
        try {
          const late = await agentCall(server, `/api/v1/agent/approvals/${id}/redeem`, {
            callId: cid,
            tool: "send_money",
            args: { amount: 300 },
          });
          expect(late.status).toBe(409);
          expect(late.body["error"]).toBe("the approval has expired");
        } finally {
          server.advance(-61_000);
        }
      });

      it("accepts a narrowing only when it narrows the rule and the call satisfies it", async () => {
        const { client, csrf } = await approver();
        const decide = (id: string, form: Record<string, string>) =>
          client.request(`/approvals/${id}/decide`, {
            method: "POST",
            form: { _csrf: csrf, answer: "approve", ...form },
          });
        const { id } = await submit({ amount: 150 });
        const wider = await decide(id, { narrow_arg: "amount", narrow_max: "2000" });
        expect(wider.status).toBe(400);
        expect(await wider.text()).toContain("does not narrow the rule&#39;s bound (1000)");
        const below = await decide(id, { narrow_arg: "amount", narrow_max: "100" });
        expect(await below.text()).toContain("is 150, above 100: deny the call instead");
        const equal = await decide(id, { narrow_arg: "amount", narrow_max: "1000" });
        expect(equal.status).toBe(400);
        expect((await agentCall(server, `/api/v1/agent/approvals/${id}`)).body["status"]).toBe("pending");
        const narrowed = await decide(id, { narrow_arg: "amount", narrow_max: "500" });
        expect(narrowed.status).toBe(303);
        const answer = await agentCall(server, `/api/v1/agent/approvals/${id}`);
        expect(answer.body).toMatchObject({ status: "approved", narrowing: { arg: "amount", maximum: 500 } });
        expect(await lastAudit("serve.approve")).toMatchObject({
          reason: expect.stringContaining("approved within amount ≤ 500"),
        });
      });
    });

    describe("the web approver in a Guard", () => {
      const guardWith = (timeoutMs = 20_000) =>
        createGuard({
          mandate: paymentsMandate(),
          audit: server.audit,
          budgets: new MemoryBudgetStore(),
          approver: webApprover({ url: server.url, token: server.agentToken, timeoutMs, pollSeconds: 1 }),
        });

      async function answerNext(callId: string, answer: "approve" | "deny", reason: string): Promise<void> {
        const { client, csrf } = await approver();
        for (;;) {
          const page = await (await client.request("/approvals/fragment")).text();
          const card = page.split("<article").find((part) => part.includes(`data-call-id="${callId}"`)) ?? "";
          const id = /action="\/approvals\/([^/]+)\/decide"/.exec(card)?.[1];
          if (id !== undefined) {
            await client.request(`/approvals/${id}/decide`, {
              method: "POST",
              form: { _csrf: csrf, answer, reason },
            });
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }

      it("runs the call once a person approves it", async () => {
        const guard = guardWith();
        const ran: unknown[] = [];
        const [result] = await Promise.all([
          guard.run({ tool: "send_money", args: { amount: 400 }, callId: "g-400" }, (args) => ran.push(args)),
          answerNext("g-400", "approve", "ok by me"),
        ]);
        expect(result.denied).toBe(false);
        expect(ran).toEqual([{ amount: 400 }]);
        const decision = (await server.audit.list({ tool: "send_money" })).at(-2)!;
        expect(decision.approval).toMatchObject({ approver: "web", approved: true, by: "alice" });
      });

      it("denies the call when the person says no, with their reason", async () => {
        const guard = guardWith();
        const [result] = await Promise.all([
          guard.run({ tool: "send_money", args: { amount: 401 }, callId: "g-401" }, () => "ran"),
          answerNext("g-401", "deny", "not this supplier"),
        ]);
        expect(result).toMatchObject({ denied: true, verdict: "ask" });
        expect(result.denied && result.message).toContain("not this supplier");
      });

      it("denies when nobody answers in time, and withdraws the call", async () => {
        const guard = guardWith(400);
        const result = await guard.run({ tool: "send_money", args: { amount: 402 } }, () => "ran");
        expect(result.denied).toBe(true);
        const client = (await approver()).client;
        await expect
          .poll(async () => (await (await client.request("/approvals/fragment")).text()).includes("402"))
          .toBe(false);
      });
    });
  });
}
