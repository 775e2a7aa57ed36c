import canonicalize from "canonicalize";
import { createHash } from "node:crypto";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "../guard/approver.js";

export interface WebApproverOptions {
  /** Where `mandate serve` runs, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** This agent's token (`mandate serve token add NAME`). */
  readonly token: string;
  /** How long to wait for a person before the answer is "no". Default 2 minutes (the Guard's default too). */
  readonly timeoutMs?: number;
  /** One long-poll request's length, in seconds. Default 25. */
  readonly pollSeconds?: number;
  readonly name?: string;
}

interface Answer {
  id: string;
  status: "pending" | "approved" | "denied" | "cancelled" | "expired";
  callId: string;
  tool: string;
  argsHash: string;
  decidedBy: string | null;
  reason: string | null;
  narrowing: { arg: string; maximum?: number; minimum?: number } | null;
}

/**
 * Asks a person on the `mandate serve` dashboard. The pending call is posted to the server, the answer long-polled;
 * an approval counts only once the server has redeemed it for exactly this call (call id, tool and the SHA-256 of
 * the canonical arguments) — redeeming is single-use and refused after the approval expires. No answer within
 * `timeoutMs`, a refused redemption, or any error: "no" (the Guard denies the call).
 */
export function webApprover(opts: WebApproverOptions): Approver {
  const base = opts.url.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const poll = opts.pollSeconds ?? 25;
  const headers = { authorization: `Bearer ${opts.token}`, "content-type": "application/json" };
  return {
    name: opts.name ?? "web",
    async approve(request: ApprovalRequest, guardSignal: AbortSignal): Promise<ApprovalAnswer> {
      const signal = AbortSignal.any([guardSignal, AbortSignal.timeout(timeoutMs)]);
      const hash = argsHash(request.args);
      const call = async (
        path: string,
        init: RequestInit = {},
      ): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`${base}${path}`, { ...init, headers, signal, redirect: "error" });
        return { status: res.status, body: await res.json().catch(() => null) };
      };
      const submitted = await call("/api/v1/agent/approvals", {
        method: "POST",
        body: JSON.stringify({
          callId: request.callId,
          tool: request.tool,
          args: request.args,
          argsHash: hash,
          session: request.session,
          mandate: request.mandate,
          reason: request.decision.reason,
          rule: request.decision.rule,
          delta: request.decision.delta,
          escalation: request.decision.escalation ?? [],
          waitMs: timeoutMs,
        }),
      });
      if (submitted.status !== 201 && submitted.status !== 200)
        throw new Error(`the approval server refused the call: ${errorOf(submitted)}`);
      let answer = checked(submitted.body, request, hash);
      try {
        while (answer.status === "pending") {
          const polled = await call(`/api/v1/agent/approvals/${encodeURIComponent(answer.id)}?wait=${poll}`);
          if (polled.status !== 200) throw new Error(`the approval server answered HTTP ${polled.status}`);
          answer = checked(polled.body, request, hash);
        }
      } catch (error) {
        // The Guard stopped waiting (or the server failed): withdraw the call so nobody approves it later.
        void fetch(`${base}/api/v1/agent/approvals/${encodeURIComponent(answer.id)}/cancel`, {
          method: "POST",
          headers,
          signal: AbortSignal.timeout(2_000),
        }).catch(() => undefined);
        throw error;
      }
      const by = answer.decidedBy ?? undefined;
      if (answer.status !== "approved") {
        return {
          approved: false,
          ...(by === undefined ? {} : { by }),
          reason: answer.reason || `the call was ${answer.status}`,
        };
      }
      const n = answer.narrowing;
      if (n !== null) {
        const value = request.args[n.arg];
        if (
          typeof value !== "number" ||
          (n.maximum !== undefined && value > n.maximum) ||
          (n.minimum !== undefined && value < n.minimum)
        )
          throw new Error("the approval's bound does not hold for this call");
      }
      const redeemed = await call(`/api/v1/agent/approvals/${encodeURIComponent(answer.id)}/redeem`, {
        method: "POST",
        body: JSON.stringify({ callId: request.callId, tool: request.tool, args: request.args }),
      });
      if (redeemed.status !== 200) throw new Error(`the approval could not be used: ${errorOf(redeemed)}`);
      const within =
        n === null
          ? ""
          : ` (within ${[n.minimum === undefined ? null : `${n.arg} ≥ ${n.minimum}`, n.maximum === undefined ? null : `${n.arg} ≤ ${n.maximum}`].filter(Boolean).join(" and ")})`;
      return {
        approved: true,
        ...(by === undefined ? {} : { by }),
        reason: `${answer.reason || "approved"}${within}`,
      };
    },
  };
}

/** An answer counts only if it is about this very call. */
function checked(body: unknown, request: ApprovalRequest, hash: string): Answer {
  const a = body as Partial<Answer> | null;
  if (a === null || typeof a !== "object" || typeof a.id !== "string" || typeof a.status !== "string")
    throw new Error("the approval server's answer is malformed");
  if (a.callId !== request.callId || a.tool !== request.tool || a.argsHash !== hash)
    throw new Error("the approval server answered for another call");
  return a as Answer;
}

function argsHash(args: unknown): string {
  const json = canonicalize(args);
  if (json === undefined) throw new TypeError("the arguments cannot be written as json");
  return createHash("sha256").update(json).digest("hex");
}

function errorOf(res: { status: number; body: unknown }): string {
  const error = (res.body as { error?: unknown } | null)?.error;
  return typeof error === "string" ? `${error} (HTTP ${res.status})` : `HTTP ${res.status}`;
}
