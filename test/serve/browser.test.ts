import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, startTestServer, type TestServer } from "./helpers.js";

const SHOTS = fileURLToPath(new URL("../../test-results/serve/", import.meta.url));
const HOOKS = new URL("../fixtures/ts-hooks.ts", import.meta.url).href;
const AGENT = fileURLToPath(new URL("./fixtures/agent.ts", import.meta.url));
const XSS = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2;alert(1)">`;

/** The agent process: its printed results, awaited by call id. */
class Agent {
  readonly results = new Map<string, Record<string, unknown>>();
  readonly #waiters = new Map<string, (r: Record<string, unknown>) => void>();
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  stderr = "";
  constructor(server: TestServer) {
    // transform-types, not strip-only: the Guard's sources use parameter properties.
    const flags = [
      "--experimental-transform-types",
      "--disable-warning=ExperimentalWarning",
      "--import",
      HOOKS,
    ];
    this.child = spawn(process.execPath, [...flags, AGENT, server.url, server.agentToken, server.auditPath], {
      stdio: "pipe",
    });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    let readied: () => void = () => {};
    this.ready = new Promise((resolve) => (readied = resolve));
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg["ready"] === true) return readied();
      const id = String(msg["callId"]);
      this.results.set(id, msg);
      this.#waiters.get(id)?.(msg);
    });
  }
  send(msg: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
  }
  result(callId: string): Promise<Record<string, unknown>> {
    const done = this.results.get(callId);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => this.#waiters.set(callId, resolve));
  }
}

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let agent: Agent;
const dialogs: string[] = [];
const offsite: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer();
  agent = new Agent(server);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) offsite.push(r.url());
  });
  await agent.ready;
}, 30_000);

afterAll(async () => {
  agent?.child.stdin.end();
  agent?.child.kill();
  await browser?.close();
  await server?.close();
});

const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

describe("the dashboard in Chromium", () => {
  it("signs in with the form, sent with a strict CSP", async () => {
    const res = await page.goto(`${server.url}/`);
    expect(page.url()).toBe(`${server.url}/signin`);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'; script-src 'self'");
    await shot("signin-laptop");
    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.url()).toBe(`${server.url}/`);
    await page.getByRole("heading", { name: "Approvals", level: 1 }).waitFor();
    // The first Tab reaches the skip link.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
  });

  it("shows a call the agent waits on without a reload, escaped; approving it lets the agent's call run", async () => {
    agent.send({ callId: "b-1", tool: "send_money", args: { amount: 250, memo: XSS } });
    const card = page.locator('article[data-call-id="b-1"]');
    await card.waitFor({ timeout: 15_000 });
    // Shown as text, inside the JSON of the argument.
    await card.locator("pre", { hasText: "<script>window.__pwned=1</script><img src=x onerror=" }).waitFor();
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await card.locator("img").count()).toBe(0);
    await shot("approvals-laptop");
    await card.getByLabel("Reason").fill("known supplier");
    await card.getByRole("button", { name: "Approve" }).click();
    const result = await agent.result("b-1");
    expect(result).toMatchObject({ denied: false, value: { sent: 250 } });
    await page.getByText("Approved `send_money` (call b-1).").waitFor();
  });

  it("denies another call and the denial reaches the agent", async () => {
    agent.send({ callId: "b-2", tool: "send_money", args: { amount: 300, memo: "invoice 12" } });
    const card = page.locator('article[data-call-id="b-2"]');
    await card.waitFor({ timeout: 15_000 });
    await card.getByLabel("Reason").fill("wrong supplier");
    await card.getByRole("button", { name: "Deny" }).click();
    const result = await agent.result("b-2");
    expect(result["denied"]).toBe(true);
    expect(String(result["message"])).toContain("wrong supplier");
  });

  it("refuses a replayed approval, and the refusal is in the audit log", async () => {
    const used = (await server.queue.recent(10, Date.now())).find((a) => a.call.callId === "b-1")!;
    agent.results.delete("b-1");
    agent.send({ replay: used.id, callId: "b-1", tool: "send_money", args: { amount: 250, memo: XSS } });
    expect(await agent.result("b-1")).toMatchObject({
      replay: 409,
      body: { error: "the approval was already used" },
    });
    agent.results.delete("b-3");
    agent.send({ replay: used.id, callId: "b-3", tool: "send_money", args: { amount: 999 } });
    expect(await agent.result("b-3")).toMatchObject({
      replay: 409,
      body: { error: "the approval was given for another call" },
    });
    await page.goto(`${server.url}/audit?tool=serve.redeem&verdict=deny`);
    await page.getByText("approval refused: the approval was already used").waitFor();
    await page.getByText("approval refused: the approval was given for another call").waitFor();
  });

  it("filters the audit log and opens a record", async () => {
    await page.goto(`${server.url}/audit`);
    await page.getByLabel("Tool").fill("send_money");
    await page.getByLabel("Verdict").selectOption("ask");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => page.url()).toContain("tool=send_money");
    const rows = page.locator("#audit-table tbody tr");
    // b-1: decision + outcome; b-2: decision.
    expect(await rows.count()).toBe(3);
    for (const text of await rows.locator("td:nth-child(3)").allTextContents())
      expect(text).toContain("send_money");
    await shot("audit-laptop");
    await rows.last().getByRole("link").click();
    await page.getByRole("heading", { name: /Audit record/ }).waitFor();
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    await page.getByText("This record is part of the verified chain.").waitFor();
  });

  it("draws the metrics as charts and the mandate in words; opens a report", async () => {
    await page.goto(`${server.url}/metrics`);
    expect(await page.locator("figure.chart svg").count()).toBe(5);
    expect(await page.locator("#kpi-calls").textContent()).toBe("2");
    // Both calls went beyond what the mandate allows outright (both were asked).
    expect(await page.locator("#kpi-violations").textContent()).toBe("2");
    await shot("metrics-laptop");
    await page.goto(`${server.url}/mandates`);
    await page
      .locator("li.rule-ask", {
        hasText:
          "Must ask a person before calling send_money when amount is above 0 and at most 1000 and memo is a string (if given).",
      })
      .waitFor();
    await shot("mandates-laptop");
    await page.goto(`${server.url}/reports`);
    await page.getByRole("link", { name: "banking.html" }).click();
    await page.getByRole("heading", { name: "Evaluation" }).waitFor();
  });

  it("reads well at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [
      ["/", "approvals"],
      ["/audit", "audit"],
      ["/metrics", "metrics"],
      ["/mandates", "mandates"],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      // Nothing wider than the screen.
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      await shot(`${name}-phone`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("flags a tampered chain on every page", async () => {
    const db = new Database(server.auditPath);
    const row = db.prepare("SELECT seq FROM audit WHERE tool = 'send_money' ORDER BY seq LIMIT 1").get() as {
      seq: number;
    };
    // An edit to the stored record (the amount of a payment), as someone with the file could make.
    const changed = db
      .prepare("UPDATE audit SET record = replace(record, '\"amount\":250', '\"amount\":25') WHERE seq = ?")
      .run(row.seq);
    expect(changed.changes).toBe(1);
    db.close();
    await page.goto(`${server.url}/`);
    const banner = page.locator(".chain-broken");
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`AUDIT CHAIN BROKEN — record ${row.seq}`);
    await shot("chain-broken-laptop");
    await page.goto(`${server.url}/audit/${row.seq}`);
    await page.getByText("it cannot be trusted").first().waitFor();
  });

  it("ran no injected script, opened no dialog and fetched nothing from elsewhere", () => {
    expect(dialogs).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
