import { exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, test } from "vitest";
import { loadMandate } from "../../src/core/load.js";
import { signDelegatedToken, verifyMandateChain } from "../../src/gateway/chain.js";
import { signMandateToken, type TokenPolicy } from "../../src/gateway/token.js";
import { createGuard } from "../../src/guard/guard.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");

const ROOT = loadMandate(`
mandate: 1
id: household-2026-06
subject: user:alice
expires: 2026-07-01T00:00:00Z
allow:
  - tool: get_balance
  - tool: send_money
    args:
      recipient: { enum: [DE89370400440532013000, FR1420041010050500013M02606] }
      amount: { exclusiveMinimum: 0, maximum: 1200 }
    budget: { sum: { amount: 1200 } }
`);
const RENT = loadMandate(`
mandate: 1
id: rent-agent
expires: 2026-06-15T00:00:00Z
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 800 }
    budget: { calls: 1, sum: { amount: 800 } }
`);
const WIDER = loadMandate(`
mandate: 1
id: greedy-agent
expires: 2026-06-15T00:00:00Z
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 5000 }
    budget: { sum: { amount: 5000 } }
`);

let issuer: JWK;
let subAgent: JWK;
let stranger: JWK;
let tokens: TokenPolicy;

beforeAll(async () => {
  const keys = async (kid: string) => {
    const pair = await generateKeyPair("EdDSA", { extractable: true });
    return {
      privateJwk: { ...(await exportJWK(pair.privateKey)), kid },
      publicJwk: { ...(await exportJWK(pair.publicKey)), kid },
    };
  };
  const a = await keys("issuer");
  const b = await keys("sub-agent");
  const c = await keys("stranger");
  issuer = a.privateJwk;
  subAgent = b.privateJwk;
  stranger = c.privateJwk;
  tokens = { keys: { keys: [a.publicJwk, b.publicJwk] }, issuer: "https://issuer.example" };
});

const claims = (expiresIn: number) => ({ issuer: "https://issuer.example", expiresIn });
const at = (ms: number) => Math.floor(ms / 1000);

describe("verifyMandateChain", () => {
  test("a child token carrying its parent verifies as a chain", async () => {
    const root = await signMandateToken(ROOT, issuer, { ...claims(at(NOW) + 7200), subject: "user:alice" });
    const leaf = await signDelegatedToken(RENT, root, subAgent, claims(at(NOW) + 3600));
    const check = await verifyMandateChain(leaf, tokens, NOW);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.mandate.id).toBe("rent-agent");
    expect(check.chain.map((m) => m.id)).toEqual(["household-2026-06", "rent-agent"]);
    // A grandchild: narrower again.
    const grand = await signDelegatedToken(
      {
        ...RENT,
        id: "rent-once",
        allow: [{ ...RENT.allow![0]!, budget: { calls: 1, sum: { amount: 500 } } }],
      },
      leaf,
      subAgent,
      claims(at(NOW) + 600),
    );
    const deep = await verifyMandateChain(grand, tokens, NOW);
    expect(deep.ok && deep.chain.length).toBe(3);
  });

  test("a wider child is refused, naming what is wider", async () => {
    const root = await signMandateToken(ROOT, issuer, claims(at(NOW) + 7200));
    const leaf = await signDelegatedToken(WIDER, root, subAgent, claims(at(NOW) + 3600));
    const check = await verifyMandateChain(leaf, tokens, NOW);
    expect(check).toMatchObject({ ok: false, depth: 0 });
    expect(!check.ok && check.reason).toContain("`amount` maximum 5000 > 1200");
  });

  test("every link's signature, issuer and expiry are checked", async () => {
    const forged = await signMandateToken(ROOT, stranger, claims(at(NOW) + 7200));
    const onForged = await signDelegatedToken(RENT, forged, subAgent, claims(at(NOW) + 3600));
    expect(await verifyMandateChain(onForged, tokens, NOW)).toMatchObject({ ok: false, depth: 1 });

    const expired = await signMandateToken(ROOT, issuer, claims(at(NOW) - 120));
    const onExpired = await signDelegatedToken(RENT, expired, subAgent, claims(at(NOW) + 3600));
    const check = await verifyMandateChain(onExpired, tokens, NOW);
    expect(check).toMatchObject({ ok: false, depth: 1 });
    expect(!check.ok && check.reason).toContain("exp");

    const root = await signMandateToken(ROOT, issuer, claims(at(NOW) + 600));
    const outlives = await signDelegatedToken(RENT, root, subAgent, claims(at(NOW) + 3600));
    expect(await verifyMandateChain(outlives, tokens, NOW)).toMatchObject({
      ok: false,
      depth: 0,
      reason: "the token outlives its parent's token",
    });

    const otherIssuer = await signDelegatedToken(RENT, root, subAgent, {
      issuer: "https://evil.example",
      expiresIn: at(NOW) + 60,
    });
    expect(await verifyMandateChain(otherIssuer, tokens, NOW)).toMatchObject({ ok: false, depth: 0 });
  });
});

describe("budgets spent by children count against the parent", () => {
  test("two child sessions bound by the parent share its budget through one store", async () => {
    const budgets = new MemoryBudgetStore({ clock: () => NOW });
    const guardFor = (child: typeof RENT) =>
      createGuard({
        mandate: child,
        bound: ROOT,
        audit: new MemoryAuditLog(),
        budgets,
        clock: () => NOW,
      });
    const rent = guardFor(RENT);
    const deposit = guardFor({ ...RENT, id: "deposit-agent" });
    const pay = (amount: number) => ({
      tool: "send_money",
      args: { recipient: "DE89370400440532013000", amount },
    });
    const run = async (g: ReturnType<typeof guardFor>, amount: number) => g.run(pay(amount), () => "sent");

    expect((await run(rent, 800)).verdict).toBe("allow");
    // The second child's own budget (800) has room, but the parent's 1200 has only 400 left.
    const refused = await run(deposit, 500);
    expect(refused.verdict).toBe("deny");
    expect(refused.decision.delta[0]).toMatchObject({
      kind: "budget",
      rule: "/allow/1/budget/sum/amount",
    });
    expect((await run(deposit, 400)).verdict).toBe("allow");
    const usage = await budgets.usage(["household-2026-06#/allow/1/budget/sum/amount"]);
    expect(usage.get("household-2026-06#/allow/1/budget/sum/amount")).toBe(1200);
  });
});
