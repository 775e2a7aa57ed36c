import { escapePointer } from "../core/issue.js";
import type { CedarValue } from "./cedar-wasm.js";

/** What a `null` becomes: the call is refused (default), or a `null` field of an object is left out. */
export type NullHandling = "refuse" | "omit";

/** A JSON value as a Cedar value, or why it has none (the call is then denied: a policy could not judge it). */
export type CedarValueResult =
  | { readonly ok: true; readonly value: CedarValue }
  | { readonly ok: false; readonly path: string; readonly message: string };

/** Keys Cedar's JSON value format reads as an entity reference or an extension call, not as a record field. */
const ESCAPES = new Set(["__entity", "__extn", "__expr"]);

/** Cedar `decimal`: at most four digits after the point, within ±922337203685477.5807 (i64 / 10^4). */
const DECIMAL_LIMIT = 9223372036854775807n;

/**
 * JSON → Cedar, exactly or not at all:
 * - string → String, boolean → Bool;
 * - an integral number within ±(2^53 − 1) → Long; a larger one is refused (a double cannot say which Long it is);
 * - any other number → `decimal("…")` from its shortest decimal form, refused beyond four fractional digits or the
 *   decimal range (`0.1 + 0.2` is refused, not rounded);
 * - array → Set (order and duplicates are lost: Cedar compares sets);
 * - object → Record; a key `__entity`, `__extn` or `__expr` is refused, since Cedar would read the object as an
 *   entity reference or an extension value, letting an agent forge one;
 * - `null` is refused (Cedar has none); with `nulls: "omit"` a `null` field of an object is left out instead (`has`
 *   is false), which treats `{ "note": null }` as `{}` — a policy can then no longer tell the two apart.
 */
export function toCedarValue(value: unknown, path = "", nulls: NullHandling = "refuse"): CedarValueResult {
  switch (typeof value) {
    case "string":
    case "boolean":
      return { ok: true, value };
    case "number":
      return toCedarNumber(value, path);
    case "object": {
      if (value === null) return fail(path, "`null` has no Cedar value");
      if (Array.isArray(value)) {
        const items: CedarValue[] = [];
        for (let i = 0; i < value.length; i++) {
          const item = toCedarValue(value[i], `${path}/${i}`, nulls);
          if (!item.ok) return item;
          items.push(item.value);
        }
        return { ok: true, value: items };
      }
      return toCedarRecord(value as Readonly<Record<string, unknown>>, path, nulls);
    }
    default:
      return fail(path, `a ${typeof value} has no Cedar value`);
  }
}

/** An object as a Cedar record. */
export function toCedarRecord(
  value: Readonly<Record<string, unknown>>,
  path = "",
  nulls: NullHandling = "refuse",
):
  | { readonly ok: true; readonly value: Record<string, CedarValue> }
  | Extract<CedarValueResult, { ok: false }> {
  const record: Record<string, CedarValue> = {};
  for (const [key, field] of Object.entries(value)) {
    const at = `${path}/${escapePointer(key)}`;
    if (ESCAPES.has(key))
      return fail(at, `a key \`${key}\` would be read by Cedar as an entity or extension value`);
    if (field === null && nulls === "omit") continue;
    const converted = toCedarValue(field, at, nulls);
    if (!converted.ok) return converted;
    Object.defineProperty(record, key, {
      value: converted.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ok: true, value: record };
}

function toCedarNumber(n: number, path: string): CedarValueResult {
  if (!Number.isFinite(n)) return fail(path, `${String(n)} has no Cedar value`);
  if (Number.isInteger(n)) {
    if (Number.isSafeInteger(n)) return { ok: true, value: n === 0 ? 0 : n };
    return fail(path, `${String(n)} is beyond the integers a JSON number states exactly (±2^53 − 1)`);
  }
  const text = String(n);
  const match = /^(-?)(\d+)\.(\d+)$/.exec(text);
  if (match === null || match[3]!.length > 4) {
    return fail(path, `${text} has more than four digits after the point, the most a Cedar decimal holds`);
  }
  const scaled = BigInt(match[2]! + match[3]!.padEnd(4, "0"));
  if (scaled > DECIMAL_LIMIT) return fail(path, `${text} is outside the range of a Cedar decimal`);
  return { ok: true, value: { __extn: { fn: "decimal", arg: text } } };
}

function fail(path: string, message: string): Extract<CedarValueResult, { ok: false }> {
  return { ok: false, path, message };
}
