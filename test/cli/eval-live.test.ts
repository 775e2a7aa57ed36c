import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { answer, type RecordedRequest, startFakeOpenAI, toolCalls } from "../eval/fixtures/fake-openai.js";

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  delete process.env.MANDATE_API_KEY;
  await Promise.all(servers.map((s) => s.close()));
});

test("mandate eval --agent live drives a model over the wire and measures it like the scripted agents", async () => {
  // A model that checks the balance, then answers: one tool turn and one answer per episode.
  const turn = (r: RecordedRequest) =>
    r.body?.messages.some((m) => m.role === "tool")
      ? answer("done")
      : toolCalls({ name: "get_balance", arguments: {} });
  const episodes = 1 * 10; // one user task, alone and with each of the nine injection tasks
  const fake = await startFakeOpenAI(
    Array.from({ length: episodes * 2 }, () => turn),
    { apiKey: "sk-test" },
  );
  servers.push(fake);
  process.env.MANDATE_API_KEY = "sk-test";
  let out = "";
  const code = await main(
    [
      "eval",
      "--agent",
      "live",
      "--base-url",
      fake.baseUrl,
      "--model",
      "scripted",
      "--suite",
      "banking",
      "--scope",
      "mandate",
      "--limit",
      "1",
      "--json",
      "--audit",
      join(mkdtempSync(join(tmpdir(), "mandate-live-")), "a.db"),
    ],
    { io: { out: (t) => (out += t), err: () => undefined }, color: false, interactive: false },
  );
  expect(code).toBe(0);
  expect(fake.problems).toEqual([]);
  const result = JSON.parse(out) as {
    agents: string[];
    episodes: { agent: string; calls: { tool: string; verdict: string }[] }[];
  };
  expect(result.agents).toEqual(["live"]);
  expect(result.episodes).toHaveLength(episodes);
  for (const e of result.episodes) {
    expect(e.agent).toBe("live");
    expect(e.calls.map((c) => c.tool)).toEqual(["get_balance"]);
  }
  expect(fake.requests.every((r) => r.body?.model === "scripted")).toBe(true);
});
