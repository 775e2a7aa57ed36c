import { randomUUID } from "node:crypto";
import type { AuthorityDeltaItem } from "../core/decision.js";
import type { AuditRecord } from "../guard/audit-record.js";
import type { AuditLog } from "../guard/ports.js";
import type { QueuedApproval } from "./approval-queue.js";

/** The mandate id the dashboard's own events are filed under. */
export const SERVE_MANDATE_ID = "mandate-serve";

/**
 * What the dashboard itself records in the audit chain: sign-ins, answers, refused uses of an answer and refused
 * breaker resets (a reset that happens is recorded as `monitor.reset`, like one from the CLI).
 */
export type OperatorEvent =
  | {
      readonly kind: "signin";
      readonly user: string;
      readonly ok: boolean;
      readonly reason: string;
      readonly remote: string;
    }
  | { readonly kind: "signout"; readonly user: string; readonly remote: string }
  | {
      readonly kind: "answer";
      readonly approval: QueuedApproval;
      readonly approved: boolean;
      readonly by: string;
      readonly reason: string;
      readonly narrowing: string | null;
    }
  | {
      readonly kind: "answer-refused";
      readonly approval: QueuedApproval;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly kind: "redeem";
      readonly approval: QueuedApproval | undefined;
      readonly agentToken: string;
      readonly presented: { callId: string; tool: string; argsHash: string };
      readonly ok: boolean;
      readonly reason: string;
    }
  | {
      /** A breaker reset the dashboard refused (a viewer, or a breaker that was not open). */
      readonly kind: "reset-refused";
      readonly key: string;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly kind: "submit-refused";
      readonly agentToken: string;
      readonly callId: string;
      readonly tool: string;
      readonly reason: string;
    };

/** Tools under which operator events are filed; the metrics leave them out of agents' figures. */
export const OPERATOR_TOOL_PREFIX = "serve.";

export function operatorRecord(event: OperatorEvent, now: number): AuditRecord {
  const base = {
    event: "decision" as const,
    time: new Date(now).toISOString(),
    mode: "enforce" as const,
    rule: null,
    outcome: "not_run" as const,
    error: null,
    latencyMs: 0,
  };
  const refusal = (message: string): AuthorityDeltaItem[] => [
    { kind: "scope", path: "", exercised: null, message },
  ];
  switch (event.kind) {
    case "signin":
      return {
        ...base,
        mandateId: SERVE_MANDATE_ID,
        subject: event.user,
        agent: null,
        session: null,
        callId: `signin-${randomUUID()}`,
        tool: "serve.signin",
        args: { user: event.user, remote: event.remote },
        verdict: event.ok ? "allow" : "deny",
        effect: event.ok ? "allow" : "deny",
        delta: event.ok ? [] : refusal(`sign-in refused: ${event.reason}`),
        reason: event.ok ? `${event.user} signed in` : `sign-in refused: ${event.reason}`,
        approval: null,
      };
    case "signout":
      return {
        ...base,
        mandateId: SERVE_MANDATE_ID,
        subject: event.user,
        agent: null,
        session: null,
        callId: `signout-${randomUUID()}`,
        tool: "serve.signout",
        args: { user: event.user, remote: event.remote },
        verdict: "allow",
        effect: "allow",
        delta: [],
        reason: `${event.user} signed out`,
        approval: null,
      };
    case "answer": {
      const a = event.approval;
      const what = event.approved
        ? `approved${event.narrowing === null ? "" : ` within ${event.narrowing}`}`
        : "denied";
      return {
        ...base,
        ...callFields(a),
        tool: event.approved ? "serve.approve" : "serve.deny",
        args: { approval: a.id, tool: a.call.tool, argsHash: a.argsHash, narrowing: event.narrowing },
        verdict: event.approved ? "allow" : "deny",
        effect: event.approved ? "allow" : "deny",
        delta: [],
        reason: `${event.by} ${what} \`${a.call.tool}\`: ${event.reason || "no reason given"}`,
        approval: {
          approver: "web",
          approved: event.approved,
          by: event.by,
          ...(event.reason === "" ? {} : { reason: event.reason }),
        },
      };
    }
    case "answer-refused": {
      const a = event.approval;
      return {
        ...base,
        ...callFields(a),
        tool: "serve.answer",
        args: { approval: a.id, tool: a.call.tool, argsHash: a.argsHash },
        verdict: "deny",
        effect: "deny",
        delta: refusal(event.reason),
        reason: `answer by ${event.by} refused: ${event.reason}`,
        approval: null,
      };
    }
    case "redeem": {
      const a = event.approval;
      return {
        ...base,
        ...(a === undefined
          ? {
              mandateId: SERVE_MANDATE_ID,
              subject: null,
              agent: null,
              session: null,
              callId: event.presented.callId,
            }
          : callFields(a)),
        callId: event.presented.callId,
        tool: "serve.redeem",
        args: { approval: a?.id ?? null, agentToken: event.agentToken, presented: event.presented },
        verdict: event.ok ? "allow" : "deny",
        effect: event.ok ? "allow" : "deny",
        delta: event.ok ? [] : refusal(`approval refused: ${event.reason}`),
        reason: event.ok ? "approval used for its call" : `approval refused: ${event.reason}`,
        approval: null,
      };
    }
    case "reset-refused":
      return {
        ...base,
        mandateId: SERVE_MANDATE_ID,
        subject: event.by,
        agent: event.key.startsWith("agent:") ? event.key.slice(6) : null,
        session: event.key.startsWith("session:") ? event.key.slice(8) : null,
        callId: `reset-${randomUUID()}`,
        tool: "serve.reset",
        args: { key: event.key },
        verdict: "deny",
        effect: "deny",
        delta: refusal(event.reason),
        reason: `breaker reset by ${event.by} refused: ${event.reason}`,
        approval: null,
      };
    case "submit-refused":
      return {
        ...base,
        mandateId: SERVE_MANDATE_ID,
        subject: null,
        agent: null,
        session: null,
        callId: event.callId,
        tool: "serve.submit",
        args: { agentToken: event.agentToken, tool: event.tool },
        verdict: "deny",
        effect: "deny",
        delta: refusal(event.reason),
        reason: `pending call refused: ${event.reason}`,
        approval: null,
      };
  }
}

/** Writes an operator event; a dashboard that cannot audit refuses the action (the caller decides how). */
export async function auditOperator(log: AuditLog, event: OperatorEvent, now = Date.now()): Promise<void> {
  await log.append(operatorRecord(event, now));
}

function callFields(a: QueuedApproval) {
  return {
    mandateId: a.call.mandate.id,
    subject: a.call.mandate.subject,
    agent: a.call.mandate.agent,
    session: a.call.session,
    callId: a.call.callId,
  };
}
