import type { FlowRequirement, OriginRequirement } from "./compile.js";
import { findValue, type ObservationLog, overlap, type SourceRef } from "./provenance/index.js";

/** Why a value-origin or flow requirement does not hold, and the sources that show it. */
export interface ProvenanceProblem {
  readonly message: string;
  /** Where the value was seen, or the sources that flow into it; empty when it was seen nowhere. */
  readonly sources: readonly SourceRef[];
}

const NO_LOG = "no sources were observed in this session, so where the value came from is unknown";

/**
 * Whether an argument value satisfies its value-origin requirement, and if not, why: said in terms of the sources
 * where the value was seen, so an approver reads "this IBAN came from the output of read_file (call c-2)".
 * `null` when it holds. Without observations, or for a value too short to attribute, it does not hold.
 */
export function originProblem(
  req: OriginRequirement,
  value: unknown,
  log: ObservationLog | undefined,
): ProvenanceProblem | null {
  if (log === undefined) return { message: NO_LOG, sources: [] };
  const found = findValue(log, value);
  if (!found.attributable) {
    return {
      message: `the value is too short or too common to tell where it came from (${found.reason})`,
      sources: [],
    };
  }
  if (
    found.trusted.some((s) => satisfies(req, s, true)) ||
    found.untrusted.some((s) => satisfies(req, s, false))
  ) {
    return null;
  }
  const seen = [...found.trusted, ...found.untrusted];
  if (seen.length === 0) {
    return {
      message: found.truncated
        ? "the value appears in no source still recorded (older outputs were dropped to bound memory)"
        : "the value appears in no observed source: it was not in the user's words, the mandate or any tool output",
      sources: [],
    };
  }
  return {
    message: `the value appears only in ${list(seen)}, not in ${req.label}`,
    sources: seen,
  };
}

/** Characters of text a flow check reads per argument; longer values are denied rather than half-checked. */
export const FLOW_MAX_CHARS = 1_000_000;

/**
 * Whether data from forbidden sources (untrusted or sensitive tool outputs) flows into an argument value: every
 * string in it is checked, and a string with percent-escapes (a URL's query) is checked decoded too. `null` when
 * nothing forbidden flows in. Without observations, or when the log lost something, it does not hold: a flow from
 * what was not recorded cannot be ruled out.
 */
export function flowProblem(
  req: FlowRequirement,
  value: unknown,
  log: ObservationLog | undefined,
): ProvenanceProblem | null {
  if (log === undefined) {
    return {
      message: "no sources were observed in this session, so a flow cannot be ruled out",
      sources: [],
    };
  }
  if (log.truncated) {
    return {
      message:
        "the session's record of tool outputs is incomplete (outputs were dropped or cut to bound memory, or one could not be recorded), so a flow cannot be ruled out",
      sources: [],
    };
  }
  const texts: string[] = [];
  let chars = 0;
  const visit = (v: unknown, depth: number): boolean => {
    if (typeof v === "number" || typeof v === "bigint") {
      // A number can carry a code or an account number as well as a string can.
      if (typeof v === "number" && !Number.isFinite(v)) return true;
      texts.push(String(v));
      return true;
    }
    if (typeof v === "string") {
      chars += v.length;
      texts.push(v);
      const decoded = percentDecoded(v);
      if (decoded !== null) texts.push(decoded);
      return chars <= FLOW_MAX_CHARS;
    }
    if (typeof v !== "object" || v === null) return true;
    // Arguments are snapshots of JSON data (args.ts bounds their depth); keys can carry data as well as values.
    if (depth > 64) return false;
    if (!Array.isArray(v)) for (const key of Object.keys(v)) if (!visit(key, depth + 1)) return false;
    for (const item of Array.isArray(v) ? v : Object.values(v)) if (!visit(item, depth + 1)) return false;
    return true;
  };
  if (!visit(value, 0)) {
    return {
      message: `the value is too long or too deep to check for flows (over ${FLOW_MAX_CHARS} characters or 64 levels)`,
      sources: [],
    };
  }
  const hits = new Map<string, { source: SourceRef; how: string }>();
  for (const text of texts) {
    for (const f of overlap(log, text, req.options).flows) {
      if (!((req.untrusted && f.trust === "untrusted") || (req.sensitive && f.sensitive))) continue;
      const how =
        req.overlap && f.by === "run"
          ? `a copied run of ${f.longestRun} characters`
          : req.overlap && f.by === "share"
            ? `${Math.round(f.share * 100)}% of it copied`
            : req.values && f.values > 0
              ? f.values === 1
                ? "a value: an identifier, address, host name or code"
                : `${f.values} values: identifiers, addresses, host names or codes`
              : null;
      if (how !== null && !hits.has(f.source.id)) hits.set(f.source.id, { source: f.source, how });
    }
  }
  if (hits.size === 0) return null;
  const shown = [...hits.values()];
  const parts = shown
    .slice(0, 3)
    .map((h) => `${describe(h.source)}${h.source.label === "sensitive" ? ", sensitive" : ""} (${h.how})`);
  return {
    message: `it carries data from ${parts.join(", ")}${shown.length > 3 ? ` and ${shown.length - 3} more` : ""}`,
    sources: shown.map((h) => h.source),
  };
}

/** The percent-decoded form of a string that has escapes (`+` read as a space), or `null`. */
function percentDecoded(text: string): string | null {
  if (!/%[0-9a-fA-F]{2}/.test(text)) return null;
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    // Malformed escapes: decode what can be decoded, one escape at a time.
    return text.replace(/\+/g, " ").replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

function satisfies(req: OriginRequirement, source: SourceRef, trusted: boolean): boolean {
  if (req.trusted && trusted) return true;
  return req.from.some((entry) =>
    entry.startsWith("tool:")
      ? source.kind === "tool" && source.tool === entry.slice(5)
      : entry === source.kind,
  );
}

function list(seen: readonly SourceRef[]): string {
  const shown = seen.slice(0, 3).map(describe).join(", ");
  return `${shown}${seen.length > 3 ? ` and ${seen.length - 3} more` : ""}`;
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
