import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runApprovalsApiSuite } from "./approvals-api.suite.js";
import { agentCall, Client, pendingCall, startTestServer, type TestServer } from "./helpers.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

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

describe("operators", () => {
  it("sends anonymous visitors to sign in and agents without a token away", async () => {
    const res = await new Client(server.url).request("/audit");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signin");
    expect(
      (await agentCall(server, "/api/v1/agent/approvals", pendingCall("x", {}), "mnd_wrong")).status,
    ).toBe(401);
  });

  it("signs in with a secure, HttpOnly, SameSite=Strict cookie, new at every sign-in, and audits it", async () => {
    const a = new Client(server.url);
    const res = await a.signIn("alice");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-mandate-session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const first = a.cookies.get("__Host-mandate-session");
    // A session id planted before sign-in (fixation) is never kept: each sign-in makes a new one.
    const b = new Client(server.url);
    b.cookies.set("__Host-mandate-session", first!);
    b.cookies.delete("__Host-mandate-session");
    b.cookies.set("__Host-mandate-session", "planted-by-someone-else");
    await b.signIn("alice");
    const second = b.cookies.get("__Host-mandate-session");
    expect(second).not.toBe("planted-by-someone-else");
    expect(second).not.toBe(first);
    const rec = await lastAudit("serve.signin");
    expect(rec).toMatchObject({ verdict: "allow", subject: "alice" });
    expect((await a.request("/")).status).toBe(200);
  });

  it("refuses a wrong password, audits it, and rate-limits repeated failures", async () => {
    const c = new Client(server.url);
    const res = await c.signIn("carol", "not the password!");
    expect(res.status).toBe(403);
    expect(await lastAudit("serve.signin")).toMatchObject({
      verdict: "deny",
      reason: "sign-in refused: wrong password",
    });
    for (let i = 0; i < 4; i++) await c.signIn("carol", "still not it!!");
    const blocked = await c.signIn("carol");
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain("Too many failed sign-ins");
  });

  it("refuses a sign-in form that did not come from the page (login CSRF)", async () => {
    const c = new Client(server.url);
    await c.request("/signin");
    const res = await c.request("/signin", {
      method: "POST",
      form: { _csrf: "forged", user: "alice", password: "x" },
    });
    expect(res.status).toBe(403);
  });

  it("refuses state changes without the CSRF token or from another origin", async () => {
    const { client, csrf } = await approver();
    const { id } = await submit({ amount: 120 });
    const noToken = await client.request(`/approvals/${id}/decide`, {
      method: "POST",
      form: { answer: "approve" },
    });
    expect(noToken.status).toBe(403);
    const elsewhere = await client.request(`/approvals/${id}/decide`, {
      method: "POST",
      form: { _csrf: csrf, answer: "approve" },
      origin: "http://evil.example",
    });
    expect(elsewhere.status).toBe(403);
    const noOrigin = await client.request(`/approvals/${id}/decide`, {
      method: "POST",
      form: { _csrf: csrf, answer: "approve" },
      origin: null,
    });
    expect(noOrigin.status).toBe(403);
    expect((await agentCall(server, `/api/v1/agent/approvals/${id}`)).body["status"]).toBe("pending");
    const ok = await client.request(`/approvals/${id}/decide`, {
      method: "POST",
      form: { _csrf: csrf, answer: "deny", reason: "not today" },
    });
    expect(ok.status).toBe(303);
  });

  it("refuses a Host it does not serve (DNS rebinding)", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${server.url}/signin`, { headers: { host: "attacker.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it("lets a viewer read but not answer, and audits the attempt", async () => {
    const viewer = new Client(server.url);
    await viewer.signIn("victor");
    const csrf = await viewer.csrf();
    const { id } = await submit({ amount: 130 });
    const page = await (await viewer.request("/")).text();
    expect(page).toContain("an approver must answer it");
    const res = await viewer.request(`/approvals/${id}/decide`, {
      method: "POST",
      form: { _csrf: csrf, answer: "approve" },
    });
    expect(res.status).toBe(403);
    expect(await lastAudit("serve.answer")).toMatchObject({
      verdict: "deny",
      reason: expect.stringContaining("victor is a viewer"),
    });
    expect((await agentCall(server, `/api/v1/agent/approvals/${id}`)).body["status"]).toBe("pending");
  });

  it("sends a strict Content-Security-Policy and no-store on pages", async () => {
    const res = await new Client(server.url).request("/signin");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

runApprovalsApiSuite("SQLite", () => startTestServer());
