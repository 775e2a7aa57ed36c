import type { AuditEntry } from "../guard/audit-record.js";
import { AUDIT_FILTER_FIELDS, entryTimeMs } from "./audit-filter.js";

/**
 * The columns SQL audit logs (SQLite, PostgreSQL) derive from an entry, so filters run on indexes; `verify`
 * checks each against the stored JSON, so an edited column is caught like an edited record.
 */
export interface DerivedColumns {
  seq: number;
  time_ms: number | null;
  mandate_id: string;
  agent: string | null;
  subject: string | null;
  session: string | null;
  tool: string;
  verdict: string;
  effect: string;
  prev_hash: string;
}

/** The column each equality filter compares. */
export const FILTER_COLUMN = {
  mandateId: "mandate_id",
  agent: "agent",
  subject: "subject",
  session: "session",
  tool: "tool",
  verdict: "verdict",
  effect: "effect",
} as const satisfies Record<(typeof AUDIT_FILTER_FIELDS)[number], keyof DerivedColumns>;

export function deriveColumns(entry: AuditEntry): DerivedColumns {
  return {
    seq: entry.seq,
    time_ms: entryTimeMs(entry.time),
    mandate_id: entry.mandateId,
    agent: entry.agent,
    subject: entry.subject,
    session: entry.session,
    tool: entry.tool,
    verdict: entry.verdict,
    effect: entry.effect,
    prev_hash: entry.prevHash,
  };
}
