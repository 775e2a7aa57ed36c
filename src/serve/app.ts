import { readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import type { DeltaKind } from "../core/decision.js";
import type { Mandate } from "../core/mandate.js";
import type { ChainVerification } from "../guard/audit-chain.js";
import type { AuditEntry } from "../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../guard/ports.js";
import { ALERT_TOOL } from "../monitor/alert.js";
import type { BreakerStore } from "../monitor/breaker-store.js";
import { resetRecord } from "../monitor/monitors.js";
import { mountAgentApi } from "./agent-api.js";
import type { ApprovalQueue, Narrowing } from "./approval-queue.js";
import { APP_CSS, APP_JS } from "./assets.js";
import type { Html } from "./html.js";
import { auditMetrics } from "./metrics.js";
import { checkNarrowing, describeNarrowing } from "./narrowing.js";
import { auditOperator } from "./operator-audit.js";
import { type OperatorSession, type OperatorStore, randomToken, sameSecret } from "./operators.js";
import { SignInLimiter } from "./rate-limit.js";
import { REPORT_POLICY, sameOrigin, securityHeaders } from "./security.js";
import { alertRow, alertsPage, type BreakerView } from "./views/alerts.js";
import { approvalPage, approvalsPage, type Notice, queueFragment } from "./views/approvals.js";
import { type AuditQuery, auditPage, auditRecordPage, DELTA_KINDS } from "./views/audit.js";
import { errorPage, type PageContext } from "./views/layout.js";
import { loginPage } from "./views/login.js";
import { type MandateInUse, mandatesPage } from "./views/mandates.js";
import { metricsPage, type Period, PERIODS } from "./views/metrics.js";
import { type ReportFile, reportsPage } from "./views/reports.js";

export interface LoadedMandate {
  readonly file: string;
  readonly mandate: Mandate;
}

export interface ServeAppOptions {
  readonly operators: OperatorStore;
  readonly queue: ApprovalQueue;
  /** The audit log the Guards write; the dashboard reads it and appends its own events to the same chain. */
  readonly audit: AuditLog & AuditReader;
  /** Files whose change means the chain must be verified again (the SQLite file and its WAL). */
  readonly auditFiles?: readonly string[];
  /**
   * The monitors' circuit breakers, shown on the Alerts page and reset there by approvers: usually a
   * `SqliteBreakerStore` on the audit file. `null` or absent: not shown (no store this dashboard can reach).
   */
  readonly breakers?: BreakerStore | null;
  /** Why breakers are not shown, when `breakers` is absent. */
  readonly breakersUnavailable?: string;
  readonly mandates?: readonly LoadedMandate[];
  readonly reportsDir?: string | null;
  /** The `Host` values accepted (DNS-rebinding protection); `null` accepts any (behind a proxy that checks). */
  readonly allowedHosts: readonly string[] | null;
  /** `https:` when served over TLS: adds HSTS. Cookies are `Secure` either way (browsers allow it on loopback). */
  readonly tls?: boolean;
  /** How long an approval may wait to be redeemed by its agent. Default 60 s. */
  readonly grantTtlMs?: number;
  /** Longest an agent may wait for a person. Default 10 minutes. */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  readonly limiter?: SignInLimiter;
  readonly clock?: () => number;
  readonly log?: (line: string) => void;
}

const SESSION_COOKIE = "__Host-mandate-session";
const PRE_COOKIE = "__Host-mandate-pre";
const COOKIE = { httpOnly: true, secure: true, sameSite: "Strict", path: "/" } as const;

type Env = { Variables: { session: OperatorSession; sessionId: string } };

/** The `mandate serve` application: the dashboard pages, the operators' forms and the agents' approval API. */
export function createServeApp(o: ServeAppOptions): Hono<Env> {
  const clock = o.clock ?? Date.now;
  const limiter = o.limiter ?? new SignInLimiter();
  const grantTtlMs = o.grantTtlMs ?? 60_000;
  const mandates = new Map((o.mandates ?? []).map((m) => [m.mandate.id, m]));
  const app = new Hono<Env>();
  const chain = chainCache(o.audit, o.auditFiles ?? []);

  app.onError((error, c) => {
    o.log?.(`serve: ${error instanceof Error ? error.message : String(error)}`);
    return c.html(errorPage(null, 500, "Something went wrong; nothing was changed.").toString(), 500);
  });
  app.use(async (c, next) => {
    if (o.allowedHosts !== null && !o.allowedHosts.includes(c.req.header("host") ?? "")) {
      return c.text("unknown host", 421);
    }
    await next();
    securityHeaders(c, o.tls === true);
  });
  app.use(
    "/api/v1/agent/*",
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ error: "request too large" }, 413) }),
  );
  app.use(bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text("request too large", 413) }));

  const originOf = (c: Context): string =>
    `${o.tls === true ? "https" : "http"}://${c.req.header("host") ?? ""}`;
  const remoteOf = (c: Context): string => {
    try {
      return getConnInfo(c).remote.address ?? "unknown";
    } catch {
      return "unknown";
    }
  };
  const render = (c: Context, body: Html, status: 200 | 400 | 403 | 404 | 409 | 429 | 500 = 200) =>
    c.html(body.toString(), status);

  app.get("/static/app.css", (c) =>
    c.body(APP_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" }),
  );
  app.get("/static/app.js", (c) =>
    c.body(APP_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }),
  );
  app.get("/healthz", (c) => c.json({ ok: true }));

  mountAgentApi(app as unknown as Hono, {
    queue: o.queue,
    operators: o.operators,
    audit: o.audit,
    clock,
    maxWaitMs: o.maxWaitMs ?? 10 * 60_000,
    pollMs: o.pollMs ?? 25_000,
  });

  // --- signing in -------------------------------------------------------------------------------------------
  const signInForm = (c: Context, message: string | null, user = "", status: 200 | 400 | 403 | 429 = 200) => {
    let pre = getCookie(c, PRE_COOKIE);
    if (pre === undefined || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
      pre = randomToken();
      setCookie(c, PRE_COOKIE, pre, { ...COOKIE, maxAge: 3600 });
    }
    return render(c, loginPage(o.operators.signInToken(pre), message, user), status);
  };
  app.get("/signin", (c) =>
    o.operators.session(getCookie(c, SESSION_COOKIE)) === null ? signInForm(c, null) : c.redirect("/", 303),
  );
  app.post("/signin", async (c) => {
    const form = await c.req.parseBody();
    const user = typeof form["user"] === "string" ? form["user"].slice(0, 64) : "";
    const password = typeof form["password"] === "string" ? form["password"] : "";
    const pre = getCookie(c, PRE_COOKIE);
    if (
      !sameOrigin(c, originOf(c)) ||
      pre === undefined ||
      !sameSecret(String(form["_csrf"] ?? ""), o.operators.signInToken(pre))
    )
      return signInForm(c, "The form expired or came from elsewhere; try again.", user, 403);
    const remote = remoteOf(c);
    const keys = [`user:${user}`, `ip:${remote}`];
    const now = clock();
    const wait = limiter.blockedFor(keys, now);
    if (wait > 0) {
      await auditOperator(
        o.audit,
        { kind: "signin", user, ok: false, reason: "too many failed attempts", remote },
        now,
      );
      return signInForm(
        c,
        `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60_000)} minutes.`,
        user,
        429,
      );
    }
    const result = await o.operators.signIn(user, password);
    await auditOperator(
      o.audit,
      { kind: "signin", user, ok: result.ok, reason: result.ok ? "" : result.reason, remote },
      clock(),
    );
    if (!result.ok) {
      limiter.fail(keys, now);
      return signInForm(c, "Wrong user name or password.", user, 403);
    }
    limiter.succeed(keys);
    deleteCookie(c, PRE_COOKIE, COOKIE);
    setCookie(c, SESSION_COOKIE, result.sessionId, COOKIE);
    return c.redirect("/", 303);
  });

  // --- everything below needs a session ---------------------------------------------------------------------
  app.use(async (c, next) => {
    const sessionId = getCookie(c, SESSION_COOKIE);
    const session = o.operators.session(sessionId);
    if (session === null || sessionId === undefined) {
      if (c.req.path.startsWith("/api/") || c.req.path === "/events")
        return c.json({ error: "sign in first" }, 401);
      return c.redirect("/signin", 303);
    }
    c.set("session", session);
    c.set("sessionId", sessionId);
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      // Synchronizer token (form field or header) and Origin: both must hold.
      const form = (c.req.header("content-type") ?? "").includes("form") ? await c.req.parseBody() : {};
      const token =
        c.req.header("x-csrf-token") ?? (typeof form["_csrf"] === "string" ? form["_csrf"] : undefined);
      if (!sameOrigin(c, originOf(c)) || !sameSecret(token, session.csrf)) {
        return render(
          c,
          errorPage(
            null,
            403,
            "This request did not come from a page of this dashboard (CSRF check failed); nothing was changed.",
          ),
          403,
        );
      }
    }
    await next();
  });

  const context = async (c: Context<Env>): Promise<PageContext> => {
    const session = c.get("session");
    return {
      user: session.user,
      csrf: session.csrf,
      chain: await chain(),
      pending: (await o.queue.pending(clock())).length,
    };
  };

  app.post("/signout", async (c) => {
    o.operators.signOut(c.get("sessionId"));
    await auditOperator(
      o.audit,
      { kind: "signout", user: c.get("session").user.name, remote: remoteOf(c) },
      clock(),
    );
    deleteCookie(c, SESSION_COOKIE, COOKIE);
    return c.redirect("/signin", 303);
  });

  // --- approvals ------------------------------------------------------------------------------------------------
  const approvals = async (c: Context<Env>, notice: Notice | null, status: 200 | 400 | 403 | 409 = 200) => {
    const now = clock();
    return render(
      c,
      approvalsPage(await context(c), await o.queue.pending(now), await o.queue.recent(20, now), notice),
      status,
    );
  };
  app.get("/", async (c) => {
    const answered = c.req.query("answered");
    const a = answered === undefined ? undefined : await o.queue.get(answered, clock());
    return approvals(
      c,
      a === undefined
        ? null
        : {
            ok: true,
            text: `${a.status === "approved" ? "Approved" : "Denied"} \`${a.call.tool}\` (call ${a.call.callId}).`,
          },
    );
  });
  app.get("/approvals/fragment", async (c) =>
    render(c, queueFragment(await context(c), await o.queue.pending(clock()))),
  );
  app.get("/approvals/:id", async (c) => {
    const a = await o.queue.get(c.req.param("id"), clock());
    if (a === undefined) return render(c, errorPage(await context(c), 404, "No such call."), 404);
    return render(c, approvalPage(await context(c), a, null));
  });
  app.post("/approvals/:id/decide", async (c) => {
    const session = c.get("session");
    const now = clock();
    const a = await o.queue.get(c.req.param("id"), now);
    if (a === undefined) return render(c, errorPage(await context(c), 404, "No such call."), 404);
    const refuse = async (reason: string, status: 400 | 403 | 409) => {
      await auditOperator(
        o.audit,
        { kind: "answer-refused", approval: a, by: session.user.name, reason },
        clock(),
      );
      return render(
        c,
        approvalPage(await context(c), (await o.queue.get(a.id, clock())) ?? a, {
          ok: false,
          text: `Refused: ${reason}`,
        }),
        status,
      );
    };
    if (session.user.role !== "approver")
      return refuse(`${session.user.name} is a viewer and cannot answer calls`, 403);
    const form = await c.req.parseBody();
    const answer = form["answer"];
    if (answer !== "approve" && answer !== "deny") return refuse("choose approve or deny", 400);
    const reason = typeof form["reason"] === "string" ? form["reason"].trim().slice(0, 500) : "";
    let narrowing: Narrowing | null = null;
    const arg = typeof form["narrow_arg"] === "string" ? form["narrow_arg"] : "";
    const max = typeof form["narrow_max"] === "string" ? form["narrow_max"].trim() : "";
    const min = typeof form["narrow_min"] === "string" ? form["narrow_min"].trim() : "";
    if (answer === "approve" && (arg !== "" || max !== "" || min !== "")) {
      if (arg === "") return refuse("a bound needs an argument to apply to", 400);
      const n: Narrowing = {
        arg,
        ...(max === "" ? {} : { maximum: Number(max) }),
        ...(min === "" ? {} : { minimum: Number(min) }),
      };
      const check = checkNarrowing(n, a.call.args, mandates.get(a.call.mandate.id)?.mandate, a.call.rule);
      if (!check.ok) return refuse(`cannot approve within that bound: ${check.reason}`, 400);
      narrowing = n;
    }
    if (a.status !== "pending")
      return refuse(
        a.status === "expired"
          ? "the agent stopped waiting for this call"
          : `this call was already ${a.status}`,
        409,
      );
    // Written ahead, like the Guard's decisions: an answer that cannot be recorded is not given.
    await auditOperator(
      o.audit,
      {
        kind: "answer",
        approval: a,
        approved: answer === "approve",
        by: session.user.name,
        reason,
        narrowing: narrowing === null ? null : describeNarrowing(narrowing),
      },
      now,
    );
    const result = await o.queue.decide(
      a.id,
      { approved: answer === "approve", by: session.user.name, reason, narrowing },
      grantTtlMs,
      now,
    );
    if (!result.ok) return refuse(result.reason, 409);
    return c.redirect(`/?answered=${encodeURIComponent(a.id)}`, 303);
  });

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let wake: (() => void) | null = null;
      const unsubscribe = o.queue.subscribe(() => wake?.());
      stream.onAbort(() => wake?.());
      try {
        while (!stream.aborted && o.operators.session(c.get("sessionId")) !== null) {
          await stream.writeSSE({
            event: "approvals",
            data: String((await o.queue.pending(clock())).length),
          });
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 25_000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        unsubscribe();
      }
    }),
  );

  // --- alerts and circuit breakers -----------------------------------------------------------------------------
  const alerts = async (c: Context<Env>, notice: Notice | null, status: 200 | 400 | 403 | 409 = 200) => {
    let rows: ReturnType<typeof alertRow>[] = [];
    let error: string | null = null;
    try {
      rows = (await o.audit.list({ tool: ALERT_TOOL })).slice(-200).reverse().map(alertRow);
    } catch {
      error = "the audit log could not be read";
    }
    let breakers: BreakerView;
    if (o.breakers == null)
      breakers = { kind: "unavailable", reason: o.breakersUnavailable ?? "no breaker store is configured." };
    else
      try {
        breakers = { kind: "open", trips: await o.breakers.list() };
      } catch {
        breakers = { kind: "unavailable", reason: "the breaker store could not be read." };
      }
    return render(c, alertsPage(await context(c), rows, breakers, notice, error), status);
  };
  app.get("/alerts", async (c) => {
    // Said only when it holds: a link cannot make the page claim a breaker is closed while it is open.
    const reset = c.req.query("reset")?.slice(0, 300);
    const closed = reset !== undefined && o.breakers != null && (await o.breakers.find([reset])) === null;
    return alerts(c, closed ? { ok: true, text: `Reset the breaker \`${reset}\`.` } : null);
  });
  app.post("/alerts/reset", async (c) => {
    const by = c.get("session").user;
    const form = await c.req.parseBody();
    const raw = typeof form["key"] === "string" ? form["key"] : "";
    const key = /^(all|(session|agent):.{1,256})$/s.test(raw) ? raw : "";
    const refuse = async (reason: string, status: 400 | 403 | 409) => {
      await auditOperator(
        o.audit,
        { kind: "reset-refused", key: raw.slice(0, 300), by: by.name, reason },
        clock(),
      );
      return alerts(c, { ok: false, text: `Refused: ${reason}` }, status);
    };
    if (by.role !== "approver") return refuse(`${by.name} is a viewer and cannot reset breakers`, 403);
    if (key === "") return refuse("no such breaker", 400);
    if (o.breakers == null) return refuse("breakers are not available here", 409);
    if ((await o.breakers.find([key]))?.key !== key) return refuse(`breaker \`${key}\` is not open`, 409);
    // Written ahead, like an answer: a reset that cannot be recorded is not made. A concurrent reset elsewhere
    // leaves the breaker closed either way, which is what this record says.
    await o.audit.append(resetRecord(key, by.name, true, clock()));
    await o.breakers.reset(key);
    return c.redirect(`/alerts?reset=${encodeURIComponent(key)}`, 303);
  });

  // --- audit, metrics, mandates, reports --------------------------------------------------------------------------
  app.get("/audit", async (c) => {
    const q = auditQuery(c);
    let rows: AuditEntry[] = [];
    let more: number | null = null;
    let error: string | null = null;
    try {
      const filter: AuditFilter = {
        ...(q.mandate ? { mandateId: q.mandate } : {}),
        ...(q.agent ? { agent: q.agent } : {}),
        ...(q.subject ? { subject: q.subject } : {}),
        ...(q.tool ? { tool: q.tool } : {}),
        ...(q.verdict ? { verdict: q.verdict } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
      };
      const all = (await o.audit.list(filter)).filter(
        (e) =>
          (q.kind === undefined || (Array.isArray(e.delta) && e.delta.some((d) => d.kind === q.kind))) &&
          (q.before === undefined || e.seq < q.before),
      );
      rows = all.slice(-200).reverse();
      more = all.length > 200 ? rows.at(-1)!.seq : null;
    } catch (e) {
      error = e instanceof RangeError ? e.message : "the audit log could not be read";
    }
    return render(c, auditPage(await context(c), q, rows, more, error), error === null ? 200 : 400);
  });
  app.get("/audit/:seq", async (c) => {
    const entry = await o.audit.get(Number(c.req.param("seq")));
    if (entry === undefined) return render(c, errorPage(await context(c), 404, "No such record."), 404);
    return render(c, auditRecordPage(await context(c), entry));
  });
  app.get("/metrics", async (c) => {
    const period = (
      Object.hasOwn(PERIODS, c.req.query("period") ?? "") ? c.req.query("period") : "24h"
    ) as Period;
    const now = clock();
    const from = now - PERIODS[period];
    const entries = await o.audit.list({ from: new Date(from).toISOString() });
    const metrics = await auditMetrics(iterate(entries), from, now + 1);
    return render(c, metricsPage(await context(c), metrics, period));
  });
  app.get("/mandates", async (c) => {
    const counts = new Map<string, number>();
    for await (const e of o.audit.entries())
      if (e.event === "decision" && !e.tool.startsWith("serve."))
        counts.set(e.mandateId, (counts.get(e.mandateId) ?? 0) + 1);
    const list: MandateInUse[] = [...mandates.values()].map((m) => ({
      id: m.mandate.id,
      file: m.file,
      mandate: m.mandate,
      calls: counts.get(m.mandate.id) ?? 0,
    }));
    for (const [id, calls] of counts)
      if (!mandates.has(id)) list.push({ id, file: null, mandate: null, calls });
    return render(c, mandatesPage(await context(c), list));
  });
  const reportFiles = (): ReportFile[] => {
    if (o.reportsDir == null) return [];
    try {
      return readdirSync(o.reportsDir)
        .filter((name) => /^[\w.-]+\.html?$/.test(name))
        .map((name) => {
          const s = statSync(join(o.reportsDir!, name));
          return { name, modifiedMs: s.mtimeMs, bytes: s.size };
        })
        .sort((a, b) => b.modifiedMs - a.modifiedMs);
    } catch {
      return [];
    }
  };
  app.get("/reports", async (c) =>
    render(c, reportsPage(await context(c), o.reportsDir ?? null, reportFiles())),
  );
  app.get("/reports/:name", async (c) => {
    // Only a name listed in the folder: no path from the request reaches the file system.
    const file = reportFiles().find((r) => r.name === c.req.param("name"));
    if (file === undefined || o.reportsDir == null)
      return render(c, errorPage(await context(c), 404, "No such report."), 404);
    const text = await readFile(join(o.reportsDir, file.name), "utf8");
    return c.body(text, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": REPORT_POLICY,
    });
  });

  app.notFound(async (c) => c.html(errorPage(null, 404, "No such page.").toString(), 404));
  return app;
}

function auditQuery(c: Context): AuditQuery {
  const text = (name: string): string | undefined => {
    const v = c.req.query(name)?.trim();
    return v === undefined || v === "" ? undefined : v.slice(0, 200);
  };
  const verdict = text("verdict");
  const kind = text("kind");
  const before = Number(text("before"));
  return {
    ...(text("mandate") ? { mandate: text("mandate")! } : {}),
    ...(text("agent") ? { agent: text("agent")! } : {}),
    ...(text("subject") ? { subject: text("subject")! } : {}),
    ...(text("tool") ? { tool: text("tool")! } : {}),
    ...(verdict === "allow" || verdict === "deny" || verdict === "ask" ? { verdict } : {}),
    ...(kind !== undefined && DELTA_KINDS.includes(kind as DeltaKind) ? { kind: kind as DeltaKind } : {}),
    ...(text("from") ? { from: text("from")! } : {}),
    ...(text("to") ? { to: text("to")! } : {}),
    ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}),
  };
}

/** Verifying re-hashes the whole chain: done again only when the audit files changed (size or time). */
function chainCache(reader: AuditReader, files: readonly string[]): () => Promise<ChainVerification | null> {
  let key = "";
  let last: ChainVerification | null = null;
  return async () => {
    const stamp = files
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.size}:${s.mtimeMs}`;
        } catch {
          return "-";
        }
      })
      .join("|");
    if (files.length > 0 && stamp === key && last !== null) return last;
    try {
      last = await reader.verify();
      key = stamp;
    } catch {
      last = null;
      key = "";
    }
    return last;
  };
}

async function* iterate<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}
