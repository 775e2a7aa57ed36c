/**
 * A reference interpreter of the decision semantics (DESIGN.md §4), written to be obviously correct rather than
 * fast: it reads the `Mandate` value directly on every call — no compilation, no plans, no dispatch tables.
 * The compiled decider (`src/core/decide.ts`) is checked against it in `decide.property.test.ts`.
 *
 * Scope: flat argument constraints (JSON Schema keywords without nested schemas, plus the domain forms).
 * Each keyword is judged by a separate, plain ajv on that keyword alone, after the implied-type rule;
 * the forms are judged by the forms' own functions (tested on their own).
 */
import { Ajv, type ValidateFunction } from "ajv";
import { isMultipleOf } from "../../src/core/decimal.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ToolDefinition } from "../../src/core/catalog.js";
import type { DeltaKind, Verdict } from "../../src/core/decision.js";
import { compileEmailForm, compilePathForm, compileUrlForm } from "../../src/core/forms/index.js";
import type { ArgumentConstraint, Budget, Mandate, Rule } from "../../src/core/mandate.js";

export interface ReferenceInput {
  readonly mandate: Mandate;
  /** When the mandate was compiled: a `ttl` without `issued` counts from here. */
  readonly compiledAt: number;
  /** The catalog's tool definitions, when calls are checked against a catalog. */
  readonly catalog?: readonly ToolDefinition[];
  readonly tool: unknown;
  readonly args: unknown;
  readonly now: number;
  readonly usage: ReadonlyMap<string, number>;
}

export interface ReferenceResult {
  readonly verdict: Verdict;
  /** The kinds of the delta's items, sorted, without repeats; empty exactly for `allow` and `ask`. */
  readonly deltaKinds: readonly DeltaKind[];
  /** Pointer of the rule that decided (`/deny/0`, `/allow/2`), or `null` for the default or a pre-rule check. */
  readonly rule: string | null;
  /** The mandate pointers the delta's items name (`/allow/0/args/amount/maximum`), sorted. */
  readonly failing: readonly string[];
  /** Arguments any rule for this tool marks `secret`. */
  readonly secrets: readonly string[];
}

const ANNOTATIONS = new Set(["description", "secret", "optional"]);
const FORMS = new Set(["path", "url", "email"]);
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
/** The type each keyword implies when a constraint names none. */
const IMPLIES: Readonly<Record<string, string>> = {
  minimum: "number",
  maximum: "number",
  exclusiveMinimum: "number",
  exclusiveMaximum: "number",
  multipleOf: "number",
  minLength: "string",
  maxLength: "string",
  pattern: "string",
  path: "string",
  url: "string",
  email: "string",
  minItems: "array",
  maxItems: "array",
  uniqueItems: "array",
};
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const DURATION_UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

// `validateSchema: false`: a mandate may repeat an `enum` value, which the meta-schema forbids.
const ajv = new Ajv({ strictTypes: false, allowUnionTypes: true, validateSchema: false });
// `multipleOf` is exact decimal arithmetic in Mandate (19.99 is a multiple of 0.01), not ajv's float division;
// decimal.test.ts checks that function on its own.
ajv.removeKeyword("multipleOf");
ajv.addKeyword({
  keyword: "multipleOf",
  type: "number",
  schemaType: "number",
  validate: (step: number, value: number) => isMultipleOf(value, step),
});
const validators = new Map<string, ValidateFunction>();

/** Does `value` satisfy this one-keyword JSON Schema? */
function satisfies(schema: Record<string, unknown>, value: unknown): boolean {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate(value);
}

export function decideReference(input: ReferenceInput): ReferenceResult {
  const { mandate, tool, now } = input;
  const result = (
    verdict: Verdict,
    deltaKinds: DeltaKind[],
    rule: string | null = null,
    failing: string[] = [],
    secrets: string[] = [],
  ): ReferenceResult => ({
    verdict,
    deltaKinds: [...new Set(deltaKinds)].sort(),
    rule,
    failing: [...failing].sort(),
    secrets: [...new Set(secrets)].sort(),
  });

  // 1. An invalid call: no tool, arguments that are not JSON data, a tool outside the catalog or its schema.
  if (typeof tool !== "string" || tool === "") return result("deny", ["scope"]);
  const rawArgs = input.args ?? {};
  if (!isPlainObject(rawArgs) || !isJsonData(rawArgs)) return result("deny", ["argument"]);
  const args = JSON.parse(JSON.stringify(rawArgs)) as Record<string, unknown>;
  if (input.catalog !== undefined) {
    const definition = input.catalog.find((t) => t.name === tool);
    if (definition === undefined) return result("deny", ["scope"]);
    if (!toolSchema(definition)(args)) {
      return result("deny", ["argument"]);
    }
  }

  // 2. Outside the mandate's validity, or a clock reading no time a Date can hold.
  if (!(Math.abs(now) <= 8.64e15)) return result("deny", ["expiry"]);
  const issued = mandate.issued === undefined ? input.compiledAt : Date.parse(mandate.issued);
  const until =
    mandate.expires !== undefined
      ? Date.parse(mandate.expires)
      : mandate.ttl !== undefined
        ? issued + durationMs(mandate.ttl)
        : Infinity;
  const from = mandate.notBefore === undefined ? -Infinity : Date.parse(mandate.notBefore);
  if (now >= until || now < from) return result("deny", ["expiry"]);

  const rulesFor = (effect: "allow" | "ask" | "deny") =>
    (mandate[effect] ?? [])
      .map((rule, index) => ({ rule, pointer: `/${effect}/${index}` }))
      .filter(({ rule }) => selectors(rule).some((s) => globMatches(s, tool)));
  const deny = rulesFor("deny");
  const granting = [...rulesFor("allow"), ...rulesFor("ask")];
  const secrets = [...deny, ...granting].flatMap(({ rule }) =>
    Object.entries(rule.args ?? {})
      .filter(([, c]) => c.secret === true)
      .map(([name]) => name),
  );

  // 3. A deny rule applies when all its constraints hold.
  for (const { rule, pointer } of deny) {
    if (argumentFailures(rule, pointer, args).length === 0) {
      return result("deny", ["policy"], pointer, [pointer], secrets);
    }
  }

  // 4. The first allow rule that covers the call, else the first ask rule, else deny.
  for (const { rule, pointer } of granting) {
    const failures = argumentFailures(rule, pointer, args);
    if (failures.length > 0) continue;
    if (rule.budget !== undefined && budgetFailures(input, rule.budget, pointer, args).length > 0) continue;
    return result(pointer.startsWith("/allow/") ? "allow" : "ask", [], pointer, [], secrets);
  }
  if (granting.length === 0) return result("deny", ["tool"], null, [], secrets);

  // 5. The delta of the closest rule: the fewest broken arguments, then the fewest failing items, the first on
  //    ties; budgets only count once every constraint holds (and count as one broken "argument").
  let closest: Failure[] | null = null;
  const score = (fs: readonly Failure[]): [number, number] => {
    const args = new Set(fs.map((f) => /\/args\/([^/]+)/.exec(f.pointer)?.[1] ?? "#budget"));
    return [args.size, fs.length];
  };
  for (const { rule, pointer } of granting) {
    let failures = argumentFailures(rule, pointer, args);
    if (failures.length === 0 && rule.budget !== undefined) {
      failures = budgetFailures(input, rule.budget, pointer, args);
    }
    if (closest === null) {
      closest = failures;
      continue;
    }
    const [a, n] = score(failures);
    const [ca, cn] = score(closest);
    if (a < ca || (a === ca && n < cn)) closest = failures;
  }
  return result(
    "deny",
    closest!.map((f) => f.kind),
    null,
    closest!.map((f) => f.pointer),
    secrets,
  );
}

const toolSchemas = new WeakMap<ToolDefinition, ValidateFunction>();
const ajv2020 = new Ajv2020({ strict: false });

function toolSchema(definition: ToolDefinition): ValidateFunction {
  let validate = toolSchemas.get(definition);
  if (validate === undefined) {
    validate = ajv2020.compile(definition.inputSchema);
    toolSchemas.set(definition, validate);
  }
  return validate;
}

function selectors(rule: Rule): readonly string[] {
  return rule.tool !== undefined ? [rule.tool] : (rule.tools ?? []);
}

/** One item of a delta: its kind and the mandate pointer it names. */
interface Failure {
  readonly kind: DeltaKind;
  readonly pointer: string;
}

/** Every failing constraint keyword of the rule (a missing argument: the argument's own pointer). */
function argumentFailures(rule: Rule, pointer: string, args: Record<string, unknown>): Failure[] {
  const out: Failure[] = [];
  for (const [name, c] of Object.entries(rule.args ?? {})) {
    const at = `${pointer}/args/${escape(name)}`;
    if (!Object.hasOwn(args, name)) {
      if (c.optional !== true) out.push({ kind: "argument", pointer: at });
      continue;
    }
    for (const keyword of failingKeywords(c, args[name])) {
      out.push({ kind: "argument", pointer: `${at}/${keyword}` });
    }
  }
  return out;
}

function escape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The keywords of a flat constraint the value breaks. A value of the wrong type breaks only `type`. */
export function failingKeywords(c: ArgumentConstraint, value: unknown): string[] {
  const type = c.type ?? impliedType(c);
  if (type !== undefined && !satisfies({ type }, value)) return ["type"];
  const out: string[] = [];
  for (const [keyword, bound] of Object.entries(c)) {
    if (keyword === "type" || ANNOTATIONS.has(keyword)) continue;
    if (STRUCTURAL.has(keyword)) throw new Error(`the reference does not interpret \`${keyword}\``);
    if (FORMS.has(keyword)) {
      if (typeof value === "string" && formFails(keyword, bound, value)) out.push(keyword);
    } else if (!satisfies({ [keyword]: bound }, value)) {
      out.push(keyword);
    }
  }
  return out;
}

/** `undefined` when the constraint names no keyword that implies a type. */
export function impliedType(c: ArgumentConstraint): string | undefined {
  const types = new Set(
    Object.keys(c)
      .map((k) => IMPLIES[k])
      .filter((t) => t !== undefined),
  );
  if (types.size > 1) throw new Error("mixed keyword families: the mandate is invalid");
  return [...types][0];
}

function formFails(keyword: string, form: unknown, value: string): boolean {
  if (keyword === "path") return compilePathForm(form as never)(value) !== null;
  if (keyword === "url") return compileUrlForm(form as never)(value) !== null;
  return compileEmailForm(form as never)(value) !== null;
}

/** The budget keys of a rule at `now`: `<mandate id>#<rule>/budget/<dimension>[@<window start>]`. */
export function budgetKeys(
  mandate: Mandate,
  pointer: string,
  budget: Budget,
  now: number,
): { key: string; pointer: string; arg: string | null; limit: number }[] {
  let suffix = "";
  if (budget.per !== undefined) {
    const ms = durationMs(budget.per);
    suffix = `@${Math.floor(now / ms) * ms}`;
  }
  const keys: { key: string; pointer: string; arg: string | null; limit: number }[] = [];
  if (budget.calls !== undefined) {
    const p = `${pointer}/budget/calls`;
    keys.push({ key: `${mandate.id}#${p}${suffix}`, pointer: p, arg: null, limit: budget.calls });
  }
  for (const [arg, limit] of Object.entries(budget.sum ?? {})) {
    const p = `${pointer}/budget/sum/${escape(arg)}`;
    keys.push({ key: `${mandate.id}#${p}${suffix}`, pointer: p, arg, limit });
  }
  return keys;
}

/**
 * Why the budget does not fit: every summed argument that is not a number ≥ 0 (an `argument` item); else the
 * first dimension (calls, then sums in order) that this call would take past its limit (a `budget` item).
 */
function budgetFailures(
  input: ReferenceInput,
  budget: Budget,
  pointer: string,
  args: Record<string, unknown>,
): Failure[] {
  const keys = budgetKeys(input.mandate, pointer, budget, input.now);
  const bad = keys.filter((k) => {
    if (k.arg === null) return false;
    const v = args[k.arg];
    return typeof v !== "number" || v < 0;
  });
  if (bad.length > 0) return bad.map((k) => ({ kind: "argument", pointer: k.pointer }));
  for (const k of keys) {
    const amount = k.arg === null ? 1 : (args[k.arg] as number);
    const used = input.usage.get(k.key) ?? 0;
    if (!(used + amount <= k.limit)) return [{ kind: "budget", pointer: k.pointer }];
  }
  return [];
}

/** Tool-name globs, without regular expressions: expand `{a,b}`, then match `*` and `?` by recursion. */
export function globMatches(glob: string, name: string): boolean {
  return expandBraces(glob).some((g) => wildcard([...g], 0, [...name], 0));
}

function expandBraces(glob: string): string[] {
  const open = glob.indexOf("{");
  if (open < 0) return [glob];
  const close = glob.indexOf("}", open);
  if (close < 0) throw new Error(`unclosed brace in ${glob}`);
  const before = glob.slice(0, open);
  const after = glob.slice(close + 1);
  return glob
    .slice(open + 1, close)
    .split(",")
    .flatMap((alternative) => expandBraces(after).map((rest) => before + alternative + rest));
}

function wildcard(p: readonly string[], i: number, s: readonly string[], j: number): boolean {
  if (i === p.length) return j === s.length;
  if (p[i] === "*") {
    for (let k = j; k <= s.length; k++) if (wildcard(p, i + 1, s, k)) return true;
    return false;
  }
  if (j === s.length) return false;
  return (p[i] === "?" || p[i] === s[j]) && wildcard(p, i + 1, s, j + 1);
}

function durationMs(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m) throw new Error(`the reference reads only durations such as 30m, 2h, 1d; got ${text}`);
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Plain JSON data: finite numbers, strings, booleans, null, dense arrays and plain objects without keys that
 * reach a prototype. An object property whose value is `undefined` is dropped (as JSON drops it).
 */
function isJsonData(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonData(value[i])) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      return Object.keys(value).every(
        (k) => !FORBIDDEN_KEYS.has(k) && (value[k] === undefined || isJsonData(value[k])),
      );
    default:
      return false;
  }
}
