import { existsSync } from "node:fs";
import type { AuditEntry } from "../../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../../guard/ports.js";
import { pointerToField } from "../../core/issue.js";
import { JsonlAuditLog } from "../../stores/jsonl/audit-log.js";
import { SqliteAuditLog } from "../../stores/sqlite/audit-log.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Output } from "../io.js";
import { deltaLines, paint, renderEntryLine, verdictLabel } from "../render.js";

export const DEFAULT_AUDIT_DB = ".mandate/audit.db";

export interface AuditSource {
  readonly db?: string;
  readonly jsonl?: string;
  /** A PostgreSQL URL (`postgres://…[?schema=]`); a URL given as `db` counts as this too. */
  readonly postgres?: string;
}

/** Opens an existing log for reading: SQLite by default, a JSONL file, or PostgreSQL. Never creates one. */
export async function openAuditReader(src: AuditSource): Promise<AuditReader & AuditLog> {
  const url =
    src.postgres ?? (src.db !== undefined && /^postgres(ql)?:\/\//i.test(src.db) ? src.db : undefined);
  if (url !== undefined) {
    try {
      const { PostgresAuditLog } = await import("../../stores/postgres/audit-log.js");
      const log = await PostgresAuditLog.open(url, { migrate: false, maxConnections: 2 });
      await log.list({ limit: 0 });
      return log;
    } catch (error) {
      throw new CliError(
        `cannot open audit log at ${redactUrl(url)}: ${(error as Error).message}`,
        EXIT.dataError,
      );
    }
  }
  const path = src.jsonl ?? src.db ?? DEFAULT_AUDIT_DB;
  if (!existsSync(path))
    throw new CliError(`no audit log at \`${path}\` (choose one with --db or --jsonl)`, EXIT.noInput);
  try {
    return src.jsonl !== undefined ? await JsonlAuditLog.open(path) : await SqliteAuditLog.open(path);
  } catch (error) {
    throw new CliError(`cannot open audit log \`${path}\`: ${(error as Error).message}`, EXIT.dataError);
  }
}

/** A URL fit for an error message: without its password. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:@/]*):[^@/]*@/, "$1:…@");
}

export interface ListOptions extends AuditSource {
  readonly mandate?: string;
  readonly agent?: string;
  readonly subject?: string;
  readonly session?: string;
  readonly tool?: string;
  readonly verdict?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: string;
  readonly json?: boolean;
  readonly color: boolean;
}

export async function auditList(opts: ListOptions, io: Output): Promise<number> {
  if (opts.verdict !== undefined && !["allow", "deny", "ask"].includes(opts.verdict)) {
    throw new CliError(
      `--verdict: expected \`allow\`, \`deny\` or \`ask\`, got \`${opts.verdict}\``,
      EXIT.usage,
    );
  }
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0))
    throw new CliError(`--limit: expected a positive integer, got \`${opts.limit}\``, EXIT.usage);
  const filter: AuditFilter = {
    ...(opts.mandate === undefined ? {} : { mandateId: opts.mandate }),
    ...(opts.agent === undefined ? {} : { agent: opts.agent }),
    ...(opts.subject === undefined ? {} : { subject: opts.subject }),
    ...(opts.session === undefined ? {} : { session: opts.session }),
    ...(opts.tool === undefined ? {} : { tool: opts.tool }),
    ...(opts.verdict === undefined ? {} : { verdict: opts.verdict as "allow" | "deny" | "ask" }),
    ...(opts.from === undefined ? {} : { from: opts.from }),
    ...(opts.to === undefined ? {} : { to: opts.to }),
    ...(limit === undefined ? {} : { limit }),
  };
  const log = await openAuditReader(opts);
  try {
    const entries = await log.list(filter);
    if (opts.json) io.out(JSON.stringify(entries, null, 2));
    else {
      const color = paint(opts.color);
      for (const e of entries) io.out(renderEntryLine(e, color));
      io.err(`${entries.length} record${entries.length === 1 ? "" : "s"}`);
    }
    return EXIT.ok;
  } finally {
    await log.close();
  }
}

export async function auditShow(
  seqText: string,
  opts: AuditSource & { json?: boolean; color: boolean },
  io: Output,
): Promise<number> {
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq) || seq <= 0)
    throw new CliError(`expected a record number, got \`${seqText}\``, EXIT.usage);
  const log = await openAuditReader(opts);
  try {
    const entry = await log.get(seq);
    if (!entry) throw new CliError(`no record ${seq}`, EXIT.noInput);
    io.out(opts.json ? JSON.stringify(entry, null, 2) : renderEntry(entry, paint(opts.color)));
    return EXIT.ok;
  } finally {
    await log.close();
  }
}

function renderEntry(e: AuditEntry, color: ReturnType<typeof paint>): string {
  const lines = [
    `record ${e.seq} (${e.event})  ${e.time}`,
    `  verdict   ${verdictLabel(e.verdict, color)} → ${e.effect === "allow" ? "ran" : "not run"}${e.mode === "shadow" ? " (shadow mode)" : ""}`,
    `  tool      ${e.tool}`,
    `  args      ${JSON.stringify(e.args)}`,
    `  mandate   ${e.mandateId}${e.subject ? ` granted by ${e.subject}` : ""}${e.agent ? ` to ${e.agent}` : ""}`,
    `  call      ${e.callId}${e.session ? ` in session ${e.session}` : ""}`,
    `  rule      ${e.rule ? pointerToField(e.rule.pointer) : "none (default deny)"}`,
    `  reason    ${e.reason}`,
  ];
  if (e.delta.length > 0) lines.push("  delta", ...deltaLines(e.delta, color, "    "));
  if (e.approval)
    lines.push(
      `  approval  ${e.approval.approved ? "approved" : "refused"} by ${e.approval.by ?? e.approval.approver}${e.approval.reason ? `: ${e.approval.reason}` : ""}`,
    );
  lines.push(`  outcome   ${e.outcome}${e.error ? `: ${e.error}` : ""} (${e.latencyMs} ms)`);
  lines.push(`  hash      ${e.hash}`, `  previous  ${e.prevHash}`);
  return lines.join("\n");
}

export async function auditVerify(
  opts: AuditSource & { json?: boolean; head?: string },
  io: Output,
): Promise<number> {
  if (opts.head !== undefined && !/^[0-9a-f]{8,64}$/.test(opts.head)) {
    throw new CliError(
      `--head: expected a hash as \`audit verify\` printed it (8 to 64 hex digits)`,
      EXIT.usage,
    );
  }
  const log = await openAuditReader(opts);
  try {
    const result = await log.verify();
    // A hash chain cannot show that records were cut off its end; a head kept elsewhere can.
    let headFound: boolean | undefined;
    if (result.ok && opts.head !== undefined) {
      headFound = false;
      for await (const entry of log.entries()) {
        if (entry.hash.startsWith(opts.head)) {
          headFound = true;
          break;
        }
      }
    }
    const ok = result.ok && headFound !== false;
    if (opts.json)
      io.out(JSON.stringify(headFound === undefined ? result : { ...result, headFound }, null, 2));
    else if (!result.ok) {
      io.out(
        `TAMPERED: record ${result.firstBad.seq}: ${result.firstBad.reason} (${result.count} records checked before it)`,
      );
    } else if (headFound === false) {
      io.out(
        `TRUNCATED: no record has the hash ${opts.head}: the log was cut short or replaced (${result.count} records, chain intact)`,
      );
    } else {
      io.out(
        `ok: ${result.count} records, chain intact; head ${result.head}${headFound ? `; contains ${opts.head}` : ""}`,
      );
    }
    return ok ? EXIT.ok : EXIT.deny;
  } finally {
    await log.close();
  }
}

/** Every record as JSON Lines (the chain fields included, so the export can be verified on its own). */
export async function auditExport(opts: AuditSource, io: Output): Promise<number> {
  const log = await openAuditReader(opts);
  try {
    for await (const entry of log.entries()) io.out(JSON.stringify(entry));
    return EXIT.ok;
  } finally {
    await log.close();
  }
}
