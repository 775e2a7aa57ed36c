import type { Mandate } from "../core/mandate.js";

/**
 * How much authority the agent is granted in a run: `none` (no guard at all), `tools` (an allowlist of the
 * task's tools, no argument constraints), `mandate` (the task's own mandate). The same tasks and agent under
 * each scope show what the mandate adds.
 */
export type Scope = "none" | "tools" | "mandate";
export const SCOPES: readonly Scope[] = ["none", "tools", "mandate"];

/** The mandate a scope grants for a task, or `null` for `none`. */
export function mandateForScope(scope: Scope, task: Mandate): Mandate | null {
  if (scope === "none") return null;
  if (scope === "mandate") return task;
  const tools = new Set<string>();
  for (const rule of [...(task.allow ?? []), ...(task.ask ?? [])]) {
    if (rule.tool !== undefined) tools.add(rule.tool);
    for (const t of rule.tools ?? []) tools.add(t);
  }
  return { mandate: 1, id: `${task.id}#tools`, allow: tools.size > 0 ? [{ tools: [...tools] }] : [] };
}
