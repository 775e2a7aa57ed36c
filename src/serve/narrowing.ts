import type { RuleRef } from "../core/decision.js";
import type { Mandate, Rule } from "../core/mandate.js";
import type { Narrowing } from "./approval-queue.js";

export type NarrowingCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * An approver may approve within a narrower bound ("amount ≤ 100"). It is accepted only when it is strictly
 * narrower than what the call's rule grants and the call's own arguments satisfy it: a bound that widens, or that
 * the call already breaks, is refused with the reason, never silently dropped.
 */
export function checkNarrowing(
  narrowing: Narrowing,
  args: Readonly<Record<string, unknown>>,
  mandate: Mandate | undefined,
  rule: RuleRef | null,
): NarrowingCheck {
  const { arg, maximum, minimum } = narrowing;
  if (maximum === undefined && minimum === undefined) return refuse("give a lower or an upper bound");
  for (const bound of [maximum, minimum]) {
    if (bound !== undefined && !Number.isFinite(bound)) return refuse("a bound must be a finite number");
  }
  if (maximum !== undefined && minimum !== undefined && minimum > maximum)
    return refuse("the lower bound is above the upper bound");
  if (!Object.hasOwn(args, arg)) return refuse(`the call has no argument \`${arg}\``);
  const value = args[arg];
  if (typeof value !== "number") return refuse(`\`${arg}\` is not a number in this call`);
  if (maximum !== undefined && value > maximum)
    return refuse(`the call's \`${arg}\` is ${value}, above ${maximum}: deny the call instead`);
  if (minimum !== undefined && value < minimum)
    return refuse(`the call's \`${arg}\` is ${value}, below ${minimum}: deny the call instead`);
  if (mandate === undefined)
    return refuse(
      "the server was not given this call's mandate (`--mandate`), so it cannot tell what narrows",
    );
  const granted = ruleAt(mandate, rule)?.args?.[arg];
  if (granted !== undefined && (granted.const !== undefined || granted.enum !== undefined))
    return refuse(`the rule already fixes \`${arg}\` to given values`);
  const upper = lowest(granted?.maximum, granted?.exclusiveMaximum);
  const lower = highest(granted?.minimum, granted?.exclusiveMinimum);
  const narrowsTop = maximum !== undefined && (upper === undefined || maximum < upper);
  const narrowsBottom = minimum !== undefined && (lower === undefined || minimum > lower);
  if (maximum !== undefined && !narrowsTop)
    return refuse(`\`${arg}\` ≤ ${maximum} does not narrow the rule's bound (${upper})`);
  if (minimum !== undefined && !narrowsBottom)
    return refuse(`\`${arg}\` ≥ ${minimum} does not narrow the rule's bound (${lower})`);
  return { ok: true };
}

/** The rule a pointer such as `/ask/0` names, or `undefined`. */
export function ruleAt(mandate: Mandate, rule: RuleRef | null): Rule | undefined {
  if (rule === null) return undefined;
  const list = rule.effect === "allow" ? mandate.allow : rule.effect === "ask" ? mandate.ask : mandate.deny;
  return list?.[rule.index];
}

export function describeNarrowing(n: Narrowing): string {
  const parts: string[] = [];
  if (n.minimum !== undefined) parts.push(`${n.arg} ≥ ${n.minimum}`);
  if (n.maximum !== undefined) parts.push(`${n.arg} ≤ ${n.maximum}`);
  return parts.join(" and ");
}

function lowest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function highest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function refuse(reason: string): NarrowingCheck {
  return { ok: false, reason };
}
