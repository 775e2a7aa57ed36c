/**
 * Drafting a mandate from the user's words: a model proposes, the loader validates, checks flag what is broader
 * than the request, and a person consents before anything is used. The drafter sees only the user's request and
 * the tool catalog — never a tool's output, which is where injected instructions live.
 */
import type { Catalog } from "../core/catalog.js";
import { formatIssue, type MandateIssue } from "../core/issue.js";
import { parseMandate } from "../core/load.js";
import type { Constraint, Mandate } from "../core/mandate.js";
import { isGlob } from "../core/glob.js";
import { type ChatMessage, type ChatOptions, chatComplete } from "./chat.js";

/** Something the person should weigh before consenting. `wider`: broader than the request supports. */
export interface DraftFinding {
  readonly severity: "error" | "warning" | "info";
  readonly field: string;
  readonly message: string;
  /** Set for findings that grant more than the request asked: these are never accepted without a person. */
  readonly wider?: true;
}

/** A lint pass to run on the draft, when the caller has one (`lintMandate`, adapted). */
export type DraftLint = (mandate: Mandate, text: string) => readonly DraftFinding[];

export interface DraftOptions extends ChatOptions {
  /** The catalog the drafted mandate must stay within. */
  readonly catalog: Catalog;
  readonly lint?: DraftLint;
  /** The time validity is judged at. Default: now. */
  readonly now?: number;
}

export type DraftResult =
  | {
      readonly ok: true;
      readonly mandate: Mandate;
      /** The mandate as the model wrote it (YAML or JSON). */
      readonly text: string;
      readonly findings: readonly DraftFinding[];
    }
  | {
      readonly ok: false;
      /** Where it failed: the endpoint, the reply's shape, or the mandate's validation. */
      readonly stage: "request" | "reply" | "validate";
      readonly reason: string;
      readonly issues?: readonly MandateIssue[];
      /** The model's reply, when there was one: for the person to read. */
      readonly reply?: string;
    };

const SYSTEM = `You write a Mandate: the narrowest authority an AI agent needs for ONE task the user asked for.
A mandate is YAML:
mandate: 1
id: <short-kebab-id>
task: <the user's request, verbatim>
ttl: <duration such as 30m, 2h, 1d>
allow:            # calls that run
  - tool: <exact tool name from the catalog>
    args:         # constraints on arguments (JSON Schema keywords and forms)
      <arg>: { const: <value> } | { enum: [..] } | { exclusiveMinimum: 0, maximum: <n> } | { path: { under: [/abs/root] } } | { url: { hosts: [host] } } | { email: { domains: [domain] } }
    budget: { calls: <n>, sum: { <numeric arg>: <n> } }
ask:              # calls that need the user's approval (same shape)
deny:             # calls that are forbidden
Rules: use only tools in the catalog, by exact name, never globs or "*"; grant only what the request needs; fix values
the user gave (recipients, amounts, paths, hosts) with const/enum and bounds no larger than the user said; bound every
spending, destructive or outward tool with argument constraints and a budget; always give a ttl.
Reply with exactly one fenced code block (\`\`\`yaml … \`\`\`) holding the mandate, and nothing else.`;

/** The messages sent to the model: the request and the catalog, and nothing else. */
export function draftMessages(request: string, catalog: Catalog): ChatMessage[] {
  const tools = [...catalog.tools.values()].map(({ definition: d }) => ({
    name: d.name,
    ...(d.description === undefined ? {} : { description: d.description }),
    inputSchema: d.inputSchema ?? { type: "object" },
    ...(d.annotations === undefined ? {} : { annotations: d.annotations }),
  }));
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: JSON.stringify({ request, catalog: tools }, null, 2) },
  ];
}

/** The mandate text inside the reply's fenced code block (```yaml, ```json or bare ```). */
export function extractCodeBlock(reply: string): string | null {
  const match = /```[ \t]*(?:ya?ml|json)?[ \t]*\r?\n([\s\S]*?)```/i.exec(reply);
  return match === null ? null : match[1]!;
}

/** Asks the model for a mandate for `request`, then validates and checks it. Never throws. */
export async function draftMandate(request: string, opts: DraftOptions): Promise<DraftResult> {
  const reply = await chatComplete(opts, draftMessages(request, opts.catalog));
  if (!reply.ok) return { ok: false, stage: "request", reason: reply.error };
  return judgeDraft(request, reply.content, opts);
}

/** Validates a model's reply against the language and the catalog, and lists what the person should weigh. */
export function judgeDraft(
  request: string,
  reply: string,
  opts: Pick<DraftOptions, "catalog" | "lint" | "now">,
): DraftResult {
  const text = extractCodeBlock(reply);
  if (text === null) {
    return {
      ok: false,
      stage: "reply",
      reason: "the reply has no fenced code block holding a mandate",
      reply,
    };
  }
  const parsed = parseMandate(text, {
    file: "<draft>",
    catalog: opts.catalog,
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
  if (!parsed.ok) {
    const errors = parsed.issues.filter((i) => i.severity === "error");
    return {
      ok: false,
      stage: "validate",
      reason: `the drafted mandate is not valid: ${errors.map(formatIssue).join("; ")}`,
      issues: parsed.issues,
      reply,
    };
  }
  const findings: DraftFinding[] = parsed.issues.map((i) => ({
    severity: i.severity === "error" ? "error" : "warning",
    field: i.field,
    message: i.message,
  }));
  findings.push(...widerThanAsked(request, parsed.mandate, opts.catalog));
  if (opts.lint) findings.push(...opts.lint(parsed.mandate, text));
  return { ok: true, mandate: parsed.mandate, text, findings };
}

/**
 * What a draft grants beyond the request, judged from the words: globs (the request names tasks, not patterns),
 * tools not in the catalog, numeric bounds above every number the user wrote (digits inside a word such as an IBAN
 * do not count), and no expiry. A heuristic on the words, not a proof: the person still reads the draft.
 */
export function widerThanAsked(request: string, mandate: Mandate, catalog: Catalog): DraftFinding[] {
  const out: DraftFinding[] = [];
  const numbers = [
    ...request.replace(/(\d),(\d{3})/g, "$1$2").matchAll(/(?<![\w.])\d+(?:\.\d+)?(?!\w)/g),
  ].map((m) => Number(m[0]));
  const largest = numbers.length === 0 ? null : Math.max(...numbers);
  for (const effect of ["allow", "ask"] as const) {
    for (const [index, rule] of (mandate[effect] ?? []).entries()) {
      const at = `${effect}[${index}]`;
      for (const selector of rule.tool !== undefined ? [rule.tool] : (rule.tools ?? [])) {
        if (isGlob(selector)) {
          out.push({
            severity: "error",
            wider: true,
            field: `${at}.tool`,
            message: `\`${selector}\` is a wildcard; the request names no pattern of tools`,
          });
        } else if (!catalog.tools.has(selector)) {
          out.push({
            severity: "error",
            wider: true,
            field: `${at}.tool`,
            message: `\`${selector}\` is not in the catalog`,
          });
        }
      }
      for (const [name, c] of Object.entries(rule.args ?? {})) {
        for (const [keyword, bound] of upperBounds(c)) {
          if (largest === null || bound > largest) {
            out.push({
              severity: "error",
              wider: true,
              field: `${at}.args.${name}.${keyword}`,
              message: `\`${name}\` ${keyword} ${bound} is above ${largest === null ? "any amount (the request names none)" : `every number in the request (at most ${largest})`}`,
            });
          }
        }
      }
      for (const [name, limit] of Object.entries(rule.budget?.sum ?? {})) {
        if (largest === null || limit > largest) {
          out.push({
            severity: "error",
            wider: true,
            field: `${at}.budget.sum.${name}`,
            message: `the budget for \`${name}\` (${limit}) is above ${largest === null ? "any amount (the request names none)" : `every number in the request (at most ${largest})`}`,
          });
        }
      }
    }
  }
  if (mandate.expires === undefined && mandate.ttl === undefined) {
    out.push({
      severity: "warning",
      wider: true,
      field: "",
      message: "the draft never expires; give it a `ttl`",
    });
  }
  return out;
}

function upperBounds(c: Constraint): [string, number][] {
  const out: [string, number][] = [];
  if (c.maximum !== undefined) out.push(["maximum", c.maximum]);
  if (c.exclusiveMaximum !== undefined) out.push(["exclusiveMaximum", c.exclusiveMaximum]);
  return out;
}
