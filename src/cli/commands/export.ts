import type { Command } from "commander";
import { exportCedar } from "../../policy/cedar-export.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readCatalog, readMandate } from "../io.js";

export interface ExportOptions {
  readonly cedar?: boolean;
  readonly tools?: string;
  readonly json?: boolean;
}

/**
 * `mandate export --cedar m.yaml`: the mandate as a Cedar policy set for review, on stdout. What Cedar cannot say is
 * a comment in the text (and, with `--json`, a list of notes); the Cedar is never wider than the mandate.
 */
export function exportCommand(file: string, opts: ExportOptions, io: Output): number {
  if (opts.cedar !== true) throw new CliError("export: choose a format: --cedar", EXIT.usage);
  const catalog = readCatalog(opts.tools);
  const { mandate } = readMandate(file, io, catalog);
  const result = exportCedar(mandate, catalog === undefined ? {} : { catalog });
  io.out(opts.json ? JSON.stringify(result, null, 2) : result.text.trimEnd());
  return EXIT.ok;
}

export function registerExportCommand(program: Command, io: Output, set: (code: number) => void): void {
  program
    .command("export")
    .description("turn a mandate into another policy language for review (Cedar)")
    .argument("<mandate>", "the mandate (YAML or JSON)")
    .option("--cedar", "print a Cedar policy set (docs/cedar.md)")
    .option("--tools <catalog>", "tool catalog (JSON): expands tool globs into actions")
    .option("--json", "print { text, notes, policies } as JSON")
    .action((file: string, o: ExportOptions) => set(exportCommand(file, o, io)));
}
