import { createCatalog } from "../core/catalog.js";
import type { AuditLog } from "../guard/ports.js";
import { type AgentKind, type EpisodeResult, runEpisode } from "./episode.js";
import type { Human } from "./human.js";
import { type ScopeMetrics, scopeMetrics } from "./metrics.js";
import type { Scope } from "./scope.js";
import type { Suite } from "./suite.js";
import type { Verifier } from "../verifier/verifier.js";
import { verifierForRun } from "./verifier-scope.js";

export interface EvaluationOptions {
  readonly scopes: readonly Scope[];
  /** `replay` measures utility without attack; `hijacked` runs every (user task × injection task) pair. */
  readonly agents: readonly Exclude<AgentKind, "live">[];
  readonly human: Human;
  readonly audit?: AuditLog;
  /** Scope `mandate+verifier`'s verifier. Default: the scripted policy served locally (docs/verifier.md). */
  readonly verifier?: Verifier;
  /** Called after each episode, for a progress bar. */
  readonly onProgress?: (done: number, total: number, last: EpisodeResult) => void;
}

export interface Evaluation {
  readonly human: Human;
  readonly scopes: readonly Scope[];
  readonly agents: readonly string[];
  readonly metrics: readonly ScopeMetrics[];
  readonly episodes: readonly EpisodeResult[];
  readonly elapsedMs: number;
  /** The verifier of scope `mandate+verifier`, by name, when the run had that scope. */
  readonly verifier?: string;
}

/** Runs every suite under every scope: the same tasks and the same agent, under different granted authority. */
export async function runEvaluation(
  suites: readonly Suite<unknown>[],
  opts: EvaluationOptions,
): Promise<Evaluation> {
  const started = Date.now();
  const run = await verifierForRun(opts.scopes, opts.verifier);
  const verifier = run.verifier;
  const plan: (() => Promise<EpisodeResult>)[] = [];
  for (const suite of suites) {
    const catalog = createCatalog(suite.tools.map((t) => t.definition));
    for (const scope of opts.scopes) {
      const base = {
        scope,
        human: opts.human,
        catalog,
        ...(opts.audit ? { audit: opts.audit } : {}),
        ...(verifier ? { verifier } : {}),
      };
      for (const task of suite.userTasks) {
        if (opts.agents.includes("replay"))
          plan.push(() => runEpisode(suite, task, null, { ...base, agent: "replay" }));
        if (opts.agents.includes("hijacked")) {
          for (const injection of suite.injectionTasks) {
            plan.push(() => runEpisode(suite, task, injection, { ...base, agent: "hijacked" }));
          }
        }
      }
    }
  }
  const episodes: EpisodeResult[] = [];
  try {
    for (const next of plan) {
      const result = await next();
      episodes.push(result);
      opts.onProgress?.(episodes.length, plan.length, result);
    }
  } finally {
    await run.close();
  }
  const metrics = suites.flatMap((suite) => opts.scopes.map((scope) => scopeMetrics(suite, scope, episodes)));
  return {
    human: opts.human,
    scopes: opts.scopes,
    agents: opts.agents,
    metrics,
    episodes,
    elapsedMs: Date.now() - started,
    ...(verifier === undefined ? {} : { verifier: verifier.name }),
  };
}
