import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMandate } from "../../src/core/load.js";
import { createGuard } from "../../src/guard/guard.js";
import { createMonitors, loadMonitors, type Monitors } from "../../src/monitor/index.js";
import { SqliteBreakerStore } from "../../src/monitor/sqlite-breaker-store.js";
import { createServeApp } from "../../src/serve/app.js";
import { listen } from "../../src/serve/server.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";
import { Client, startTestServer, type TestServer } from "./helpers.js";

const mandate = loadMandate(`
mandate: 1
id: pay
agent: assistant
allow:
  - tool: get_balance
  - tool: send_money
    args: { amount: { maximum: 100 } }
`);

const RULES = `
monitors: 1
rules:
  - id: repeated-denials
    kind: denials
    count: 2
    within: 10m
    severity: critical
    breaker: { scope: session, action: deny }
`;

let server: TestServer;
let breakers: SqliteBreakerStore;
let monitors: Monitors;
let agentBreakers: SqliteBreakerStore;

beforeAll(async () => {
  server = await startTestServer({ breakers: (file) => (breakers = SqliteBreakerStore.open(file)) });
  // The monitors of an agent's process: alerts into the same audit chain, breakers in the same file.
  agentBreakers = SqliteBreakerStore.open(server.auditPath);
  monitors = createMonitors({
    rules: loadMonitors(RULES),
    audit: server.audit,
    reader: server.audit,
    breakers: agentBreakers,
  });
});
afterAll(async () => {
  await monitors.close();
  agentBreakers.close();
  breakers.close();
  await server.close();
});

let n = 0;
/** Two refusals in a fresh session open its breaker; the last refused tool is named in the alert. */
async function tripSession(lastTool = "delete_all"): Promise<string> {
  const session = `s-${++n}-${Date.now()}`;
  const guard = createGuard({
    mandate,
    audit: server.audit,
    budgets: new MemoryBudgetStore(),
    monitors,
    session,
  });
  expect((await guard.run({ tool: "send_money", args: { amount: 500 } }, () => "ran")).denied).toBe(true);
  expect((await guard.run({ tool: lastTool, args: {} }, () => "ran")).denied).toBe(true);
  await monitors.flush();
  // The breaker now stops a call the mandate allows.
  expect(await guard.run({ tool: "get_balance", args: {} }, () => "ran")).toMatchObject({
    denied: true,
    verdict: "deny",
  });
  return session;
}

async function signedIn(user: string): Promise<{ client: Client; csrf: string }> {
  const client = new Client(server.url);
  expect((await client.signIn(user)).status).toBe(303);
  return { client, csrf: await client.csrf() };
}

describe("the Alerts page", () => {
  it("lists alerts newest first and the open breakers, with a Reset form for approvers", async () => {
    const first = await tripSession();
    const second = await tripSession("wire_out");
    const { client } = await signedIn("alice");
    const res = await client.request("/alerts");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/<a href="\/alerts"\s+aria-current="page"/);
    const alerts = page.slice(page.indexOf('id="alerts-table"'));
    expect(alerts).toContain("repeated-denials");
    expect(alerts).toContain("severity-critical");
    expect(alerts).toContain(`${second} / assistant`);
    // Newest first.
    expect(alerts.indexOf(`session &#96;${second}&#96;`)).toBeGreaterThan(0);
    expect(alerts.indexOf(`session &#96;${second}&#96;`)).toBeLessThan(
      alerts.indexOf(`session &#96;${first}&#96;`),
    );
    const table = page.slice(page.indexOf('id="breakers-table"'), page.indexOf('id="alerts-h"'));
    expect(table).toContain(`<code>session:${first}</code>`);
    expect(table).toMatch(new RegExp(`name="key" value="session:${first}"`));
    expect(table).toContain('action="/alerts/reset"');
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page).not.toMatch(/<script>|<style|style="/);
    // Alerts are not agents' calls: the metrics count only the Guard's decisions (3 per tripped session).
    const metrics = await (await client.request("/metrics?period=1h")).text();
    const calls = Number(/id="kpi-calls">(\d+)</.exec(metrics)?.[1]);
    const decisions = (await server.audit.list({ agent: "assistant" })).filter(
      (e) => e.event === "decision" && !e.tool.startsWith("monitor."),
    ).length;
    expect(calls).toBe(decisions);
  });

  it("lets an approver reset a breaker: closed in the store, audited as monitor.reset by the operator", async () => {
    const session = await tripSession();
    const key = `session:${session}`;
    expect(breakers.find([key])).not.toBeNull();
    const { client, csrf } = await signedIn("alice");
    const res = await client.request("/alerts/reset", { method: "POST", form: { _csrf: csrf, key } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/alerts?reset=${encodeURIComponent(key)}`);
    expect(breakers.find([key])).toBeNull();
    const record = (await server.audit.list({ tool: "monitor.reset" })).at(-1);
    expect(record).toMatchObject({
      session,
      args: { key, closed: true },
      approval: { by: "alice" },
      reason: `breaker \`${key}\` reset by alice`,
    });
    expect((await server.audit.verify()).ok).toBe(true);
    const after = await (await client.request(res.headers.get("location")!)).text();
    expect(after).toContain(`Reset the breaker &#96;${key}&#96;.`);
    expect(after).not.toContain(`<code>${key}</code>`);
    // The agent's next allowed call runs again.
    const guard = createGuard({
      mandate,
      audit: server.audit,
      budgets: new MemoryBudgetStore(),
      monitors,
      session,
    });
    expect((await guard.run({ tool: "get_balance", args: {} }, () => "ran")).denied).toBe(false);
    // Resetting it again is refused: it is not open.
    const again = await client.request("/alerts/reset", { method: "POST", form: { _csrf: csrf, key } });
    expect(again.status).toBe(409);
  });

  it("shows a viewer no Reset button and refuses and audits a forged reset", async () => {
    const session = await tripSession();
    const key = `session:${session}`;
    const { client, csrf } = await signedIn("victor");
    const page = await (await client.request("/alerts")).text();
    expect(page).toContain(`<code>${key}</code>`);
    expect(page).not.toContain('action="/alerts/reset"');
    expect(page).toContain("Only an approver can reset a breaker.");
    const res = await client.request("/alerts/reset", { method: "POST", form: { _csrf: csrf, key } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("victor is a viewer and cannot reset breakers");
    expect(breakers.find([key])).not.toBeNull();
    expect((await server.audit.list({ tool: "serve.reset" })).at(-1)).toMatchObject({
      verdict: "deny",
      subject: "victor",
      session,
      args: { key },
      reason: expect.stringContaining("victor is a viewer"),
    });
    expect((await server.audit.list({ tool: "monitor.reset" })).some((r) => r.session === session)).toBe(
      false,
    );
  });

  it("refuses a reset without the CSRF token or from another origin", async () => {
    const session = await tripSession();
    const key = `session:${session}`;
    const { client, csrf } = await signedIn("alice");
    const noToken = await client.request("/alerts/reset", { method: "POST", form: { key } });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain("CSRF check failed");
    const elsewhere = await client.request("/alerts/reset", {
      method: "POST",
      form: { _csrf: csrf, key },
      origin: "http://evil.example",
    });
    expect(elsewhere.status).toBe(403);
    expect(breakers.find([key])).not.toBeNull();
  });

  it("escapes an alert's message: a refused tool named <script> shows as text", async () => {
    const evil = "<script>alert(1)</script>";
    await tripSession(evil);
    const { client } = await signedIn("victor");
    const page = await (await client.request("/alerts")).text();
    expect(page).not.toContain(evil);
    expect(page).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
  });
});

describe("without a breaker store", () => {
  it("says breakers are not shown (PostgreSQL audit log) and still lists alerts", async () => {
    const { OperatorStore } = await import("../../src/serve/operators.js");
    const { openServeDatabase } = await import("../../src/serve/database.js");
    const { SqliteApprovalQueue } = await import("../../src/serve/sqlite-approval-queue.js");
    const { join } = await import("node:path");
    const db = openServeDatabase(join(server.dir, "other.db"));
    const operators = new OperatorStore(db);
    await operators.addUser("alice", "approver", "correct horse battery");
    const app = createServeApp({
      operators,
      queue: new SqliteApprovalQueue(db),
      audit: server.audit,
      breakersUnavailable: "the audit log is on PostgreSQL.",
      allowedHosts: null,
    });
    const running = await listen(app);
    try {
      const client = new Client(running.url);
      expect((await client.signIn("alice")).status).toBe(303);
      const page = await (await client.request("/alerts")).text();
      expect(page).toContain("Breakers are not shown: the audit log is on PostgreSQL.");
      expect(page).toContain('id="alerts-table"');
      const csrf = await client.csrf();
      const res = await client.request("/alerts/reset", {
        method: "POST",
        form: { _csrf: csrf, key: "all" },
      });
      expect(res.status).toBe(409);
    } finally {
      await running.close();
      db.close();
    }
  });
});
