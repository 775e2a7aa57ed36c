import { createCatalog } from "../core/catalog.js";
import type { AuditLog } from "../guard/ports.js";
import { type AgentKind, type EpisodeResult, runEpisode } from "./episode.js";
import type { Human } from "./human.js";
import { type ScopeMetrics, scopeMetrics } from "./metrics.js";
import type { Scope } from "./scope.js";
import type { Suite } from "./suite.js";

export interface EvaluationOptions {
  readonly scopes: readonly Scope[];
  /** `replay` measures utility without attack; `hijacked` runs every (user task × injection task) pair. */
  readonly agents: readonly Exclude<AgentKind, "live">[];
  readonly human: Human;
  readonly audit?: AuditLog;
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
}

/** Runs every suite under every scope: the same tasks and the same agent, under different granted authority. */
export async function runEvaluation(
  suites: readonly Suite<unknown>[],
  opts: EvaluationOptions,
): Promise<Evaluation> {
  const started = Date.now();
  const plan: (() => Promise<EpisodeResult>)[] = [];
  for (const suite of suites) {
    const catalog = createCatalog(suite.tools.map((t) => t.definition));
    for (const scope of opts.scopes) {
      const base = { scope, human: opts.human, catalog, ...(opts.audit ? { audit: opts.audit } : {}) };
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
  for (const next of plan) {
    const result = await next();
    episodes.push(result);
    opts.onProgress?.(episodes.length, plan.length, result);
  }
  const metrics = suites.flatMap((suite) => opts.scopes.map((scope) => scopeMetrics(suite, scope, episodes)));
  return {
    human: opts.human,
    scopes: opts.scopes,
    agents: opts.agents,
    metrics,
    episodes,
    elapsedMs: Date.now() - started,
  };
}
