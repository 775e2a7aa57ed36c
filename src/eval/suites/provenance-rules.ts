import type { ArgumentConstraint, FlowRule, Mandate, Rule } from "../../core/mandate.js";

/**
 * Helpers the suites use to write their `provenance`-scope mandates: the task's own mandate with one more
 * requirement on one argument of one tool. The rest of the mandate is unchanged, so the difference between the
 * `mandate` and `provenance` scopes is exactly what these lines add.
 */

/** Adds `extra` to `arg` on every `allow` and `ask` rule of `tool` (as an optional constraint where it had none). */
export function constrain(
  m: Mandate,
  tool: string,
  arg: string,
  extra: Partial<ArgumentConstraint>,
): Mandate {
  const add = (rule: Rule): Rule => {
    const tools = rule.tool !== undefined ? [rule.tool] : (rule.tools ?? []);
    if (!tools.includes(tool)) return rule;
    const existing = rule.args?.[arg];
    return {
      ...rule,
      args: {
        ...(rule.args ?? {}),
        [arg]: existing ? { ...existing, ...extra } : { optional: true, ...extra },
      },
    };
  };
  return {
    ...m,
    ...(m.allow ? { allow: m.allow.map(add) } : {}),
    ...(m.ask ? { ask: m.ask.map(add) } : {}),
  };
}

/** A flow rule on `arg` of `tool`: data from untrusted or sensitive outputs may not reach it. */
export function noFlow(m: Mandate, tool: string, arg: string, flow: FlowRule = {}): Mandate {
  return constrain(m, tool, arg, { flow });
}

/**
 * Splits the `allow` rules of `tool` by where `arg` came from: allowed when the user named it, otherwise asked
 * (the same rule under `ask`). For values the task can only read from a document that may carry an injection.
 */
export function askUnlessNamed(m: Mandate, tool: string, arg: string): Mandate {
  const mine = (rule: Rule): boolean =>
    (rule.tool !== undefined ? [rule.tool] : (rule.tools ?? [])).includes(tool);
  const allow = m.allow ?? [];
  const named = constrain({ mandate: 1, id: m.id, allow: allow.filter(mine) }, tool, arg, {
    provenance: "trusted",
  }).allow!;
  let i = 0;
  return {
    ...m,
    allow: allow.map((rule) => (mine(rule) ? named[i++]! : rule)),
    ask: [...(m.ask ?? []), ...allow.filter(mine)],
  };
}

/** The tasks, each with its `provenance`-scope mandate where `rules` writes one (keyed by task id). */
export function withProvenance<T extends { readonly id: string; readonly mandate: Mandate }>(
  tasks: readonly T[],
  rules: Readonly<Record<string, (m: Mandate) => Mandate>>,
): readonly T[] {
  for (const id of Object.keys(rules)) {
    if (!tasks.some((t) => t.id === id)) throw new Error(`provenance rules for unknown task \`${id}\``);
  }
  return tasks.map((t) => {
    const rule = rules[t.id];
    return rule === undefined ? t : { ...t, provenance: rule(t.mandate) };
  });
}
