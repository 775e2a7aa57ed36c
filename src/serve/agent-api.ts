import type { Context, Hono } from "hono";
import type { AuthorityDelta, RuleRef } from "../core/decision.js";
import type { AuditLog } from "../guard/ports.js";
import type { ApprovalQueue, PendingCall, QueuedApproval } from "./approval-queue.js";
import { argsHash } from "./binding.js";
import { auditOperator } from "./operator-audit.js";
import type { OperatorStore } from "./operators.js";

export interface AgentApiOptions {
  readonly queue: ApprovalQueue;
  readonly operators: OperatorStore;
  readonly audit: AuditLog;
  readonly clock: () => number;
  /** Longest an agent may ask the queue to hold a call. */
  readonly maxWaitMs: number;
  /** Longest one long-poll request is held. */
  readonly pollMs: number;
}

/**
 * The web approver's side of the protocol, authenticated by agent tokens (never by cookies, so no CSRF):
 * submit a pending call, long-poll its answer, redeem an approval once for exactly that call, or give up.
 */
export function mountAgentApi(app: Hono, o: AgentApiOptions): void {
  const agentOf = (c: Context): string | null => {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    return match === null ? null : o.operators.agentFor(match[1]);
  };
  const unauthorized = (c: Context) =>
    c.json({ error: "an agent token is required (Authorization: Bearer …)" }, 401);

  app.post("/api/v1/agent/approvals", async (c) => {
    const agent = agentOf(c);
    if (agent === null) return unauthorized(c);
    const parsed = parsePendingCall(await c.req.json().catch(() => undefined), o.maxWaitMs);
    if (!parsed.ok) return c.json({ error: parsed.reason }, 400);
    let hash: string;
    try {
      hash = argsHash(parsed.call.args);
    } catch {
      return c.json({ error: "the arguments are not json" }, 400);
    }
    if (parsed.argsHash !== undefined && parsed.argsHash !== hash)
      return c.json({ error: "`argsHash` does not match the arguments" }, 400);
    const result = await o.queue.submit(agent, parsed.call, hash, o.clock());
    if (!result.ok) {
      await auditOperator(
        o.audit,
        {
          kind: "submit-refused",
          agentToken: agent,
          callId: parsed.call.callId,
          tool: parsed.call.tool,
          reason: result.reason,
        },
        o.clock(),
      );
      return c.json({ error: result.reason }, 409);
    }
    return c.json(answerOf(result.approval), result.created ? 201 : 200);
  });

  app.get("/api/v1/agent/approvals/:id", async (c) => {
    const agent = agentOf(c);
    if (agent === null) return unauthorized(c);
    const wait = Math.min(o.pollMs, Math.max(0, Number(c.req.query("wait") ?? 0) * 1000 || 0));
    const mine = await o.queue.get(c.req.param("id"), o.clock());
    if (mine === undefined || mine.agentToken !== agent)
      return c.json({ error: "no such approval for this agent" }, 404);
    const approval = await o.queue.wait(mine.id, wait, c.req.raw.signal);
    return c.json(answerOf(approval ?? mine));
  });

  app.post("/api/v1/agent/approvals/:id/redeem", async (c) => {
    const agent = agentOf(c);
    if (agent === null) return unauthorized(c);
    const body = (await c.req.json().catch(() => undefined)) as
      { callId?: unknown; tool?: unknown; args?: unknown } | undefined;
    if (
      body === undefined ||
      typeof body.callId !== "string" ||
      typeof body.tool !== "string" ||
      !isObject(body.args)
    )
      return c.json({ error: "expected { callId, tool, args }" }, 400);
    let hash: string;
    try {
      hash = argsHash(body.args);
    } catch {
      return c.json({ error: "the arguments are not json" }, 400);
    }
    const presented = { callId: body.callId, tool: body.tool, argsHash: hash };
    const now = o.clock();
    const result = await o.queue.redeem(c.req.param("id"), agent, presented, now);
    // Every use of an answer is recorded; a refused one is the trace of a replay or a swapped call.
    await auditOperator(
      o.audit,
      {
        kind: "redeem",
        approval: result.approval,
        agentToken: agent,
        presented,
        ok: result.ok,
        reason: result.ok ? "" : result.reason,
      },
      now,
    );
    if (!result.ok) return c.json({ ok: false, error: result.reason }, 409);
    return c.json({ ok: true, ...answerOf(result.approval) });
  });

  app.post("/api/v1/agent/approvals/:id/cancel", async (c) => {
    const agent = agentOf(c);
    if (agent === null) return unauthorized(c);
    await o.queue.cancel(c.req.param("id"), agent, o.clock());
    return c.json({ ok: true });
  });
}

/** What the agent is told: the answer, and exactly which call it is bound to. */
export function answerOf(a: QueuedApproval) {
  return {
    id: a.id,
    status: a.status,
    callId: a.call.callId,
    tool: a.call.tool,
    argsHash: a.argsHash,
    decidedBy: a.decidedBy,
    reason: a.reason,
    narrowing: a.narrowing,
    expiresAt: a.grantExpiresMs === null ? null : new Date(a.grantExpiresMs).toISOString(),
    deadline: new Date(a.deadlineMs).toISOString(),
  };
}

type Parsed = { ok: true; call: PendingCall; argsHash: string | undefined } | { ok: false; reason: string };

/** Everything in a submission is the agent's word: each field is checked for type and size. */
export function parsePendingCall(body: unknown, maxWaitMs: number): Parsed {
  if (!isObject(body)) return { ok: false, reason: "expected a json object" };
  const str = (v: unknown, max = 500): v is string =>
    typeof v === "string" && v.length > 0 && v.length <= max;
  const strOrNull = (v: unknown): v is string | null => v === null || v === undefined || str(v, 2000);
  const m = body["mandate"];
  if (!str(body["callId"], 200)) return { ok: false, reason: "`callId` must be a non-empty string" };
  if (!str(body["tool"], 200)) return { ok: false, reason: "`tool` must be a non-empty string" };
  if (!isObject(body["args"])) return { ok: false, reason: "`args` must be an object" };
  if (!strOrNull(body["session"])) return { ok: false, reason: "`session` must be a string or null" };
  if (
    !isObject(m) ||
    !str(m["id"], 200) ||
    !strOrNull(m["subject"]) ||
    !strOrNull(m["agent"]) ||
    !strOrNull(m["task"])
  )
    return { ok: false, reason: "`mandate` must be { id, subject, agent, task }" };
  const delta = body["delta"] ?? [];
  const escalation = body["escalation"] ?? [];
  if (!isDelta(delta) || !isDelta(escalation))
    return { ok: false, reason: "`delta` and `escalation` must be lists of delta items" };
  const rule = body["rule"] ?? null;
  if (
    rule !== null &&
    !(
      isObject(rule) &&
      ["allow", "ask", "deny"].includes(String(rule["effect"])) &&
      Number.isSafeInteger(rule["index"])
    )
  )
    return { ok: false, reason: "`rule` must be a rule reference or null" };
  const waitMs = Number(body["waitMs"] ?? maxWaitMs);
  if (!Number.isFinite(waitMs) || waitMs <= 0)
    return { ok: false, reason: "`waitMs` must be a positive number" };
  const hash = body["argsHash"];
  if (hash !== undefined && typeof hash !== "string")
    return { ok: false, reason: "`argsHash` must be a string" };
  return {
    ok: true,
    argsHash: hash,
    call: {
      callId: body["callId"],
      tool: body["tool"],
      args: body["args"],
      session: (body["session"] as string | null | undefined) ?? null,
      mandate: {
        id: m["id"],
        subject: (m["subject"] as string | null | undefined) ?? null,
        agent: (m["agent"] as string | null | undefined) ?? null,
        task: (m["task"] as string | null | undefined) ?? null,
      },
      reason: typeof body["reason"] === "string" ? body["reason"].slice(0, 2000) : "",
      rule: rule as RuleRef | null,
      delta,
      escalation,
      waitMs: Math.min(Math.round(waitMs), maxWaitMs),
    },
  };
}

function isDelta(v: unknown): v is AuthorityDelta {
  return (
    Array.isArray(v) &&
    v.length <= 200 &&
    v.every(
      (d) =>
        isObject(d) &&
        typeof d["kind"] === "string" &&
        typeof d["message"] === "string" &&
        typeof d["path"] === "string",
    )
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
