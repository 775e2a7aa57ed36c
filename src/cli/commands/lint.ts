import { type Command, Option } from "commander";
import { formatIssue } from "../../core/issue.js";
import { atLeast, type LintFinding, lintMandate, type LintSeverity } from "../../core/lint.js";
import { toSarif } from "../../core/lint-sarif.js";
import { parseMandate } from "../../core/load.js";
import { VERSION } from "../../version.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, parseTime, readCatalog, readText } from "../io.js";
import { styleText } from "node:util";

export interface LintCommandOptions {
  readonly tools?: string;
  readonly approver?: "none" | "configured";
  readonly json?: boolean;
  readonly sarif?: boolean;
  readonly failOn?: LintSeverity | "none";
  readonly now?: string;
  readonly color?: boolean;
}

const SEVERITY_STYLE = { error: "red", warning: "yellow", note: "cyan" } as const;

/**
 * Lints mandate files against a catalog. Exit 1 when a finding is at or above `--fail-on` (default `error`);
 * 64/65/66 for usage errors, invalid mandates or catalogs, and unreadable files, as everywhere else.
 */
export function lintCommand(files: readonly string[], opts: LintCommandOptions, io: Output): number {
  if (opts.json === true && opts.sarif === true)
    throw new CliError("give `--json` or `--sarif`, not both", EXIT.usage);
  const catalog = readCatalog(opts.tools);
  const now = parseTime(opts.now, "--now") ?? Date.now();
  const findings: LintFinding[] = [];
  for (const file of files) {
    const text = readText(file, "mandate");
    const loaded = parseMandate(text, { file, now, ...(catalog ? { catalog } : {}) });
    if (!loaded.ok) throw new CliError(loaded.issues.map(formatIssue).join("\n"), EXIT.dataError);
    findings.push(
      ...lintMandate(loaded.mandate, {
        source: { text, file },
        now,
        approver: opts.approver ?? "none",
        ...(catalog ? { catalog } : {}),
      }),
    );
  }
  const counts = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.severity]++;
  if (opts.sarif === true) io.out(JSON.stringify(toSarif(findings, { version: VERSION }), null, 2));
  else if (opts.json === true) io.out(JSON.stringify({ findings, counts }, null, 2));
  else io.out(renderFindings(files, findings, counts, opts.color ?? false));
  const failOn = opts.failOn ?? "error";
  return failOn !== "none" && findings.some((f) => atLeast(f.severity, failOn)) ? EXIT.deny : EXIT.ok;
}

/** Findings for people: place, severity, message and rule id on one line, the fix under it, then a summary. */
export function renderFindings(
  files: readonly string[],
  findings: readonly LintFinding[],
  counts: Readonly<Record<LintSeverity, number>>,
  color: boolean,
): string {
  // The caller decided on colour (a terminal without NO_COLOR); styleText need not check the stream again.
  const c = (style: Parameters<typeof styleText>[0], text: string): string =>
    color ? styleText(style, text, { validateStream: false }) : text;
  const lines: string[] = [];
  for (const f of findings) {
    const where = `${f.file ?? "<mandate>"}:${f.line}:${f.column}`;
    const field = f.field === "" ? "" : `${f.field}: `;
    lines.push(
      `${where}: ${c(["bold", SEVERITY_STYLE[f.severity]], f.severity)}: ${field}${f.message} ${c("dim", `[${f.ruleId}]`)}`,
    );
    lines.push(`  ${c("green", "fix:")} ${f.fix}`);
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const total = findings.length;
  const scope = files.length === 1 ? files[0]! : `${files.length} mandates`;
  lines.push(
    total === 0
      ? `${scope}: ${c("green", "no findings")}`
      : `${scope}: ${plural(counts.error, "error")}, ${plural(counts.warning, "warning")}, ${plural(counts.note, "note")}`,
  );
  return lines.join("\n");
}

/** Adds `mandate lint` to the program. `env.color` as main computes it (a terminal without NO_COLOR). */
export function registerLintCommand(
  program: Command,
  io: Output,
  set: (code: number) => void,
  env: { readonly color?: boolean } = {},
): void {
  program
    .command("lint")
    .description(
      "find authority a mandate grants beyond need: globs, unbounded risky tools, no expiry, dead or shadowed rules",
    )
    .argument("<mandate...>", "mandate files (YAML or JSON)")
    .option(
      "--tools <catalog>",
      "tool catalog (JSON, MCP tools/list shape): risk is judged from its annotations",
    )
    .addOption(
      new Option("--approver <kind>", "whether `ask` rules have an approver where the mandate runs")
        .choices(["none", "configured"])
        .default("none"),
    )
    .addOption(new Option("--json", "print the findings as JSON").conflicts("sarif"))
    .option("--sarif", "print a SARIF 2.1.0 log, for code scanning")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .choices(["error", "warning", "note", "none"])
        .default("error"),
    )
    .option("--now <time>", "judge expiry as of this ISO 8601 time")
    .action((files: string[], o: Omit<LintCommandOptions, "color">) =>
      set(lintCommand(files, { ...o, ...(env.color === undefined ? {} : { color: env.color }) }, io)),
    );
}
