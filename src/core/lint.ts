import { LineCounter, parseDocument } from "yaml";
import type { Catalog, ToolDefinition } from "./catalog.js";
import { compileConstraint } from "./constraint.js";
import { compileGlob, isGlob } from "./glob.js";
import { escapePointer, pointerToField } from "./issue.js";
import { jsonEqual } from "./json-value.js";
import {
  type ArgumentKind,
  argumentKind,
  nameRisk,
  type RiskKind,
  type ToolRisk,
  toolRisk,
} from "./lint-risk.js";
import { LINT_RULES, type LintRuleId, type LintSeverity } from "./lint-rules.js";
import type { ArgumentConstraint, Constraint, Mandate, Rule } from "./mandate.js";
import { SourceMap } from "./source-map.js";
import { checkMandate, type RawIssue } from "./validate.js";

export {
  atLeast,
  LINT_RULE_IDS,
  LINT_RULES,
  type LintRuleId,
  type LintRuleInfo,
  type LintSeverity,
} from "./lint-rules.js";

/** One thing `lintMandate` found: where, how bad, and what to change. */
export interface LintFinding {
  readonly ruleId: LintRuleId;
  readonly severity: LintSeverity;
  /** One line, lowercase start, names in backticks. */
  readonly message: string;
  /** A concrete change that resolves the finding. */
  readonly fix: string;
  /** JSON Pointer into the mandate (`/allow/1/args/amount`); `""` for the mandate as a whole. */
  readonly pointer: string;
  /** The same place for people: `allow[1].args.amount`. */
  readonly field: string;
  readonly file: string | null;
  /** 1-based; 1:1 when no source text was given. */
  readonly line: number;
  readonly column: number;
  /** The catalog tools (or tool names) the finding is about, when it is about tools. */
  readonly tools: readonly string[];
}

export interface LintOptions {
  /** The tools the mandate is for. Without one, tools are judged by the names rules give, and fewer checks run. */
  readonly catalog?: Catalog;
  /** The mandate's text and file, to place findings at a line and column. */
  readonly source?: { readonly text: string; readonly file?: string };
  /**
   * Whether the deployment has an approver for `ask` (a person, the dashboard, a webhook). Default `none`, as in
   * the Guard: without an approver every `ask` is denied.
   */
  readonly approver?: "none" | "configured";
  /** The time `expired` is judged at (ms since epoch). Default: now. */
  readonly now?: number;
}

type Effect = "allow" | "ask" | "deny";

interface RuleView {
  readonly effect: Effect;
  readonly index: number;
  readonly rule: Rule;
  readonly pointer: string;
  readonly selectors: readonly { readonly selector: string; readonly pointer: string }[];
  /** Catalog tools the rule's selectors match; without a catalog, the exact names it gives. */
  readonly tools: readonly string[];
  /** Whether `tools` is every tool the rule can name (false without a catalog when a selector is a glob). */
  readonly closed: boolean;
  /** How another finding names the rule: ``deny[0] (`no-cc`)``. */
  readonly label: string;
  /** How the rule's own findings (placed at it, so its place is shown) name it: ``the rule `landlord` ``. */
  readonly self: string;
}

/**
 * Lints a mandate against a tool catalog: grants broader than a task needs (globs, risky tools without bounds,
 * no expiry), grants that cannot work (`ask` without an approver, rules that never match or are shadowed), and
 * deny rules that forbid nothing granted. Pure: the same inputs give the same findings, sorted by place.
 */
export function lintMandate(mandate: Mandate, options: LintOptions = {}): readonly LintFinding[] {
  const catalog = options.catalog;
  const map = sourceMapOf(options.source?.text);
  const file = options.source?.file ?? null;
  const findings: LintFinding[] = [];
  const report = (
    ruleId: LintRuleId,
    pointer: string,
    message: string,
    fix: string,
    extra: { severity?: LintSeverity; tools?: readonly string[]; key?: string } = {},
  ): void => {
    const at = extra.key === undefined ? pointer : `${pointer}/${escapePointer(extra.key)}`;
    const pos = map.locate(pointer, extra.key);
    findings.push({
      ruleId,
      severity: extra.severity ?? LINT_RULES[ruleId].severity,
      message,
      fix,
      pointer: at,
      field: pointerToField(at),
      file,
      line: pos.line,
      column: pos.column,
      tools: extra.tools ?? [],
    });
  };

  for (const issue of checkMandate(mandate, catalog, options.now ?? Date.now())) {
    fromValidator(issue, report);
  }

  const rules = views(mandate, catalog);
  const granting = rules.filter((r) => r.effect !== "deny");
  const denies = rules.filter((r) => r.effect === "deny");

  if (mandate.expires === undefined && mandate.ttl === undefined) {
    report(
      "no-expiry",
      "",
      "the mandate has neither `expires` nor `ttl`: it grants its authority for ever",
      "add `ttl: 1h` (the shortest the task needs; with `issued` when the mandate is stored) or `expires: <ISO 8601 time>`",
    );
  }

  for (const view of granting) {
    wildcards(view, catalog, report);
    risky(view, denies, catalog, report);
    if (view.effect === "ask" && (options.approver ?? "none") === "none") {
      report(
        "ask-without-approver",
        view.pointer,
        `${view.self} asks a person, but no approver is configured: every call it covers is denied`,
        "configure an approver (`mandate gateway --approve-url`/`--approve-webhook`, `callbackApprover` in code) and lint with `--approver configured`, or move the rule to `allow` with tighter constraints",
        { tools: view.tools },
      );
    }
    const shadow = denies.find((d) => shadows(d, view));
    if (shadow !== undefined) {
      report(
        "allow-shadowed-by-deny",
        view.pointer,
        `every call ${view.self} covers is denied by ${shadow.label}: it grants nothing`,
        `remove this rule, or narrow ${shadow.label} if the grant is meant`,
        { tools: view.tools },
      );
    }
  }

  for (const deny of denies) {
    // A selector that matches no catalog tool is already an `unknown-tool` finding.
    if (catalog !== undefined && deny.tools.length === 0) continue;
    if (granting.some((g) => mayOverlap(deny, g))) continue;
    report(
      "deny-shadows-nothing",
      deny.pointer,
      `${deny.self} forbids calls no \`allow\` or \`ask\` rule grants: under default deny it changes no decision`,
      `keep it on purpose (it still forbids ${listOf(deny.tools.length > 0 ? deny.tools : deny.selectors.map((s) => s.selector))} if a later rule is widened; say so in its \`description\`) or remove it`,
      { tools: deny.tools },
    );
  }

  const rank: Record<LintSeverity, number> = { error: 0, warning: 1, note: 2 };
  return findings.sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      rank[a.severity] - rank[b.severity] ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

type Report = (
  ruleId: LintRuleId,
  pointer: string,
  message: string,
  fix: string,
  extra?: { severity?: LintSeverity; tools?: readonly string[]; key?: string },
) => void;

function sourceMapOf(text: string | undefined): SourceMap {
  if (text === undefined) return new SourceMap(null, null);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  return doc.errors.length > 0 ? new SourceMap(null, null) : new SourceMap(doc, lines);
}

/** The loader's own warnings name rules that can never match; lint keeps them under stable ids. */
function fromValidator(issue: RawIssue, report: Report): void {
  const extra = issue.key === undefined ? {} : { key: issue.key };
  const hint = issue.suggestion === undefined ? "" : `; did you mean \`${issue.suggestion}\`?`;
  const message = `${issue.message}${hint}`;
  if (issue.severity === "error") {
    report(
      "invalid-mandate",
      issue.pointer,
      message,
      "fix the mandate: `mandate validate` lists every error",
      extra,
    );
  } else if (/every tool; name the tools/.test(issue.message)) {
    // The `wildcard-allow` rule says this, with the tools the glob matches.
  } else if (/matches no tool in the catalog/.test(issue.message)) {
    report(
      "unknown-tool",
      issue.pointer,
      message,
      issue.suggestion === undefined
        ? "name a tool of the catalog, or remove the selector"
        : `write \`${issue.suggestion}\` if that is the tool meant, or remove the selector`,
      extra,
    );
  } else if (/expired at/.test(issue.message)) {
    report(
      "expired",
      issue.pointer,
      issue.message,
      "issue a new mandate with a new `id` and a fresh `ttl`",
      extra,
    );
  } else if (/grants nothing/.test(issue.message)) {
    report("grants-nothing", issue.pointer, issue.message, "add the `allow` rules the task needs", extra);
  } else {
    report(
      "never-matches",
      issue.pointer,
      message,
      issue.suggestion === undefined
        ? "fix the constraint so some call can meet it, or remove the rule"
        : `write \`${issue.suggestion}\` if that is the argument meant`,
      extra,
    );
  }
}

function views(m: Mandate, catalog: Catalog | undefined): RuleView[] {
  const out: RuleView[] = [];
  for (const effect of ["allow", "ask", "deny"] as const) {
    for (const [index, rule] of (m[effect] ?? []).entries()) {
      const pointer = `/${effect}/${index}`;
      const selectors =
        rule.tool !== undefined
          ? [{ selector: rule.tool, pointer: `${pointer}/tool` }]
          : (rule.tools ?? []).map((selector, i) => ({ selector, pointer: `${pointer}/tools/${i}` }));
      const tools = new Set<string>();
      let closed = true;
      for (const { selector } of selectors) {
        const match = safeGlob(selector);
        if (catalog !== undefined) {
          for (const name of catalog.tools.keys()) if (match(name)) tools.add(name);
        } else if (isGlob(selector)) closed = false;
        else tools.add(selector);
      }
      const label = `${effect}[${index}]${rule.id === undefined ? "" : ` (\`${rule.id}\`)`}`;
      const self = rule.id === undefined ? "the rule" : `the rule \`${rule.id}\``;
      out.push({ effect, index, rule, pointer, selectors, tools: [...tools], closed, label, self });
    }
  }
  return out;
}

function safeGlob(selector: string): (name: string) => boolean {
  try {
    return compileGlob(selector);
  } catch {
    return () => false; // an invalid glob is an `invalid-mandate` finding already
  }
}

function wildcards(view: RuleView, catalog: Catalog | undefined, report: Report): void {
  for (const { selector, pointer } of view.selectors) {
    if (!isGlob(selector)) continue;
    const match = safeGlob(selector);
    const matched = catalog === undefined ? [] : [...catalog.tools.keys()].filter(match);
    const risky =
      catalog === undefined || matched.some((t) => toolRisk(catalog.tools.get(t)!.definition).kinds.size > 0);
    const everything = /^\*+$/.test(selector);
    const severity: LintSeverity =
      view.effect === "allow"
        ? everything
          ? "error"
          : risky
            ? "warning"
            : "note"
        : everything
          ? "warning"
          : "note";
    const verb = view.effect === "allow" ? "allows" : "asks for";
    const today =
      catalog === undefined
        ? ""
        : ` (today ${matched.length === 1 ? "1 tool" : `${matched.length} tools`}${matched.length > 0 ? `: ${listOf(matched)}` : ""})`;
    const fix =
      matched.length > 0
        ? `list the tools the task needs by name, e.g. \`tools: [${matched.slice(0, 8).join(", ")}${matched.length > 8 ? ", …" : ""}]\`, and drop those it does not`
        : "list the tools the task needs by name";
    report(
      "wildcard-allow",
      pointer,
      `\`${selector}\` ${verb} every tool whose name matches, including tools added later${today}`,
      fix,
      { severity, tools: matched },
    );
  }
}

/** Risk of each tool a rule names: catalog definitions when there is a catalog, else names alone. */
function risks(
  view: RuleView,
  catalog: Catalog | undefined,
): { tool: string; def: ToolDefinition | null; risk: ToolRisk }[] {
  return view.tools.map((tool) => {
    const def = catalog?.tools.get(tool)?.definition ?? null;
    return { tool, def, risk: def === null ? nameRisk(tool) : toolRisk(def) };
  });
}

function risky(
  view: RuleView,
  denies: readonly RuleView[],
  catalog: Catalog | undefined,
  report: Report,
): void {
  const rule = view.rule;
  const mild: LintSeverity | undefined = view.effect === "ask" ? "note" : undefined;
  const riskyTools = risks(view, catalog).filter((r) => r.risk.kinds.size > 0);
  if (riskyTools.length === 0) return;
  const args = rule.args ?? {};
  const constrained = Object.values(args).some((c) => !vacuous(c));
  const names = riskyTools.map((r) => r.tool);
  if (!constrained && rule.budget === undefined) {
    const what = riskyTools.map(
      (r) => `\`${r.tool}\` (${kindsText(r.risk.kinds)}: ${r.risk.reasons.join(", ")})`,
    );
    report(
      "unbounded-risky-tool",
      view.pointer,
      `${view.self} grants ${what.join(", ")} with any arguments and no budget`,
      `constrain the arguments the task needs (${exampleArgs(riskyTools)}) and add \`budget: { calls: 1 }\` (or the number of calls the task makes)`,
      { tools: names, ...(mild === undefined ? {} : { severity: mild }) },
    );
    return;
  }
  // Arguments worth bounding, over every risky tool the rule names; without a catalog, those the rule names.
  const sensitive = new Map<string, { kind: ArgumentKind; tools: string[] }>();
  for (const r of riskyTools) {
    const candidates: [string, ArgumentKind][] =
      r.def === null
        ? Object.keys(args).flatMap((a) => {
            const k = argumentKind(a);
            return k === null ? [] : [[a, k] as [string, ArgumentKind]];
          })
        : [...r.risk.sensitiveArgs];
    for (const [arg, kind] of candidates) {
      if (bounded(arg, kind, rule) || deniedOutright(arg, r.tool, denies)) continue;
      const entry = sensitive.get(arg) ?? { kind, tools: [] };
      entry.tools.push(r.tool);
      sensitive.set(arg, entry);
    }
  }
  for (const [arg, { kind, tools }] of sensitive) {
    const inRule = arg in args;
    report(
      "unconstrained-argument",
      inRule ? `${view.pointer}/args/${escapePointer(arg)}` : view.pointer,
      `${view.self} lets ${listOf(tools)} take any \`${arg}\` (${KIND_WORDS[kind]})${inRule ? ": its constraint does not bound it" : ""}`,
      argumentFix(arg, kind),
      { tools, ...(mild === undefined ? {} : { severity: mild }) },
    );
  }
  const spending = riskyTools.filter((r) => r.risk.kinds.has("spending"));
  if (view.effect === "allow" && spending.length > 0 && rule.budget === undefined) {
    const spendArg = spending.flatMap((r) =>
      [...r.risk.sensitiveArgs].filter(([, k]) => k === "spend").map(([a]) => a),
    )[0];
    report(
      "spend-without-budget",
      view.pointer,
      `${view.self} lets ${listOf(spending.map((r) => r.tool))} spend without a budget: its bounds hold per call, for any number of calls`,
      spendArg === undefined
        ? "add `budget: { calls: 1 }` (or the number of payments the task makes)"
        : `add \`budget: { calls: 1, sum: { ${spendArg}: <the task's total> } }\``,
      { tools: spending.map((r) => r.tool) },
    );
  }
}

const KIND_WORDS: Readonly<Record<ArgumentKind, string>> = {
  spend: "an amount",
  recipient: "a recipient",
  endpoint: "a URL or host",
  command: "a command",
  privilege: "a role or permission",
};

function argumentFix(arg: string, kind: ArgumentKind): string {
  switch (kind) {
    case "spend":
      return `bound it from above: \`${arg}: { exclusiveMinimum: 0, maximum: <the task's amount> }\`, or cap the total with \`budget: { sum: { ${arg}: … } }\``;
    case "recipient":
      return `name who may receive: \`${arg}: { const: … }\`, \`enum: [...]\` or \`email: { domains: [...] }\` (for a list, inside \`items\`), or forbid it with a deny rule \`args: { ${arg}: {} }\``;
    case "endpoint":
      return `name the hosts: \`${arg}: { url: { hosts: [...], schemes: [https] } }\``;
    case "command":
      return `name the command: \`${arg}: { const: … }\` or \`enum: [...]\``;
    case "privilege":
      return `name the role: \`${arg}: { const: … }\` or \`enum: [...]\``;
  }
}

function exampleArgs(tools: readonly { risk: ToolRisk }[]): string {
  const sensitive = [...new Map(tools.flatMap((t) => [...t.risk.sensitiveArgs])).entries()].slice(0, 2);
  if (sensitive.length === 0) return "e.g. `args: { id: { const: … } }`";
  const snippet = ([arg, kind]: [string, ArgumentKind]): string =>
    kind === "spend"
      ? `\`${arg}: { maximum: … }\``
      : kind === "endpoint"
        ? `\`${arg}: { url: { hosts: [...] } }\``
        : `\`${arg}: { const: … }\``;
  return `e.g. ${sensitive.map(snippet).join(", ")}`;
}

function kindsText(kinds: ReadonlySet<RiskKind>): string {
  return [...kinds].join(", ");
}

function listOf(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => `\`${n}\``);
  return names.length > 5 ? `${shown.join(", ")} and ${names.length - 5} more` : shown.join(", ");
}

/** Keys that say nothing about which values pass. */
const NON_CONSTRAINING = new Set(["description", "optional", "secret"]);

/** A constraint that any present value holds (`{}`, `{ description }`, `{ optional: true }`). */
function vacuous(c: ArgumentConstraint): boolean {
  return Object.keys(c).every((k) => NON_CONSTRAINING.has(k));
}

/** Whether the rule bounds `arg` the way its kind needs: amounts from above, the rest to named values. */
function bounded(arg: string, kind: ArgumentKind, rule: Rule): boolean {
  if (kind === "spend" && rule.budget?.sum?.[arg] !== undefined) return true;
  const c = rule.args?.[arg];
  if (c === undefined) return false;
  if (kind === "spend") return upperBounded(c);
  return c.provenance !== undefined || c.from !== undefined || namesValues(c);
}

function upperBounded(c: Constraint): boolean {
  if (
    c.maximum !== undefined ||
    c.exclusiveMaximum !== undefined ||
    c.const !== undefined ||
    c.enum !== undefined
  )
    return true;
  if (c.allOf?.some(upperBounded)) return true;
  const branches = c.anyOf ?? c.oneOf;
  return branches !== undefined && branches.every(upperBounded);
}

function namesValues(c: Constraint): boolean {
  if (
    c.const !== undefined ||
    c.enum !== undefined ||
    c.pattern !== undefined ||
    c.path !== undefined ||
    c.url !== undefined ||
    c.email !== undefined
  )
    return true;
  if (c.items !== undefined && namesValues(c.items)) return true;
  if (c.allOf?.some(namesValues)) return true;
  const branches = c.anyOf ?? c.oneOf;
  return branches !== undefined && branches.every(namesValues);
}

/** A deny rule for `tool` whose only constraint is `arg: {}`: any call that gives the argument is denied. */
function deniedOutright(arg: string, tool: string, denies: readonly RuleView[]): boolean {
  return denies.some((d) => {
    const entries = Object.entries(d.rule.args ?? {});
    return (
      d.tools.includes(tool) &&
      entries.length === 1 &&
      entries[0]![0] === arg &&
      vacuous(entries[0]![1]) &&
      entries[0]![1].optional !== true
    );
  });
}

/** The constraint without the keys that do not decide whether a value holds it. */
function valuePart(c: ArgumentConstraint): Constraint {
  const {
    optional: _optional,
    secret: _secret,
    provenance: _provenance,
    from: _from,
    flow: _flow,
    description: _description,
    ...rest
  } = c;
  return rest;
}

/** The finite set of values a constraint admits (`const`, `enum`), or `null` when it is not finite. */
function finiteValues(c: ArgumentConstraint): readonly unknown[] | null {
  if (c.const !== undefined) return [c.const];
  if (c.enum !== undefined) return c.enum;
  return null;
}

function holdsAll(check: Constraint, values: readonly unknown[]): boolean | null {
  try {
    const compiled = compileConstraint(check);
    return values.every((v) => compiled.holds(v));
  } catch {
    return null;
  }
}

function holdsNone(check: Constraint, values: readonly unknown[]): boolean {
  try {
    const compiled = compileConstraint(check);
    return values.every((v) => !compiled.holds(v));
  } catch {
    return false;
  }
}

/** Whether `deny` names every tool `grant` can name. Without a catalog, only what names prove. */
function coversTools(deny: RuleView, grant: RuleView): boolean {
  if (grant.closed) {
    if (grant.tools.length === 0) return false;
    if (deny.closed) return grant.tools.every((t) => deny.tools.includes(t));
    const matchers = deny.selectors.map((s) => safeGlob(s.selector));
    return grant.tools.every((t) => matchers.some((m) => m(t)));
  }
  return deny.selectors.some((s) => /^\*+$/.test(s.selector));
}

/**
 * Whether `deny` applies to every call `grant` covers (so `grant` allows nothing). Sufficient conditions only:
 * each of the deny rule's constraints is either `{}` on an argument the grant requires, equal to the grant's own
 * constraint, or held by every value of the grant's finite set (`const`, `enum`).
 */
function shadows(deny: RuleView, grant: RuleView): boolean {
  if (!coversTools(deny, grant)) return false;
  for (const [arg, cd] of Object.entries(deny.rule.args ?? {})) {
    const dv = valuePart(cd);
    const emptyCheck = Object.keys(dv).length === 0;
    if (cd.optional === true && emptyCheck) continue;
    const cg = grant.rule.args?.[arg];
    // An absent argument makes a non-optional deny constraint fail; the grant must require the argument.
    if (cg === undefined || (cg.optional === true && cd.optional !== true)) return false;
    if (emptyCheck) continue;
    if (jsonEqual(dv, valuePart(cg))) continue;
    const values = finiteValues(cg);
    if (values === null || holdsAll(dv, values) !== true) return false;
  }
  return true;
}

/** Whether some call might be both covered by `grant` and denied by `deny` (false only when provably not). */
function mayOverlap(deny: RuleView, grant: RuleView): boolean {
  if (!toolsMayMeet(deny, grant)) return false;
  for (const [arg, cd] of Object.entries(deny.rule.args ?? {})) {
    if (cd.optional === true) continue;
    const cg = grant.rule.args?.[arg];
    if (cg === undefined) continue;
    const values = finiteValues(cg);
    if (values !== null && holdsNone(valuePart(cd), values)) return false;
  }
  return true;
}

function toolsMayMeet(a: RuleView, b: RuleView): boolean {
  if (a.closed && b.closed) return a.tools.some((t) => b.tools.includes(t));
  // Without a catalog, a glob meets a name it matches; two globs are assumed to meet.
  const open = a.closed ? b : a;
  const names = a.closed ? a.tools : b.tools;
  if (!a.closed && !b.closed) return true;
  const matchers = open.selectors.map((s) => safeGlob(s.selector));
  return names.some((n) => matchers.some((m) => m(n)));
}
