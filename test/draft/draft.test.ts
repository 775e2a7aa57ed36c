/**
 * `mandate draft` against a real Chat Completions server on 127.0.0.1 with scripted replies: a good draft, drafts
 * that try to widen, malformed replies, HTTP errors and a server that never answers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { draftCommand, registerDraftCommand } from "../../src/cli/commands/draft.js";
import { createCatalog } from "../../src/core/catalog.js";
import { loadMandate } from "../../src/core/load.js";
import { proposeUpdate } from "../../src/core/update.js";
import { draftMandate } from "../../src/draft/draft.js";
import { BANKING_TOOLS } from "../fixtures/banking.js";

type Scripted = { status?: number; body?: string; content?: string; hang?: boolean };

let server: Server;
let baseUrl: string;
let script: Scripted[] = [];
const received: { auth: string | undefined; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(data) as Record<string, unknown> });
      const next = script.shift() ?? { status: 500, body: '{"error":{"message":"no scripted reply"}}' };
      if (next.hang) return; // never answers: the client's timeout must fire
      const body =
        next.body ??
        JSON.stringify({
          id: "chatcmpl-1",
          object: "chat.completion",
          choices: [
            { index: 0, message: { role: "assistant", content: next.content ?? "" }, finish_reason: "stop" },
          ],
        });
      res.writeHead(next.status ?? 200, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  script = [];
  received.length = 0;
});

const dir = mkdtempSync(join(tmpdir(), "mandate-draft-"));
const toolsPath = join(dir, "tools.json");
writeFileSync(toolsPath, JSON.stringify({ tools: BANKING_TOOLS }));
const catalog = createCatalog(BANKING_TOOLS);
const REQUEST = "Pay my March rent of 1,200 EUR to my landlord, IBAN DE89370400440532013000.";

const GOOD = `Here is the mandate:
\`\`\`yaml
mandate: 1
id: pay-rent-march
task: "${REQUEST}"
ttl: 1h
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 1200 }
    budget: { calls: 1, sum: { amount: 1200 } }
\`\`\``;

const WIDENING = `\`\`\`yaml
mandate: 1
id: pay-rent-march
ttl: 1h
allow:
  - tool: "*"
  - tool: send_money
    args:
      amount: { maximum: 5000 }
\`\`\``;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}
const env = { MANDATE_API_KEY: "sk-test" } as NodeJS.ProcessEnv;
const flags = () => ({ tools: toolsPath, baseUrl, model: "drafter-1", timeout: "2000" });

describe("draftMandate", () => {
  test("a good draft validates, and the prompt holds only the request and the catalog", async () => {
    script = [{ content: GOOD }];
    const result = await draftMandate(REQUEST, { baseUrl, model: "drafter-1", apiKey: "sk-test", catalog });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mandate.allow?.[0]?.args?.amount).toEqual({ exclusiveMinimum: 0, maximum: 1200 });
    expect(result.findings.filter((f) => f.wider)).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0]!.auth).toBe("Bearer sk-test");
    const messages = received[0]!.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(JSON.parse(messages[1]!.content)).toEqual({
      request: REQUEST,
      catalog: BANKING_TOOLS,
    });
  });

  test("a draft that widens is flagged: a wildcard and a bigger amount than asked", async () => {
    script = [{ content: WIDENING }];
    const result = await draftMandate(REQUEST, { baseUrl, model: "m", catalog });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const wider = result.findings.filter((f) => f.wider).map((f) => `${f.field}: ${f.message}`);
    expect(wider).toContain("allow[0].tool: `*` is a wildcard; the request names no pattern of tools");
    expect(wider).toContain(
      "allow[1].args.amount.maximum: `amount` maximum 5000 is above every number in the request (at most 1200)",
    );
  });

  test.each([
    ["no code block", { content: "mandate: 1\nid: x" }, "reply", "no fenced code block"],
    ["invalid YAML", { content: "```yaml\nmandate: 1\nid: [x\n```" }, "validate", "not valid"],
    [
      "a schema error",
      {
        content:
          "```yaml\nmandate: 1\nid: x\nallow:\n  - tool: send_money\n    args:\n      amount: { maxium: 5 }\n```",
      },
      "validate",
      "unknown key `maxium`",
    ],
    ["no choices", { body: '{"object":"chat.completion"}' }, "request", "no `choices[0].message.content`"],
    ["not JSON", { body: "<html>oops</html>" }, "request", "not JSON"],
    [
      "HTTP 400",
      { status: 400, body: '{"error":{"message":"bad model"}}' },
      "request",
      "HTTP 400: bad model",
    ],
  ] as const)("%s fails closed", async (_name, reply, stage, reason) => {
    script = [reply];
    const result = await draftMandate(REQUEST, { baseUrl, model: "m", catalog, maxRetries: 0 });
    expect(result).toMatchObject({ ok: false, stage });
    expect(!result.ok && result.reason).toContain(reason);
  });

  test("HTTP 500 is retried, then fails", async () => {
    script = [
      { status: 500, body: "{}" },
      { status: 500, body: "{}" },
    ];
    const result = await draftMandate(REQUEST, { baseUrl, model: "m", catalog, maxRetries: 1 });
    expect(result).toMatchObject({
      ok: false,
      stage: "request",
      reason: "the model endpoint failed: HTTP 500: {}",
    });
    expect(received).toHaveLength(2);
  });

  test("a server that never answers times out", async () => {
    script = [{ hang: true }];
    const result = await draftMandate(REQUEST, {
      baseUrl,
      model: "m",
      catalog,
      maxRetries: 0,
      timeoutMs: 300,
    });
    expect(result).toMatchObject({
      ok: false,
      stage: "request",
      reason: "the model endpoint failed: no reply within 300 ms",
    });
  });
});

describe("mandate draft (command)", () => {
  test("without --yes the draft is shown and awaits consent (exit 2)", async () => {
    script = [{ content: GOOD }];
    const { io: o, out, err } = io();
    expect(await draftCommand(REQUEST, flags(), o, env)).toBe(2);
    expect(out.join("\n")).toContain("recipient: { const: DE89370400440532013000 }");
    expect(err.join("\n")).toContain("run again with --yes");
  });

  test("--yes --out writes a good draft (exit 0)", async () => {
    script = [{ content: GOOD }];
    const file = join(dir, "accepted.yaml");
    const { io: o } = io();
    expect(await draftCommand(REQUEST, { ...flags(), yes: true, out: file }, o, env)).toBe(0);
    expect(loadMandate(readFileSync(file, "utf8")).id).toBe("pay-rent-march");
  });

  test("--yes refuses a widening draft (exit 1) and writes nothing", async () => {
    script = [{ content: WIDENING }];
    const file = join(dir, "never.yaml");
    const { io: o, err } = io();
    expect(await draftCommand(REQUEST, { ...flags(), yes: true, out: file }, o, env)).toBe(1);
    expect(err.join("\n")).toContain("a person must decide");
    expect(() => readFileSync(file)).toThrow();
  });

  test("a malformed reply exits 65, an endpoint failure 70", async () => {
    script = [{ content: "no block here" }];
    expect(await draftCommand(REQUEST, flags(), io().io, env)).toBe(65);
    script = [{ hang: true }];
    expect(await draftCommand(REQUEST, { ...flags(), timeout: "200" }, io().io, env)).toBe(70);
  });

  test("registered on a program, it parses its flags", async () => {
    script = [{ content: GOOD }];
    let code = -1;
    const { io: o } = io();
    const program = new Command("mandate").exitOverride();
    registerDraftCommand(program, o, (c) => (code = c));
    await program.parseAsync(
      ["draft", REQUEST, "--tools", toolsPath, "--base-url", baseUrl, "--model", "m"],
      {
        from: "user",
      },
    );
    expect(code).toBe(2);
  });
});

describe("proposeUpdate", () => {
  // A mandate in force has a fixed end (`expires`, or `ttl` with `issued`): an update is judged against it.
  const current = loadMandate(
    GOOD.split("```yaml\n")[1]!.split("```")[0]!.replace("ttl: 1h", "expires: 2999-01-01T00:00:00Z"),
  );
  test("an update that only narrows applies by itself", () => {
    const narrower = {
      ...current,
      allow: [
        {
          ...current.allow![0]!,
          args: { ...current.allow![0]!.args, amount: { exclusiveMinimum: 0, maximum: 600 } },
        },
      ],
    };
    expect(proposeUpdate(current, narrower)).toEqual({ kind: "narrowing" });
  });
  test("an update that widens goes to the approver, naming what is wider", () => {
    const wider = { ...current, allow: [...current.allow!, { tool: "get_balance" }] };
    const proposal = proposeUpdate(current, wider);
    expect(proposal.kind).toBe("widening");
    expect(proposal.kind === "widening" && proposal.wider.map((g) => g.message)).toEqual([
      "allow[1]: wider than the parent: tool `get_balance` is not granted by the parent",
    ]);
  });
});
