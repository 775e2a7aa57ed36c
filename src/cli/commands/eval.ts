import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { AgentKind } from "../../eval/episode.js";
import { HUMANS, type Human } from "../../eval/human.js";
import { renderHtml } from "../../eval/report/html.js";
import { progressBar, renderTable } from "../../eval/report/table.js";
import { type Evaluation, runEvaluation } from "../../eval/run.js";
import { ALL_SCOPES, type Scope, SCOPES, VERIFIER_SCOPE } from "../../eval/scope.js";
import { BUILT_IN_SUITES, type BuiltInSuite, loadSuite } from "../../eval/suites/index.js";
import type { Suite } from "../../eval/suite.js";
import { SqliteAuditLog } from "../../stores/sqlite/audit-log.js";
import { openAiVerifier } from "../../verifier/openai.js";
import { type Verifier, VERIFIER_FAILURE_MODES, type VerifierFailureMode } from "../../verifier/verifier.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Output } from "../io.js";

export const DEFAULT_EVAL_AUDIT = ".mandate/eval-audit.db";

export interface EvalOptions {
  readonly suite?: string;
  readonly scope?: string;
  readonly agent?: string;
  readonly human?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly audit?: string;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly limit?: string;
  /** Scope `mandate+verifier`: an OpenAI-compatible endpoint for the verifier (default: the scripted policy). */
  readonly verifierUrl?: string;
  readonly verifierModel?: string;
  readonly verifierTimeout?: string;
  readonly verifierOnFailure?: string;
  /** Where the verifier's API key is read: `MANDATE_VERIFIER_API_KEY`, else `MANDATE_API_KEY`, else `OPENAI_API_KEY`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly progress: boolean;
}

/** The `--verifier-*` options of `mandate eval`, for the command's definition. */
export function addVerifierOptions<C extends { option(flags: string, description: string): C }>(
  command: C,
): C {
  return command
    .option("--verifier-url <url>", "scope mandate+verifier: an OpenAI-compatible endpoint for the verifier")
    .option("--verifier-model <name>", "scope mandate+verifier: the verifier's model (with --verifier-url)")
    .option("--verifier-timeout <ms>", "scope mandate+verifier: one answer at most (default 10000)")
    .option(
      "--verifier-on-failure <mode>",
      "scope mandate+verifier: escalate (default), block or allow when the verifier fails",
    );
}

/**
 * The verifier `--verifier-url` names (key from `MANDATE_VERIFIER_API_KEY`, else `MANDATE_API_KEY`, else
 * `OPENAI_API_KEY`), or `undefined` for the scripted one. Checked before anything runs.
 */
export function verifierFromFlags(opts: EvalOptions): Verifier | undefined {
  const { verifierUrl: url, verifierModel: model } = opts;
  if (url === undefined) {
    for (const [flag, value] of [
      ["--verifier-model", opts.verifierModel],
      ["--verifier-timeout", opts.verifierTimeout],
      ["--verifier-on-failure", opts.verifierOnFailure],
    ] as const) {
      if (value !== undefined) throw new CliError(`${flag}: needs --verifier-url`, EXIT.usage);
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--verifier-url: expected an http(s) URL, got \`${url}\``, EXIT.usage);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(`--verifier-url: expected an http(s) URL, got \`${url}\``, EXIT.usage);
  }
  if (model === undefined || model.trim() === "")
    throw new CliError("--verifier-url: needs --verifier-model", EXIT.usage);
  const timeoutMs = opts.verifierTimeout === undefined ? 10_000 : Number(opts.verifierTimeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new CliError(
      `--verifier-timeout: expected milliseconds (a positive integer), got \`${opts.verifierTimeout}\``,
      EXIT.usage,
    );
  }
  const onFailure = opts.verifierOnFailure ?? "escalate";
  if (!(VERIFIER_FAILURE_MODES as readonly string[]).includes(onFailure)) {
    throw new CliError(
      `--verifier-on-failure: unknown \`${onFailure}\`; expected ${VERIFIER_FAILURE_MODES.map((m) => `\`${m}\``).join(", ")}`,
      EXIT.usage,
    );
  }
  const env = opts.env ?? process.env;
  const apiKey = [env.MANDATE_VERIFIER_API_KEY, env.MANDATE_API_KEY, env.OPENAI_API_KEY].find(
    (k) => k !== undefined && k !== "",
  );
  return openAiVerifier({
    baseUrl: url,
    model,
    timeoutMs,
    onFailure: onFailure as VerifierFailureMode,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
}

function list<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  flag: string,
  fallback: readonly T[],
): T[] {
  if (text === undefined) return [...fallback];
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new CliError(
        `${flag}: unknown \`${item}\`; expected ${allowed.map((a) => `\`${a}\``).join(", ")}`,
        EXIT.usage,
      );
    }
  }
  if (items.length === 0)
    throw new CliError(`${flag}: expected at least one of ${allowed.join(", ")}`, EXIT.usage);
  return items as T[];
}

/**
 * `mandate eval`: the built-in suites under every scope, with the replay and hijacked agents (or a live model),
 * as a table, JSON and an HTML report. Every decision is written to the audit log of the run.
 */
export async function evalCommand(opts: EvalOptions, io: Output): Promise<number> {
  const suites = list(opts.suite, BUILT_IN_SUITES, "--suite", BUILT_IN_SUITES);
  const verifier = verifierFromFlags(opts);
  // Naming a verifier endpoint asks for its scope: by default it is added to the others.
  const scopes = list<Scope>(opts.scope, ALL_SCOPES, "--scope", verifier ? ALL_SCOPES : SCOPES);
  if (verifier !== undefined && !scopes.includes(VERIFIER_SCOPE)) {
    throw new CliError(`--verifier-url: only used by --scope ${VERIFIER_SCOPE}`, EXIT.usage);
  }
  const agents = list<AgentKind>(opts.agent, ["replay", "hijacked", "live"], "--agent", [
    "replay",
    "hijacked",
  ]);
  const [human] = list<Human>(opts.human, HUMANS, "--human", ["oracle"]);
  if (agents.includes("live") && agents.length > 1) {
    throw new CliError(
      "--agent: `live` runs on its own (it talks to a model); give `--agent live` alone",
      EXIT.usage,
    );
  }
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    throw new CliError(`--limit: expected a positive integer, got \`${opts.limit}\``, EXIT.usage);
  }
  const loaded: Suite<unknown>[] = [];
  for (const name of suites) {
    const suite = await loadSuite(name as BuiltInSuite);
    loaded.push(limit === undefined ? suite : { ...suite, userTasks: suite.userTasks.slice(0, limit) });
  }
  const auditPath = opts.audit ?? DEFAULT_EVAL_AUDIT;
  mkdirSync(dirname(resolve(auditPath)), { recursive: true });
  // The default log is this run's, like the report: replaced each run. A log named with --audit is appended to.
  if (opts.audit === undefined)
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${auditPath}${suffix}`, { force: true });
  const audit = await SqliteAuditLog.open(auditPath);
  let evaluation: Evaluation;
  try {
    const onProgress = opts.progress
      ? (done: number, total: number) => {
          if (done === total || done % 10 === 0) process.stderr.write(`\r${progressBar(done, total)}`);
          if (done === total) process.stderr.write("\n");
        }
      : undefined;
    if (agents[0] === "live") {
      const { runLiveEvaluation } = await import("../../eval/agents/live-run.js");
      evaluation = await runLiveEvaluation(loaded, {
        scopes,
        human: human!,
        audit,
        ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
        ...(opts.model === undefined ? {} : { model: opts.model }),
        ...(verifier === undefined ? {} : { verifier }),
        ...(onProgress ? { onProgress } : {}),
      });
    } else {
      evaluation = await runEvaluation(loaded, {
        scopes,
        agents: agents as ("replay" | "hijacked")[],
        human: human!,
        audit,
        ...(verifier === undefined ? {} : { verifier }),
        ...(onProgress ? { onProgress } : {}),
      });
    }
  } finally {
    await audit.close();
  }
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          human: evaluation.human,
          scopes,
          agents,
          elapsedMs: evaluation.elapsedMs,
          ...(evaluation.verifier === undefined ? {} : { verifier: evaluation.verifier }),
          metrics: evaluation.metrics,
          episodes: evaluation.episodes,
        },
        null,
        2,
      ),
    );
  } else io.out(renderTable(evaluation));
  if (opts.report !== undefined) {
    mkdirSync(dirname(resolve(opts.report)), { recursive: true });
    writeFileSync(opts.report, renderHtml(evaluation));
  }
  if (!opts.json) {
    io.out(`audit log: ${auditPath}${opts.report !== undefined ? ` · report: ${opts.report}` : ""}`);
  }
  return EXIT.ok;
}
