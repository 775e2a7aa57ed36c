import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { loadMandate } from "../../src/core/load.js";
import { createGuard } from "../../src/guard/guard.js";
import {
  type Alert,
  createMonitors,
  loadMonitors,
  notifiersFor,
  webhookNotifier,
} from "../../src/monitor/index.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../../src/stores/memory/budget-store.js";

interface Hit {
  readonly at: number;
  readonly body: string;
  readonly signature: string | undefined;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A receiver on 127.0.0.1 that fails the first `failures` attempts with 503, or answers after `delayMs`. */
async function receiver(opts: { failures?: number; delayMs?: number } = {}) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push({
        at: Date.now(),
        body,
        signature: req.headers["x-mandate-signature"] as string | undefined,
      });
      const reply = () => {
        res.statusCode = hits.length <= (opts.failures ?? 0) ? 503 : 204;
        res.end();
      };
      if (opts.delayMs) setTimeout(reply, opts.delayMs);
      else reply();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts` };
}

const alert = (id: string): Alert => ({
  id,
  time: "2026-01-01T00:00:00.000Z",
  rule: "r",
  kind: "denials",
  severity: "warning",
  message: "m",
  agent: "a",
  session: "s",
  mandateId: "m",
  callId: "c",
  tool: "t",
  breaker: null,
});

describe("webhook notifier", () => {
  test("retries with exponential backoff until the receiver accepts; the body is signed with HMAC-SHA256", async () => {
    const { hits, url } = await receiver({ failures: 2 });
    const notifier = webhookNotifier({ url, secret: "s3cret", backoffMs: 40 });
    notifier.notify(alert("a1"));
    await notifier.flush();
    expect(hits).toHaveLength(3);
    const gaps = [hits[1]!.at - hits[0]!.at, hits[2]!.at - hits[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75); // doubled
    for (const h of hits) {
      expect(JSON.parse(h.body)).toMatchObject({ id: "a1", rule: "r" });
      expect(h.signature).toBe(`sha256=${createHmac("sha256", "s3cret").update(h.body).digest("hex")}`);
    }
  });

  test("gives up after the configured attempts and reports it", async () => {
    const { hits, url } = await receiver({ failures: 100 });
    const errors: string[] = [];
    const notifier = webhookNotifier({
      url,
      attempts: 3,
      backoffMs: 5,
      onError: (e) => errors.push(e.message),
    });
    notifier.notify(alert("a1"));
    await notifier.flush();
    expect(hits).toHaveLength(3);
    expect(errors).toEqual(["the alert webhook was not reached after 3 attempts: HTTP 503"]);
  });

  test("the queue is bounded: the oldest alert is dropped and reported", async () => {
    const { hits, url } = await receiver();
    const dropped: string[] = [];
    const notifier = webhookNotifier({
      url,
      queueSize: 2,
      onError: (e, a) => dropped.push(`${a.id}: ${e.message}`),
    });
    for (const id of ["a1", "a2", "a3", "a4"]) notifier.notify(alert(id));
    await notifier.flush();
    expect(dropped).toEqual(["a2: the alert queue is full (2): 2 oldest alerts were dropped"]);
    expect(hits.map((h) => (JSON.parse(h.body) as Alert).id)).toEqual(["a3", "a4"]);
  });

  test("a slow receiver never delays a guarded call", async () => {
    const { hits, url } = await receiver({ delayMs: 150 });
    const audit = new MemoryAuditLog();
    const monitors = createMonitors({
      rules: loadMonitors("monitors: 1\nrules:\n  - { id: d, kind: denials, count: 1, within: 1m }\n"),
      audit,
      notifiers: [webhookNotifier({ url })],
    });
    const guard = createGuard({
      mandate: loadMandate("mandate: 1\nid: m\nallow: [{ tool: ok }]\n"),
      audit,
      budgets: new MemoryBudgetStore(),
      monitors,
    });
    const started = performance.now();
    for (let i = 0; i < 5; i++) await guard.run({ tool: "nope", args: {} }, () => 1);
    expect(performance.now() - started).toBeLessThan(100);
    await monitors.flush();
    expect(hits).toHaveLength(5);
    await monitors.close();
  });

  test("webhooks from a monitors file read their secret from the environment, and refuse a missing one", () => {
    const spec = [{ url: "http://127.0.0.1:1/x", secretEnv: "ALERT_SECRET" }];
    expect(() => notifiersFor(spec, {})).toThrow(/needs its secret in `ALERT_SECRET`/);
    expect(notifiersFor(spec, { ALERT_SECRET: "k" })).toHaveLength(1);
  });
});
