import { createHmac } from "node:crypto";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "../guard/approver.js";

export interface WebhookApproverOptions {
  /** Where each pending call is POSTed; it answers `{ "approved": true|false, "by"?, "reason"? }`. */
  readonly url: string;
  /** Signs each body: `x-mandate-signature: sha256=<HMAC-SHA256 hex of the body>`, so the receiver can check it. */
  readonly secret?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly name?: string;
}

/**
 * Asks over HTTP: a chat bot, a ticketing system, the approvals service of a team. The request waits for the
 * answer (the Guard's approval timeout bounds it); anything but a well-formed `200` answer is "no".
 */
export function webhookApprover(opts: WebhookApproverOptions): Approver {
  return {
    name: opts.name ?? "webhook",
    async approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
      const body = JSON.stringify({
        callId: request.callId,
        tool: request.tool,
        args: request.args,
        session: request.session,
        mandate: request.mandate,
        verdict: request.decision.verdict,
        reason: request.decision.reason,
        rule: request.decision.rule,
        escalation: request.decision.escalation ?? [],
      });
      const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
      if (opts.secret !== undefined) {
        headers["x-mandate-signature"] =
          `sha256=${createHmac("sha256", opts.secret).update(body).digest("hex")}`;
      }
      const res = await fetch(opts.url, { method: "POST", headers, body, signal, redirect: "error" });
      if (res.status !== 200) throw new Error(`the approval webhook answered HTTP ${res.status}`);
      const answer = (await res.json()) as { approved?: unknown; by?: unknown; reason?: unknown };
      if (typeof answer.approved !== "boolean")
        throw new Error("the approval webhook's answer has no boolean `approved`");
      return {
        approved: answer.approved,
        ...(typeof answer.by === "string" ? { by: answer.by } : {}),
        ...(typeof answer.reason === "string" ? { reason: answer.reason } : {}),
      };
    },
  };
}
