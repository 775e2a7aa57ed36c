/**
 * The subset decision over argument constraints: does every value a child constraint accepts also satisfy the
 * parent's? Sound and conservative: a gap is either a value the child grants and the parent does not (`wider`),
 * or a form this decision cannot compare (`unproven`, e.g. two different patterns). An empty list is a proof.
 *
 * Each of the parent's keywords must be implied by the child's: bounds by tighter bounds, sets by subsets, roots by
 * roots beneath them, hosts by hosts they match. A child that grants a finite set (`const`, `enum`) is decided
 * exactly, by checking each of its values against the parent.
 */
import { compileConstraint, impliedType } from "./constraint.js";
import { isMultipleOf } from "./decimal.js";
import { isUnder, normalisePath } from "./forms/path.js";
import { DEFAULT_SCHEMES } from "./forms/url.js";
import { type HostPattern, parseHost, parseHostPattern } from "./forms/host.js";
import { type JsonType, jsonEqual, show } from "./json-value.js";
import type { Constraint } from "./mandate.js";

export interface ConstraintGap {
  readonly kind: "wider" | "unproven";
  /** The keyword of the child's constraint (or the parent's, when the child lacks it): `maximum`, `path`. */
  readonly keyword: string;
  /** `wider than the parent: \`amount\` maximum 5000 > 1200`. */
  readonly message: string;
}

/** Keys of an argument's constraint that are not about its value: compared elsewhere, or not authority at all. */
const NOT_VALUE = new Set(["description", "secret", "optional", "provenance", "from", "flow"]);

/** The constraint on the value alone. */
export function valueConstraint(c: Constraint): Constraint {
  return Object.fromEntries(Object.entries(c).filter(([k]) => !NOT_VALUE.has(k))) as Constraint;
}

const wider = (keyword: string, message: string): ConstraintGap => ({
  kind: "wider",
  keyword,
  message: `wider than the parent: ${message}`,
});
const unproven = (keyword: string, message: string): ConstraintGap => ({
  kind: "unproven",
  keyword,
  message: `cannot prove: ${message}`,
});

/** Every gap between `child` and `parent` for the value called `name` (in backticks in messages). */
export function constraintWithin(childIn: Constraint, parentIn: Constraint, name: string): ConstraintGap[] {
  const child = valueConstraint(childIn);
  const parent = valueConstraint(parentIn);
  if (Object.keys(parent).length === 0) return [];
  const finite = finiteValues(child);
  if (finite !== null) return finiteWithin(finite, child, parent, name);

  const gaps: ConstraintGap[] = [];
  const ct = typesOf(child);
  const pt = typesOf(parent);
  if (pt !== null) {
    if (ct === null) {
      gaps.push(wider("type", `${name} may be of any type; the parent grants only ${[...pt].join(" or ")}`));
    } else {
      for (const t of ct) {
        if (typeWithin(t, pt, child)) continue;
        gaps.push(wider("type", `${name} may be ${t}; the parent grants only ${[...pt].join(" or ")}`));
      }
    }
  }
  if ("const" in parent || parent.enum !== undefined) {
    const shown = "const" in parent ? show(parent.const) : (parent.enum ?? []).map(show).join(", ");
    gaps.push(
      wider(
        "const" in parent ? "const" : "enum",
        `${name} may take any value; the parent grants only ${shown}`,
      ),
    );
  }
  if (admits(ct, "number")) numberGaps(child, parent, name, ct, gaps);
  if (admits(ct, "string")) stringGaps(child, parent, name, gaps);
  if (admits(ct, "array")) arrayGaps(child, parent, name, gaps);
  if (admits(ct, "object")) objectGaps(child, parent, name, gaps);
  combinatorGaps(child, parent, name, gaps);
  return gaps;
}

// ---------------------------------------------------------------------------------------------------------------
// Finite sets: decided by evaluation.

function finiteValues(c: Constraint): readonly unknown[] | null {
  if ("const" in c) return [c.const];
  if (c.enum !== undefined) return c.enum;
  return null;
}

function finiteWithin(
  values: readonly unknown[],
  child: Constraint,
  parent: Constraint,
  name: string,
): ConstraintGap[] {
  let childCheck: ReturnType<typeof compileConstraint>;
  let parentCheck: ReturnType<typeof compileConstraint>;
  try {
    childCheck = compileConstraint(child);
    parentCheck = compileConstraint(parent);
  } catch (error) {
    return [unproven("const", `${name}: ${error instanceof Error ? error.message : String(error)}`)];
  }
  const outside = values.filter((v) => childCheck.holds(v) && !parentCheck.holds(v));
  return outside.map((v) =>
    wider("const" in child ? "const" : "enum", `${name} may be ${show(v)}, which the parent does not grant`),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Types.

const ALL_TYPES: readonly JsonType[] = ["null", "boolean", "number", "integer", "string", "array", "object"];

/** The JSON types a constraint admits (its `type`, else the one its keywords imply); `null`: any. */
function typesOf(c: Constraint): ReadonlySet<JsonType> | null {
  if (c.type !== undefined) {
    return new Set(
      ([] as string[]).concat(c.type).filter((t): t is JsonType => ALL_TYPES.includes(t as JsonType)),
    );
  }
  const implied = impliedType(c);
  return "type" in implied && implied.type !== null ? new Set([implied.type]) : null;
}

function typeWithin(t: JsonType, parent: ReadonlySet<JsonType>, child: Constraint): boolean {
  if (parent.has(t)) return true;
  if (t === "integer" && parent.has("number")) return true;
  // A number constrained to whole multiples is an integer.
  return (
    t === "number" &&
    parent.has("integer") &&
    child.multipleOf !== undefined &&
    isMultipleOf(child.multipleOf, 1)
  );
}

/** Whether values of the family `t` pass the child's type check (so the parent's keywords for `t` matter). */
function admits(types: ReadonlySet<JsonType> | null, t: "number" | "string" | "array" | "object"): boolean {
  if (types === null) return true;
  return t === "number" ? types.has("number") || types.has("integer") : types.has(t);
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers.

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

function lower(c: Constraint): Bound | null {
  const a = c.minimum === undefined ? null : { value: c.minimum, exclusive: false };
  const b = c.exclusiveMinimum === undefined ? null : { value: c.exclusiveMinimum, exclusive: true };
  if (a === null || b === null) return a ?? b;
  return b.value >= a.value ? b : a;
}

function upper(c: Constraint): Bound | null {
  const a = c.maximum === undefined ? null : { value: c.maximum, exclusive: false };
  const b = c.exclusiveMaximum === undefined ? null : { value: c.exclusiveMaximum, exclusive: true };
  if (a === null || b === null) return a ?? b;
  return b.value <= a.value ? b : a;
}

function numberGaps(
  child: Constraint,
  parent: Constraint,
  name: string,
  ct: ReadonlySet<JsonType> | null,
  gaps: ConstraintGap[],
): void {
  const lo = lower(child);
  const hi = upper(child);
  const side = (
    keyword: keyof Constraint & string,
    bound: number | undefined,
    ok: (b: number) => boolean,
    mine: Bound | null,
    word: string,
    cmp: string,
  ) => {
    if (bound === undefined) return;
    if (mine === null)
      gaps.push(wider(keyword, `${name} has no ${word} (the parent's ${keyword} is ${bound})`));
    else if (!ok(bound)) {
      const kw = mine.exclusive ? (word === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum") : word;
      gaps.push(
        wider(
          kw,
          `${name} ${kw} ${mine.value} ${cmp} ${kw === keyword ? "" : `the parent's ${keyword} `}${bound}`,
        ),
      );
    }
  };
  side("minimum", parent.minimum, (b) => lo!.value >= b, lo, "minimum", "<");
  side(
    "exclusiveMinimum",
    parent.exclusiveMinimum,
    (b) => lo!.value > b || (lo!.value === b && lo!.exclusive),
    lo,
    "minimum",
    "≤",
  );
  side("maximum", parent.maximum, (b) => hi!.value <= b, hi, "maximum", ">");
  side(
    "exclusiveMaximum",
    parent.exclusiveMaximum,
    (b) => hi!.value < b || (hi!.value === b && hi!.exclusive),
    hi,
    "maximum",
    "≥",
  );
  const step = parent.multipleOf;
  if (step !== undefined) {
    const integral = ct !== null && !ct.has("number") && ct.has("integer");
    const mine = child.multipleOf;
    const ok = (mine !== undefined && isMultipleOf(mine, step)) || (integral && isMultipleOf(1, step));
    if (!ok) {
      gaps.push(
        mine === undefined
          ? wider("multipleOf", `${name} need not be a multiple of ${step}`)
          : wider("multipleOf", `${name} multipleOf ${mine} is not a multiple of the parent's ${step}`),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Strings and the domain forms.

function stringGaps(child: Constraint, parent: Constraint, name: string, gaps: ConstraintGap[]): void {
  if (parent.minLength !== undefined && !((child.minLength ?? 0) >= parent.minLength)) {
    gaps.push(wider("minLength", `${name} minLength ${child.minLength ?? 0} < ${parent.minLength}`));
  }
  if (
    parent.maxLength !== undefined &&
    !(child.maxLength !== undefined && child.maxLength <= parent.maxLength)
  ) {
    gaps.push(
      wider(
        "maxLength",
        child.maxLength === undefined
          ? `${name} has no maxLength (the parent's is ${parent.maxLength})`
          : `${name} maxLength ${child.maxLength} > ${parent.maxLength}`,
      ),
    );
  }
  if (parent.pattern !== undefined && child.pattern !== parent.pattern) {
    gaps.push(
      child.pattern === undefined
        ? wider("pattern", `${name} need not match the pattern \`${parent.pattern}\``)
        : unproven(
            "pattern",
            `${name} pattern differs (\`${child.pattern}\`, the parent's \`${parent.pattern}\`)`,
          ),
    );
  }
  if (parent.path !== undefined) {
    if (child.path === undefined)
      gaps.push(wider("path", `${name} need not be a path under the parent's roots`));
    else {
      const roots = parent.path.under.map(normalisePath);
      for (const raw of child.path.under) {
        const root = normalisePath(raw);
        if (root === undefined || !roots.some((r) => r !== undefined && isUnder(root, r))) {
          gaps.push(
            wider(
              "path",
              `${name} path root \`${raw}\` is not under ${parent.path.under.map((r) => `\`${r}\``).join(", ")}`,
            ),
          );
        }
      }
    }
  }
  if (parent.url !== undefined) {
    const c = child.url;
    if (c === undefined) gaps.push(wider("url", `${name} need not be a URL on the parent's hosts`));
    else {
      hostGaps(c.hosts, parent.url.hosts, "host", "url", name, gaps);
      const mySchemes = (c.schemes ?? DEFAULT_SCHEMES).map((s) => s.toLowerCase());
      const theirs = new Set((parent.url.schemes ?? DEFAULT_SCHEMES).map((s) => s.toLowerCase()));
      for (const s of mySchemes) {
        if (!theirs.has(s))
          gaps.push(wider("url", `${name} URL scheme \`${s}\` is not one the parent grants`));
      }
      if (parent.url.ports !== undefined) {
        if (c.ports === undefined) {
          gaps.push(
            wider(
              "url",
              `${name} URL may use any port; the parent grants only ${parent.url.ports.join(", ")}`,
            ),
          );
        } else {
          for (const p of c.ports) {
            if (!parent.url.ports.includes(p))
              gaps.push(wider("url", `${name} URL port ${p} is not one the parent grants`));
          }
        }
      }
    }
  }
  if (parent.email !== undefined) {
    if (child.email === undefined)
      gaps.push(wider("email", `${name} need not be an address at the parent's domains`));
    else hostGaps(child.email.domains, parent.email.domains, "domain", "email", name, gaps);
  }
}

/** Each host (or `*.domain`) of the child must be matched by one of the parent's. */
function hostGaps(
  mine: readonly string[],
  theirs: readonly string[],
  what: "host" | "domain",
  keyword: string,
  name: string,
  gaps: ConstraintGap[],
): void {
  const patterns: HostPattern[] = [];
  for (const raw of theirs) {
    const p = parseHostPattern(raw, what);
    if ("pattern" in p) patterns.push(p.pattern);
  }
  for (const raw of mine) {
    const parsed = parseHostPattern(raw, what);
    if (!("pattern" in parsed)) {
      gaps.push(unproven(keyword, `${name} ${what} \`${raw}\`: ${parsed.problem}`));
      continue;
    }
    const p = parsed.pattern;
    const covered = patterns.some((q) => {
      if (p.exact !== undefined) {
        if (q.exact === p.exact) return true;
        const kind = parseHost(p.exact)?.kind ?? (what === "domain" ? "domain" : undefined);
        return (
          q.suffix !== undefined &&
          kind === "domain" &&
          p.exact.length > q.suffix.length &&
          p.exact.endsWith(q.suffix)
        );
      }
      // `*.a.b` (suffix `.a.b`) is within `*.b` (suffix `.b`); never within an exact host.
      return q.suffix !== undefined && p.suffix !== undefined && p.suffix.endsWith(q.suffix);
    });
    if (!covered) gaps.push(wider(keyword, `${name} ${what} \`${raw}\` is not one the parent grants`));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Arrays and objects.

function arrayGaps(child: Constraint, parent: Constraint, name: string, gaps: ConstraintGap[]): void {
  if (parent.minItems !== undefined && !((child.minItems ?? 0) >= parent.minItems)) {
    gaps.push(wider("minItems", `${name} minItems ${child.minItems ?? 0} < ${parent.minItems}`));
  }
  if (parent.maxItems !== undefined && !(child.maxItems !== undefined && child.maxItems <= parent.maxItems)) {
    gaps.push(wider("maxItems", `${name} maxItems ${child.maxItems ?? "unbounded"} > ${parent.maxItems}`));
  }
  if (parent.uniqueItems === true && child.uniqueItems !== true) {
    gaps.push(wider("uniqueItems", `${name} need not have unique items`));
  }
  if (parent.items !== undefined) {
    if (child.items === undefined) gaps.push(wider("items", `${name} items are not constrained`));
    else gaps.push(...constraintWithin(child.items, parent.items, `${name}[]`));
  }
  if (parent.contains !== undefined) {
    if (child.contains === undefined)
      gaps.push(wider("contains", `${name} need not contain what the parent requires`));
    else gaps.push(...constraintWithin(child.contains, parent.contains, `${name} (contains)`));
  }
}

function objectGaps(child: Constraint, parent: Constraint, name: string, gaps: ConstraintGap[]): void {
  const required = new Set(child.required ?? []);
  for (const r of parent.required ?? []) {
    if (!required.has(r)) gaps.push(wider("required", `${name} need not have \`${r}\``));
  }
  if (parent.minProperties !== undefined && !((child.minProperties ?? 0) >= parent.minProperties)) {
    gaps.push(
      wider("minProperties", `${name} minProperties ${child.minProperties ?? 0} < ${parent.minProperties}`),
    );
  }
  if (
    parent.maxProperties !== undefined &&
    !(child.maxProperties !== undefined && child.maxProperties <= parent.maxProperties)
  ) {
    gaps.push(
      wider(
        "maxProperties",
        `${name} maxProperties ${child.maxProperties ?? "unbounded"} > ${parent.maxProperties}`,
      ),
    );
  }
  const mine = child.properties ?? {};
  const theirs = parent.properties ?? {};
  for (const [key, sub] of Object.entries(theirs)) {
    const own = Object.hasOwn(mine, key) ? mine[key] : undefined;
    if (own !== undefined) gaps.push(...constraintWithin(own, sub, `${name}.${key}`));
    else if (child.additionalProperties === false) continue;
    else if (typeof child.additionalProperties === "object") {
      gaps.push(...constraintWithin(child.additionalProperties, sub, `${name}.${key}`));
    } else gaps.push(wider("properties", `${name}.${key} is not constrained`));
  }
  const extra = parent.additionalProperties;
  if (extra === false || typeof extra === "object") {
    for (const [key, sub] of Object.entries(mine)) {
      if (Object.hasOwn(theirs, key)) continue;
      if (extra === false)
        gaps.push(
          wider("additionalProperties", `${name} may have \`${key}\`, which the parent does not allow`),
        );
      else gaps.push(...constraintWithin(sub, extra, `${name}.${key}`));
    }
    const childExtra = child.additionalProperties;
    if (childExtra === undefined || childExtra === true) {
      gaps.push(wider("additionalProperties", `${name} may have properties the parent does not allow`));
    } else if (typeof childExtra === "object") {
      if (extra === false)
        gaps.push(wider("additionalProperties", `${name} may have properties the parent does not allow`));
      else gaps.push(...constraintWithin(childExtra, extra, `${name} (additional properties)`));
    }
  }
}

function combinatorGaps(child: Constraint, parent: Constraint, name: string, gaps: ConstraintGap[]): void {
  for (const member of parent.allOf ?? []) gaps.push(...constraintWithin(child, member, name));
  if (parent.anyOf !== undefined) {
    const fits =
      jsonEqual(child.anyOf, parent.anyOf) ||
      parent.anyOf.some((m) => constraintWithin(child, m, name).length === 0) ||
      (child.anyOf !== undefined &&
        child.anyOf.every((c) => parent.anyOf!.some((m) => constraintWithin(c, m, name).length === 0)));
    if (!fits) gaps.push(unproven("anyOf", `${name} is not within one of the parent's \`anyOf\` branches`));
  }
  if (parent.oneOf !== undefined && !jsonEqual(child.oneOf, parent.oneOf)) {
    gaps.push(unproven("oneOf", `${name} \`oneOf\` differs from the parent's`));
  }
  if (parent.not !== undefined) {
    // The child excludes at least what the parent excludes: parent.not ⊆ child.not.
    if (child.not === undefined || constraintWithin(parent.not, child.not, name).length > 0) {
      gaps.push(
        child.not === undefined
          ? wider("not", `${name} may be what the parent excludes with \`not\``)
          : unproven("not", `${name} \`not\` excludes less than the parent's`),
      );
    }
  }
}
