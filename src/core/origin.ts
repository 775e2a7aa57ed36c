import type { OriginRequirement } from "./compile.js";
import { findValue, type ObservationLog, type SourceRef } from "./provenance/index.js";

/**
 * Whether an argument value satisfies its value-origin requirement, and if not, why: said in terms of the sources
 * where the value was seen, so an approver reads "this IBAN came from the output of read_file (call c-2)".
 * `null` when it holds. Without observations, or for a value too short to attribute, it does not hold.
 */
export function originProblem(
  req: OriginRequirement,
  value: unknown,
  log: ObservationLog | undefined,
): string | null {
  if (log === undefined)
    return "no sources were observed in this session, so where the value came from is unknown";
  const found = findValue(log, value);
  if (!found.attributable)
    return `the value is too short or too common to tell where it came from (${found.reason})`;
  if (
    found.trusted.some((s) => satisfies(req, s, true)) ||
    found.untrusted.some((s) => satisfies(req, s, false))
  ) {
    return null;
  }
  const seen = [...found.trusted, ...found.untrusted];
  if (seen.length === 0) {
    return found.truncated
      ? "the value appears in no source still recorded (older outputs were dropped to bound memory)"
      : "the value appears in no observed source: it was not in the user's words, the mandate or any tool output";
  }
  const shown = seen.slice(0, 3).map(describe).join(", ");
  return `the value appears only in ${shown}${seen.length > 3 ? ` and ${seen.length - 3} more` : ""}, not in ${req.label}`;
}

function satisfies(req: OriginRequirement, source: SourceRef, trusted: boolean): boolean {
  if (req.trusted && trusted) return true;
  return req.from.some((entry) =>
    entry.startsWith("tool:")
      ? source.kind === "tool" && source.tool === entry.slice(5)
      : entry === source.kind,
  );
}

function describe(source: SourceRef): string {
  switch (source.kind) {
    case "tool":
      return `the output of ${source.tool ?? "a tool"}${source.callId === undefined ? "" : ` (call ${source.callId})`}`;
    case "user":
      return "the user's words";
    default:
      return "the mandate";
  }
}
