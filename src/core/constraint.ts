import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { compileEmailForm, compilePathForm, compileUrlForm, type FormCheck } from "./forms/index.js";
import {
  codePointLength,
  hasType,
  isJsonObject,
  jsonEqual,
  type JsonType,
  kindOf,
  show,
} from "./json-value.js";
import type { Constraint } from "./mandate.js";
import { isMultipleOf } from "./decimal.js";
import { compilePattern, re2Engine } from "./pattern.js";

/** One way a value broke a constraint. `path` is a JSON Pointer relative to the constrained value. */
export interface ConstraintFailure {
  readonly keyword: string;
  readonly path: string;
  readonly value: unknown;
  readonly granted: unknown;
  readonly message: string;
}

/**
 * A compiled constraint. `holds` is the fast yes/no used on the allow path; `explain` lists every failing
 * keyword, used only to build a denial's complete delta. `name` is how messages refer to the value.
 */
export interface ValueCheck {
  holds(value: unknown): boolean;
  explain(value: unknown, name: string, secret: boolean): ConstraintFailure[];
}

const NUMBER_KEYWORDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] as const;
const STRING_KEYWORDS = ["minLength", "maxLength", "pattern", "path", "url", "email"] as const;
const ARRAY_KEYWORDS = ["items", "minItems", "maxItems", "uniqueItems", "contains"] as const;
const OBJECT_KEYWORDS = [
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
] as const;
/** Keywords that look inside a value; a constraint using one is compiled by ajv as a whole. */
const STRUCTURAL = new Set([
  "items",
  "contains",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "not",
  "anyOf",
  "oneOf",
  "allOf",
]);
/** Keywords that annotate rather than constrain. */
const ANNOTATIONS = new Set(["description", "secret", "optional", "provenance", "from"]);

/**
 * The type a constraint implies when it names none. JSON Schema ignores `maximum` on a string, so
 * `{ maximum: 1200 }` alone would let `"5000"` through; in a mandate a numeric bound means "a number".
 * Returns `null` when the keywords imply no type, or an error when they imply two.
 */
export function impliedType(c: Constraint): { type: JsonType | null } | { error: string } {
  if (c.type !== undefined) return { type: null };
  const families: [JsonType, readonly string[]][] = [
    ["number", NUMBER_KEYWORDS],
    ["string", STRING_KEYWORDS],
    ["array", ARRAY_KEYWORDS],
    ["object", OBJECT_KEYWORDS],
  ];
  const found = families.filter(([, kws]) => kws.some((k) => k in c)).map(([t]) => t);
  if (found.length > 1) {
    return {
      error: `mixes keywords of types ${found.map((t) => `\`${t}\``).join(" and ")}; name the \`type\``,
    };
  }
  return { type: found[0] ?? null };
}

export function compileConstraint(c: Constraint): ValueCheck {
  const implied = impliedType(c);
  if ("error" in implied) throw new Error(implied.error);
  const keys = Object.keys(c);
  return keys.some((k) => STRUCTURAL.has(k)) ? compileWithAjv(c, implied.type) : compileFlat(c, implied.type);
}

interface KeywordCheck {
  readonly keyword: string;
  readonly granted: unknown;
  /** Applies only to values of this type (JSON Schema semantics); `null`: to every value. */
  readonly applies: JsonType | null;
  test(value: unknown): boolean;
  message(name: string, raw: unknown): string;
}

/** Flat constraints (no nested schemas) become a list of closures: no ajv compile on the hot path of `compile()`. */
function compileFlat(c: Constraint, implied: JsonType | null): ValueCheck {
  const checks: KeywordCheck[] = [];
  const types =
    implied !== null
      ? [implied]
      : c.type === undefined
        ? null
        : ([] as JsonType[]).concat(c.type as JsonType);
  if (types) {
    checks.push({
      keyword: "type",
      granted: { type: implied ?? c.type },
      applies: null,
      test: (v) => types.some((t) => hasType(v, t)),
      message: (name, raw) =>
        `${name} is ${kindOf(raw)}${isScalar(raw) ? ` (${show(raw)})` : ""}; expected ${types.map(article).join(" or ")}`,
    });
  }
  if ("const" in c) {
    const want = c.const;
    const wantShown = show(want);
    checks.push({
      keyword: "const",
      granted: { const: want },
      applies: null,
      test: (v) => jsonEqual(v, want),
      message: (name, raw) => `${name} is ${show(raw)}; the mandate grants only ${wantShown}`,
    });
  }
  if (c.enum !== undefined) {
    const options = c.enum;
    const optionsShown = options.map(show).join(", ");
    checks.push({
      keyword: "enum",
      granted: { enum: options },
      applies: null,
      test: (v) => options.some((o) => jsonEqual(v, o)),
      message: (name, raw) => `${name} is ${show(raw)}; the mandate grants only one of ${optionsShown}`,
    });
  }
  const num = (
    keyword: (typeof NUMBER_KEYWORDS)[number],
    test: (v: number, b: number) => boolean,
    says: (v: string, b: number) => string,
  ): void => {
    const bound = c[keyword];
    if (bound === undefined) return;
    checks.push({
      keyword,
      granted: { [keyword]: bound },
      applies: "number",
      test: (v) => test(v as number, bound),
      message: (name, raw) => `${name} is ${says(String(raw), bound)}`,
    });
  };
  num(
    "minimum",
    (v, b) => v >= b,
    (v, b) => `${v}, below the granted minimum ${b}`,
  );
  num(
    "maximum",
    (v, b) => v <= b,
    (v, b) => `${v}, above the granted maximum ${b}`,
  );
  num(
    "exclusiveMinimum",
    (v, b) => v > b,
    (v, b) => `${v}; the mandate grants only values greater than ${b}`,
  );
  num(
    "exclusiveMaximum",
    (v, b) => v < b,
    (v, b) => `${v}; the mandate grants only values less than ${b}`,
  );
  // Exact decimals, not ajv's float division: 19.99 is a multiple of 0.01 (see decimal.ts).
  num(
    "multipleOf",
    (v, b) => isMultipleOf(v, b),
    (v, b) => `${v}, not a multiple of ${b}`,
  );
  if (c.minLength !== undefined) {
    const b = c.minLength;
    checks.push({
      keyword: "minLength",
      granted: { minLength: b },
      applies: "string",
      test: (v) => codePointLength(v as string) >= b,
      message: (name, raw) =>
        `${name} has ${codePointLength(raw as string)} characters; the mandate requires at least ${b}`,
    });
  }
  if (c.maxLength !== undefined) {
    const b = c.maxLength;
    checks.push({
      keyword: "maxLength",
      granted: { maxLength: b },
      applies: "string",
      test: (v) => codePointLength(v as string) <= b,
      message: (name, raw) =>
        `${name} has ${codePointLength(raw as string)} characters, above the granted maximum ${b}`,
    });
  }
  if (c.pattern !== undefined) {
    const compiled = compilePattern(c.pattern);
    if (!compiled.ok) throw new Error(compiled.message);
    const re = compiled.pattern;
    checks.push({
      keyword: "pattern",
      granted: { pattern: c.pattern },
      applies: "string",
      test: (v) => re.test(v as string),
      message: (name, raw) =>
        `${name} is ${show(raw)}, which does not match the granted pattern \`${re.source}\``,
    });
  }
  const forms: [keyof Constraint & ("path" | "url" | "email"), (f: never) => FormCheck][] = [
    ["path", compilePathForm as (f: never) => FormCheck],
    ["url", compileUrlForm as (f: never) => FormCheck],
    ["email", compileEmailForm as (f: never) => FormCheck],
  ];
  for (const [keyword, compileForm] of forms) {
    const form = c[keyword];
    if (form === undefined) continue;
    const check = compileForm(form as never);
    checks.push({
      keyword,
      granted: { [keyword]: form },
      applies: "string",
      test: (v) => check.holds(v),
      message: (name, raw) => `${name}: ${check(raw)?.message ?? "outside the granted form"}`,
    });
  }
  if (c.minItems !== undefined || c.maxItems !== undefined || c.uniqueItems === true) {
    // Only reached without `items`/`contains` (those are structural): plain counts.
    const min = c.minItems;
    const max = c.maxItems;
    if (min !== undefined) {
      checks.push({
        keyword: "minItems",
        granted: { minItems: min },
        applies: "array",
        test: (v) => (v as unknown[]).length >= min,
        message: (name, raw) =>
          `${name} has ${(raw as unknown[]).length} items; the mandate requires at least ${min}`,
      });
    }
    if (max !== undefined) {
      checks.push({
        keyword: "maxItems",
        granted: { maxItems: max },
        applies: "array",
        test: (v) => (v as unknown[]).length <= max,
        message: (name, raw) =>
          `${name} has ${(raw as unknown[]).length} items, above the granted maximum ${max}`,
      });
    }
    if (c.uniqueItems === true) {
      checks.push({
        keyword: "uniqueItems",
        granted: { uniqueItems: true },
        applies: "array",
        test: (v) => allUnique(v as unknown[]),
        message: (name) => `${name} has duplicate items; the mandate requires them unique`,
      });
    }
  }
  const typeCheck = types ? checks[0] : undefined;
  const holds = (value: unknown): boolean => {
    for (const k of checks) {
      if (k.applies !== null && !hasType(value, k.applies)) continue;
      if (!k.test(value)) return false;
    }
    return true;
  };
  return {
    holds,
    explain(value, name, secret) {
      const exercised = secret ? REDACTED : value;
      // A value of the wrong type is reported once, as a type error; its other keywords do not apply.
      if (typeCheck && !typeCheck.test(value)) {
        const message = secret
          ? `${name} (secret) is not of the granted type`
          : typeCheck.message(name, value);
        return [failure(typeCheck, "", exercised, message)];
      }
      const out: ConstraintFailure[] = [];
      for (const k of checks) {
        if (k === typeCheck || (k.applies !== null && !hasType(value, k.applies)) || k.test(value)) continue;
        // A secret's value must not leak through a message (a bound, a length, a form's own words).
        const message = secret
          ? `${name} (secret) is outside the granted \`${k.keyword}\``
          : k.message(name, value);
        out.push(failure(k, "", exercised, message));
      }
      return out;
    },
  };
}

export const REDACTED = "[redacted]";

function failure(k: KeywordCheck, path: string, value: unknown, message: string): ConstraintFailure {
  return { keyword: k.keyword, path, value, granted: k.granted, message };
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

function article(t: string): string {
  return t === "integer" || t === "array" || t === "object" ? `an ${t}` : t === "null" ? "null" : `a ${t}`;
}

function allUnique(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) if (jsonEqual(items[i], items[j])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Structural constraints: compiled by ajv, with the domain forms as ajv keywords so they nest.

let constraintAjv: Ajv | undefined;
const ajvCache = new Map<string, ValidateFunction>();

function formKeyword(keyword: "path" | "url" | "email", compileForm: (form: never) => FormCheck) {
  return {
    keyword,
    type: "string" as const,
    schemaType: "object" as const,
    errors: true as const,
    compile(form: unknown) {
      const check = compileForm(form as never);
      const validate = (data: unknown): boolean => {
        const failed = check(data);
        (validate as { errors?: Partial<ErrorObject>[] }).errors = failed
          ? [{ keyword, message: failed.message, params: {} }]
          : [];
        return failed === null;
      };
      return validate;
    },
  };
}

function getConstraintAjv(): Ajv {
  if (constraintAjv) return constraintAjv;
  constraintAjv = new Ajv({
    allErrors: true,
    verbose: true,
    strictTypes: false,
    strictTuples: false,
    validateFormats: false,
    code: { regExp: re2Engine },
    keywords: [
      formKeyword("path", compilePathForm as (f: never) => FormCheck),
      formKeyword("url", compileUrlForm as (f: never) => FormCheck),
      formKeyword("email", compileEmailForm as (f: never) => FormCheck),
      { keyword: ["secret", "optional"], schemaType: "boolean" },
    ],
  });
  // Nested constraints use the same exact-decimal `multipleOf` as flat ones.
  constraintAjv.removeKeyword("multipleOf");
  constraintAjv.addKeyword({
    keyword: "multipleOf",
    type: "number",
    schemaType: "number",
    errors: false,
    validate: (step: number, value: number) => isMultipleOf(value, step),
  });
  return constraintAjv;
}

/**
 * The constraint as ajv reads it: annotations dropped, and the implied type of the constraint and of every
 * nested one made explicit, so that `{ items: { maximum: 100 } }` means "numbers ≤ 100" as it would at the top.
 */
function ajvSchema(c: Constraint, implied: JsonType | null): Record<string, unknown> {
  const nested = (sub: Constraint): Record<string, unknown> => {
    const t = impliedType(sub);
    return ajvSchema(sub, "type" in t ? t.type : null);
  };
  const schema: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c) as [string, unknown][]) {
    if (ANNOTATIONS.has(k)) continue;
    if (
      (k === "items" || k === "contains" || k === "not" || k === "additionalProperties") &&
      isJsonObject(v)
    ) {
      schema[k] = nested(v as Constraint);
    } else if ((k === "anyOf" || k === "oneOf" || k === "allOf") && Array.isArray(v)) {
      schema[k] = (v as Constraint[]).map(nested);
    } else if (k === "enum" && Array.isArray(v)) {
      // The format allows repeats; ajv's meta-schema does not. Same meaning without them.
      schema[k] = v.filter((x, i) => !v.slice(0, i).some((y) => jsonEqual(x, y)));
    } else if (k === "properties" && isJsonObject(v)) {
      schema[k] = Object.fromEntries(
        Object.entries(v).map(([name, sub]) => [name, nested(sub as Constraint)]),
      );
    } else {
      schema[k] = v;
    }
  }
  if (implied !== null) schema.type = implied;
  return schema;
}

function compileWithAjv(c: Constraint, implied: JsonType | null): ValueCheck {
  const schema = ajvSchema(c, implied);
  const key = JSON.stringify(schema);
  let validate = ajvCache.get(key);
  if (!validate) {
    validate = getConstraintAjv().compile(schema);
    if (ajvCache.size < 10_000) ajvCache.set(key, validate);
  }
  const fn = validate;
  return {
    holds: (value) => fn(value),
    explain(value, name, secret) {
      if (fn(value)) return [];
      // Copy the errors out at once: ajv keeps them on the shared function object.
      const errors = [...(fn.errors ?? [])];
      return errors
        .filter((e) => e.keyword !== "if")
        .map((e) => ({
          keyword: e.keyword,
          path: e.instancePath,
          value: secret ? REDACTED : valueAt(value, e.instancePath),
          granted: { [e.keyword]: e.schema as unknown },
          message: secret
            ? `${name} (secret) is outside the granted \`${e.keyword}\``
            : `${name}${e.instancePath === "" ? "" : fieldOf(e.instancePath)} ${e.message ?? "is outside the mandate"}`,
        }));
    },
  };
}

/** `/to/0/address` → `[0].address` appended to an argument's name (its backticks kept). */
function fieldOf(pointer: string): string {
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return ` at \`${out}\``;
}

function valueAt(value: unknown, pointer: string): unknown {
  if (pointer === "") return value;
  let node = value;
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
