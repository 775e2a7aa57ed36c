import { type Command, Option } from "commander";
import { stringify } from "yaml";
import type { Catalog } from "../../core/catalog.js";
import { formatIssue } from "../../core/issue.js";
import {
  type EmailMode,
  inferMandate,
  type InferOptions,
  type NumberMode,
  type ObservedCall,
  type PathMode,
  type StringMode,
  type UrlMode,
} from "../../core/infer.js";
import { isJsonObject } from "../../core/json-value.js";
import { parseMandate } from "../../core/load.js";
import { type OverPrivilegeReport, reportOverPrivilege } from "../../core/over-privilege.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readCatalog, readMandate, readText } from "../io.js";
import { openAuditReader } from "./audit.js";

export interface InferCommandOptions {
  readonly db?: readonly string[];
  readonly jsonl?: readonly string[];
  readonly trace?: readonly string[];
  /** Only audit records of this mandate id. */
  readonly fromMandate?: string;
  readonly catalog?: string;
  readonly strings?: string;
  readonly numbers?: string;
  readonly roundUp?: string;
  readonly paths?: string;
  readonly urls?: string;
  readonly emails?: string;
  readonly headroom?: string;
  /** commander's `--no-budget`. */
  readonly budget?: boolean;
  readonly ttl?: string;
  readonly id?: string;
  readonly subject?: string;
  readonly agent?: string;
  readonly task?: string;
  readonly reportOverPrivilege?: boolean;
  readonly mandate?: string;
  readonly json?: boolean;
}

/** Adds `mandate infer` and its alias for reports, `mandate overpriv`, to the program. */
export function registerInferCommand(program: Command, io: Output, set: (code: number) => void): void {
  const sources = (cmd: Command): Command =>
    cmd
      .option("--db <file...>", "SQLite audit logs of benign runs")
      .option("--jsonl <file...>", "JSON Lines audit logs of benign runs")
      .option("--trace <file...>", "mandate-trace/1 files: their benign calls")
      .option("--from-mandate <id>", "only audit records decided under this mandate id")
      .option("--catalog <file>", "tool catalog (JSON): grant only its tools and arguments")
      .option("--json", "print JSON");
  sources(
    program
      .command("infer")
      .description(
        "the narrowest mandate that would have allowed the calls of benign runs, or its over-privilege",
      ),
  )
    .addOption(new Option("--strings <mode>", "free text").choices(["exact", "set", "pattern-prefix"]))
    .addOption(new Option("--numbers <mode>", "numbers").choices(["exact", "set", "range"]))
    .option("--round-up <step>", "with --numbers range: round the maximum up to a multiple of this")
    .addOption(new Option("--paths <mode>", "absolute paths").choices(["exact", "prefix"]))
    .addOption(new Option("--urls <mode>", "URLs").choices(["exact", "host"]))
    .addOption(new Option("--emails <mode>", "e-mail addresses").choices(["exact", "domain"]))
    .option("--headroom <factor>", "budgets are the observed counts and sums times this (default 1)")
    .option("--no-budget", "no budgets")
    .option("--ttl <duration>", "the mandate's ttl (e.g. 1h)")
    .option("--id <id>", "the mandate's id (default `inferred`)")
    .option("--subject <who>")
    .option("--agent <name>")
    .option("--task <words>")
    .option("--report-over-privilege", "instead: report what --mandate grants that the calls never used")
    .option("--mandate <file>", "with --report-over-privilege: the mandate to report on")
    .action(async (o: InferCommandOptions) => set(await inferCommand(o, io)));
  sources(
    program.command("overpriv").description("what a mandate grants that the calls of benign runs never used"),
  )
    .requiredOption("--mandate <file>", "the mandate to report on")
    .action(async (o: InferCommandOptions) =>
      set(await inferCommand({ ...o, reportOverPrivilege: true }, io)),
    );
}

/** `mandate infer`: prints the inferred mandate as YAML (or JSON with notes), or the over-privilege report. */
export async function inferCommand(o: InferCommandOptions, io: Output): Promise<number> {
  const catalog = readCatalog(o.catalog);
  // Flags first: a usage error should not wait for (or hide behind) reading the sources.
  const options = o.reportOverPrivilege ? null : inferOptions(o, catalog);
  const calls = await readCalls(o);
  if (options === null) {
    if (o.mandate === undefined)
      throw new CliError("--report-over-privilege needs --mandate <file>", EXIT.usage);
    const { mandate } = readMandate(o.mandate, io, catalog);
    const report = reportOverPrivilege(mandate, calls, catalog ? { catalog } : {});
    io.out(o.json ? JSON.stringify(report, null, 2) : renderReport(o.mandate, report));
    return EXIT.ok;
  }
  if (o.mandate !== undefined) throw new CliError("--mandate is for --report-over-privilege", EXIT.usage);
  const result = inferMandate(calls, options);
  if (!result.ok) throw new CliError(result.problems.join("\n"), EXIT.usage);
  const yaml = stringify(result.mandate, { aliasDuplicateObjects: false, lineWidth: 0 });
  // What we print must load: fail closed on our own output.
  const check = parseMandate(yaml, { file: "<inferred>", ...(catalog ? { catalog } : {}) });
  if (!check.ok)
    throw new CliError(
      `inferred an invalid mandate:\n${check.issues.map(formatIssue).join("\n")}`,
      EXIT.internal,
    );
  if (o.json) {
    io.out(
      JSON.stringify(
        { mandate: result.mandate, notes: result.notes, used: result.used, skipped: result.skipped },
        null,
        2,
      ),
    );
  } else {
    io.out(yaml.trimEnd());
    for (const n of result.notes)
      io.err(`note: ${n.tool ?? ""}${n.arg ? `.${n.arg}` : ""}${n.tool ? ": " : ""}${n.message}`);
    io.err(
      `inferred from ${result.used} call${result.used === 1 ? "" : "s"}${result.skipped > 0 ? ` (${result.skipped} left out)` : ""}`,
    );
  }
  return EXIT.ok;
}

function inferOptions(o: InferCommandOptions, catalog: Catalog | undefined): InferOptions {
  const number = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n))
      throw new CliError(`${flag}: expected a number, got \`${text}\``, EXIT.usage);
    return n;
  };
  const headroom = number("--headroom", o.headroom);
  const roundUp = number("--round-up", o.roundUp);
  if (roundUp !== undefined && o.numbers !== "range")
    throw new CliError("--round-up applies to --numbers range", EXIT.usage);
  return {
    ...(o.id === undefined ? {} : { id: o.id }),
    ...(o.subject === undefined ? {} : { subject: o.subject }),
    ...(o.agent === undefined ? {} : { agent: o.agent }),
    ...(o.task === undefined ? {} : { task: o.task }),
    ...(o.strings === undefined ? {} : { strings: o.strings as StringMode }),
    ...(o.numbers === undefined ? {} : { numbers: o.numbers as NumberMode }),
    ...(roundUp === undefined ? {} : { roundUp }),
    ...(o.paths === undefined ? {} : { paths: o.paths as PathMode }),
    ...(o.urls === undefined ? {} : { urls: o.urls as UrlMode }),
    ...(o.emails === undefined ? {} : { emails: o.emails as EmailMode }),
    ...(headroom === undefined ? {} : { headroom }),
    ...(o.budget === false ? { budgets: false } : {}),
    ...(o.ttl === undefined ? {} : { ttl: o.ttl }),
    ...(catalog ? { catalog } : {}),
  };
}

/** Every call of the sources, in order: audit decision records (their effect), and traces' benign calls. */
async function readCalls(o: InferCommandOptions): Promise<ObservedCall[]> {
  const given = (o.db?.length ?? 0) + (o.jsonl?.length ?? 0) + (o.trace?.length ?? 0);
  if (given === 0) throw new CliError("no calls to read: give --db, --jsonl or --trace", EXIT.usage);
  const calls: ObservedCall[] = [];
  const audits = [...(o.db ?? []).map((db) => ({ db })), ...(o.jsonl ?? []).map((jsonl) => ({ jsonl }))];
  for (const source of audits) {
    const log = await openAuditReader(source);
    try {
      for await (const e of log.entries()) {
        // A call that ran leaves a decision and an outcome record: learn from the decision only.
        if (e.event !== "decision") continue;
        if (o.fromMandate !== undefined && e.mandateId !== o.fromMandate) continue;
        if (!isJsonObject(e.args)) continue;
        calls.push({ tool: e.tool, args: e.args, verdict: e.effect === "allow" ? "allow" : "deny" });
      }
    } finally {
      await log.close();
    }
  }
  for (const file of o.trace ?? []) calls.push(...traceCalls(readText(file, "trace"), file));
  return calls;
}

/**
 * The benign calls of a `mandate-trace/1` file. Read leniently (a trace for inference needs no mandate), but
 * every call it uses is checked, and a problem names the file, case and event.
 */
export function traceCalls(text: string, file: string): ObservedCall[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: invalid JSON: ${(error as Error).message}`, EXIT.dataError);
  }
  if (!isJsonObject(doc) || doc.format !== "mandate-trace/1")
    throw new CliError(`${file}: expected a trace with \`format: "mandate-trace/1"\``, EXIT.dataError);
  if (!Array.isArray(doc.cases)) throw new CliError(`${file}: \`cases\`: expected a list`, EXIT.dataError);
  const calls: ObservedCall[] = [];
  doc.cases.forEach((c: unknown, ci: number) => {
    const where = `${file}: cases[${ci}]`;
    if (!isJsonObject(c) || !Array.isArray(c.events))
      throw new CliError(`${where}.events: expected a list`, EXIT.dataError);
    c.events.forEach((e: unknown, ei: number) => {
      if (!isJsonObject(e) || e.type !== "call") return;
      const at = `${where}.events[${ei}]`;
      if (typeof e.tool !== "string" || e.tool === "")
        throw new CliError(`${at}.tool: expected a tool name`, EXIT.dataError);
      if (!isJsonObject(e.args)) throw new CliError(`${at}.args: expected an object`, EXIT.dataError);
      if (e.label !== "benign" && e.label !== "attack")
        throw new CliError(`${at}.label: expected \`benign\` or \`attack\``, EXIT.dataError);
      if (e.label === "benign") calls.push({ tool: e.tool, args: e.args });
    });
  });
  return calls;
}

function renderReport(file: string, r: OverPrivilegeReport): string {
  const lines = [
    `${file} (${r.mandateId}): ${r.calls} call${r.calls === 1 ? "" : "s"}, ${r.uncovered} not covered by any rule`,
  ];
  for (const rule of r.rules) {
    const name = `${rule.field}${rule.id ? ` (${rule.id})` : ""} ${rule.selectors.join(", ")}`;
    lines.push(
      "",
      rule.unused ? `${name}: never used` : `${name}: ${rule.calls} call${rule.calls === 1 ? "" : "s"}`,
    );
    // Findings about the rule as a whole (tools beyond those used, no budget); arguments and budgets follow.
    for (const f of rule.findings)
      if (!rule.unused && f.startsWith(`${rule.field}: `))
        lines.push(`  wider ${f.slice(rule.field.length + 2)}`);
    for (const a of rule.args) lines.push(`  ${a.wider ? "wider" : "ok   "} ${a.arg}: ${a.detail}`);
    for (const b of rule.budget)
      lines.push(
        `  ${b.used < b.limit ? "wider" : "ok   "} budget ${b.what}: ${b.limit} granted, ${b.used} used`,
      );
  }
  lines.push("", `${r.findings} finding${r.findings === 1 ? "" : "s"} of unused authority`);
  return lines.join("\n");
}
