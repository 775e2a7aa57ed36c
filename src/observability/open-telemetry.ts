import type * as otel from "@opentelemetry/api";
import type { MandateDeniedError } from "../guard/denial.js";
import type { GuardTelemetry, TelemetryDecision } from "../guard/telemetry.js";
import { VERSION } from "../version.js";

export interface OpenTelemetryOptions {
  /** The instrumentation scope name of the tracer and meter. Default `mandate`. */
  readonly name?: string;
}

/** The span and instrument names, for dashboards and alerts. */
export const TELEMETRY_NAMES = {
  span: "mandate.guard.call",
  decisions: "mandate.guard.decisions",
  duration: "mandate.guard.decision.duration",
} as const;

type Api = Pick<typeof otel, "trace" | "metrics" | "SpanStatusCode" | "SpanKind">;

/** Telemetry that records nothing: what `openTelemetry` gives when `@opentelemetry/api` is not installed. */
export const NO_TELEMETRY: GuardTelemetry = { call: (_call, run) => run({ decided: () => {} }) };

/**
 * Guard telemetry through the OpenTelemetry API, reported to whatever SDK the application registered globally
 * (call this after starting it): a span per guarded call and two instruments.
 *
 * - span `mandate.guard.call` around the decision and the tool's own work (the tool's spans are its children),
 *   with `mandate.tool`, `mandate.mandate_id`, `mandate.call_id`, `mandate.session`, `mandate.verdict`,
 *   `mandate.effect`, `mandate.delta.kinds` and `mandate.outcome`; its status is an error when the tool threw.
 * - counter `mandate.guard.decisions` by verdict, effect and tool.
 * - histogram `mandate.guard.decision.duration` (ms, from the call to its decision taking effect: deciding,
 *   reserving budget, approval and the audit record written ahead), by verdict and effect.
 *
 * `@opentelemetry/api` is an optional peer dependency, imported only here and only when this is called: without
 * it, this resolves to `NO_TELEMETRY` and nothing is loaded.
 */
export async function openTelemetry(opts: OpenTelemetryOptions = {}): Promise<GuardTelemetry> {
  let api: Api;
  try {
    api = await import("@opentelemetry/api");
  } catch {
    return NO_TELEMETRY;
  }
  return telemetryWith(api, opts);
}

function telemetryWith(api: Api, opts: OpenTelemetryOptions): GuardTelemetry {
  const name = opts.name ?? "mandate";
  const tracer = api.trace.getTracer(name, VERSION);
  const meter = api.metrics.getMeter(name, VERSION);
  const decisions = meter.createCounter(TELEMETRY_NAMES.decisions, {
    description: "Guarded tool calls, by the verdict of the decider and the effect that took place",
  });
  const duration = meter.createHistogram(TELEMETRY_NAMES.duration, {
    description: "Time from a guarded call to its decision taking effect",
    unit: "ms",
    advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000] },
  });
  return {
    call(call, run) {
      const attributes: otel.Attributes = {
        "mandate.tool": call.tool,
        "mandate.mandate_id": call.mandateId,
        "mandate.call_id": call.callId,
        ...(call.session === null ? {} : { "mandate.session": call.session }),
      };
      return tracer.startActiveSpan(
        TELEMETRY_NAMES.span,
        { kind: api.SpanKind.INTERNAL, attributes },
        async (span) => {
          const started = performance.now();
          const state: { decided: TelemetryDecision | null } = { decided: null };
          const observer = {
            decided(d: TelemetryDecision): void {
              state.decided = d;
              const by = { "mandate.verdict": d.verdict, "mandate.effect": d.effect };
              duration.record(performance.now() - started, by);
              decisions.add(1, { ...by, "mandate.tool": call.tool });
              span.setAttributes({
                ...by,
                "mandate.delta.kinds": [...new Set(d.delta.map((item) => item.kind))],
              });
            },
          };
          try {
            const result = await run(observer);
            const denied = isDenied(result);
            span.setAttribute("mandate.outcome", denied ? "not_run" : "ok");
            return result;
          } catch (error) {
            // A tool that threw is an error; a call refused before it ran (onDeny: "throw") is not.
            if (isDeniedError(error) || state.decided?.effect !== "allow") {
              span.setAttribute("mandate.outcome", "not_run");
            } else {
              span.setAttribute("mandate.outcome", "error");
              span.recordException(error instanceof Error ? error : String(error));
              span.setStatus({ code: api.SpanStatusCode.ERROR, message: messageOf(error) });
            }
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}

function isDenied(result: unknown): boolean {
  return typeof result === "object" && result !== null && (result as { denied?: unknown }).denied === true;
}

function isDeniedError(error: unknown): error is MandateDeniedError {
  return error instanceof Error && error.name === "MandateDeniedError";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
