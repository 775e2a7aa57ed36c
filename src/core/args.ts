import type { AuthorityDeltaItem } from "./decision.js";
import { escapePointer } from "./issue.js";

/**
 * Limits on the shape of a call's arguments. Beyond them a call is denied rather than walked, so a hostile
 * agent cannot make the verifier spend unbounded time or memory.
 */
export const ARGUMENT_LIMITS = Object.freeze({
  /** Nesting depth of objects and arrays. */
  maxDepth: 32,
  /** Values (objects, arrays, scalars) in total. */
  maxNodes: 10_000,
  /** Characters in all strings and keys together. */
  maxChars: 1_048_576,
});

/** Keys that can change an object's prototype when copied naively; no tool needs them. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export type ArgsResult =
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly item: AuthorityDeltaItem };

/**
 * Copies the arguments into plain, deep-frozen JSON data, or says why they are not acceptable. The copy is
 * what gets checked and what the tool receives, so accessors, proxies or later mutation by the caller cannot
 * change a value between the check and its use. `-0` becomes `0`; properties whose value is `undefined`
 * are dropped (as JSON would).
 */
export function snapshotArgs(args: unknown, opts: { readonly freeze?: boolean } = {}): ArgsResult {
  const budget = { nodes: 0, chars: 0, freeze: opts.freeze !== false };
  try {
    if (!isPlainObject(args)) {
      return { ok: false, item: reject("", args, "arguments must be a JSON object") };
    }
    return { ok: true, value: copy(args, [], 0, budget) as Readonly<Record<string, unknown>> };
  } catch (error) {
    if (error instanceof RejectedArgs) return { ok: false, item: error.item };
    // Reading the value threw (a revoked Proxy, a throwing trap): whatever it is, it is not plain data.
    return { ok: false, item: reject("", "…", "the arguments cannot be read as plain JSON data") };
  }
}

/** What a walk has used so far, and whether it freezes what it copies. */
interface Budget {
  nodes: number;
  chars: number;
  readonly freeze: boolean;
}

class RejectedArgs extends Error {
  constructor(readonly item: AuthorityDeltaItem) {
    super(item.message);
  }
}

/**
 * The walk keeps the keys leading to the current value on a stack and turns them into a JSON Pointer only when a
 * value is rejected: building a path string for every accepted value would cost more than the decision itself.
 */
function copy(value: unknown, stack: (string | number)[], depth: number, budget: Budget): unknown {
  if (++budget.nodes > ARGUMENT_LIMITS.maxNodes) {
    throw rejected(stack, "…", () => `arguments have more than ${ARGUMENT_LIMITS.maxNodes} values (limit)`);
  }
  switch (typeof value) {
    case "string":
      countChars(value.length, stack, budget);
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw rejected(
          stack,
          String(value),
          (path) => `${where(path)} is ${String(value)}; only finite numbers are accepted`,
        );
      }
      return value === 0 ? 0 : value;
    case "object": {
      if (value === null) return null;
      if (depth >= ARGUMENT_LIMITS.maxDepth) {
        throw rejected(
          stack,
          "…",
          () => `arguments are nested deeper than ${ARGUMENT_LIMITS.maxDepth} levels (limit)`,
        );
      }
      // Each property is read exactly once, directly: an accessor runs once and the value it returned is what
      // is checked and what the tool receives. (Reading descriptors instead would cost more than the decision.)
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          stack.push(i);
          if (!Object.hasOwn(value, i))
            throw rejected(stack, "…", (path) => `${where(path)} is a hole, not plain data`);
          out.push(copy(value[i], stack, depth + 1, budget));
          stack.pop();
        }
        return budget.freeze ? Object.freeze(out) : out;
      }
      if (!isPlainObject(value)) {
        throw rejected(
          stack,
          describe(value),
          (path) => `${where(path)} is not plain JSON data (${describe(value)})`,
        );
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        stack.push(key);
        if (FORBIDDEN_KEYS.has(key))
          throw rejected(stack, key, () => `key \`${key}\` is not allowed in arguments`);
        countChars(key.length, stack, budget);
        const child = value[key];
        if (child !== undefined) out[key] = copy(child, stack, depth + 1, budget);
        stack.pop();
      }
      return budget.freeze ? Object.freeze(out) : out;
    }
    default:
      throw rejected(
        stack,
        typeof value,
        (path) => `${where(path)} is a ${typeof value}, which JSON cannot carry`,
      );
  }
}

/** Strings and keys count together toward `maxChars`. */
function countChars(n: number, stack: readonly (string | number)[], budget: { chars: number }): void {
  budget.chars += n;
  if (budget.chars > ARGUMENT_LIMITS.maxChars) {
    throw rejected(
      stack,
      "…",
      () => `arguments hold more than ${ARGUMENT_LIMITS.maxChars} characters (limit)`,
    );
  }
}

function rejected(
  stack: readonly (string | number)[],
  exercised: unknown,
  message: (path: string) => string,
): RejectedArgs {
  let path = "";
  for (const key of stack) path += `/${typeof key === "number" ? key : escapePointer(key)}`;
  return new RejectedArgs(reject(path, exercised, message(path)));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: object): string {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return name ? `a ${name}` : "an exotic object";
}

function where(path: string): string {
  return path === "" ? "the arguments" : `argument \`${path.slice(1)}\``;
}

function reject(path: string, exercised: unknown, message: string): AuthorityDeltaItem {
  return { kind: "argument", path, exercised, message };
}
