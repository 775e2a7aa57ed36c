/**
 * Over-privilege (docs/infer.md): the authority a mandate grants that the observed calls never used, per rule and
 * argument. Pure: the input is a mandate and a list of calls.
 */
import type { Catalog } from "./catalog.js";
import { compile } from "./compile.js";
import { decide } from "./decide.js";
import { normaliseEmail, normalisePath } from "./forms/index.js";
import { pointerToField } from "./issue.js";
import { jsonEqual } from "./json-value.js";
import type { ArgumentConstraint, Mandate, Rule } from "./mandate.js";
import type { ObservedCall } from "./infer.js";

/** One argument of a rule: what it grants, what the covered calls gave it, and whether the grant is wider. */
export interface ArgumentUse {
  readonly arg: string;
  /** The rule's constraint, or `null` when the rule does not constrain the argument (any value). */
  readonly granted: ArgumentConstraint | null;
  /** Distinct observed values (at most 20). */
  readonly observed: readonly unknown[];
  readonly wider: boolean;
  /** One line: what is granted beyond the observed values. */
  readonly detail: string;
}

export interface RuleUse {
  readonly pointer: string;
  readonly field: string;
  readonly id?: string;
  readonly effect: "allow" | "ask";
  readonly selectors: readonly string[];
  /** Tools of the covered calls. */
  readonly toolsUsed: readonly string[];
  /** Calls this rule decided (the first covering rule decides). */
  readonly calls: number;
  readonly unused: boolean;
  readonly args: readonly ArgumentUse[];
  /** Budget limits beside what the covered calls used. */
  readonly budget: readonly { readonly what: string; readonly limit: number; readonly used: number }[];
  /** One line per finding. */
  readonly findings: readonly string[];
}

export interface OverPrivilegeReport {
  readonly mandateId: string;
  readonly calls: number;
  /** Calls no `allow` or `ask` rule covers (the mandate would deny them). */
  readonly uncovered: number;
  readonly rules: readonly RuleUse[];
  /** Findings over all rules. */
  readonly findings: number;
}

const MAX_SHOWN = 20;

/**
 * Decides each call against the mandate (validity and budgets left out: this measures what is granted, not when
 * or how often) and reports, for every `allow` and `ask` rule, whether it covered anything and how much wider
 * than the covered calls each argument's grant is.
 */
export function reportOverPrivilege(
  mandate: Mandate,
  calls: readonly ObservedCall[],
  opts: { readonly catalog?: Catalog } = {},
): OverPrivilegeReport {
  const timeless: Mandate = stripValidity(mandate);
  const compiled = compile(timeless, opts.catalog ? { catalog: opts.catalog } : {});
  const covered = new Map<string, ObservedCall[]>();
  let uncovered = 0;
  for (const call of calls) {
    if (call.verdict === "deny") continue;
    const d = decide(compiled, { tool: call.tool, args: call.args, callId: "overpriv" });
    const pointer =
      d.verdict === "deny" && d.delta.every((i) => i.kind === "budget") ? null : d.rule?.pointer;
    if (d.verdict === "deny" || pointer === undefined || pointer === null) {
      uncovered++;
      continue;
    }
    let list = covered.get(pointer);
    if (!list) covered.set(pointer, (list = []));
    list.push(call);
  }
  const rules: RuleUse[] = [];
  for (const effect of ["allow", "ask"] as const) {
    (mandate[effect] ?? []).forEach((rule, index) => {
      const pointer = `/${effect}/${index}`;
      rules.push(ruleUse(rule, effect, pointer, covered.get(pointer) ?? []));
    });
  }
  return {
    mandateId: mandate.id,
    calls: calls.filter((c) => c.verdict !== "deny").length,
    uncovered,
    rules,
    findings: rules.reduce((n, r) => n + r.findings.length, 0),
  };
}

function stripValidity(m: Mandate): Mandate {
  const { expires: _e, ttl: _t, notBefore: _n, ...rest } = m;
  return rest;
}

function ruleUse(
  rule: Rule,
  effect: "allow" | "ask",
  pointer: string,
  calls: readonly ObservedCall[],
): RuleUse {
  const selectors = rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])];
  const toolsUsed = [...new Set(calls.map((c) => c.tool))].sort();
  const base = {
    pointer,
    field: pointerToField(pointer),
    ...(rule.id === undefined ? {} : { id: rule.id }),
    effect,
    selectors,
    toolsUsed,
    calls: calls.length,
  };
  if (calls.length === 0) {
    return { ...base, unused: true, args: [], budget: [], findings: [`${base.field} never covered a call`] };
  }
  const findings: string[] = [];
  const unusedSelectors = selectors.filter((s) => !toolsUsed.includes(s));
  if (unusedSelectors.length > 0)
    findings.push(
      `${base.field}: tools granted beyond those used (${toolsUsed.join(", ")}): ${unusedSelectors.join(", ")}`,
    );
  const names = new Set<string>(Object.keys(rule.args ?? {}));
  for (const c of calls) for (const k of Object.keys(c.args)) names.add(k);
  const args: ArgumentUse[] = [];
  for (const arg of [...names].sort()) {
    const use = argumentUse(arg, rule.args?.[arg] ?? null, calls);
    args.push(use);
    if (use.wider) findings.push(`${base.field}.args.${arg}: ${use.detail}`);
  }
  const budget: { what: string; limit: number; used: number }[] = [];
  if (rule.budget?.calls !== undefined)
    budget.push({ what: "calls", limit: rule.budget.calls, used: calls.length });
  for (const [arg, limit] of Object.entries(rule.budget?.sum ?? {})) {
    const used = calls.reduce(
      (n, c) => n + (typeof c.args[arg] === "number" ? (c.args[arg] as number) : 0),
      0,
    );
    budget.push({ what: `sum of ${arg}`, limit, used });
  }
  for (const b of budget)
    if (b.used < b.limit) findings.push(`${base.field}.budget: ${b.what} ${b.limit} granted, ${b.used} used`);
  if (!rule.budget) findings.push(`${base.field}: no budget (any number of calls); ${calls.length} observed`);
  return { ...base, unused: false, args, budget, findings };
}

function argumentUse(
  arg: string,
  granted: ArgumentConstraint | null,
  calls: readonly ObservedCall[],
): ArgumentUse {
  const present = calls.filter((c) => Object.hasOwn(c.args, arg)).map((c) => c.args[arg]);
  const observed: unknown[] = [];
  for (const v of present) if (!observed.some((o) => jsonEqual(o, v))) observed.push(v);
  const shown = observed.slice(0, MAX_SHOWN);
  const result = (wider: boolean, detail: string): ArgumentUse => ({
    arg,
    granted,
    observed: shown,
    wider,
    detail,
  });
  if (granted === null) return result(true, `not constrained (any value); observed ${show(observed)}`);
  if (granted.not !== undefined && Object.keys(granted.not).length === 0)
    return result(false, "must be absent");
  if (present.length === 0) return result(true, `granted but never given: ${JSON.stringify(granted)}`);
  if (granted.const !== undefined) return result(false, "one value, used");
  if (granted.enum !== undefined) {
    const unused = granted.enum.filter((e) => !observed.some((o) => jsonEqual(o, e)));
    return unused.length > 0
      ? result(true, `values never used: ${show(unused)}; observed ${show(observed)}`)
      : result(false, "every value used");
  }
  const nums = observed.filter((v): v is number => typeof v === "number");
  const lo = granted.minimum ?? granted.exclusiveMinimum;
  const hi = granted.maximum ?? granted.exclusiveMaximum;
  if (lo !== undefined || hi !== undefined) {
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const wider = lo === undefined || hi === undefined || min > lo || max < hi;
    return result(wider, `granted ${lo ?? "−∞"} to ${hi ?? "∞"}, observed ${min} to ${max}`);
  }
  if (granted.path !== undefined) {
    const paths = observed
      .filter((v): v is string => typeof v === "string")
      .map((v) => normalisePath(v) ?? v);
    const unusedRoots = granted.path.under.filter(
      (r) => !paths.some((p) => p === r || p.startsWith(`${r.replace(/\/$/, "")}/`)),
    );
    return result(
      true,
      `under ${granted.path.under.join(", ")}${unusedRoots.length > 0 ? ` (never used: ${unusedRoots.join(", ")})` : ""}; observed ${show(paths)}`,
    );
  }
  if (granted.url !== undefined) {
    const hosts = new Set(observed.map((v) => (typeof v === "string" ? hostOf(v) : null)));
    const unused = granted.url.hosts.filter((h) => !hosts.has(h.toLowerCase()));
    return result(
      true, // a host grants every path on it
      `hosts ${granted.url.hosts.join(", ")}${unused.length > 0 ? ` (never used: ${unused.join(", ")})` : ""}; observed ${show(observed)}`,
    );
  }
  if (granted.email !== undefined) {
    const domains = new Set(
      observed.map((v) => (typeof v === "string" ? normaliseEmail(v)?.split("@").pop() : null)),
    );
    const unused = granted.email.domains.filter((d) => !domains.has(d.toLowerCase()));
    return result(
      true,
      `domains ${granted.email.domains.join(", ")}${unused.length > 0 ? ` (never used: ${unused.join(", ")})` : ""}; observed ${show(observed)}`,
    );
  }
  return result(true, `granted ${JSON.stringify(stripAnnotations(granted))}; observed ${show(observed)}`);
}

function hostOf(value: string): string | null {
  try {
    return new URL(value).hostname.replace(/\.$/, "");
  } catch {
    return null;
  }
}

function stripAnnotations(c: ArgumentConstraint): ArgumentConstraint {
  const { description: _d, optional: _o, secret: _s, ...rest } = c;
  return rest;
}

function show(values: readonly unknown[]): string {
  const shown = values.slice(0, 5).map((v) => {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  });
  return `[${shown.join(", ")}${values.length > 5 ? `, … ${values.length - 5} more` : ""}]`;
}
