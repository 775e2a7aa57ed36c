import { readFileSync } from "node:fs";
import { type Catalog, CatalogError, parseCatalog } from "../core/catalog.js";
import { formatIssue, type MandateIssue } from "../core/issue.js";
import { parseMandate } from "../core/load.js";
import type { Mandate } from "../core/mandate.js";
import { CliError, EXIT } from "./exit-codes.js";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    throw new CliError(`cannot read ${what} \`${path}\`: ${why}`, EXIT.noInput);
  }
}

export function readCatalog(path: string | undefined): Catalog | undefined {
  if (path === undefined) return undefined;
  try {
    return parseCatalog(readText(path, "tool catalog"), path);
  } catch (error) {
    if (error instanceof CatalogError) throw new CliError(error.message, EXIT.dataError);
    throw error;
  }
}

/** Loads a mandate file, printing warnings; invalid mandates end the command with every error listed. */
export function readMandate(
  path: string,
  io: Output,
  catalog?: Catalog,
): { mandate: Mandate; issues: readonly MandateIssue[] } {
  const result = parseMandate(readText(path, "mandate"), { file: path, ...(catalog ? { catalog } : {}) });
  if (!result.ok) {
    throw new CliError(result.issues.map(formatIssue).join("\n"), EXIT.dataError);
  }
  for (const issue of result.issues) io.err(formatIssue(issue));
  return { mandate: result.mandate, issues: result.issues };
}

export function parseJsonArg(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${flag}: invalid JSON: ${(error as Error).message}`, EXIT.dataError);
  }
}

export function parseTime(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new CliError(`${flag}: \`${text}\` is not a date-time (e.g. 2026-11-23T12:00:00Z)`, EXIT.usage);
  return ms;
}
