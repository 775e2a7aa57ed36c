// The gateway over Streamable HTTP: downstream (serveHttp) and upstream (a server at a URL), per-session
// mandates as signed tokens, and several servers behind one gateway.
import { type ChildProcess, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Mandate } from "../../src/core/mandate.js";
import { type HttpGateway, serveHttp } from "../../src/gateway/gateway.js";
import { signMandateToken } from "../../src/gateway/token.js";
import { MemoryAuditLog, MemoryBudgetStore } from "../../src/index.js";
import {
  ATTACKER,
  callLog,
  inProcessGateway,
  LANDLORD,
  MANDATE,
  SERVER,
  stdioUpstream,
  textOf,
} from "./helpers.js";

const gateways: HttpGateway[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.allSettled(gateways.splice(0).map((g) => g.close()));
});

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "http-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

describe("Streamable HTTP downstream", () => {
  test("each session is guarded; a denied call never reaches the server", async () => {
    const log = callLog();
    const audit = new MemoryAuditLog();
    const gw = await serveHttp({
      mandate: MANDATE,
      upstreams: [stdioUpstream(log.path)],
      audit,
      budgets: new MemoryBudgetStore(),
      upstreamStderr: "ignore",
    });
    gateways.push(gw);
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const a = await connect(gw.url);
    const b = await connect(gw.url);
    expect(gw.sessions()).toBe(2);
    expect((await a.listTools()).tools.map((t) => t.name)).not.toContain("delete_account");
    const ok = await a.callTool({ name: "send_money", arguments: { recipient: LANDLORD, amount: 10 } });
    const denied = await b.callTool({ name: "send_money", arguments: { recipient: ATTACKER, amount: 900 } });
    expect(ok.isError).toBeFalsy();
    expect(denied.isError).toBe(true);
    expect(log.calls().map((c) => c.args.recipient)).toEqual([LANDLORD]);
    const sessions = new Set((await audit.list()).map((r) => r.session));
    expect(sessions.size).toBe(2);
  });

  test("a body that is not JSON, or too large, is refused with a JSON-RPC error", async () => {
    const gw = await serveHttp({
      mandate: MANDATE,
      upstreams: [stdioUpstream(callLog().path)],
      audit: new MemoryAuditLog(),
      budgets: new MemoryBudgetStore(),
      maxMessageBytes: 1024,
      upstreamStderr: "ignore",
    });
    gateways.push(gw);
    const post = (body: string) =>
      fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
      });
    const notJson = await post("{nope");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const big = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { pad: "x".repeat(5000) } }),
    );
    expect(big.status).toBe(413);
    const noSession = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect(noSession.status).toBe(400);
  });
});

describe("per-session mandates as signed tokens", () => {
  let privateJwk: JWK;
  let publicJwk: JWK;
  let otherPrivate: JWK;
  beforeAll(async () => {
    const pair = await generateKeyPair("EdDSA", { extractable: true });
    privateJwk = { ...(await exportJWK(pair.privateKey)), kid: "k1" };
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1" };
    const other = await generateKeyPair("EdDSA", { extractable: true });
    otherPrivate = { ...(await exportJWK(other.privateKey)), kid: "k1" };
  });

  /** The session's own mandate: a narrower grant than the deployment policy (MANDATE). */
  const NARROW: Mandate = {
    mandate: 1,
    id: "alice-rent",
    allow: [{ tool: "send_money", args: { recipient: { const: LANDLORD }, amount: { maximum: 100 } } }],
  };

  async function tokenGateway(audit = new MemoryAuditLog()) {
    const log = callLog();
    const gw = await serveHttp({
      mandate: MANDATE,
      upstreams: [stdioUpstream(log.path)],
      audit,
      budgets: new MemoryBudgetStore(),
      tokens: { keys: { keys: [publicJwk] }, issuer: "https://issuer.example" },
      upstreamStderr: "ignore",
    });
    gateways.push(gw);
    return { gw, log, audit };
  }

  test("a valid token opens a session under its own mandate", async () => {
    const { gw, log } = await tokenGateway();
    const token = await signMandateToken(NARROW, privateJwk, {
      issuer: "https://issuer.example",
      subject: "alice",
      expiresIn: "10m",
    });
    const client = await connect(gw.url, token);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["send_money"]);
    const ok = await client.callTool({ name: "send_money", arguments: { recipient: LANDLORD, amount: 100 } });
    const over = await client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 1000 },
    });
    expect(ok.isError).toBeFalsy();
    expect(over.isError).toBe(true); // the policy would allow 1000; the session's mandate does not
    expect(log.calls().map((c) => c.args.amount)).toEqual([100]);
  });

  test("the policy still bounds every call of a session: a call the token allows but the policy does not is refused", async () => {
    const { gw, log, audit } = await tokenGateway();
    // Within the policy by tool (the policy grants send_money), wider by argument: any recipient, up to 100.
    const broad: Mandate = {
      mandate: 1,
      id: "bob-any",
      allow: [{ tool: "send_money", args: { amount: { maximum: 100 } } }],
    };
    const token = await signMandateToken(broad, privateJwk, {
      issuer: "https://issuer.example",
      expiresIn: "10m",
    });
    const client = await connect(gw.url, token);
    const toAttacker = await client.callTool({
      name: "send_money",
      arguments: { recipient: ATTACKER, amount: 50 },
    });
    const toLandlord = await client.callTool({
      name: "send_money",
      arguments: { recipient: LANDLORD, amount: 50 },
    });
    expect(toAttacker.isError).toBe(true); // the policy only asks for other recipients, and nobody answers here
    expect(toLandlord.isError).toBeFalsy();
    expect(log.calls().map((c) => c.args.recipient)).toEqual([LANDLORD]);
    const refused = (await audit.list()).find((r) => r.event === "decision" && r.verdict !== "allow")!;
    expect(refused).toMatchObject({ verdict: "ask", approval: { approver: "none", approved: false } });
  });

  test.each([
    ["no token", async () => undefined],
    [
      "a token signed by another key",
      async () =>
        signMandateToken(NARROW, otherPrivate, { issuer: "https://issuer.example", expiresIn: "10m" }),
    ],
    [
      "an expired token",
      async () =>
        signMandateToken(NARROW, privateJwk, {
          issuer: "https://issuer.example",
          expiresIn: Math.floor(Date.now() / 1000) - 3600,
        }),
    ],
    [
      "another issuer",
      async () => signMandateToken(NARROW, privateJwk, { issuer: "https://evil.example", expiresIn: "10m" }),
    ],
    [
      "a mandate beyond the policy",
      async () =>
        signMandateToken({ mandate: 1, id: "wide", allow: [{ tool: "delete_account" }] }, privateJwk, {
          issuer: "https://issuer.example",
          expiresIn: "10m",
        }),
    ],
  ])("%s → 401, audited, no session", async (_name, makeToken) => {
    const { gw, log, audit } = await tokenGateway();
    const token = await makeToken();
    const res = await fetch(gw.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect(gw.sessions()).toBe(0);
    const refusals = (await audit.list()).filter((r) => r.tool === "gateway.session");
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ verdict: "deny", outcome: "not_run" });
    expect(log.calls()).toEqual([]);
  });

  test("a token is bound to the session it opened", async () => {
    const { gw } = await tokenGateway();
    const alice = await signMandateToken(NARROW, privateJwk, {
      issuer: "https://issuer.example",
      subject: "alice",
      expiresIn: "10m",
    });
    const bob = await signMandateToken(NARROW, privateJwk, {
      issuer: "https://issuer.example",
      subject: "bob",
      expiresIn: "10m",
    });
    const client = await connect(gw.url, alice);
    await client.listTools();
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const res = await fetch(gw.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-06-18",
        authorization: `Bearer ${bob}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
  });
});

describe("upstream over Streamable HTTP, and several servers", () => {
  let httpServer: ChildProcess;
  let httpUrl: string;
  const httpLog = callLog();
  beforeAll(async () => {
    httpServer = spawn(process.execPath, [SERVER, "--http"], {
      env: { ...process.env, CALL_LOG: httpLog.path },
      stdio: ["ignore", "pipe", "inherit"],
    });
    httpUrl = await new Promise<string>((resolve, reject) => {
      httpServer.stdout!.on("data", (chunk: Buffer) => {
        const m = /PORT (\d+)/.exec(chunk.toString());
        if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
      });
      httpServer.once("exit", (code) => reject(new Error(`server exited ${String(code)}`)));
    });
  });
  afterAll(() => {
    httpServer.kill();
  });

  test("a server at a URL, fronted on stdio", async () => {
    const gw = await inProcessGateway({ upstreams: [{ name: "remote", url: httpUrl }] });
    try {
      const denied = await gw.client.callTool({
        name: "send_money",
        arguments: { recipient: ATTACKER, amount: 900 },
      });
      const ok = await gw.client.callTool({ name: "read_statement", arguments: {} });
      expect(denied.isError).toBe(true);
      expect(textOf(ok)).toContain(ATTACKER);
      expect(httpLog.calls().map((c) => c.name)).toEqual(["read_statement"]);
    } finally {
      await gw.close();
    }
  });

  test("two servers: tools are namespaced, routed to their server, and the mandate names them so", async () => {
    const localLog = callLog();
    const mandate: Mandate = {
      mandate: 1,
      id: "two-servers",
      allow: [
        { tool: "local__read_statement" },
        { tool: "remote__send_money", args: { recipient: { const: LANDLORD }, amount: { maximum: 50 } } },
      ],
    };
    const gw = await inProcessGateway({
      mandate,
      upstreams: [stdioUpstream(localLog.path, "local"), { name: "remote", url: httpUrl }],
    });
    try {
      const names = (await gw.client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(["local__read_statement", "remote__send_money"]);
      expect(gw.client.getServerVersion()?.name).toBe("mandate-gateway");
      const before = httpLog.calls().length;
      const ok = await gw.client.callTool({
        name: "remote__send_money",
        arguments: { recipient: LANDLORD, amount: 50 },
      });
      const denied = await gw.client.callTool({
        name: "local__send_money",
        arguments: { recipient: LANDLORD, amount: 50 },
      });
      await gw.client.callTool({ name: "local__read_statement", arguments: {} });
      expect(ok.isError).toBeFalsy();
      expect(denied.isError).toBe(true);
      expect(
        httpLog
          .calls()
          .slice(before)
          .map((c) => c.name),
      ).toEqual(["send_money"]);
      expect(localLog.calls().map((c) => c.name)).toEqual(["read_statement"]);
      const prompts = (await gw.client.listPrompts()).prompts.map((p) => p.name).sort();
      expect(prompts).toEqual(["local__greeting", "remote__greeting"]);
      const got = await gw.client.getPrompt({ name: "remote__greeting", arguments: { name: "Bo" } });
      expect(got.messages[0]?.content).toMatchObject({ text: "Hello Bo" });
    } finally {
      await gw.close();
    }
  });
});
