import type { Mandate, Rule } from "../core/mandate.js";
import { findValue, ObservationLog } from "../core/provenance/index.js";
import type { PlannedCall } from "./suite.js";

/**
 * How much authority the agent is granted in a run: `none` (no guard at all), `tools` (an allowlist of the
 * task's tools, no argument constraints), `mandate` (the task's own mandate), `provenance` (the task's mandate
 * with the value-origin and flow rules its suite writes for it, and every value the user named required to come
 * from the user or the mandate), `mandate+verifier` (the task's mandate, with a verifier model asked about every
 * call it allows; docs/verifier.md). The same tasks and agent under each scope show what each layer adds.
 */
export type Scope = "none" | "tools" | "mandate" | "provenance" | "mandate+verifier";
/** The scopes a run has by default: the verifier's costs a model call per allowed call, so it is asked for by name. */
export const SCOPES: readonly Scope[] = ["none", "tools", "mandate", "provenance"];
export const VERIFIER_SCOPE = "mandate+verifier" satisfies Scope;
/** Every scope a run can name. */
export const ALL_SCOPES: readonly Scope[] = [...SCOPES, VERIFIER_SCOPE];

/** What a scope needs to know of a user task. */
export interface ScopedTask {
  readonly mandate: Mandate;
  /** The suite's own mandate for the `provenance` scope, when it writes one. */
  readonly provenance?: Mandate;
  readonly prompt: string;
  readonly reference: readonly PlannedCall[];
}

/** The mandate a scope grants for a task, or `null` for `none`. */
export function mandateForScope(scope: Scope, task: ScopedTask): Mandate | null {
  if (scope === "none") return null;
  if (scope === "mandate" || scope === VERIFIER_SCOPE) return task.mandate;
  if (scope === "provenance") {
    return withValueOrigin(task.provenance === undefined ? task : { ...task, mandate: task.provenance });
  }
  const tools = new Set<string>();
  for (const rule of [...(task.mandate.allow ?? []), ...(task.mandate.ask ?? [])]) {
    if (rule.tool !== undefined) tools.add(rule.tool);
    for (const t of rule.tools ?? []) tools.add(t);
  }
  return { mandate: 1, id: `${task.mandate.id}#tools`, allow: tools.size > 0 ? [{ tools: [...tools] }] : [] };
}

/**
 * The task's mandate with value-origin requirements a careful user would add: every argument value of the
 * reference trajectory that the user named (it appears in their prompt or in the mandate) must come from them,
 * on every allow and ask rule of that tool. Values the task has to take from tool outputs (an invoice's IBAN, a
 * file id from a listing) get no requirement: provenance can only protect what the user said.
 */
export function withValueOrigin(task: ScopedTask): Mandate {
  const log = new ObservationLog();
  log.observe({ id: "user", trust: "trusted", kind: "user" }, task.prompt);
  log.observe({ id: "mandate", trust: "trusted", kind: "mandate" }, task.mandate);
  // An argument is required to come from the user only if every value the task passes in it was named by them
  // (a tool called twice, once with a value the user named and once with one read from an output, gets none).
  const verdicts = new Map<string, boolean>();
  for (const call of task.reference) {
    for (const [arg, value] of Object.entries(call.args)) {
      const key = `${call.tool}\u0000${arg}`;
      const found = typeof value === "string" || typeof value === "number" ? findValue(log, value) : null;
      const byUser = found !== null && found.attributable && found.trusted.length > 0;
      verdicts.set(key, (verdicts.get(key) ?? true) && byUser);
    }
  }
  const named = new Map<string, Set<string>>();
  for (const [key, byUser] of verdicts) {
    if (!byUser) continue;
    const [tool, arg] = key.split("\u0000") as [string, string];
    let args = named.get(tool);
    if (!args) named.set(tool, (args = new Set()));
    args.add(arg);
  }
  // A rule over several tools gets a requirement only where every one of its tools had it named; a new
  // constraint is `optional`, so the requirement changes where values may come from, not which calls are complete.
  const require = (rule: Rule): Rule => {
    const tools = rule.tool !== undefined ? [rule.tool] : (rule.tools ?? []);
    const sets = tools.map((t) => named.get(t) ?? new Set<string>());
    const args = sets.length === 0 ? [] : [...sets[0]!].filter((a) => sets.every((set) => set.has(a)));
    if (args.length === 0) return rule;
    const constrained = { ...(rule.args ?? {}) };
    for (const arg of args) {
      const existing = constrained[arg];
      constrained[arg] = existing
        ? { ...existing, provenance: "trusted" as const }
        : { optional: true, provenance: "trusted" as const };
    }
    return { ...rule, args: constrained };
  };
  return {
    ...task.mandate,
    id: `${task.mandate.id}#provenance`,
    ...(task.mandate.allow ? { allow: task.mandate.allow.map(require) } : {}),
    ...(task.mandate.ask ? { ask: task.mandate.ask.map(require) } : {}),
  };
}
