/** Helpers over JSON data, with JSON Schema's notions of type and equality. */

export type JsonType = "null" | "boolean" | "number" | "integer" | "string" | "array" | "object";

export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isJsonObject(value);
    default:
      return typeof value === type;
  }
}

/** Deep equality as JSON Schema's `const`, `enum` and `uniqueItems` mean it (1 and 1.0 are equal). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    ) {
      return false;
    }
  }
  return true;
}

/** Length in Unicode code points, as JSON Schema's `minLength`/`maxLength` count. */
const SURROGATE = /[\uD800-\uDFFF]/;

export function codePointLength(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** A short, safe rendering of a value for one-line messages. */
export function show(value: unknown): string {
  let text: string;
  try {
    const head = typeof value === "string" && value.length > 80 ? value.slice(0, 80) : value;
    text = JSON.stringify(head) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}…`;
  return `\`${text.includes("`") ? text.replace(/`/g, "'") : text}\``;
}

/** What kind of JSON value this is, for messages: `a string`, `an array`. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (Number.isInteger(value)) return "an integer";
  switch (typeof value) {
    case "object":
      return "an object";
    case "undefined":
      return "missing";
    default:
      return `a ${typeof value}`;
  }
}
