import type { Catalog } from "./catalog.js";
import { impliedType } from "./constraint.js";
import { parseDuration, parseInstant } from "./duration.js";
import { validateEmailForm, validatePathForm, validateUrlForm } from "./forms/index.js";
import { compileGlob, GlobError, isGlob } from "./glob.js";
import { escapePointer, nearest } from "./issue.js";
import { isJsonObject } from "./json-value.js";
import type { Constraint, Mandate, Rule } from "./mandate.js";
import { compilePattern } from "./pattern.js";

/** An issue before it is placed in the source: a pointer (and key, for a misspelt key) into the mandate. */
export interface RawIssue {
  readonly severity: "error" | "warning";
  readonly pointer: string;
  readonly key?: string;
  readonly message: string;
  readonly suggestion?: string;
}

/** Argument names that would reach an object's prototype; never valid. */
const FORBIDDEN_NAMES = new Set(["__proto__", "constructor", "prototype"]);

/**
 * The checks the JSON Schema of the format cannot express: times, globs, patterns, forms, keyword families,
 * contradictions, and (with a catalog) tools and arguments that do not exist. Runs on a schema-valid mandate.
 */
export function checkMandate(m: Mandate, catalog: Catalog | undefined, now: number): RawIssue[] {
  const out: RawIssue[] = [];
  const error = (pointer: string, message: string, extra: Partial<RawIssue> = {}): void => {
    out.push({ severity: "error", pointer, message, ...extra });
  };
  const warn = (pointer: string, message: string, extra: Partial<RawIssue> = {}): void => {
    out.push({ severity: "warning", pointer, message, ...extra });
  };

  for (const key of ["issued", "notBefore", "expires"] as const) {
    const text = m[key];
    if (text !== undefined && parseInstant(text) === undefined) {
      error(
        `/${key}`,
        `\`${text}\` is not an ISO 8601 date or date-time with a zone (e.g. \`2026-12-01T00:00:00Z\`)`,
      );
    }
  }
  if (m.ttl !== undefined && !((parseDuration(m.ttl) ?? 0) > 0)) {
    error("/ttl", `\`${m.ttl}\` is not a duration above zero (e.g. \`15m\`, \`2h\`, \`7d\`, \`PT2H\`)`);
  }
  if (m.ttl !== undefined && m.expires !== undefined) error("/ttl", "give `expires` or `ttl`, not both");
  const expires = m.expires === undefined ? undefined : parseInstant(m.expires);
  if (expires !== undefined && expires <= now)
    warn("/expires", `the mandate expired at \`${m.expires}\`; every call will be denied`);
  const notBefore = m.notBefore === undefined ? undefined : parseInstant(m.notBefore);
  if (expires !== undefined && notBefore !== undefined && notBefore >= expires) {
    error("/notBefore", "`notBefore` is not before `expires`: the mandate is never valid");
  }

  const granting = (m.allow?.length ?? 0) + (m.ask?.length ?? 0);
  if (granting === 0)
    warn("", "the mandate has no `allow` or `ask` rule: it grants nothing and every call will be denied");

  for (const effect of ["allow", "ask", "deny"] as const) {
    for (const [index, rule] of (m[effect] ?? []).entries()) checkRule(rule, `/${effect}/${index}`, effect);
  }
  return out;

  function checkRule(rule: Rule, pointer: string, effect: "allow" | "ask" | "deny"): void {
    if ((rule.tool === undefined) === (rule.tools === undefined)) {
      error(pointer, "a rule names its tools with exactly one of `tool` and `tools`");
      return;
    }
    const selectors =
      rule.tool !== undefined
        ? [{ s: rule.tool, p: `${pointer}/tool` }]
        : rule.tools!.map((s, i) => ({ s, p: `${pointer}/tools/${i}` }));
    const matched = new Set<string>();
    for (const { s, p } of selectors) {
      let match: (name: string) => boolean;
      try {
        match = compileGlob(s);
      } catch (e) {
        if (e instanceof GlobError) {
          error(p, e.message);
          continue;
        }
        throw e;
      }
      if (/^\*+$/.test(s) && effect !== "deny") {
        warn(
          p,
          `\`${s}\` ${effect === "allow" ? "allows" : "asks for"} every tool; name the tools the task needs`,
        );
      }
      if (catalog) {
        const hits = isGlob(s) ? [...catalog.tools.keys()].filter(match) : catalog.tools.has(s) ? [s] : [];
        hits.forEach((h) => matched.add(h));
        if (hits.length === 0) {
          const suggestion = nearest(s, catalog.tools.keys());
          warn(p, `\`${s}\` matches no tool in the catalog`, suggestion === undefined ? {} : { suggestion });
        }
      }
    }
    for (const [name, c] of Object.entries(rule.args ?? {})) {
      const argPointer = `${pointer}/args/${escapePointer(name)}`;
      if (FORBIDDEN_NAMES.has(name)) {
        error(`${pointer}/args`, `\`${name}\` cannot be an argument name`, { key: name });
        continue;
      }
      checkConstraint(c, argPointer);
      if (effect === "deny" && (c.provenance !== undefined || c.from !== undefined || c.flow !== undefined)) {
        error(
          argPointer,
          "`provenance`, `from` and `flow` say what an `allow` or `ask` rule needs; a `deny` rule cannot use them",
        );
      }
      // An argument no matched tool has is almost always a misspelling; the rule could then never cover a call.
      if (catalog && matched.size > 0) {
        const known = new Set<string>();
        let open = false;
        for (const tool of matched) {
          const schema = catalog.tools.get(tool)!.definition.inputSchema;
          const props = isJsonObject(schema.properties) ? Object.keys(schema.properties) : [];
          props.forEach((p) => known.add(p));
          if (!isJsonObject(schema.properties)) open = true;
        }
        if (!open && !known.has(name)) {
          const suggestion = nearest(name, known);
          const effectText =
            effect === "deny" ? "this deny rule never applies" : "this rule can never cover a call";
          warn(
            `${pointer}/args`,
            `no tool this rule names has an argument \`${name}\`; ${c.optional ? "the constraint is never checked" : effectText}`,
            { key: name, ...(suggestion === undefined ? {} : { suggestion }) },
          );
        }
      }
    }
    const budget = rule.budget;
    if (budget) {
      if (budget.per !== undefined && !((parseDuration(budget.per) ?? 0) > 0)) {
        error(
          `${pointer}/budget/per`,
          `\`${budget.per}\` is not a duration above zero (e.g. \`1h\`, \`1d\`)`,
        );
      }
      if (budget.calls === 0)
        warn(`${pointer}/budget/calls`, "a budget of 0 calls means this rule never covers a call");
      for (const arg of Object.keys(budget.sum ?? {})) {
        if (FORBIDDEN_NAMES.has(arg))
          error(`${pointer}/budget/sum`, `\`${arg}\` cannot be an argument name`, { key: arg });
      }
    }
  }

  function checkConstraint(c: Constraint, pointer: string): void {
    const implied = impliedType(c);
    if ("error" in implied) error(pointer, implied.error);
    if (c.pattern !== undefined) {
      const compiled = compilePattern(c.pattern);
      if (!compiled.ok) error(`${pointer}/pattern`, compiled.message);
    }
    const forms = [
      ["path", c.path, validatePathForm],
      ["url", c.url, validateUrlForm],
      ["email", c.email, validateEmailForm],
    ] as const;
    for (const [key, form, validateForm] of forms) {
      if (form === undefined) continue;
      for (const message of (validateForm as (f: unknown) => string[])(form))
        error(`${pointer}/${key}`, message);
    }
    const lo = c.minimum ?? c.exclusiveMinimum;
    const hi = c.maximum ?? c.exclusiveMaximum;
    if (
      lo !== undefined &&
      hi !== undefined &&
      (lo > hi || (lo === hi && (c.exclusiveMinimum !== undefined || c.exclusiveMaximum !== undefined)))
    ) {
      warn(pointer, `no number is both ≥ ${lo} and ≤ ${hi}: this constraint can never hold`);
    }
    if (c.minLength !== undefined && c.maxLength !== undefined && c.minLength > c.maxLength) {
      warn(pointer, "`minLength` is above `maxLength`: this constraint can never hold");
    }
    if (c.enum !== undefined && c.enum.length === 0)
      warn(`${pointer}/enum`, "an empty `enum` can never hold");
    // `.nan`/`.inf` (YAML) are not JSON: no argument can equal them, and JSON text (a cache key) reads them as null.
    for (const k of ["const", "enum"] as const) {
      if (k in c && hasNonFinite(c[k])) error(`${pointer}/${k}`, "`.nan` and `.inf` are not JSON numbers");
    }
    const nested: [string, Constraint | undefined][] = [
      ["items", c.items],
      ["contains", c.contains],
      ["not", c.not],
      [
        "additionalProperties",
        typeof c.additionalProperties === "object" ? c.additionalProperties : undefined,
      ],
    ];
    for (const [k, sub] of nested) if (sub) checkConstraint(sub, `${pointer}/${k}`);
    for (const k of ["anyOf", "oneOf", "allOf"] as const)
      c[k]?.forEach((sub, i) => checkConstraint(sub, `${pointer}/${k}/${i}`));
    for (const [k, sub] of Object.entries(c.properties ?? {}))
      checkConstraint(sub, `${pointer}/properties/${escapePointer(k)}`);
  }
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(hasNonFinite);
}
