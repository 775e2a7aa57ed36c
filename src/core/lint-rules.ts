/**
 * The rules of `mandate lint`: stable ids (never renamed: code scanning keys alerts on them), the severity each
 * finding usually has, and the help shown in SARIF. docs/lint.md explains each.
 */
export type LintSeverity = "error" | "warning" | "note";

export const LINT_RULE_IDS = [
  "wildcard-allow",
  "unbounded-risky-tool",
  "unconstrained-argument",
  "spend-without-budget",
  "no-expiry",
  "ask-without-approver",
  "unknown-tool",
  "never-matches",
  "allow-shadowed-by-deny",
  "deny-shadows-nothing",
  "expired",
  "grants-nothing",
  "invalid-mandate",
] as const;
export type LintRuleId = (typeof LINT_RULE_IDS)[number];

export interface LintRuleInfo {
  readonly id: LintRuleId;
  /** The usual severity; some findings of a rule are milder (an `ask` rule, where a person sees each call). */
  readonly severity: LintSeverity;
  /** One line: what the rule finds. */
  readonly title: string;
  /** Why it matters and what to do, for people reading a code-scanning alert. */
  readonly help: string;
}

export const LINT_RULES: Readonly<Record<LintRuleId, LintRuleInfo>> = {
  "wildcard-allow": {
    id: "wildcard-allow",
    severity: "warning",
    title: "a rule grants tools by glob",
    help: "A glob grants every tool whose name matches, including tools a server adds later. List the tools the task needs by name. `*` alone on an `allow` rule is an error.",
  },
  "unbounded-risky-tool": {
    id: "unbounded-risky-tool",
    severity: "warning",
    title: "a destructive, spending or outward tool is granted with any arguments and no budget",
    help: "Judged from the catalog's annotations (`destructiveHint`, `openWorldHint`) and from tool and argument names. Constrain the arguments the task needs and add a `budget`.",
  },
  "unconstrained-argument": {
    id: "unconstrained-argument",
    severity: "warning",
    title: "an amount, recipient, URL, command or role of a risky tool is not bounded",
    help: "Bound amounts from above (`maximum`, or a `budget` sum) and name recipients, hosts, commands and roles (`const`, `enum`, `email`, `url`, `path`, `pattern`), or deny the argument with a `deny` rule.",
  },
  "spend-without-budget": {
    id: "spend-without-budget",
    severity: "warning",
    title: "a spending tool is allowed without a budget",
    help: "A per-call maximum bounds one call, not how many: add `budget: { calls: N }` or `budget: { sum: { amount: … } }`.",
  },
  "no-expiry": {
    id: "no-expiry",
    severity: "warning",
    title: "the mandate never expires",
    help: "A mandate is for one task: give it `ttl` (with `issued` when it is stored) or `expires`.",
  },
  "ask-without-approver": {
    id: "ask-without-approver",
    severity: "warning",
    title: "an `ask` rule with no approver configured",
    help: "Without an approver every `ask` is denied, so the rule grants nothing. Configure an approver, or say so with `--approver configured`.",
  },
  "unknown-tool": {
    id: "unknown-tool",
    severity: "warning",
    title: "a tool selector matches no tool in the catalog",
    help: "The rule can never apply: fix the name (a likely spelling is suggested) or remove it.",
  },
  "never-matches": {
    id: "never-matches",
    severity: "warning",
    title: "a rule can never cover or apply to a call",
    help: "An argument no tool has, contradictory bounds, an empty `enum`, a budget of 0 calls: the rule is dead; fix or remove it.",
  },
  "allow-shadowed-by-deny": {
    id: "allow-shadowed-by-deny",
    severity: "warning",
    title: "every call an `allow` or `ask` rule covers is denied by a `deny` rule",
    help: "The rule grants nothing: remove it, or narrow the `deny` rule if the grant is meant.",
  },
  "deny-shadows-nothing": {
    id: "deny-shadows-nothing",
    severity: "note",
    title: "a `deny` rule forbids nothing any rule grants",
    help: "Under default deny it changes no decision today. Keep it on purpose (it guards against a later, wider grant) or remove it.",
  },
  expired: {
    id: "expired",
    severity: "warning",
    title: "the mandate has expired",
    help: "Every call will be denied: issue a new mandate.",
  },
  "grants-nothing": {
    id: "grants-nothing",
    severity: "warning",
    title: "the mandate has no `allow` or `ask` rule",
    help: "Every call will be denied.",
  },
  "invalid-mandate": {
    id: "invalid-mandate",
    severity: "error",
    title: "the mandate is not valid",
    help: "The loader rejects it; `mandate validate` lists every error.",
  },
};

const RANK: Readonly<Record<LintSeverity, number>> = { note: 0, warning: 1, error: 2 };

/** Whether `severity` is at or above `threshold` (`error` ≥ `warning` ≥ `note`). */
export function atLeast(severity: LintSeverity, threshold: LintSeverity): boolean {
  return RANK[severity] >= RANK[threshold];
}
