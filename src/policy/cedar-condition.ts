import type { Constraint } from "../core/mandate.js";

/**
 * A mandate constraint as a Cedar condition, or why it has none. `exact` means: on values of the types the
 * constraint expects, with numbers integral, the condition holds exactly when the constraint does. A value of another
 * type makes the condition fail to evaluate (Cedar has no type test), and an evaluation error denies.
 */
export type Condition =
  { readonly exact: true; readonly expr: string } | { readonly exact: false; readonly why: string };

/** A Cedar string literal. */
export function cedarString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** An attribute access that works for any name: `e["name"]`. */
export function attr(expr: string, name: string): string {
  return `${expr}[${cedarString(name)}]`;
}

export function has(expr: string, name: string): string {
  return `${expr} has ${cedarString(name)}`;
}

/** A JSON value as a Cedar literal, when equality on it means the same as JSON equality. */
export function literal(value: unknown): Condition {
  switch (typeof value) {
    case "string":
      return ok(cedarString(value));
    case "boolean":
      return ok(String(value));
    case "number": {
      if (Number.isSafeInteger(value)) return ok(String(value === 0 ? 0 : value));
      const text = String(value);
      const m = /^-?\d+\.(\d+)$/.exec(text);
      if (m !== null && m[1]!.length <= 4 && Math.abs(value) < 9e14)
        return ok(`decimal(${cedarString(text)})`);
      return no(`${text} has no exact Cedar value`);
    }
    case "object": {
      if (value === null) return no("`null` has no Cedar value");
      if (Array.isArray(value)) return no("arrays become Cedar sets, where order and repeats do not count");
      const fields: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k === "__entity" || k === "__extn" || k === "__expr")
          return no(`a key \`${k}\` has no Cedar value`);
        const f = literal(v);
        if (!f.exact) return f;
        fields.push(`${cedarString(k)}: ${f.expr}`);
      }
      return ok(`{${fields.join(", ")}}`);
    }
    default:
      return no(`a ${typeof value} has no Cedar value`);
  }
}

const INEXACT: Readonly<Record<string, string>> = {
  multipleOf: "Cedar has no division",
  minLength: "Cedar has no string length",
  maxLength: "Cedar has no string length",
  pattern: "Cedar has no regular expressions (RE2 patterns)",
  items: "Cedar cannot quantify over a set",
  contains: "Cedar cannot quantify over a set",
  minItems: "Cedar has no set size",
  maxItems: "Cedar has no set size",
  uniqueItems: "arrays become Cedar sets, where repeats do not count",
  additionalProperties: "Cedar cannot list a record's attributes",
  minProperties: "Cedar cannot count a record's attributes",
  maxProperties: "Cedar cannot count a record's attributes",
  path: "`path.under` normalises the path (`..`, Unicode, escapes) before comparing; Cedar `like` cannot",
  url: "`url.hosts` parses the URL (WHATWG) before comparing; Cedar cannot",
  email: "`email.domains` parses the address before comparing; Cedar cannot",
};

/** The condition on the value at `v`. */
export function condition(c: Constraint, v: string): Condition {
  const parts: string[] = [];
  for (const [key, bound] of Object.entries(c)) {
    if (bound === undefined) continue;
    const why = INEXACT[key];
    if (why !== undefined) return no(`\`${key}\`: ${why}`);
    const part = keyword(key, bound, v);
    if (part === null) continue;
    if (!part.exact) return part;
    parts.push(part.expr);
  }
  return ok(parts.length === 0 ? "true" : parts.join(" && "));
}

function keyword(key: string, bound: unknown, v: string): Condition | null {
  switch (key) {
    case "description":
      return null;
    case "type":
      return typeTest(bound, v);
    case "const": {
      const l = literal(bound);
      return l.exact ? ok(`${v} == ${l.expr}`) : l;
    }
    case "enum": {
      const items: string[] = [];
      for (const item of bound as readonly unknown[]) {
        const l = literal(item);
        if (!l.exact) return l;
        items.push(l.expr);
      }
      return ok(`[${items.join(", ")}].contains(${v})`);
    }
    case "minimum":
    case "exclusiveMinimum":
    case "maximum":
    case "exclusiveMaximum":
      return comparison(key, bound as number, v);
    case "properties": {
      const parts: string[] = [];
      for (const [name, sub] of Object.entries(bound as Record<string, Constraint>)) {
        const inner = condition(sub, attr(v, name));
        if (!inner.exact) return no(`property \`${name}\`: ${inner.why}`);
        parts.push(`(!(${has(v, name)}) || (${inner.expr}))`);
      }
      return ok(parts.length === 0 ? "true" : parts.join(" && "));
    }
    case "required":
      return ok((bound as readonly string[]).map((name) => has(v, name)).join(" && ") || "true");
    case "anyOf":
    case "allOf":
    case "oneOf": {
      const list = bound as readonly Constraint[];
      if (key === "oneOf" && list.length > 1) return no("`oneOf` (exactly one of several) is not translated");
      const subs: string[] = [];
      for (const sub of list) {
        const inner = condition(sub, v);
        if (!inner.exact) return inner;
        subs.push(`(${inner.expr})`);
      }
      return ok(`(${subs.join(key === "anyOf" ? " || " : " && ")})`);
    }
    case "not": {
      const inner = condition(bound as Constraint, v);
      return inner.exact ? ok(`!(${inner.expr})`) : inner;
    }
    default:
      return no(`\`${key}\` is not translated`);
  }
}

/** Long comparisons. A fractional bound is rounded the way that keeps the comparison exact on integers. */
function comparison(key: string, bound: number, v: string): Condition {
  const lower = key === "minimum" || key === "exclusiveMinimum";
  const strict = key.startsWith("exclusive");
  let n: number;
  let op: string;
  if (Number.isInteger(bound)) {
    n = bound;
    op = lower ? (strict ? ">" : ">=") : strict ? "<" : "<=";
  } else {
    n = lower ? Math.ceil(bound) : Math.floor(bound);
    op = lower ? ">=" : "<=";
  }
  if (!Number.isSafeInteger(n)) return no(`\`${key}: ${bound}\` is beyond Cedar's exact integers`);
  return ok(`${v} ${op} ${n === 0 ? 0 : n}`);
}

/** A test that is true for the type and fails to evaluate for any other (Cedar has no type test). */
function typeTest(type: unknown, v: string): Condition {
  switch (type) {
    case "string":
      return ok(`${v} like "*"`);
    case "integer":
      return ok(`${v} + 0 == ${v}`);
    case "boolean":
      return ok(`(${v} || !${v})`);
    default:
      return no(`\`type: ${JSON.stringify(type)}\` has no Cedar test (numbers may be Long or decimal)`);
  }
}

function ok(expr: string): Condition {
  return { exact: true, expr };
}

function no(why: string): Condition {
  return { exact: false, why };
}
