import type { AuthorityDeltaItem, Decision } from "../core/decision.js";
import type { AuditRecord } from "./audit-record.js";

/** What a monitor sees of a call before it runs. */
export interface MonitoredCall {
  readonly tool: string;
  readonly callId: string;
  readonly session: string | null;
  readonly mandateId: string;
  readonly agent: string | null;
  readonly subject: string | null;
  /** The verdict so far (never `deny`: a refused call needs no breaker). */
  readonly verdict: "allow" | "ask";
  readonly mode: "enforce" | "shadow";
}

/** An open circuit breaker: the call is asked (or denied) whatever the mandate grants. */
export interface BreakerVerdict {
  readonly action: "ask" | "deny";
  readonly reason: string;
}

/**
 * Runtime monitors as the Guard sees them (`mandate/monitor` implements it). `breaker` is consulted before each call
 * the mandate does not deny; `observe` is told of each decision record once it is written, and must return at once.
 */
export interface GuardMonitor {
  breaker(call: MonitoredCall): BreakerVerdict | null | Promise<BreakerVerdict | null>;
  observe(record: AuditRecord): void;
}

/**
 * The decision narrowed by an open breaker: `allow` becomes `ask` or `deny`, `ask` may become `deny`; nothing is
 * ever widened. A breaker that cannot be read asks (fail closed, without stopping every agent on a store outage).
 */
export async function withinBreaker(
  decision: Decision,
  monitor: GuardMonitor,
  call: Omit<MonitoredCall, "verdict" | "tool" | "mandateId">,
): Promise<Decision> {
  if (decision.verdict === "deny") return decision;
  let open: BreakerVerdict | null;
  try {
    open = await monitor.breaker({
      ...call,
      tool: decision.tool,
      mandateId: decision.mandateId,
      verdict: decision.verdict,
    });
  } catch (error) {
    open = {
      action: "ask",
      reason: `the circuit breaker could not be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (open === null || (open.action === "ask" && decision.verdict === "ask")) return decision;
  const item: AuthorityDeltaItem = {
    kind: "policy",
    path: "",
    exercised: decision.tool,
    message: open.reason,
  };
  if (open.action === "deny") {
    const { escalation: _escalation, ...rest } = decision;
    return { ...rest, verdict: "deny", delta: [item], rule: null, charges: [], reason: open.reason };
  }
  // Within the mandate, so the delta stays empty; the person asked sees why in the escalation.
  return {
    ...decision,
    verdict: "ask",
    escalation: [...(decision.escalation ?? []), item],
    reason: open.reason,
  };
}

/** Tells the monitor of a record; a failing monitor must not change the outcome of the call. */
export function observeSafely(monitor: GuardMonitor | undefined, record: AuditRecord): void {
  if (monitor === undefined) return;
  try {
    monitor.observe(record);
  } catch {
    // Monitors report their own failures (their `onError`); the call's outcome stands.
  }
}
