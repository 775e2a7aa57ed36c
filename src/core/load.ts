import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { LineCounter, parseDocument } from "yaml";
import { escapePointer, type MandateIssue, MandateError, nearest, pointerToField } from "./issue.js";
import type { Mandate } from "./mandate.js";
import { mandateSchema } from "./mandate-schema.js";
import { SourceMap } from "./source-map.js";
import { checkMandate } from "./validate.js";
import type { Catalog } from "./catalog.js";

export interface LoadOptions {
  /** The file the text came from; named in every issue. */
  readonly file?: string;
  /** With a catalog, rules are also checked against the tools they name (unknown tools, misspelt arguments). */
  readonly catalog?: Catalog;
  /** The time warnings such as "already expired" are judged at (ms since epoch). Default: now. */
  readonly now?: number;
}

/**
 * The loader reports, the engine decides: every problem is collected with its place in the source, errors
 * and warnings alike. `mandate` is present exactly when there are no errors.
 */
export type MandateLoadResult =
  | { readonly ok: true; readonly mandate: Mandate; readonly issues: readonly MandateIssue[] }
  | { readonly ok: false; readonly issues: readonly MandateIssue[] };

/** Parses and validates a mandate written in YAML or JSON (JSON is read as the YAML it is a subset of). */
export function parseMandate(text: string, opts: LoadOptions = {}): MandateLoadResult {
  const file = opts.file ?? null;
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const map = new SourceMap(doc, lines);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          severity: "error",
          file,
          line: pos.line,
          column: pos.col,
          pointer: "",
          field: "",
          message: yamlMessage(e.message),
        };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      issues: [
        at(
          map,
          file,
          "",
          `cannot read the document: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ],
    };
  }
  return validateWith(value, map, file, opts);
}

/** Validates a mandate given as a value (already parsed). Positions are unknown: every issue says 1:1. */
export function validateMandate(value: unknown, opts: LoadOptions = {}): MandateLoadResult {
  return validateWith(value, new SourceMap(null, null), opts.file ?? null, opts);
}

/** The throwing form: returns the mandate, or throws a `MandateError` carrying every issue. */
export function loadMandate(text: string, opts: LoadOptions = {}): Mandate {
  const result = parseMandate(text, opts);
  if (!result.ok) throw new MandateError(result.issues);
  return result.mandate;
}

let schemaValidator: ValidateFunction | undefined;

function validateWith(
  value: unknown,
  map: SourceMap,
  file: string | null,
  opts: LoadOptions,
): MandateLoadResult {
  const shape = shapeProblem(value);
  if (shape !== null) return { ok: false, issues: [at(map, file, shape.pointer, shape.message)] };
  // `strictNumbers`: YAML's `.nan` and `.inf` are not numbers a mandate can mean (JSON cannot carry them).
  schemaValidator ??= new Ajv({ allErrors: true, verbose: true, strict: false, strictNumbers: true }).compile(
    mandateSchema,
  );
  if (!schemaValidator(value)) {
    const errors = [...(schemaValidator.errors ?? [])];
    return { ok: false, issues: schemaIssues(errors, map, file) };
  }
  const mandate = value as Mandate;
  const issues = checkMandate(mandate, opts.catalog, opts.now ?? Date.now()).map((i) => {
    const pos = map.locate(i.pointer, i.key);
    const field = pointerToField(i.key === undefined ? i.pointer : `${i.pointer}/${i.key}`);
    return {
      severity: i.severity,
      file,
      line: pos.line,
      column: pos.column,
      pointer: i.pointer,
      field,
      message: i.message,
      ...(i.suggestion === undefined ? {} : { suggestion: i.suggestion }),
    } satisfies MandateIssue;
  });
  if (issues.some((i) => i.severity === "error")) return { ok: false, issues };
  return { ok: true, mandate, issues };
}

function at(
  map: SourceMap,
  file: string | null,
  pointer: string,
  message: string,
  key?: string,
): MandateIssue {
  const pos = map.locate(pointer, key);
  const field = pointerToField(
    key === undefined ? pointer : `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`,
  );
  return { severity: "error", file, line: pos.line, column: pos.column, pointer, field, message };
}

/** Turns ajv's errors into one issue per place, in words a mandate author understands. */
function schemaIssues(errors: readonly ErrorObject[], map: SourceMap, file: string | null): MandateIssue[] {
  const issues: MandateIssue[] = [];
  const seen = new Set<string>();
  // Errors from inside `anyOf`/`oneOf` branches say what one branch wanted; the combinator's own error is clearer.
  const combined = new Set(
    errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.instancePath),
  );
  for (const e of errors) {
    if (
      combined.has(e.instancePath) &&
      e.keyword !== "anyOf" &&
      e.keyword !== "oneOf" &&
      /\/(anyOf|oneOf)\//.test(e.schemaPath)
    )
      continue;
    let issue: MandateIssue;
    if (e.keyword === "additionalProperties") {
      const key = String(e.params.additionalProperty);
      const parent = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const suggestion = nearest(key, known);
      // With a likely spelling the list of every valid key is noise; without one, it is the help.
      const list =
        suggestion === undefined && known.length > 0 && known.length <= 14
          ? `; expected one of ${known.map((k) => `\`${k}\``).join(", ")}`
          : "";
      issue = {
        ...at(map, file, e.instancePath, `unknown key \`${key}\`${list}`, key),
        ...(suggestion === undefined ? {} : { suggestion }),
      };
    } else if (e.keyword === "required") {
      issue = at(map, file, e.instancePath, `missing required key \`${String(e.params.missingProperty)}\``);
    } else if (e.keyword === "type") {
      issue = at(map, file, e.instancePath, `expected ${String(e.params.type)}, got ${describe(e.data)}`);
    } else if (e.keyword === "const") {
      issue = at(
        map,
        file,
        e.instancePath,
        `expected \`${JSON.stringify(e.params.allowedValue)}\`, got \`${JSON.stringify(e.data)}\``,
      );
    } else if (e.keyword === "enum") {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(", ");
      issue = at(map, file, e.instancePath, `expected one of ${allowed}, got \`${JSON.stringify(e.data)}\``);
    } else if (e.keyword === "oneOf" && requiredChoice(e.schema) !== null) {
      // `oneOf: [{ required: [a] }, { required: [b] }]`: say which keys, not that the whole value is wrong.
      const keys = requiredChoice(e.schema)!.map((k) => `\`${k}\``);
      issue = at(map, file, e.instancePath, `give exactly one of ${keys.join(" and ")}`);
    } else if (e.keyword === "anyOf" || e.keyword === "oneOf") {
      issue = at(
        map,
        file,
        e.instancePath,
        `\`${JSON.stringify(e.data)?.slice(0, 60)}\` is not a valid value here`,
      );
    } else {
      issue = at(map, file, e.instancePath, limitMessage(e) ?? e.message ?? "invalid value");
    }
    const id = `${issue.pointer}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/** Deeper than any mandate needs (arguments themselves stop at 32 levels), and safe for recursive checks. */
const MAX_DEPTH = 64;

/**
 * A value that contains itself (YAML: an alias inside its own anchor) or nests absurdly deep is not data a
 * mandate can be, and would overflow the stack of the recursive checks that follow. Iterative, linear.
 */
function shapeProblem(root: unknown): { pointer: string; message: string } | null {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const stack: { node: object; pointer: string; depth: number; exit: boolean }[] = [];
  if (typeof root === "object" && root !== null)
    stack.push({ node: root, pointer: "", depth: 0, exit: false });
  while (stack.length > 0) {
    const { node, pointer, depth, exit } = stack.pop()!;
    if (exit) {
      onPath.delete(node);
      done.add(node);
      continue;
    }
    if (onPath.has(node)) {
      return { pointer, message: "this value contains itself (an alias inside its own anchor)" };
    }
    if (done.has(node)) continue;
    if (depth > MAX_DEPTH)
      return { pointer, message: `the mandate is nested deeper than ${MAX_DEPTH} levels` };
    onPath.add(node);
    stack.push({ node, pointer, depth, exit: true });
    for (const [key, child] of Object.entries(node)) {
      if (typeof child === "object" && child !== null) {
        stack.push({
          node: child,
          pointer: `${pointer}/${escapePointer(key)}`,
          depth: depth + 1,
          exit: false,
        });
      }
    }
  }
  return null;
}

/** The keys of a `oneOf` whose every branch only requires one key, else `null`. */
function requiredChoice(schema: unknown): string[] | null {
  if (!Array.isArray(schema)) return null;
  const keys: string[] = [];
  for (const branch of schema as unknown[]) {
    const required = (branch as { required?: unknown } | null)?.required;
    if (!Array.isArray(required) || required.length !== 1 || Object.keys(branch as object).length !== 1) {
      return null;
    }
    keys.push(String(required[0]));
  }
  return keys;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number" && !Number.isFinite(value))
    return `\`${value}\`, which is not a finite number`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return `${typeof value} \`${String(value)}\``;
}

function yamlMessage(message: string): string {
  const first = message.split("\n")[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1).replace(/ at line \d+, column \d+:?$/, "");
}

/** ajv's bound errors ("must be >= 0") in the loader's words: what was expected and what was given. */
function limitMessage(e: ErrorObject): string | undefined {
  const limit = (e.params as { limit?: unknown }).limit;
  if (typeof limit !== "number") return undefined;
  const got = `got \`${JSON.stringify(e.data)?.slice(0, 60)}\``;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  switch (e.keyword) {
    case "minimum":
      return `expected a number ≥ ${limit}, ${got}`;
    case "maximum":
      return `expected a number ≤ ${limit}, ${got}`;
    case "exclusiveMinimum":
      return `expected a number > ${limit}, ${got}`;
    case "exclusiveMaximum":
      return `expected a number < ${limit}, ${got}`;
    case "minLength":
      return `expected at least ${plural(limit, "character")}, ${got}`;
    case "maxLength":
      return `expected at most ${plural(limit, "character")}, ${got}`;
    case "minItems":
      return `expected at least ${plural(limit, "item")}, ${got}`;
    case "maxItems":
      return `expected at most ${plural(limit, "item")}, ${got}`;
    case "minProperties":
      return `expected at least ${plural(limit, "key")}, ${got}`;
    default:
      return undefined;
  }
}
