import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, test } from "vitest";
import { addVerifierOptions, evalCommand, type EvalOptions } from "../../src/cli/commands/eval.js";
import { CliError } from "../../src/cli/exit-codes.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";
import { type ChatServer, startChatServer } from "./chat-server.js";

let server: ChatServer | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => out.push(t) }, out };
}

async function run(opts: Partial<EvalOptions>) {
  const dir = mkdtempSync(join(tmpdir(), "mandate-verifier-"));
  dirs.push(dir);
  const { io, out } = capture();
  const audit = join(dir, "audit.db");
  const code = await evalCommand({ suite: "banking", limit: "2", audit, progress: false, ...opts }, io);
  return { code, text: out.join("\n"), audit };
}

describe("mandate eval --scope mandate+verifier", () => {
  test("--verifier-url: every call the mandate allows is asked about, and its escalations are audited", async () => {
    server = await startChatServer(() => ({ verdict: "escalate", reason: "scripted: ask about everything" }));
    const { code, text, audit } = await run({
      scope: "mandate+verifier",
      agent: "replay",
      human: "approve",
      verifierUrl: server.baseUrl,
      verifierModel: "judge",
      env: { MANDATE_VERIFIER_API_KEY: "vk-1" },
      json: true,
    });
    expect(code).toBe(0);
    const result = JSON.parse(text) as {
      verifier: string;
      metrics: {
        scope: string;
        verifier: { consulted: number; escalated: number; falseEscalations: number };
      }[];
    };
    expect(result.verifier).toBe("openai:judge");
    const [m] = result.metrics;
    expect(m!.scope).toBe("mandate+verifier");
    expect(m!.verifier.consulted).toBeGreaterThan(0);
    expect(m!.verifier).toMatchObject({
      escalated: m!.verifier.consulted,
      falseEscalations: m!.verifier.consulted,
    });
    expect(server.received).toHaveLength(m!.verifier.consulted);
    const log = await SqliteAuditLog.open(audit);
    try {
      const escalated = (await log.list()).filter(
        (r) => r.event === "decision" && r.delta.some((d) => d.kind === "policy"),
      );
      expect(escalated).toHaveLength(m!.verifier.consulted);
      expect(escalated[0]!).toMatchObject({ verdict: "ask", effect: "allow", approval: { approved: true } });
      expect(escalated[0]!.delta[0]!.message).toContain("scripted: ask about everything");
    } finally {
      await log.close();
    }
  });

  test("without --verifier-url the scope uses the scripted policy, and the table notes what it did", async () => {
    const { code, text } = await run({ scope: "mandate,mandate+verifier", agent: "replay,hijacked" });
    expect(code).toBe(0);
    expect(text).toMatch(/banking\s+mandate\+verifier\s+100.0%/);
    expect(text).toMatch(/verifier `openai:scripted`/);
    expect(text).toMatch(
      /banking: \d+ asked, \d+ escalated, 0 blocked · \d+ attack calls stopped · \d+ false escalations/,
    );
  });

  test("flags are checked before anything runs", async () => {
    const usage = async (opts: Partial<EvalOptions>, message: RegExp) => {
      const failed = await run(opts).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(CliError);
      expect((failed as CliError).message).toMatch(message);
    };
    await usage({ verifierModel: "m" }, /--verifier-model: needs --verifier-url/);
    await usage({ verifierUrl: "http://127.0.0.1:9/v1" }, /needs --verifier-model/);
    await usage({ verifierUrl: "ftp://x", verifierModel: "m" }, /expected an http\(s\) URL/);
    await usage(
      { verifierUrl: "http://127.0.0.1:9/v1", verifierModel: "m", scope: "mandate" },
      /only used by --scope mandate\+verifier/,
    );
    await usage(
      { verifierUrl: "http://127.0.0.1:9/v1", verifierModel: "m", verifierOnFailure: "shrug" },
      /unknown `shrug`/,
    );
    await usage(
      { verifierUrl: "http://127.0.0.1:9/v1", verifierModel: "m", verifierTimeout: "soon" },
      /--verifier-timeout/,
    );
  });

  test("addVerifierOptions gives the flags the names evalCommand reads", () => {
    const command = addVerifierOptions(new Command("eval").exitOverride());
    command.parse(
      [
        "--verifier-url",
        "http://h/v1",
        "--verifier-model",
        "m",
        "--verifier-timeout",
        "5",
        "--verifier-on-failure",
        "block",
      ],
      { from: "user" },
    );
    expect(command.opts()).toEqual({
      verifierUrl: "http://h/v1",
      verifierModel: "m",
      verifierTimeout: "5",
      verifierOnFailure: "block",
    });
  });
});
