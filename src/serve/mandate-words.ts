import type { ArgumentConstraint, Budget, Constraint, Mandate, Rule } from "../core/mandate.js";

/** One rule in plain words, for the mandates page. */
export interface RuleSentence {
  readonly effect: "allow" | "ask" | "deny";
  readonly pointer: string;
  readonly text: string;
}

const VERB = { allow: "May call", ask: "Must ask a person before calling", deny: "Must never call" } as const;

/** Every rule of a mandate as a sentence: "May call `send_money` when `amount` is above 0 and at most 1200; …". */
export function ruleSentences(mandate: Mandate): RuleSentence[] {
  const out: RuleSentence[] = [];
  for (const effect of ["deny", "allow", "ask"] as const) {
    (mandate[effect] ?? []).forEach((rule, index) => {
      out.push({ effect, pointer: `/${effect}/${index}`, text: ruleSentence(effect, rule) });
    });
  }
  return out;
}

export function ruleSentence(effect: "allow" | "ask" | "deny", rule: Rule): string {
  const tools = rule.tools ?? (rule.tool === undefined ? [] : [rule.tool]);
  let text = `${VERB[effect]} ${list(
    tools.map((t) => (/[*?{]/.test(t) ? `any tool matching \`${t}\`` : `\`${t}\``)),
    "or",
  )}`;
  const args = Object.entries(rule.args ?? {});
  if (args.length > 0)
    text += ` when ${list(
      args.map(([name, c]) => argument(name, c)),
      "and",
    )}`;
  if (rule.budget !== undefined) text += `; ${budget(rule.budget)}`;
  if (rule.description !== undefined) text += ` (${rule.description})`;
  return `${text}.`;
}

/** The mandate's validity and scope in words. */
export function mandateSummary(m: Mandate): string[] {
  const lines: string[] = [];
  if (m.subject !== undefined)
    lines.push(`Granted by ${m.subject}${m.agent === undefined ? "" : ` to ${m.agent}`}.`);
  else if (m.agent !== undefined) lines.push(`Granted to ${m.agent}.`);
  if (m.task !== undefined) lines.push(`For the task: “${m.task}”`);
  if (m.expires !== undefined) lines.push(`Valid until ${m.expires}.`);
  if (m.ttl !== undefined)
    lines.push(`Valid for ${m.ttl}${m.issued === undefined ? "" : ` from ${m.issued}`}.`);
  if (m.mode === "shadow") lines.push("In shadow mode: calls are judged and logged but none is refused.");
  if (m.trustedTools?.length)
    lines.push(
      `Trusts the outputs of ${list(
        m.trustedTools.map((t) => `\`${t}\``),
        "and",
      )}.`,
    );
  if (m.sensitiveTools?.length)
    lines.push(
      `Treats the outputs of ${list(
        m.sensitiveTools.map((t) => `\`${t}\``),
        "and",
      )} as sensitive.`,
    );
  lines.push("Anything no rule allows is refused.");
  return lines;
}

function argument(name: string, c: ArgumentConstraint): string {
  const parts = constraint(c);
  if (c.provenance === "trusted") parts.push("taken from what the user or a trusted source said");
  if (c.from !== undefined)
    parts.push(
      `found in ${list(
        c.from.map((f) => `\`${f}\``),
        "or",
      )}`,
    );
  if (c.flow !== undefined)
    parts.push(`free of data from ${list([...(c.flow.forbid ?? ["untrusted", "sensitive"])], "or")} outputs`);
  // "is above 0 and at most 1000", not "is above 0 and is at most 1000".
  const joined = parts.map((p, i) =>
    i > 0 && parts[i - 1]!.startsWith("is ") && p.startsWith("is ") ? p.slice(3) : p,
  );
  let text = `\`${name}\` ${joined.length > 0 ? list(joined, "and") : "is given"}`;
  if (c.optional === true) text += " (if given)";
  if (c.secret === true) text += " (kept secret in the log)";
  return text;
}

function constraint(c: Constraint): string[] {
  const parts: string[] = [];
  if (c.const !== undefined) parts.push(`is exactly ${json(c.const)}`);
  if (c.enum !== undefined) parts.push(`is one of ${list(c.enum.map(json), "or")}`);
  if (c.type !== undefined) parts.push(`is ${list([c.type].flat().map(article), "or")}`);
  if (c.exclusiveMinimum !== undefined) parts.push(`is above ${c.exclusiveMinimum}`);
  if (c.minimum !== undefined) parts.push(`is at least ${c.minimum}`);
  if (c.exclusiveMaximum !== undefined) parts.push(`is below ${c.exclusiveMaximum}`);
  if (c.maximum !== undefined) parts.push(`is at most ${c.maximum}`);
  if (c.multipleOf !== undefined) parts.push(`is a multiple of ${c.multipleOf}`);
  if (c.minLength !== undefined) parts.push(`has at least ${c.minLength} characters`);
  if (c.maxLength !== undefined) parts.push(`has at most ${c.maxLength} characters`);
  if (c.pattern !== undefined) parts.push(`matches \`${c.pattern}\``);
  if (c.minItems !== undefined) parts.push(`has at least ${c.minItems} items`);
  if (c.maxItems !== undefined) parts.push(`has at most ${c.maxItems} items`);
  if (c.items !== undefined) {
    const inner = constraint(c.items);
    if (inner.length > 0) parts.push(`has items that each ${list(inner.map(stripIs), "and")}`);
  }
  if (c.path !== undefined)
    parts.push(
      `is a path under ${list(
        c.path.under.map((p) => `\`${p}\``),
        "or",
      )}`,
    );
  if (c.url !== undefined)
    parts.push(
      `is a URL on ${list(
        c.url.hosts.map((h) => `\`${h}\``),
        "or",
      )}`,
    );
  if (c.email !== undefined)
    parts.push(
      `is an e-mail address at ${list(
        c.email.domains.map((d) => `\`${d}\``),
        "or",
      )}`,
    );
  const rest = Object.keys(c).filter((k) => !KNOWN.has(k));
  if (rest.length > 0)
    parts.push(
      `meets ${list(
        rest.map((k) => `\`${k}\``),
        "and",
      )} as written`,
    );
  return parts;
}

const KNOWN = new Set([
  "const",
  "enum",
  "type",
  "exclusiveMinimum",
  "minimum",
  "exclusiveMaximum",
  "maximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "items",
  "path",
  "url",
  "email",
  "description",
  "secret",
  "optional",
  "provenance",
  "from",
  "flow",
]);

function budget(b: Budget): string {
  const limits: string[] = [];
  if (b.calls !== undefined) limits.push(`${b.calls} call${b.calls === 1 ? "" : "s"}`);
  for (const [arg, total] of Object.entries(b.sum ?? {})) limits.push(`a total \`${arg}\` of ${total}`);
  return `at most ${list(limits, "and")} ${b.per === undefined ? "over the mandate's life" : `per ${b.per}`}`;
}

function stripIs(text: string): string {
  return text
    .replace(/^is /, "are ")
    .replace(/^has /, "have ")
    .replace(/^matches /, "match ");
}

function article(type: string): string {
  return type === "integer"
    ? "an integer"
    : type === "array"
      ? "a list"
      : type === "object"
        ? "an object"
        : `a ${type}`;
}

function json(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function list(items: readonly string[], word: "and" | "or"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${word} ${items.at(-1)}`;
}
