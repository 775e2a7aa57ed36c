// The gateway's stdio session, end to end: a real MCP SDK Client in front, the project's own MCP server process
// behind (test/gateway/fixtures/bank-server.mjs), every tools/call through the Guard.
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, test } from "vitest";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import { callbackApprover, webhookApprover } from "../../src/index.js";
import { DENIAL_META_KEY } from "../../src/gateway/denial-result.js";
import {
  ATTACKER,
  callLog,
  type InProcessGateway,
  inProcessGateway,
  LANDLORD,
  stdioUpstream,
  textOf,
} from "./helpers.js";

let open: InProcessGateway | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

describe("tools through the gateway", () => {
  test("tools/list shows only what the mandate could allow or ask for", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    const { tools } = await open.client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([
      "balance",
      "count",
      "crash",
      "noise",
      "read_statement",
      "send_money",
      "slow",
      "summarise",
    ]);
    expect(names).not.toContain("delete_account");
  });

  test("an allowed call runs; a denied one never reaches the server and says why, in words and as data", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    const ok = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 1200 },
    });
    expect(ok.isError).toBeFalsy();
    expect(textOf(ok)).toBe(`sent 1200 to ${LANDLORD}`);

    const denied = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 5000 },
    });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/was not run/);
    expect(textOf(denied)).toContain("5000");
    const structured = (
      denied.structuredContent as { mandate: { verdict: string; delta: { path: string; kind: string }[] } }
    ).mandate;
    expect(structured.verdict).toBe("deny");
    expect(structured.delta).toMatchObject([{ kind: "argument", path: "/amount" }]);
    expect(denied._meta?.[DENIAL_META_KEY]).toEqual(structured);

    const hidden = await open.client.callTool({ name: "delete_account", arguments: {} });
    expect(hidden.isError).toBe(true);
    expect(textOf(hidden)).toMatch(/not granted/);

    expect(log.calls().map((c) => [c.name, c.args.amount])).toEqual([["send_money", 1200]]);
    const records = await open.audit.list();
    expect(records.filter((r) => r.event === "decision").map((r) => [r.tool, r.verdict, r.outcome])).toEqual([
      ["send_money", "allow", "pending"],
      ["send_money", "deny", "not_run"],
      ["delete_account", "deny", "not_run"],
    ]);
    expect(records.find((r) => r.event === "outcome")?.outcome).toBe("ok");
  });

  test("a denied call of a tool with an outputSchema keeps the client's validation happy", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    await open.client.listTools(); // the client learns the output schema
    const ok = await open.client.callTool({ name: "balance", arguments: { account: "main" } });
    expect(ok.structuredContent).toEqual({ balance: 1200 });
    const denied = await open.client.callTool({ name: "balance", arguments: { account: "savings" } });
    expect(denied.isError).toBe(true);
    expect(denied.structuredContent).toBeUndefined();
    expect(denied._meta?.[DENIAL_META_KEY]).toMatchObject({ verdict: "deny" });
    expect(log.calls().map((c) => c.args.account)).toEqual(["main"]);
  });

  test("a malformed call (no name, arguments not an object) is denied with a reason", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    const res = await open.client.request(
      { method: "tools/call", params: { name: "send_money", arguments: [LANDLORD, 10] } as never },
      (await import("@modelcontextprotocol/sdk/types.js")).CallToolResultSchema,
    );
    expect(res.isError).toBe(true);
    expect(log.calls()).toEqual([]);
  });
});

describe("ask", () => {
  test("without an approver, ask is denied; the stdio pipe is never asked", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    const res = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: ATTACKER, amount: 50 },
    });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/approval/);
    expect(log.calls()).toEqual([]);
  });

  test("with an approver, its answer decides; the approval is audited", async () => {
    const log = callLog();
    const asked: string[] = [];
    open = await inProcessGateway({
      upstreams: [stdioUpstream(log.path)],
      approver: callbackApprover((request) => {
        asked.push(`${request.tool} ${JSON.stringify(request.args)}`);
        return request.args.amount === 50;
      }),
    });
    const yes = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: ATTACKER, amount: 50 },
    });
    const no = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: ATTACKER, amount: 60 },
    });
    expect(yes.isError).toBeFalsy();
    expect(no.isError).toBe(true);
    expect(asked).toHaveLength(2);
    expect(log.calls().map((c) => c.args.amount)).toEqual([50]);
    const decisions = (await open.audit.list()).filter((r) => r.event === "decision");
    expect(decisions.map((r) => r.approval?.approved)).toEqual([true, false]);
  });
});

describe("ask through a webhook", () => {
  test("the pending call is POSTed, signed; the webhook's answer decides; a broken webhook means no", async () => {
    const log = callLog();
    const bodies: { body: Record<string, unknown>; signature: string | undefined }[] = [];
    let answer: (body: Record<string, unknown>) => { status: number; json: unknown } = () => ({
      status: 200,
      json: { approved: true, by: "ops" },
    });
    const hook = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        const sig = req.headers["x-mandate-signature"];
        bodies.push({ body, signature: Array.isArray(sig) ? sig[0] : sig });
        const a = answer(body);
        res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.json));
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/approve`;
    try {
      open = await inProcessGateway({
        upstreams: [stdioUpstream(log.path)],
        approver: webhookApprover({ url, secret: "s3cret" }),
      });
      const yes = await open.client.callTool({
        name: "send_money",
        arguments: { recipient: ATTACKER, amount: 20 },
      });
      expect(yes.isError).toBeFalsy();
      expect(bodies[0]!.body).toMatchObject({
        tool: "send_money",
        args: { recipient: ATTACKER, amount: 20 },
        verdict: "ask",
      });
      const raw = JSON.stringify(bodies[0]!.body);
      expect(bodies[0]!.signature).toBe(`sha256=${createHmac("sha256", "s3cret").update(raw).digest("hex")}`);
      answer = () => ({ status: 200, json: { approved: false, reason: "not that account" } });
      const no = await open.client.callTool({
        name: "send_money",
        arguments: { recipient: ATTACKER, amount: 21 },
      });
      expect(no.isError).toBe(true);
      expect(textOf(no)).toContain("not that account");
      answer = () => ({ status: 500, json: { approved: true } });
      const broken = await open.client.callTool({
        name: "send_money",
        arguments: { recipient: ATTACKER, amount: 22 },
      });
      expect(broken.isError).toBe(true);
      expect(log.calls().map((c) => c.args.amount)).toEqual([20]);
    } finally {
      hook.close();
    }
  });
});

describe("what the gateway does not judge, it passes through", () => {
  test("resources, resource templates and prompts", async () => {
    open = await inProcessGateway({ upstreams: [stdioUpstream(callLog().path)] });
    const { resources } = await open.client.listResources();
    expect(resources.map((r) => r.uri)).toContain("bank://terms");
    const read = await open.client.readResource({ uri: "bank://terms" });
    expect(read.contents[0]).toMatchObject({ text: "Terms of service" });
    const templated = await open.client.readResource({ uri: "bank://accounts/42" });
    expect(templated.contents[0]).toMatchObject({ text: "account 42" });
    const { prompts } = await open.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["greeting"]);
    const prompt = await open.client.getPrompt({ name: "greeting", arguments: { name: "Ada" } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: "Hello Ada" });
    await expect(open.client.ping()).resolves.toBeDefined();
  });

  test("progress notifications reach the client's call", async () => {
    open = await inProcessGateway({ upstreams: [stdioUpstream(callLog().path)] });
    const seen: number[] = [];
    const res = await open.client.callTool({ name: "count", arguments: { to: 3 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(textOf(res)).toBe("counted to 3");
    expect(seen).toEqual([1, 2, 3]);
  });

  test("a server's request to the client (sampling) is relayed and answered", async () => {
    open = await inProcessGateway(
      { upstreams: [stdioUpstream(callLog().path)] },
      { capabilities: { sampling: {} } },
    );
    open.client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      model: "scripted",
      role: "assistant",
      content: { type: "text", text: `short (${request.params.messages.length} message)` },
    }));
    const res = await open.client.callTool({ name: "summarise", arguments: { text: "a long text" } });
    expect(textOf(res)).toBe("summary: short (1 message)");
  });
});

describe("faults", () => {
  test("malformed and oversized JSON-RPC from the client is answered, and the session goes on", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)], maxMessageBytes: 4096 });
    await open.client.listTools();
    open.raw.length = 0;
    open.write("this is not json\n");
    open.write(`${JSON.stringify({ jsonrpc: "2.0", id: 999, method: 42 })}\n`);
    open.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 998, method: "tools/call", params: { name: "send_money", arguments: { recipient: "x".repeat(10_000), amount: 1 } } })}\n`,
    );
    await new Promise((r) => setTimeout(r, 100));
    const answers = open.raw
      .join("")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { id: unknown; error?: { code: number; message: string } });
    expect(answers).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) }),
      expect.objectContaining({ id: 999, error: expect.objectContaining({ code: -32600 }) }),
      expect.objectContaining({
        id: null,
        error: expect.objectContaining({ message: expect.stringMatching(/longer than 4096 bytes/) }),
      }),
    ]);
    const ok = await open.client.callTool({ name: "read_statement", arguments: {} });
    expect(textOf(ok)).toContain(LANDLORD);
    expect(log.calls().map((c) => c.name)).toEqual(["read_statement"]);
  });

  test("malformed and oversized JSON-RPC from the server is dropped and logged; the call still gets its answer", async () => {
    const logged: string[] = [];
    open = await inProcessGateway({
      upstreams: [stdioUpstream(callLog().path)],
      maxMessageBytes: 4096,
      log: (line) => logged.push(line),
    });
    const res = await open.client.callTool({ name: "noise", arguments: {} });
    expect(textOf(res)).toBe("after the noise");
    expect(logged.join("\n")).toMatch(/not-json/);
    expect(logged.join("\n")).toMatch(/oversized/);
    expect(logged.join("\n")).toMatch(/not-json-rpc/);
    const next = await open.client.callTool({ name: "read_statement", arguments: {} });
    expect(next.isError).toBeFalsy();
  });

  test("a server that hangs: the client gets an error result in time, and the session keeps serving", async () => {
    open = await inProcessGateway({ upstreams: [stdioUpstream(callLog().path)], callTimeoutMs: 300 });
    const started = Date.now();
    const res = await open.client.callTool({ name: "slow", arguments: { ms: 20_000 } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/did not answer .* within 300 ms/);
    const next = await open.client.callTool({ name: "read_statement", arguments: {} });
    expect(next.isError).toBeFalsy();
    const outcome = (await open.audit.list()).find((r) => r.event === "outcome" && r.tool === "slow");
    expect(outcome?.outcome).toBe("error");
  });

  test("a server that crashes mid-call: an error result, then the session ends with a clear reason", async () => {
    open = await inProcessGateway({ upstreams: [stdioUpstream(callLog().path)] });
    const res = await open.client.callTool({ name: "crash", arguments: {} });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/the server `server` (exited with code 3|closed its connection)/);
    await expect(open.ended).resolves.toMatch(/the server `server`/);
  });

  test("a client that disconnects with a call in flight: the session ends, the call's outcome is audited", async () => {
    const log = callLog();
    open = await inProcessGateway({ upstreams: [stdioUpstream(log.path)] });
    const inFlight = open.client
      .callTool({ name: "slow", arguments: { ms: 20_000 } })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    expect(log.calls().map((c) => c.name)).toEqual(["slow"]);
    const gw = open;
    open = null;
    await gw.close();
    await expect(gw.ended).resolves.toBe("the client disconnected");
    await inFlight;
    await new Promise((r) => setTimeout(r, 50));
    const outcome = (await gw.audit.list()).find((r) => r.event === "outcome" && r.tool === "slow");
    expect(outcome?.outcome).toBe("error");
  });
});

describe("a Cedar deployment policy on the gateway", () => {
  test("a Cedar forbid refuses a call the mandate allows, before it reaches the server", async () => {
    const { cedarPolicy } = await import("../../src/policy/cedar.js");
    const log = callLog();
    open = await inProcessGateway({
      upstreams: [stdioUpstream(log.path)],
      deployment: cedarPolicy(
        [
          "permit (principal, action, resource);",
          '@id("no-large-payments")',
          'forbid (principal, action == Action::"send_money", resource) when { context.args.amount > 1000 };',
        ].join("\n"),
      ),
    });
    const large = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 1100 },
    });
    const small = await open.client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 900 },
    });
    expect(large.isError).toBe(true);
    expect(JSON.stringify(large._meta)).toContain("no-large-payments");
    expect(small.isError).toBeFalsy();
    expect(log.calls().map((c) => c.args.amount)).toEqual([900]);
  });
});
