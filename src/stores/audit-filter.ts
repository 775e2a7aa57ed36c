import type { AuditEntry } from "../guard/audit-record.js";
import type { AuditFilter } from "../guard/ports.js";

/** A filter checked once: times as ms since the epoch, bounds validated. */
export interface ResolvedAuditFilter extends AuditFilter {
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** The record fields a filter compares by equality, with the names stores use for them. */
export const AUDIT_FILTER_FIELDS = [
  "mandateId",
  "agent",
  "subject",
  "session",
  "tool",
  "verdict",
  "effect",
] as const satisfies readonly (keyof AuditFilter & keyof AuditEntry)[];

/** Rejects bounds that would silently match nothing or everything. */
export function resolveAuditFilter(filter: AuditFilter = {}): ResolvedAuditFilter {
  for (const field of ["afterSeq", "limit"] as const) {
    const value = filter[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`invalid \`${field}\` \`${String(value)}\`: expected an integer >= 0`);
    }
  }
  const fromMs = parseTime("from", filter.from);
  const toMs = parseTime("to", filter.to);
  return {
    ...filter,
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
  };
}

/** Milliseconds since the epoch of an entry's `time`, or `null` when it is not a time. */
export function entryTimeMs(time: unknown): number | null {
  if (typeof time !== "string") return null;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}

export function matchesAuditFilter(entry: AuditEntry, filter: ResolvedAuditFilter): boolean {
  for (const field of AUDIT_FILTER_FIELDS) {
    const wanted = filter[field];
    if (wanted !== undefined && entry[field] !== wanted) return false;
  }
  if (filter.afterSeq !== undefined && !(entry.seq > filter.afterSeq)) return false;
  if (filter.fromMs !== undefined || filter.toMs !== undefined) {
    const ms = entryTimeMs(entry.time);
    if (ms === null) return false;
    if (filter.fromMs !== undefined && ms < filter.fromMs) return false;
    if (filter.toMs !== undefined && ms >= filter.toMs) return false;
  }
  return true;
}

/** Filters entries already in `seq` order, stopping at `limit`. */
export function applyAuditFilter(entries: Iterable<AuditEntry>, filter: AuditFilter = {}): AuditEntry[] {
  const resolved = resolveAuditFilter(filter);
  const out: AuditEntry[] = [];
  if (resolved.limit === 0) return out;
  for (const entry of entries) {
    if (!matchesAuditFilter(entry, resolved)) continue;
    out.push(entry);
    if (out.length === resolved.limit) break;
  }
  return out;
}

function parseTime(field: "from" | "to", value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = entryTimeMs(value);
  if (ms === null) throw new RangeError(`invalid \`${field}\` \`${value}\`: expected an ISO 8601 time`);
  return ms;
}
