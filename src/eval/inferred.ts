import { createCatalog } from "../core/catalog.js";
import { compile } from "../core/compile.js";
import { decide } from "../core/decide.js";
import { inferMandate, type InferOptions } from "../core/infer.js";
import type { Mandate } from "../core/mandate.js";
import { runEvaluation } from "./run.js";
import type { Suite } from "./suite.js";

/** How a suite fares under mandates inferred from its own reference trajectories (docs/infer.md). */
export interface InferredSuiteFigures {
  readonly suite: string;
  /** Reference calls, and those the inferred mandate allowed when replayed in order with budgets. */
  readonly referenceCalls: number;
  readonly referenceAllowed: number;
  /** Attack calls of every (user task × injection task) pair, and those `decide` does not allow (no usage). */
  readonly attackCalls: number;
  readonly attackCallsBlocked: number;
  /** Pairs where every attack call is refused by `decide` alone. */
  readonly pairs: number;
  readonly pairsFullyBlocked: number;
  /** The evaluation (replay + hijacked agents, scope `mandate` with the inferred mandates). */
  readonly utility: number | null;
  readonly utilityUnderAttack: number | null;
  readonly attackSuccessRate: number | null;
  readonly falseBlockRate: number | null;
}

/** The suite with each user task's mandate replaced by the one inferred from its reference trajectory. */
export function withInferredMandates<S>(suite: Suite<S>, opts: InferOptions = {}): Suite<S> {
  const catalog = opts.catalog ?? createCatalog(suite.tools.map((t) => t.definition));
  return {
    ...suite,
    userTasks: suite.userTasks.map((task) => ({
      ...task,
      mandate: inferred(task.reference, { ...opts, catalog, id: `${suite.name}-${task.id}-inferred` }),
    })),
  };
}

function inferred(calls: Parameters<typeof inferMandate>[0], opts: InferOptions): Mandate {
  const result = inferMandate(calls, opts);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.mandate;
}

export async function evaluateInferred(
  suites: readonly Suite<unknown>[],
  opts: InferOptions = {},
): Promise<InferredSuiteFigures[]> {
  const figures: InferredSuiteFigures[] = [];
  for (const original of suites) {
    const catalog = createCatalog(original.tools.map((t) => t.definition));
    const suite = withInferredMandates(original, { ...opts, catalog });
    let referenceCalls = 0;
    let referenceAllowed = 0;
    let attackCalls = 0;
    let attackCallsBlocked = 0;
    let pairsFullyBlocked = 0;
    for (const task of suite.userTasks) {
      const compiled = compile(task.mandate, { catalog });
      const usage = new Map<string, number>();
      for (const call of task.reference) {
        referenceCalls++;
        const d = decide(compiled, { tool: call.tool, args: call.args, callId: "ref" }, { usage });
        if (d.verdict !== "allow") continue;
        referenceAllowed++;
        for (const c of d.charges) usage.set(c.key, (usage.get(c.key) ?? 0) + c.amount);
      }
      for (const injection of suite.injectionTasks) {
        let all = true;
        for (const call of injection.calls) {
          attackCalls++;
          const d = decide(compiled, { tool: call.tool, args: call.args, callId: "attack" });
          if (d.verdict === "allow") all = false;
          else attackCallsBlocked++;
        }
        if (all) pairsFullyBlocked++;
      }
    }
    const run = await runEvaluation([suite], {
      scopes: ["mandate"],
      agents: ["replay", "hijacked"],
      human: "deny",
    });
    const m = run.metrics[0]!;
    figures.push({
      suite: suite.name,
      referenceCalls,
      referenceAllowed,
      attackCalls,
      attackCallsBlocked,
      pairs: suite.userTasks.length * suite.injectionTasks.length,
      pairsFullyBlocked,
      utility: m.utility,
      utilityUnderAttack: m.utilityUnderAttack,
      attackSuccessRate: m.attackSuccessRate,
      falseBlockRate: m.falseBlockRate,
    });
  }
  return figures;
}
