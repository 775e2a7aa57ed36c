import { createCatalog } from "../../core/catalog.js";
import type { AuditLog } from "../../guard/ports.js";
import type { EpisodeResult } from "../episode.js";
import type { Human } from "../human.js";
import { scopeMetrics } from "../metrics.js";
import type { Evaluation } from "../run.js";
import type { Scope } from "../scope.js";
import type { Suite } from "../suite.js";
import { liveOptionsFromEnv, runLiveEpisode } from "./live.js";
import type { Verifier } from "../../verifier/verifier.js";
import { verifierForRun } from "../verifier-scope.js";

export interface LiveEvaluationOptions {
  readonly scopes: readonly Scope[];
  readonly human: Human;
  readonly audit?: AuditLog;
  readonly baseUrl?: string;
  readonly model?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Scope `mandate+verifier`'s verifier. Default: the scripted policy served locally (docs/verifier.md). */
  readonly verifier?: Verifier;
  readonly onProgress?: (done: number, total: number, last: EpisodeResult) => void;
}

/** The evaluation with a real model: every user task alone, then with every injection task, under every scope. */
export async function runLiveEvaluation(
  suites: readonly Suite<unknown>[],
  opts: LiveEvaluationOptions,
): Promise<Evaluation> {
  const live = liveOptionsFromEnv(opts.env ?? process.env, {
    ...(opts.baseUrl === undefined ? {} : { baseUrl: opts.baseUrl }),
    ...(opts.model === undefined ? {} : { model: opts.model }),
  });
  const started = Date.now();
  const run = await verifierForRun(opts.scopes, opts.verifier);
  const verifier = run.verifier;
  const jobs: (() => Promise<EpisodeResult>)[] = [];
  for (const suite of suites) {
    const catalog = createCatalog(suite.tools.map((t) => t.definition));
    for (const scope of opts.scopes) {
      const base = {
        scope,
        human: opts.human,
        agent: "live" as const,
        catalog,
        ...(opts.audit ? { audit: opts.audit } : {}),
        ...(verifier ? { verifier } : {}),
      };
      for (const task of suite.userTasks) {
        for (const injection of [null, ...suite.injectionTasks]) {
          jobs.push(() => runLiveEpisode(suite, task, injection, base, live));
        }
      }
    }
  }
  const episodes: EpisodeResult[] = [];
  try {
    for (const job of jobs) {
      const result = await job();
      episodes.push(result);
      opts.onProgress?.(episodes.length, jobs.length, result);
    }
  } finally {
    await run.close();
  }
  return {
    human: opts.human,
    scopes: opts.scopes,
    agents: ["live"],
    metrics: suites.flatMap((suite) => opts.scopes.map((scope) => scopeMetrics(suite, scope, episodes))),
    episodes,
    elapsedMs: Date.now() - started,
    ...(verifier === undefined ? {} : { verifier: verifier.name }),
  };
}
