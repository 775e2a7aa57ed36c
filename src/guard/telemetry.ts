import type { AuthorityDelta } from "../core/decision.js";

/** What is known of a guarded call before it is decided. */
export interface TelemetryCall {
  readonly tool: string;
  readonly mandateId: string;
  readonly callId: string;
  readonly session: string | null;
}

/** The decision that took effect: told once per call, when it is let through or refused. */
export interface TelemetryDecision {
  readonly verdict: "allow" | "deny" | "ask";
  readonly effect: "allow" | "deny";
  readonly delta: AuthorityDelta;
}

export interface CallObserver {
  decided(decision: TelemetryDecision): void;
}

/**
 * A seam for tracing and metrics (e.g. `openTelemetry()`): it wraps each guarded call, so a span can enclose the
 * decision and the tool's own work, and is told the decision as soon as it takes effect. It must call `run` once
 * and pass its result or error through unchanged.
 */
export interface GuardTelemetry {
  call<T>(call: TelemetryCall, run: (observer: CallObserver) => Promise<T>): Promise<T>;
}
