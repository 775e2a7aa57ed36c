/**
 * Attenuation (DESIGN.md §4): a sub-agent's mandate must grant nothing its parent's does not. `attenuate(parent,
 * child)` decides it over the language: every call the child allows must be allowed by the parent, every call it
 * asks for must be allowed or asked for by the parent, for any arguments, at any time, on a fresh budget. The
 * decision is sound and conservative: what it cannot prove is refused with a reason naming the child's rule and
 * argument. Pure: no I/O.
 */
import { compile, type CompiledMandate, ruleName } from "./compile.js";
import { type ConstraintGap, constraintWithin, valueConstraint } from "./constraint-subset.js";
import { compileConstraint, impliedType } from "./constraint.js";
import { parseDuration } from "./duration.js";
import { globsOverlap, globsWithin } from "./glob-subset.js";
import { isUnder, normalisePath } from "./forms/path.js";
import { escapePointer, pointerToField } from "./issue.js";
import type { ArgumentConstraint, Budget, Constraint, FlowRule, Mandate, Rule } from "./mandate.js";

/** One thing the child grants that the parent does not, or that could not be shown not to. */
export interface AttenuationGap {
  /** `wider`: the child grants more. `unproven`: the decision cannot compare the two (refused to be safe). */
  readonly kind: "wider" | "unproven";
  /** JSON Pointer into the child mandate: `/allow/0/args/amount/maximum`; `""` for the mandate as a whole. */
  readonly pointer: string;
  /** The same as a field: `allow[0].args.amount.maximum`. */
  readonly field: string;
  /** One line: ``allow[0]: wider than the parent: `amount` maximum 5000 > 1200 (against the parent's allow[2])``. */
  readonly message: string;
}

export type Attenuation =
  { readonly ok: true } | { readonly ok: false; readonly wider: readonly AttenuationGap[] };

export interface AttenuateOptions {
  /** The time validity windows are compared at (a `ttl` without `issued` counts from here). Default: now. */
  readonly now?: number;
}

type Effect = "allow" | "ask" | "deny";

interface Located {
  readonly rule: Rule;
  readonly effect: Effect;
  readonly index: number;
  readonly pointer: string;
  readonly name: string;
  readonly selectors: readonly string[];
}

const NO_ARGS: Readonly<Record<string, ArgumentConstraint>> = Object.freeze({});

/**
 * Whether `child` is an attenuation of `parent`. Both may be mandate values (validated and compiled here; an
 * invalid one throws `MandateError`) or compiled mandates.
 */
export function attenuate(
  parent: Mandate | CompiledMandate,
  child: Mandate | CompiledMandate,
  opts: AttenuateOptions = {},
): Attenuation {
  const now = opts.now ?? Date.now();
  const p = isCompiled(parent) ? parent : compile(parent, { now });
  const c = isCompiled(child) ? child : compile(child, { now });
  const gaps: AttenuationGap[] = [];
  const gap = (kind: AttenuationGap["kind"], pointer: string, message: string) =>
    gaps.push({ kind, pointer, field: pointerToField(pointer), message });

  validityGaps(p, c, isCompiled(parent), isCompiled(child), gap);
  if (c.mode === "shadow" && p.mode !== "shadow") {
    gap("wider", "/mode", "wider than the parent: mode `shadow` lets denied calls run");
  }
  // The child's session records tool outputs with the child's lists; a bound parent judges the same records.
  const parentTrusted = new Set(p.mandate.trustedTools ?? []);
  for (const tool of c.mandate.trustedTools ?? []) {
    if (!parentTrusted.has(tool))
      gap("wider", "/trustedTools", `wider than the parent: it trusts the outputs of \`${tool}\``);
  }
  const childSensitive = new Set(c.mandate.sensitiveTools ?? []);
  for (const tool of p.mandate.sensitiveTools ?? []) {
    if (!childSensitive.has(tool)) {
      gap(
        "wider",
        "/sensitiveTools",
        `wider than the parent: \`${tool}\` is not in \`sensitiveTools\` (the parent's is)`,
      );
    }
  }

  const parentRules = locate(p.mandate);
  const childRules = locate(c.mandate);
  const childDeny = childRules.filter((r) => r.effect === "deny");
  for (const rule of childRules) {
    if (rule.effect === "deny") continue;
    for (const selector of rule.selectors) {
      grantGaps(rule, selector, parentRules, gap);
      denyGaps(rule, selector, parentRules, childDeny, gap);
    }
  }
  return gaps.length === 0 ? { ok: true } : { ok: false, wider: gaps };
}

function isCompiled(m: Mandate | CompiledMandate): m is CompiledMandate {
  return typeof (m as CompiledMandate).planFor === "function";
}

function locate(m: Mandate): Located[] {
  const out: Located[] = [];
  for (const effect of ["allow", "ask", "deny"] as const) {
    for (const [index, rule] of (m[effect] ?? []).entries()) {
      const pointer = `/${effect}/${index}`;
      out.push({
        rule,
        effect,
        index,
        pointer,
        name: ruleName({ effect, index, pointer, ...(rule.id === undefined ? {} : { id: rule.id }) }),
        selectors: rule.tool !== undefined ? [rule.tool] : [...(rule.tools ?? [])],
      });
    }
  }
  return out;
}

type Report = (kind: AttenuationGap["kind"], pointer: string, message: string) => void;

function validityGaps(
  p: CompiledMandate,
  c: CompiledMandate,
  parentCompiled: boolean,
  childCompiled: boolean,
  gap: Report,
): void {
  const floating = (m: CompiledMandate, compiled: boolean) =>
    !compiled && m.mandate.ttl !== undefined && m.mandate.issued === undefined;
  if (p.validUntil !== null) {
    if (floating(p, parentCompiled)) {
      gap(
        "unproven",
        "/ttl",
        "cannot prove: the parent's `ttl` has no `issued`, so when it ends depends on when it is compiled",
      );
    } else if (floating(c, childCompiled)) {
      gap(
        "unproven",
        "/ttl",
        "cannot prove: `ttl` without `issued` ends relative to when the child is compiled; give `issued` or `expires`",
      );
    } else if (c.validUntil === null) {
      gap(
        "wider",
        "",
        `wider than the parent: the child never expires; the parent expires at ${iso(p.validUntil)}`,
      );
    } else if (c.validUntil > p.validUntil) {
      gap(
        "wider",
        c.mandate.expires !== undefined ? "/expires" : "/ttl",
        `wider than the parent: the child expires at ${iso(c.validUntil)}, after the parent (${iso(p.validUntil)})`,
      );
    }
  }
  if (p.validFrom !== null && (c.validFrom === null || c.validFrom < p.validFrom)) {
    gap(
      "wider",
      "/notBefore",
      `wider than the parent: the child is valid before ${iso(p.validFrom)}, when the parent starts`,
    );
  }
}

/** The child's grant of `selector` must be within one parent rule of a strong enough effect. */
function grantGaps(rule: Located, selector: string, parent: readonly Located[], gap: Report): void {
  const at = rule.rule.tool !== undefined ? `${rule.pointer}/tool` : `${rule.pointer}/tools`;
  const effects: readonly Effect[] = rule.effect === "allow" ? ["allow"] : ["allow", "ask"];
  const covering = parent.filter(
    (r) => effects.includes(r.effect) && globsWithin([selector], r.selectors) === true,
  );
  if (covering.length === 0) {
    const asks =
      rule.effect === "allow" &&
      parent.some((r) => r.effect === "ask" && globsWithin([selector], r.selectors) === true);
    const partly = parent.some((r) => r.effect !== "deny" && globsOverlap([selector], r.selectors) !== false);
    gap(
      "wider",
      at,
      `${rule.name}: wider than the parent: ${
        asks
          ? `it allows \`${selector}\` without approval; the parent asks for it`
          : partly
            ? `no one parent rule grants every tool \`${selector}\` matches`
            : `tool \`${selector}\` is not granted by the parent`
      }`,
    );
    return;
  }
  let best: { target: Located; gaps: RuleGap[] } | null = null;
  for (const target of covering) {
    const found = ruleGaps(rule, target);
    if (found.length === 0) return;
    if (best === null || found.length < best.gaps.length) best = { target, gaps: found };
  }
  for (const g of best!.gaps)
    gap(g.kind, g.pointer, `${rule.name}: ${g.message} (against the parent's ${best!.target.name})`);
}

interface RuleGap {
  readonly kind: AttenuationGap["kind"];
  readonly pointer: string;
  readonly message: string;
}

/** What the child rule covers that the parent rule does not: arguments, value origin and flows, budgets. */
function ruleGaps(child: Located, parent: Located): RuleGap[] {
  const out: RuleGap[] = [];
  const mine = child.rule.args ?? NO_ARGS;
  for (const [name, theirs] of Object.entries(parent.rule.args ?? NO_ARGS)) {
    const at = `${child.pointer}/args/${escapePointer(name)}`;
    const own = Object.hasOwn(mine, name) ? mine[name] : undefined;
    if (own === undefined) {
      if (theirs.optional === true && isVacuous(theirs)) continue;
      out.push({
        kind: "wider",
        pointer: `${child.pointer}/args`,
        message: `wider than the parent: \`${name}\` is not constrained (the parent ${theirs.optional === true ? "constrains" : "requires"} it)`,
      });
      continue;
    }
    if (own.optional === true && theirs.optional !== true) {
      out.push({
        kind: "wider",
        pointer: `${at}/optional`,
        message: `wider than the parent: \`${name}\` is optional (the parent requires it)`,
      });
    }
    for (const g of constraintWithin(own, theirs, `\`${name}\``)) out.push(fromConstraint(g, at));
    out.push(...originGaps(own, theirs, name, at), ...flowGaps(own.flow, theirs.flow, name, at));
  }
  out.push(...budgetGaps(child, parent));
  return out;
}

function fromConstraint(g: ConstraintGap, at: string): RuleGap {
  return { kind: g.kind, pointer: `${at}/${escapePointer(g.keyword)}`, message: g.message };
}

/** A parent argument constraint that only makes an optional argument "anything or absent". */
function isVacuous(c: ArgumentConstraint): boolean {
  return (
    Object.keys(valueConstraint(c)).length === 0 &&
    c.provenance === undefined &&
    c.from === undefined &&
    c.flow === undefined
  );
}

function originGaps(
  own: ArgumentConstraint,
  theirs: ArgumentConstraint,
  name: string,
  at: string,
): RuleGap[] {
  if (theirs.provenance === undefined && theirs.from === undefined) return [];
  if (own.provenance === undefined && own.from === undefined) {
    return [
      {
        kind: "wider",
        pointer: at,
        message: `wider than the parent: \`${name}\` drops the parent's value-origin requirement`,
      },
    ];
  }
  const out: RuleGap[] = [];
  if (own.provenance === "trusted" && theirs.provenance !== "trusted") {
    out.push({
      kind: "wider",
      pointer: `${at}/provenance`,
      message: `wider than the parent: \`${name}\` accepts any trusted source; the parent only ${(theirs.from ?? []).join(", ")}`,
    });
  }
  for (const source of own.from ?? []) {
    if (!(theirs.from ?? []).includes(source)) {
      out.push({
        kind: "wider",
        pointer: `${at}/from`,
        message: `wider than the parent: \`${name}\` may come from \`${source}\`, which the parent does not accept`,
      });
    }
  }
  return out;
}

const FLOW_DEFAULTS = { minRun: 20, minShare: 0.5, minPiece: 8 } as const;

function flowGaps(
  own: FlowRule | undefined,
  theirs: FlowRule | undefined,
  name: string,
  at: string,
): RuleGap[] {
  if (theirs === undefined) return [];
  if (own === undefined) {
    return [
      {
        kind: "wider",
        pointer: at,
        message: `wider than the parent: \`${name}\` drops the parent's \`flow\` rule`,
      },
    ];
  }
  const out: RuleGap[] = [];
  const set = (x: readonly string[] | undefined, all: readonly string[]) => new Set(x ?? all);
  const forbid = set(own.forbid, ["untrusted", "sensitive"]);
  for (const f of set(theirs.forbid, ["untrusted", "sensitive"])) {
    if (!forbid.has(f))
      out.push({
        kind: "wider",
        pointer: `${at}/flow/forbid`,
        message: `wider than the parent: \`${name}\` lets ${f} data flow in`,
      });
  }
  const detect = set(own.detect, ["overlap", "values"]);
  for (const d of set(theirs.detect, ["overlap", "values"])) {
    if (!detect.has(d))
      out.push({
        kind: "wider",
        pointer: `${at}/flow/detect`,
        message: `wider than the parent: \`${name}\` does not detect flows by ${d}`,
      });
  }
  for (const k of ["minRun", "minShare", "minPiece"] as const) {
    const a = own[k] ?? FLOW_DEFAULTS[k];
    const b = theirs[k] ?? FLOW_DEFAULTS[k];
    if (a > b)
      out.push({
        kind: "wider",
        pointer: `${at}/flow/${k}`,
        message: `wider than the parent: \`${name}\` flow ${k} ${a} > ${b}`,
      });
  }
  return out;
}

/** A child's budget must be a share of the parent rule's: no dimension missing or larger, windows no shorter. */
function budgetGaps(child: Located, parent: Located): RuleGap[] {
  const theirs: Budget | undefined = parent.rule.budget;
  if (theirs === undefined) return [];
  const at = `${child.pointer}/budget`;
  const mine: Budget | undefined = child.rule.budget;
  if (mine === undefined) {
    return [
      {
        kind: "wider",
        pointer: child.pointer,
        message: `wider than the parent: no budget (the parent's ${parent.name} has one)`,
      },
    ];
  }
  const out: RuleGap[] = [];
  if (theirs.calls !== undefined) {
    if (mine.calls === undefined)
      out.push({
        kind: "wider",
        pointer: at,
        message: `wider than the parent: no limit on calls (the parent's is ${theirs.calls})`,
      });
    else if (mine.calls > theirs.calls)
      out.push({
        kind: "wider",
        pointer: `${at}/calls`,
        message: `wider than the parent: budget calls ${mine.calls} > ${theirs.calls}`,
      });
  }
  for (const [arg, limit] of Object.entries(theirs.sum ?? {})) {
    const own = mine.sum !== undefined && Object.hasOwn(mine.sum, arg) ? mine.sum[arg] : undefined;
    if (own === undefined)
      out.push({
        kind: "wider",
        pointer: at,
        message: `wider than the parent: no limit on the sum of \`${arg}\` (the parent's is ${limit})`,
      });
    else if (own > limit)
      out.push({
        kind: "wider",
        pointer: `${at}/sum/${escapePointer(arg)}`,
        message: `wider than the parent: budget sum of \`${arg}\` ${own} > ${limit}`,
      });
  }
  // Windows are aligned to the epoch: a child window that is a whole number of the parent's holds each parent window
  // inside one of its own, so it spends at most its limit there. No `per` is one window for the whole life.
  const theirPer = theirs.per === undefined ? null : parseDuration(theirs.per)!;
  const myPer = mine.per === undefined ? null : parseDuration(mine.per)!;
  if (myPer !== null && (theirPer === null || myPer % theirPer !== 0)) {
    out.push({
      kind: "wider",
      pointer: `${at}/per`,
      message:
        theirPer === null
          ? `wider than the parent: budget per ${mine.per} renews; the parent's does not`
          : `wider than the parent: budget per ${mine.per} is not a whole number of the parent's ${theirs.per} windows`,
    });
  }
  return out;
}

/**
 * A parent deny rule that could apply to a call the child rule covers must be shown not to: either the child has
 * a deny rule at least as broad, or the child rule's values for one of the deny rule's arguments avoid it.
 */
function denyGaps(
  rule: Located,
  selector: string,
  parent: readonly Located[],
  childDeny: readonly Located[],
  gap: Report,
): void {
  for (const deny of parent) {
    if (deny.effect !== "deny" || globsOverlap([selector], deny.selectors) === false) continue;
    if (childDeny.some((own) => denyCovers(own, deny, selector))) continue;
    if (avoids(rule, deny)) continue;
    gap(
      "unproven",
      rule.pointer,
      `${rule.name}: cannot prove it excludes what the parent's ${deny.name} forbids for \`${selector}\`; copy that deny rule into the child`,
    );
  }
}

/** The child's deny rule `own` applies to every call of `selector` the parent's `deny` applies to. */
function denyCovers(own: Located, deny: Located, selector: string): boolean {
  if (globsWithin(deny.selectors, own.selectors) !== true && globsWithin([selector], own.selectors) !== true)
    return false;
  const theirs = deny.rule.args ?? NO_ARGS;
  for (const [name, c] of Object.entries(own.rule.args ?? NO_ARGS)) {
    const d = Object.hasOwn(theirs, name) ? theirs[name] : undefined;
    if (d === undefined) return false;
    if (d.optional === true && c.optional !== true) return false;
    if (constraintWithin(d, c, name).length > 0) return false;
  }
  return true;
}

/** Some argument of the deny rule can never hold on a call the child rule covers. */
function avoids(rule: Located, deny: Located): boolean {
  const mine = rule.rule.args ?? NO_ARGS;
  for (const [name, d] of Object.entries(deny.rule.args ?? NO_ARGS)) {
    const own = Object.hasOwn(mine, name) ? mine[name] : undefined;
    // Absent, an optional deny argument holds; the child must require the argument for it to avoid the rule.
    if (own === undefined || (d.optional === true && own.optional === true)) continue;
    if (disjoint(valueConstraint(own), valueConstraint(d))) return true;
  }
  return false;
}

/** No value satisfies both constraints (sound: `false` when it cannot tell). */
function disjoint(a: Constraint, b: Constraint): boolean {
  const values = "const" in a ? [a.const] : a.enum;
  try {
    if (values !== undefined) {
      const ca = compileConstraint(a);
      const cb = compileConstraint(b);
      return values.every((v) => !ca.holds(v) || !cb.holds(v));
    }
  } catch {
    return false;
  }
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== null && tb !== null) {
    const num = (t: string) => (t === "integer" ? "number" : t);
    if (!ta.some((x) => tb.some((y) => num(x) === num(y)))) return true;
  }
  const numbersOnly = (t: string[] | null) => t !== null && t.every((x) => x === "number" || x === "integer");
  if (numbersOnly(ta) && numbersOnly(tb) && intervalsApart(a, b)) return true;
  if (a.path !== undefined && b.path !== undefined) {
    const ra = a.path.under.map(normalisePath);
    const rb = b.path.under.map(normalisePath);
    if (
      ra.every((x) => x !== undefined && rb.every((y) => y !== undefined && !isUnder(x, y) && !isUnder(y, x)))
    )
      return true;
  }
  return false;
}

function typeOf(c: Constraint): string[] | null {
  if (c.type !== undefined) return ([] as string[]).concat(c.type);
  const t = impliedType(c);
  return "type" in t && t.type !== null ? [t.type] : null;
}

function intervalsApart(a: Constraint, b: Constraint): boolean {
  const lo = (c: Constraint) => Math.max(c.minimum ?? -Infinity, c.exclusiveMinimum ?? -Infinity);
  const hi = (c: Constraint) => Math.min(c.maximum ?? Infinity, c.exclusiveMaximum ?? Infinity);
  // Touching bounds count as overlapping: conservative.
  return hi(a) < lo(b) || hi(b) < lo(a);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
