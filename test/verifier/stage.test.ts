import { describe, expect, test } from "vitest";
import { compile } from "../../src/core/compile.js";
import { checkCall } from "../../src/core/decide.js";
import { createCatalog } from "../../src/core/catalog.js";
import { loadMandate } from "../../src/core/load.js";
import { parseVerifierAnswer } from "../../src/verifier/prompt.js";
import { createVerifierStage } from "../../src/verifier/stage.js";
import { Transcript } from "../../src/verifier/transcript.js";
import type { Verifier, VerifierRequest } from "../../src/verifier/verifier.js";
import { BANKING_TOOLS, NOW, PAY_RENT_YAML } from "../fixtures/banking.js";

const compiled = compile(loadMandate(PAY_RENT_YAML), { catalog: createCatalog(BANKING_TOOLS), now: NOW });
const allowed = checkCall(compiled, { tool: "get_balance", args: {}, callId: "c1" }, { now: NOW });
const where = { callId: "c1", session: null };
const mandate = { id: compiled.id, task: null };

function verifier(verify: Verifier["verify"], extra: Partial<Verifier> = {}): Verifier {
  return { name: "custom", verify, ...extra };
}

describe("verifier stage", () => {
  test("keeps the user's first messages and the latest outputs, each cut to size", async () => {
    const t = new Transcript({ maxUserMessages: 2, maxUserChars: 5, maxOutputs: 2, maxOutputChars: 8 });
    for (const text of ["first request", "second", "third"]) t.user(text);
    for (let i = 0; i < 4; i++) t.output("read", `c${i}`, { n: i, pad: "xxxxxxxx" }, "untrusted");
    expect(t.userMessages).toEqual(["first", "secon"]);
    expect(t.outputs.map((o) => [o.callId, o.text, o.truncated])).toEqual([
      ["c2", '{"n":2,"', true],
      ["c3", '{"n":3,"', true],
    ]);
    let seen: VerifierRequest | null = null;
    const stage = createVerifierStage(
      verifier((request) => {
        seen = request;
        return Promise.resolve({ verdict: "allow" });
      }),
      { transcript: { maxOutputs: 1 } },
    );
    stage.user("hello");
    stage.output("a", "x1", "one", "trusted");
    stage.output("b", "x2", "two", "untrusted");
    await stage.check(allowed, where, mandate);
    expect(seen!.user).toEqual(["hello"]);
    expect(seen!.outputs).toEqual([
      { tool: "b", callId: "x2", trust: "untrusted", text: "two", truncated: false },
    ]);
  });

  test("a custom verifier that throws, answers nonsense or hangs follows its onFailure (escalate by default)", async () => {
    const answers: Verifier["verify"][] = [
      () => Promise.reject(new Error("boom")),
      () => Promise.resolve({ verdict: "grant" } as never),
      () => Promise.resolve(null as never),
      () => new Promise(() => undefined),
    ];
    for (const verify of answers) {
      const escalated = await createVerifierStage(verifier(verify, { timeoutMs: 50 })).check(
        allowed,
        where,
        mandate,
      );
      expect(escalated.decision.verdict).toBe("ask");
      expect(escalated.decision.delta[0]!.message).toMatch(/the verifier failed/);
      const blocked = await createVerifierStage(
        verifier(verify, { timeoutMs: 50, onFailure: "block" }),
      ).check(allowed, where, mandate);
      expect(blocked.decision).toMatchObject({ verdict: "deny", rule: null, charges: [] });
    }
  });

  test("never consulted for a call the mandate does not allow", async () => {
    let asked = 0;
    const stage = createVerifierStage(
      verifier(() => {
        asked++;
        return Promise.resolve({ verdict: "block", reason: "no" });
      }),
    );
    for (const call of [
      { tool: "update_password", args: { password: "x" } },
      { tool: "schedule_transaction", args: {} },
      { tool: "send_money", args: { recipient: "GB00EVIL", amount: 1 } },
    ]) {
      const checked = checkCall(compiled, { ...call, callId: "c2" }, { now: NOW });
      expect(await stage.check(checked, where, mandate)).toBe(checked);
    }
    expect(asked).toBe(0);
  });

  test("the wire answer is parsed strictly", () => {
    expect(parseVerifierAnswer(' {"verdict":"block","reason":"r"}\n')).toEqual({
      verdict: "block",
      reason: "r",
    });
    for (const bad of [
      "allow",
      '```json\n{"verdict":"allow","reason":"r"}\n```',
      '{"verdict":"allow"}',
      '{"verdict":"ALLOW","reason":"r"}',
      '{"verdict":"allow","reason":"r","also":"grant"}',
      '["allow"]',
    ]) {
      expect(() => parseVerifierAnswer(bad), bad).toThrow();
    }
  });
});
