import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { Catalog } from "../../core/catalog.js";
import type { Mandate } from "../../core/mandate.js";
import { type DraftFinding, type DraftLint, draftMandate } from "../../draft/draft.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readCatalog } from "../io.js";

export interface DraftCommandOptions {
  readonly tools: string;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly yes?: boolean;
  readonly out?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

/**
 * Drafts a mandate for the request and shows it for consent. Exit 0: accepted (`--yes`, nothing broader than the
 * request) and written to `--out` or printed; 2: shown, awaiting the person's consent; 1: `--yes` refused because
 * the draft grants more than the request or has errors; 65: the model's draft is not a valid mandate; 70: the
 * endpoint failed.
 */
export async function draftCommand(
  request: string,
  opts: DraftCommandOptions,
  io: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const catalog = readCatalog(opts.tools);
  if (catalog === undefined) throw new CliError("--tools is required", EXIT.usage);
  const baseUrl = nonEmpty(opts.baseUrl) ?? nonEmpty(env.MANDATE_BASE_URL);
  const model = nonEmpty(opts.model) ?? nonEmpty(env.MANDATE_MODEL);
  if (baseUrl === undefined)
    throw new CliError("no endpoint: pass --base-url or set MANDATE_BASE_URL", EXIT.usage);
  if (model === undefined) throw new CliError("no model: pass --model or set MANDATE_MODEL", EXIT.usage);
  const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new CliError(`--timeout: \`${opts.timeout}\` is not a number of milliseconds`, EXIT.usage);
  }
  const apiKey = nonEmpty(env.MANDATE_API_KEY) ?? nonEmpty(env.OPENAI_API_KEY);
  const lint = await loadLint(catalog);
  const result = await draftMandate(request, {
    baseUrl,
    model,
    catalog,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(timeoutMs === undefined ? {} : { timeoutMs, maxRetries: 0 }),
    ...(lint === null ? {} : { lint }),
  });
  if (opts.json) io.out(JSON.stringify(result, null, 2));
  if (!result.ok) {
    if (!opts.json) {
      io.err(`mandate draft: ${result.reason}`);
      if (result.reply !== undefined) io.err(`the model replied:\n${result.reply}`);
    }
    return result.stage === "request" ? EXIT.internal : EXIT.dataError;
  }
  const blocking = result.findings.filter((f) => f.wider === true || f.severity === "error");
  if (!opts.json) {
    io.out(result.text.trimEnd());
    for (const f of result.findings)
      io.err(`<draft>: ${f.severity}: ${f.field === "" ? "" : `${f.field}: `}${f.message}`);
  }
  if (!opts.yes) {
    if (!opts.json)
      io.err("this draft is not in use: read it, then run again with --yes (and --out <file>) to accept it");
    return EXIT.ask;
  }
  if (blocking.length > 0) {
    io.err(
      `mandate draft: not accepted: ${blocking.length} finding(s) grant more than the request or are errors; a person must decide`,
    );
    return EXIT.deny;
  }
  if (opts.out !== undefined) {
    try {
      writeFileSync(opts.out, result.text.endsWith("\n") ? result.text : `${result.text}\n`, { flag: "w" });
    } catch (error) {
      throw new CliError(`cannot write \`${opts.out}\`: ${(error as Error).message}`, EXIT.noInput);
    }
    io.err(`accepted: written to ${opts.out}`);
  }
  return EXIT.ok;
}

/** The lint pass, when this build has one (src/core/lint.ts); the drafter works without it. */
async function loadLint(catalog: Catalog): Promise<DraftLint | null> {
  const specifier = "../../core/lint.js";
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch {
    return null;
  }
  const lintMandate = (mod as { lintMandate?: unknown }).lintMandate;
  if (typeof lintMandate !== "function") return null;
  return (mandate: Mandate, text: string): DraftFinding[] => {
    const found: unknown = (lintMandate as (m: Mandate, o: object) => unknown)(mandate, {
      catalog,
      source: { text, file: "<draft>" },
    });
    if (!Array.isArray(found)) return [];
    return found.map((f: { severity?: unknown; field?: unknown; message?: unknown; fix?: unknown }) => ({
      severity: f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "info",
      field: typeof f.field === "string" ? f.field : "",
      message: `${String(f.message)}${typeof f.fix === "string" ? ` (fix: ${f.fix})` : ""}`,
    }));
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

export function registerDraftCommand(program: Command, io: Output, set: (code: number) => void): void {
  program
    .command("draft")
    .description("ask a model for a mandate for the user's request; shown for consent (exit 2) unless --yes")
    .argument("<request>", "the user's request, in their words")
    .requiredOption("--tools <catalog>", "tool catalog (JSON, MCP tools/list shape) the mandate is for")
    .option("--base-url <url>", "OpenAI-compatible API root (else MANDATE_BASE_URL)")
    .option("--model <name>", "the model (else MANDATE_MODEL)")
    .option("--yes", "accept the draft without asking, unless it grants more than the request")
    .option("--out <file>", "write the accepted mandate here")
    .option("--timeout <ms>", "give up on the endpoint after this many milliseconds")
    .option("--json", "print the draft result as JSON")
    .action(async (request: string, o: DraftCommandOptions) => set(await draftCommand(request, o, io)));
}
