import type { Command } from "commander";
import { formatIssue } from "../../core/issue.js";
import { breakerKey } from "../../monitor/breaker-store.js";
import { parseMonitors } from "../../monitor/load.js";
import { resetRecord } from "../../monitor/monitors.js";
import { SqliteBreakerStore } from "../../monitor/sqlite-breaker-store.js";
import { SqliteAuditLog } from "../../stores/sqlite/audit-log.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readText } from "../io.js";

export const DEFAULT_MONITOR_DB = ".mandate/audit.db";

export interface MonitorResetOptions {
  readonly db?: string;
  readonly session?: string;
  readonly agent?: string;
  readonly all?: boolean;
  readonly by?: string;
}

/** `mandate monitor validate <file>`: every issue with file:line:column, exit 65 when there is one. */
export function monitorValidateCommand(file: string, io: Output): number {
  const result = parseMonitors(readText(file, "monitors file"), { file });
  if (!result.ok) {
    for (const issue of result.issues) io.err(formatIssue(issue));
    return EXIT.dataError;
  }
  io.out(`${file}: ${result.config.rules.length} rules, ${result.config.webhooks.length} webhooks`);
  return EXIT.ok;
}

/** `mandate monitor list`: the open breakers. */
export function monitorListCommand(opts: { db?: string; json?: boolean }, io: Output): number {
  const store = SqliteBreakerStore.open(opts.db ?? DEFAULT_MONITOR_DB);
  try {
    const open = store.list();
    if (opts.json === true) io.out(JSON.stringify(open, null, 2));
    else if (open.length === 0) io.out("no breaker is open");
    else for (const t of open) io.out(`${t.key}\t${t.action}\tsince ${t.time}\trule ${t.rule}: ${t.reason}`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/** `mandate monitor reset`: a person closes a breaker; the reset is audited in the same database. */
export async function monitorResetCommand(opts: MonitorResetOptions, io: Output): Promise<number> {
  const given = [opts.session !== undefined, opts.agent !== undefined, opts.all === true].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new CliError("give exactly one of --session, --agent and --all", EXIT.usage);
  const by = opts.by ?? process.env["USER"] ?? "";
  if (by === "") throw new CliError("--by: say who resets the breaker", EXIT.usage);
  const key =
    opts.all === true
      ? "all"
      : opts.session !== undefined
        ? breakerKey("session", opts.session, null)!
        : breakerKey("agent", null, opts.agent!)!;
  const db = opts.db ?? DEFAULT_MONITOR_DB;
  const store = SqliteBreakerStore.open(db);
  let closed = false;
  try {
    // The reset is audited before it takes effect: one that cannot be recorded does not happen.
    const open = store.list().some((t) => t.key === key);
    const audit = await SqliteAuditLog.open(db);
    try {
      await audit.append(resetRecord(key, by, open, Date.now()));
    } finally {
      await audit.close();
    }
    if (open) closed = store.reset(key);
  } finally {
    store.close();
  }
  io.out(closed ? `breaker \`${key}\` reset by ${by}` : `breaker \`${key}\` was not open`);
  return closed ? EXIT.ok : EXIT.deny;
}

export function registerMonitorCommand(program: Command, io: Output, set: (code: number) => void): void {
  const monitor = program
    .command("monitor")
    .description("runtime monitors: validate rules, list and reset breakers");
  monitor
    .command("validate <file>")
    .description("check a monitors file; errors as file:line:column: field: message")
    .action((file: string) => set(monitorValidateCommand(file, io)));
  monitor
    .command("list")
    .description("the open circuit breakers")
    .option("--db <file>", `the SQLite file breakers live in (default ${DEFAULT_MONITOR_DB})`)
    .option("--json", "print them as JSON")
    .action((o: { db?: string; json?: boolean }) => set(monitorListCommand(o, io)));
  monitor
    .command("reset")
    .description("close a circuit breaker (audited); exit 1 when it was not open")
    .option(
      "--db <file>",
      `the SQLite file breakers and the audit log live in (default ${DEFAULT_MONITOR_DB})`,
    )
    .option("--session <id>", "the session's breaker")
    .option("--agent <name>", "the agent's breaker")
    .option("--all", "the breaker over every call")
    .option("--by <name>", "who resets it (default $USER)")
    .action(async (o: MonitorResetOptions) => set(await monitorResetCommand(o, io)));
}
