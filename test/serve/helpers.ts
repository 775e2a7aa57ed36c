import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BreakerStore } from "../../src/monitor/breaker-store.js";
import { createServeApp } from "../../src/serve/app.js";
import type { ApprovalQueue } from "../../src/serve/approval-queue.js";
import { openServeDatabase } from "../../src/serve/database.js";
import { OperatorStore } from "../../src/serve/operators.js";
import { listen, loopbackHosts, type RunningServer } from "../../src/serve/server.js";
import { SqliteApprovalQueue } from "../../src/serve/sqlite-approval-queue.js";
import { SignInLimiter } from "../../src/serve/rate-limit.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";
import { PAYMENTS, paymentsMandate } from "./fixtures/payments.js";

export const PASSWORD = "correct horse battery";

export interface TestServer {
  readonly url: string;
  readonly dir: string;
  readonly auditPath: string;
  readonly audit: SqliteAuditLog;
  readonly operators: OperatorStore;
  readonly agentToken: string;
  readonly mandatePath: string;
  readonly queue: ApprovalQueue;
  /** Moves the server's clock (approval expiry, sessions). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A real `mandate serve` app on 127.0.0.1 with two operators (alice approves, victor views) and an agent token.
 * The approvals queue is the SQLite one in the server's file unless `queue` opens another.
 */
export async function startTestServer(
  opts: {
    grantTtlMs?: number;
    queue?: () => Promise<ApprovalQueue>;
    /** The breakers the Alerts page shows, opened on the audit file. */
    breakers?: (auditPath: string) => BreakerStore;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "mandate-serve-"));
  const db = openServeDatabase(join(dir, "serve.db"));
  let offset = 0;
  const clock = () => Date.now() + offset;
  const operators = new OperatorStore(db, {}, clock);
  await operators.addUser("alice", "approver", PASSWORD);
  await operators.addUser("victor", "viewer", PASSWORD);
  await operators.addUser("carol", "viewer", PASSWORD);
  const agentToken = operators.addAgentToken("payments-bot");
  const auditPath = join(dir, "audit.db");
  const audit = await SqliteAuditLog.open(auditPath);
  const queue = opts.queue === undefined ? new SqliteApprovalQueue(db) : await opts.queue();
  const mandatePath = join(dir, "mandate.json");
  const { writeFileSync, mkdirSync } = await import("node:fs");
  writeFileSync(mandatePath, JSON.stringify(PAYMENTS, null, 2));
  mkdirSync(join(dir, "reports"));
  writeFileSync(join(dir, "reports", "banking.html"), "<!doctype html><title>r</title><h1>Evaluation</h1>");
  let hosts: string[] | null = [];
  const app = createServeApp({
    operators,
    queue,
    audit,
    auditFiles: [auditPath, `${auditPath}-wal`],
    ...(opts.breakers === undefined ? {} : { breakers: opts.breakers(auditPath) }),
    mandates: [{ file: mandatePath, mandate: paymentsMandate() }],
    reportsDir: join(dir, "reports"),
    get allowedHosts() {
      return hosts;
    },
    grantTtlMs: opts.grantTtlMs ?? 60_000,
    limiter: new SignInLimiter({ perUser: 5, perAddress: 1000, windowMs: 60_000 }),
    clock,
  });
  const server: RunningServer = await listen(app);
  hosts = loopbackHosts("127.0.0.1", server.port);
  return {
    url: server.url,
    dir,
    auditPath,
    audit,
    operators,
    agentToken,
    mandatePath,
    queue,
    advance: (ms) => {
      offset += ms;
    },
    async close() {
      await server.close();
      await queue.close();
      await audit.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser-like client over real HTTP: keeps cookies, sends Origin, never follows redirects. */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(
    path: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      origin?: string | null;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers["cookie"] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (init.origin !== null && init.method !== undefined && init.method !== "GET")
      headers["origin"] = init.origin ?? this.base;
    let body: string | undefined;
    if (init.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? "GET",
      headers,
      redirect: "manual",
      ...(body === undefined ? {} : { body }),
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, value] = pair!.split("=");
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(cookie) || value === "") this.cookies.delete(name!);
      else this.cookies.set(name!, value!);
    }
    return res;
  }

  /** Signs in; returns the response of the POST. */
  async signIn(user: string, password = PASSWORD): Promise<Response> {
    const page = await (await this.request("/signin")).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    return this.request("/signin", { method: "POST", form: { _csrf: token, user, password } });
  }

  /** The session's CSRF token, read from a page as a browser would. */
  async csrf(): Promise<string> {
    const page = await (await this.request("/")).text();
    return /<meta name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? "";
  }
}

/** The agent side of the protocol, over real HTTP with the agent token. */
export async function agentCall(
  server: TestServer,
  path: string,
  body?: unknown,
  token = server.agentToken,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function pendingCall(callId: string, args: Record<string, unknown>, waitMs = 60_000) {
  return {
    callId,
    tool: "send_money",
    args,
    session: "s1",
    mandate: {
      id: "pay-suppliers",
      subject: "user:alice",
      agent: "payments-bot",
      task: "Pay this week's supplier invoices.",
    },
    reason: "the call needs approval",
    rule: { effect: "ask", index: 0, pointer: "/ask/0" },
    delta: [],
    escalation: [
      { kind: "argument", path: "/amount", exercised: args["amount"], message: "`amount` is above 50" },
    ],
    waitMs,
  };
}
