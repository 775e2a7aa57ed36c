import type { Catalog, CatalogTool } from "./catalog.js";
import { compileConstraint, type ValueCheck } from "./constraint.js";
import type { RuleEffect, RuleRef } from "./decision.js";
import { parseDuration, parseInstant } from "./duration.js";
import { compileGlob, isGlob } from "./glob.js";
import { escapePointer, MandateError, type MandateIssue, pointerToField } from "./issue.js";
import { validateMandate } from "./load.js";
import type { FlowRule, Mandate, Rule } from "./mandate.js";
import type { OverlapOptions } from "./provenance/index.js";

export interface CompileOptions {
  /** The tools calls are checked against: unknown tools and arguments that break a tool's schema are denied. */
  readonly catalog?: Catalog;
  /** When the mandate is compiled (ms since epoch); a `ttl` without `issued` counts from here. Default: now. */
  readonly now?: number;
}

/** Where an argument's value must come from: trusted sources, or the named ones (`user`, `mandate`, `tool:x`). */
export interface OriginRequirement {
  readonly trusted: boolean;
  readonly from: readonly string[];
  /** For messages: `a trusted source`, `user or tool:get_contacts`. */
  readonly label: string;
}

/** Which sources must not flow into an argument (`flow`), compiled. */
export interface FlowRequirement {
  readonly untrusted: boolean;
  readonly sensitive: boolean;
  /** Detect copied runs and mostly copied text. */
  readonly overlap: boolean;
  /** Detect single identifiers, addresses and host names. */
  readonly values: boolean;
  readonly options: OverlapOptions;
  /** For messages: `untrusted or sensitive tool outputs`. */
  readonly label: string;
}

export interface CompiledArg {
  readonly name: string;
  /** `null` for arguments without a value-origin requirement (the common case: no lookup). */
  readonly origin: OriginRequirement | null;
  /** `null` for arguments without a flow rule. */
  readonly flow: FlowRequirement | null;
  /** JSON Pointer to the argument in a call (`/amount`). */
  readonly path: string;
  /** JSON Pointer to its constraint in the mandate (`/allow/2/args/amount`). */
  readonly pointer: string;
  readonly check: ValueCheck;
  readonly optional: boolean;
  readonly secret: boolean;
}

export interface CompiledBudget {
  readonly pointer: string;
  readonly calls: number | null;
  readonly sum: readonly (readonly [arg: string, limit: number])[];
  /** Charge keys and rule pointers, built once: `#calls` and each summed argument's (window suffix added per call). */
  readonly callsKey: string;
  readonly sumKeys: readonly { readonly key: string; readonly rule: string; readonly label: string }[];
  /** Window length in ms, or `null` for the mandate's whole life. */
  readonly perMs: number | null;
}

export interface CompiledRule {
  readonly ref: RuleRef;
  /** How messages name the rule (`allow[2]`, `deny[0] (\`no-updates\`)`); built once, used on every decision. */
  readonly name: string;
  readonly reason: string;
  readonly selectors: readonly string[];
  readonly match: (tool: string) => boolean;
  readonly args: readonly CompiledArg[];
  readonly budget: CompiledBudget | null;
}

/** Everything the decider needs for calls of one tool, gathered once so a decision never scans other tools' rules. */
export interface ToolPlan {
  readonly tool: string;
  readonly catalogTool: CatalogTool | null;
  readonly deny: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
  readonly ask: readonly CompiledRule[];
  /** Arguments any rule for this tool marks `secret`: redacted in deltas and audit records. */
  readonly secrets: ReadonlySet<string>;
}

/** A mandate validated and compiled once; immutable. Decide with `decide(compiled, call, context)`. */
export interface CompiledMandate {
  readonly mandate: Mandate;
  readonly id: string;
  readonly mode: "enforce" | "shadow";
  /** Validity window in ms since epoch; `null` where unbounded. */
  readonly validFrom: number | null;
  readonly validUntil: number | null;
  readonly catalog: Catalog | null;
  readonly warnings: readonly MandateIssue[];
  /** The plan for calls of `tool`: precomputed for every tool named exactly or in the catalog. */
  planFor(tool: string): ToolPlan;
}

/**
 * Validates and compiles a mandate (a parsed value, e.g. from `loadMandate`). Throws `MandateError` with every
 * issue when it is not valid. Compiling is cheap enough to do per task: flat argument constraints become
 * closures; only nested ones are compiled by ajv (and cached by shape).
 */
export function compile(mandate: Mandate | unknown, opts: CompileOptions = {}): CompiledMandate {
  const now = opts.now ?? Date.now();
  const checked = validateMandate(mandate, { ...(opts.catalog ? { catalog: opts.catalog } : {}), now });
  if (!checked.ok) throw new MandateError(checked.issues);
  const m = checked.mandate;

  const rules: CompiledRule[] = [];
  for (const effect of ["deny", "allow", "ask"] as const) {
    for (const [index, rule] of (m[effect] ?? []).entries())
      rules.push(compileRule(m.id, rule, effect, index));
  }
  const catalog = opts.catalog ?? null;
  // Index rules by exact tool name; only globs are matched against names. Compiling against a large catalog then
  // costs (catalog × globs), not (catalog × rules).
  const order = new Map<CompiledRule, number>(rules.map((r, i) => [r, i]));
  const exact = new Map<string, CompiledRule[]>();
  for (const r of rules) {
    for (const sel of new Set(r.selectors.filter((x) => !isGlob(x)))) {
      const list = exact.get(sel);
      if (list) list.push(r);
      else exact.set(sel, [r]);
    }
  }
  const globRules = rules.filter((r) => r.selectors.some(isGlob));
  const plans = new Map<string, ToolPlan>();
  for (const tool of catalog ? catalog.tools.keys() : exact.keys()) {
    const byName = exact.get(tool) ?? [];
    const byGlob = globRules.filter((r) => r.match(tool) && !byName.includes(r));
    if (byName.length === 0 && byGlob.length === 0) continue;
    const mine =
      byGlob.length === 0 ? byName : [...byName, ...byGlob].sort((a, b) => order.get(a)! - order.get(b)!);
    plans.set(tool, buildPlan(tool, mine, catalog?.tools.get(tool) ?? null));
  }

  const issued = m.issued === undefined ? now : parseInstant(m.issued)!;
  const validUntil =
    m.expires !== undefined
      ? parseInstant(m.expires)!
      : m.ttl !== undefined
        ? issued + parseDuration(m.ttl)!
        : null;
  const validFrom = m.notBefore !== undefined ? parseInstant(m.notBefore)! : null;

  return Object.freeze({
    mandate: m,
    id: m.id,
    mode: m.mode ?? "enforce",
    validFrom,
    validUntil,
    catalog,
    warnings: checked.issues,
    planFor(tool: string): ToolPlan {
      // Tools outside the precomputed set can only be reached by globs (and only without a catalog).
      return plans.get(tool) ?? buildPlan(tool, catalog ? [] : globRules.filter((r) => r.match(tool)), null);
    },
  });
}

function compileRule(mandateId: string, rule: Rule, effect: RuleEffect, index: number): CompiledRule {
  const pointer = `/${effect}/${index}`;
  const selectors = rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])];
  const matchers = selectors.map(compileGlob);
  const args = Object.entries(rule.args ?? {}).map(([name, c]) => ({
    name,
    origin:
      c.provenance === undefined && c.from === undefined
        ? null
        : {
            trusted: c.provenance === "trusted",
            from: [...(c.from ?? [])],
            label: [...(c.provenance === "trusted" ? ["a trusted source"] : []), ...(c.from ?? [])].join(
              " or ",
            ),
          },
    flow: c.flow === undefined ? null : compileFlow(c.flow),
    path: `/${escapePointer(name)}`,
    pointer: `${pointer}/args/${escapePointer(name)}`,
    check: compileConstraint(c),
    optional: c.optional === true,
    secret: c.secret === true,
  }));
  const b = rule.budget;
  const budget: CompiledBudget | null = b
    ? {
        pointer: `${pointer}/budget`,
        calls: b.calls ?? null,
        sum: Object.entries(b.sum ?? {}),
        perMs: b.per === undefined ? null : parseDuration(b.per)!,
        callsKey: `${mandateId}#${pointer}/budget/calls`,
        sumKeys: Object.keys(b.sum ?? {}).map((arg) => {
          const p = `${pointer}/budget/sum/${escapePointer(arg)}`;
          return { key: `${mandateId}#${p}`, rule: p, label: `sum of ${arg}` };
        }),
      }
    : null;
  const ref: RuleRef = { effect, index, pointer, ...(rule.id === undefined ? {} : { id: rule.id }) };
  const name = ruleName(ref);
  return {
    ref,
    name,
    reason:
      effect === "allow"
        ? `allowed by ${name}`
        : effect === "ask"
          ? `needs approval: ${name} covers this call`
          : `denied by ${name}`,
    selectors,
    match: matchers.length === 1 ? matchers[0]! : (tool) => matchers.some((m) => m(tool)),
    args,
    budget,
  };
}

function compileFlow(rule: FlowRule): FlowRequirement {
  const forbid = rule.forbid ?? ["untrusted", "sensitive"];
  const detect = rule.detect ?? ["overlap", "values"];
  const untrusted = forbid.includes("untrusted");
  const sensitive = forbid.includes("sensitive");
  return {
    untrusted,
    sensitive,
    overlap: detect.includes("overlap"),
    values: detect.includes("values"),
    options: {
      ...(rule.minRun === undefined ? {} : { minRun: rule.minRun }),
      ...(rule.minShare === undefined ? {} : { minShare: rule.minShare }),
      ...(rule.minPiece === undefined ? {} : { minPiece: rule.minPiece }),
      values: detect.includes("values"),
    },
    label:
      untrusted && sensitive
        ? "untrusted or sensitive tool outputs"
        : untrusted
          ? "untrusted tool outputs"
          : "sensitive tool outputs",
  };
}

/** The plan for `tool` from the rules that match it, in mandate order. */
function buildPlan(tool: string, mine: readonly CompiledRule[], catalogTool: CatalogTool | null): ToolPlan {
  const secrets = new Set<string>();
  for (const r of mine) for (const a of r.args) if (a.secret) secrets.add(a.name);
  return Object.freeze({
    tool,
    catalogTool,
    deny: mine.filter((r) => r.ref.effect === "deny"),
    allow: mine.filter((r) => r.ref.effect === "allow"),
    ask: mine.filter((r) => r.ref.effect === "ask"),
    secrets,
  });
}

/** `allow[2]`, or `allow[2] (\`pay-landlord\`)` for a rule with an id. */
export function ruleName(ref: RuleRef): string {
  return ref.id === undefined
    ? pointerToField(ref.pointer)
    : `${pointerToField(ref.pointer)} (\`${ref.id}\`)`;
}
