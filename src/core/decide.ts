import { snapshotArgs } from "./args.js";
import type { ToolCall } from "./call.js";
import type { CompiledMandate, CompiledRule, ToolPlan } from "./compile.js";
import { REDACTED } from "./constraint.js";
import type { AuthorityDeltaItem, BudgetCharge, Decision, RuleRef, Verdict } from "./decision.js";
import { escapePointer, pointerToField } from "./issue.js";
import { flowProblem, originProblem } from "./origin.js";
import type { ObservationLog } from "./provenance/index.js";

/** What the decider may observe besides the call. Pure data: the same context gives the same decision. */
export interface DecideContext {
  /** The time of the call, ms since epoch. Default: now. */
  readonly now?: number;
  /** Budget used so far per charge key (committed + reserved). Missing keys count as 0. */
  readonly usage?: ReadonlyMap<string, number>;
  /** What the session observed, for value-origin requirements (`provenance`, `from`). Read only. */
  readonly observations?: ObservationLog;
}

/** A decision together with the frozen copy of the arguments it was made on: what the tool must receive. */
export interface CheckedCall {
  readonly decision: Decision;
  /** `null` when the arguments were not acceptable JSON data. */
  readonly args: Readonly<Record<string, unknown>> | null;
}

const EMPTY: readonly never[] = Object.freeze([]);
const EMPTY_SET: ReadonlySet<string> = new Set();

/**
 * Decides one call against a compiled mandate. Pure and deterministic (DESIGN.md §4): no I/O, never throws
 * for any input — a malformed call is a denial with a reason.
 */
export function decide(compiled: CompiledMandate, call: ToolCall, context: DecideContext = {}): Decision {
  // The copy keeps the decision consistent (each value read once); only a copy handed to a tool needs freezing.
  return checkCall(compiled, call, context, false).decision;
}

export function checkCall(
  compiled: CompiledMandate,
  call: ToolCall,
  context: DecideContext = {},
  freeze = true,
): CheckedCall {
  const started = performance.now();
  try {
    return judge(compiled, call, context, started, freeze);
  } catch (error) {
    // A bug here, or a library that throws on a strange value (ajv's deep equality on an own `valueOf` key),
    // must deny, never escape: `decide` is total.
    const f: Frame = {
      compiled,
      started,
      tool: typeof call?.tool === "string" ? call.tool : "",
      callId: typeof call?.callId === "string" ? call.callId : "",
    };
    const message = `failed closed: the decision failed (${error instanceof Error ? error.message : String(error)})`;
    return refuse(f, [{ kind: "policy", path: "", exercised: null, message }], message);
  }
}

function judge(
  compiled: CompiledMandate,
  call: ToolCall,
  context: DecideContext,
  started: number,
  freeze: boolean,
): CheckedCall {
  const tool = typeof call?.tool === "string" ? call.tool : "";
  const callId = typeof call?.callId === "string" ? call.callId : "";
  const f: Frame = { compiled, started, tool, callId };

  if (tool === "") {
    return refuse(f, [{ kind: "scope", path: "", exercised: call?.tool, message: "the call names no tool" }]);
  }
  const snap = snapshotArgs(call.args ?? {}, { freeze });
  if (!snap.ok) return refuse(f, [snap.item]);
  const args = snap.value;

  const catalogTool = compiled.catalog ? compiled.catalog.tools.get(tool) : undefined;
  if (compiled.catalog && !catalogTool) {
    return refuse(
      f,
      [{ kind: "scope", path: "", exercised: tool, message: `tool \`${tool}\` is not in the catalog` }],
      undefined,
      null,
      args,
    );
  }
  const plan = compiled.planFor(tool);
  if (catalogTool) {
    const failures = catalogTool.check(args);
    if (failures.length > 0) {
      return refuse(
        f,
        failures.map((f) => ({
          kind: "argument",
          path: f.path,
          exercised: exercisedAt(args, f.path, plan.secrets),
          message: f.message,
        })),
        undefined,
        null,
        args,
      );
    }
  }

  // After the call itself is judged (DESIGN.md §4: invalid call first, then validity). A clock that does not
  // read a time a Date can hold (NaN, ±Infinity, beyond ±8.64e15 ms) cannot show the mandate is valid: deny
  // rather than let NaN comparisons pass or `toISOString` throw.
  const now = context.now ?? Date.now();
  if (!(Math.abs(now) <= 8.64e15)) {
    const item: AuthorityDeltaItem = {
      kind: "expiry",
      path: "",
      exercised: String(now),
      message: `the time of the call (${String(now)}) is not a valid time`,
    };
    return refuse(f, [item], undefined, null, args);
  }
  if (compiled.validUntil !== null && now >= compiled.validUntil) {
    const item = expiry(now, `the mandate expired at ${iso(compiled.validUntil)}`, {
      expires: iso(compiled.validUntil),
    });
    return refuse(f, [item], undefined, null, args);
  }
  if (compiled.validFrom !== null && now < compiled.validFrom) {
    const item = expiry(now, `the mandate is not valid before ${iso(compiled.validFrom)}`, {
      notBefore: iso(compiled.validFrom),
    });
    return refuse(f, [item], undefined, null, args);
  }

  for (const rule of plan.deny) {
    if (argsHold(rule, args, context.observations)) {
      const item: AuthorityDeltaItem = {
        kind: "policy",
        path: "",
        exercised: tool,
        message: `${rule.name} forbids this call of \`${tool}\``,
        rule: rule.ref.pointer,
      };
      return refuse(f, [item], rule.reason, rule.ref, args);
    }
  }

  // One granting rule (the common case): explain it once. An empty explanation means it covers the call, so a
  // denial costs one pass over the constraints instead of a test pass and then an explaining pass.
  if (plan.allow.length + plan.ask.length === 1) {
    const rule = plan.allow[0] ?? plan.ask[0]!;
    const covered: { charges: readonly BudgetCharge[] } = { charges: EMPTY };
    const items = explainRule(compiled.id, rule, args, now, context, plan.secrets, covered);
    if (items.length > 0) return refuse(f, items, undefined, null, args);
    const charges = covered.charges;
    return finish(
      f,
      rule.ref.effect === "allow" ? "allow" : "ask",
      EMPTY,
      rule.ref,
      rule.reason,
      charges,
      args,
    );
  }

  for (let l = 0; l < 2; l++) {
    for (const rule of l === 0 ? plan.allow : plan.ask) {
      if (!argsHold(rule, args, context.observations)) continue;
      const charges = rule.budget ? budgetCharges(compiled.id, rule, args, now) : EMPTY;
      if (charges === null || overBudget(charges, context.usage) !== null) continue;
      if (l === 0) return finish(f, "allow", EMPTY, rule.ref, rule.reason, charges, args);
      // Asked although the tool has allow rules: the person is told why none of them covers the call.
      const escalation = closestDelta(compiled.id, plan.allow, plan.secrets, args, now, context);
      return finish(f, "ask", EMPTY, rule.ref, rule.reason, charges, args, escalation);
    }
  }

  if (plan.allow.length === 0 && plan.ask.length === 0) {
    return refuse(
      f,
      [
        {
          kind: "tool",
          path: "",
          exercised: tool,
          message: `tool \`${tool}\` is not granted by the mandate`,
        },
      ],
      undefined,
      null,
      args,
    );
  }
  const granting =
    plan.allow.length === 0 ? plan.ask : plan.ask.length === 0 ? plan.allow : [...plan.allow, ...plan.ask];
  return refuse(
    f,
    closestDelta(compiled.id, granting, plan.secrets, args, now, context),
    undefined,
    null,
    args,
  );
}

/** What every exit of `checkCall` needs; one object instead of closures keeps the hot path allocation-light. */
interface Frame {
  readonly compiled: CompiledMandate;
  readonly started: number;
  readonly tool: string;
  readonly callId: string;
}

function finish(
  f: Frame,
  verdict: Verdict,
  delta: readonly AuthorityDeltaItem[],
  rule: RuleRef | null,
  reason: string,
  charges: readonly BudgetCharge[],
  args: CheckedCall["args"],
  escalation?: readonly AuthorityDeltaItem[],
): CheckedCall {
  return {
    decision: {
      verdict,
      delta,
      rule,
      mandateId: f.compiled.id,
      tool: f.tool,
      callId: f.callId,
      mode: f.compiled.mode,
      ...(escalation === undefined || escalation.length === 0 ? {} : { escalation }),
      charges,
      reason,
      elapsedUs: (performance.now() - f.started) * 1000,
    },
    args,
  };
}

function refuse(
  f: Frame,
  items: readonly AuthorityDeltaItem[],
  reason?: string,
  rule: RuleRef | null = null,
  args: CheckedCall["args"] = null,
): CheckedCall {
  return finish(f, "deny", items, rule, reason ?? summarise(f.tool, items), EMPTY, args);
}

/** Every constraint of the rule holds (missing optional arguments are skipped). The allow path: no allocation. */
function argsHold(
  rule: CompiledRule,
  args: Readonly<Record<string, unknown>>,
  observations: ObservationLog | undefined,
): boolean {
  for (const a of rule.args) {
    if (!Object.hasOwn(args, a.name)) {
      if (a.optional) continue;
      return false;
    }
    if (!a.check.holds(args[a.name])) return false;
    if (a.origin !== null && originProblem(a.origin, args[a.name], observations) !== null) return false;
    if (a.flow !== null && flowProblem(a.flow, args[a.name], observations) !== null) return false;
  }
  return true;
}

/** The delta against the rule the call came closest to: the one with the fewest failing items (first on ties). */
function closestDelta(
  mandateId: string,
  rules: readonly CompiledRule[],
  secrets: ReadonlySet<string>,
  args: Readonly<Record<string, unknown>>,
  now: number,
  context: DecideContext,
): AuthorityDeltaItem[] {
  let best: AuthorityDeltaItem[] | null = null;
  let bestDistance = Infinity;
  for (const rule of rules) {
    const items = explainRule(mandateId, rule, args, now, context, secrets);
    if (items.length === 0) continue;
    const d = distance(items);
    if (d < bestDistance) {
      best = items;
      bestDistance = d;
    }
  }
  return best ?? [];
}

/**
 * How far a call is from a rule: the arguments it breaks first (a failed `anyOf` is one argument however many
 * branches it reports), then the number of items; ties go to the earlier rule.
 */
function distance(items: readonly { readonly rule?: string }[]): number {
  const broken = new Set<string>();
  for (const item of items) {
    const at = item.rule?.indexOf("/args/") ?? -1;
    broken.add(at === -1 ? "#budget" : item.rule!.slice(at + 6).split("/")[0]!);
  }
  return broken.size * 1_000_000 + items.length;
}

function explainRule(
  mandateId: string,
  rule: CompiledRule,
  args: Readonly<Record<string, unknown>>,
  now: number,
  context: DecideContext,
  secrets: ReadonlySet<string>,
  /** When the rule covers the call, receives its budget charges (so they are built once). */
  covered?: { charges: readonly BudgetCharge[] },
): AuthorityDeltaItem[] {
  const usage = context.usage;
  const items: AuthorityDeltaItem[] = [];
  for (const a of rule.args) {
    const path = a.path;
    if (!Object.hasOwn(args, a.name)) {
      if (!a.optional) {
        items.push({
          kind: "argument",
          path,
          exercised: null,
          message: `\`${a.name}\` is missing; ${rule.name} grants this tool only with \`${a.name}\` given`,
          rule: a.pointer,
        });
      }
      continue;
    }
    const secret = secrets.has(a.name);
    const before = items.length;
    for (const f of a.check.explain(args[a.name], `\`${a.name}\``, secret)) {
      items.push({
        kind: "argument",
        path: path + f.path,
        exercised: f.value,
        granted: f.granted,
        message: f.message,
        rule: `${a.pointer}/${f.keyword}`,
      });
    }
    // Where the value came from is judged on a value the constraints accept; a wrong value is reported as such.
    const valid = items.length === before;
    if (a.origin !== null && valid) {
      const problem = originProblem(a.origin, args[a.name], context.observations);
      if (problem !== null) {
        items.push({
          kind: "provenance",
          path,
          exercised: secret ? REDACTED : args[a.name],
          granted: { from: a.origin.label },
          message: `\`${a.name}\` must come from ${a.origin.label}: ${problem.message}`,
          rule: `${a.pointer}/${a.origin.trusted ? "provenance" : "from"}`,
          ...(problem.sources.length > 0 ? { sources: problem.sources } : {}),
        });
      }
    }
    if (a.flow !== null && valid) {
      const problem = flowProblem(a.flow, args[a.name], context.observations);
      if (problem !== null) {
        items.push({
          kind: "provenance",
          path,
          exercised: secret ? REDACTED : args[a.name],
          granted: { noFlowFrom: a.flow.label },
          message: `\`${a.name}\` must not carry data from ${a.flow.label}: ${problem.message}`,
          rule: `${a.pointer}/flow`,
          ...(problem.sources.length > 0 ? { sources: problem.sources } : {}),
        });
      }
    }
  }
  if (items.length > 0 || !rule.budget) return items;
  const charges = budgetCharges(mandateId, rule, args, now);
  if (charges === null) {
    for (const [arg] of rule.budget.sum) {
      const v = args[arg];
      if (typeof v !== "number" || v < 0) {
        items.push({
          kind: "argument",
          path: `/${escapePointer(arg)}`,
          exercised: secrets.has(arg) ? REDACTED : (v ?? null),
          message: `\`${arg}\` must be a number ≥ 0: ${rule.name} budgets its sum`,
          rule: `${rule.budget.pointer}/sum/${escapePointer(arg)}`,
        });
      }
    }
    return items;
  }
  const over = overBudget(charges, usage);
  if (over) items.push(budgetItem(over.charge, over.used, secrets));
  else if (covered) covered.charges = charges;
  return items;
}

/** The delta item for a charge that does not fit; also used by the Guard when an atomic reservation is refused. */
export function budgetItem(
  charge: BudgetCharge,
  used: number,
  secrets: ReadonlySet<string> = EMPTY_SET,
): AuthorityDeltaItem {
  const arg = charge.label.replace(/^sum of /, "");
  if (charge.label !== "calls" && secrets.has(arg)) {
    // A secret's amount (and what earlier calls spent of it) must not leak through the budget item.
    return {
      kind: "budget",
      path: `/${escapePointer(arg)}`,
      exercised: REDACTED,
      granted: { limit: charge.limit },
      message: `budget exceeded: ${charge.label} (secret) would pass its limit ${charge.limit}`,
      rule: charge.rule,
    };
  }
  const left = Math.max(0, charge.limit - used);
  const window = charge.windowEnds === null ? "" : ` in this window (until ${iso(charge.windowEnds)})`;
  const message =
    charge.label === "calls"
      ? `budget spent: ${used} of ${charge.limit} calls used${window}`
      : `budget exceeded: ${charge.label} would reach ${used + charge.amount} > ${charge.limit} (${left} left${window})`;
  return {
    kind: "budget",
    path: charge.label === "calls" ? "" : `/${escapePointer(arg)}`,
    exercised: used + charge.amount,
    granted: { limit: charge.limit, used },
    message,
    rule: charge.rule,
  };
}

/** The charges of a rule for this call, or `null` when a summed argument is not a number ≥ 0. */
function budgetCharges(
  mandateId: string,
  rule: CompiledRule,
  args: Readonly<Record<string, unknown>>,
  now: number,
): BudgetCharge[] | null {
  const b = rule.budget!;
  let windowEnds: number | null = null;
  let suffix = "";
  if (b.perMs !== null) {
    const start = Math.floor(now / b.perMs) * b.perMs;
    windowEnds = start + b.perMs;
    suffix = `@${start}`;
  }
  const charges: BudgetCharge[] = [];
  if (b.calls !== null) {
    charges.push({
      key: b.callsKey + suffix,
      limit: b.calls,
      amount: 1,
      windowEnds,
      label: "calls",
      rule: `${b.pointer}/calls`,
    });
  }
  for (let i = 0; i < b.sum.length; i++) {
    const [arg, limit] = b.sum[i]!;
    const v = args[arg];
    if (typeof v !== "number" || v < 0) return null;
    const k = b.sumKeys[i]!;
    charges.push({ key: k.key + suffix, limit, amount: v, windowEnds, label: k.label, rule: k.rule });
  }
  return charges;
}

function overBudget(
  charges: readonly BudgetCharge[],
  usage: ReadonlyMap<string, number> | undefined,
): { charge: BudgetCharge; used: number } | null {
  for (const charge of charges) {
    const used = usage?.get(charge.key) ?? 0;
    // Written so that a usage that is not a number (NaN) counts as over the limit, not under it.
    if (!(used + charge.amount <= charge.limit)) return { charge, used };
  }
  return null;
}

function expiry(now: number, message: string, granted: Record<string, string>): AuthorityDeltaItem {
  return { kind: "expiry", path: "", exercised: iso(now), granted, message };
}

function exercisedAt(
  args: Readonly<Record<string, unknown>>,
  pointer: string,
  secrets: ReadonlySet<string>,
): unknown {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts.length > 0 && secrets.has(parts[0]!)) return REDACTED;
  let node: unknown = args;
  for (const part of parts) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return null;
    node = (node as Record<string, unknown>)[part];
  }
  return node === undefined ? null : node;
}

function summarise(tool: string, items: readonly AuthorityDeltaItem[]): string {
  const first = items[0]?.message ?? "outside the mandate";
  const more = items.length > 1 ? ` (and ${items.length - 1} more)` : "";
  return `\`${tool}\` denied: ${first}${more}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
