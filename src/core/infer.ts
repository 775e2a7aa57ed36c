/**
 * Mandate inference (docs/infer.md): from the calls of benign runs, the narrowest mandate that would have allowed
 * them, widened only where a knob says so. Pure: the input is a list of calls, the output a mandate value that
 * `validateMandate` accepts; reading audit logs and traces is the command's job.
 */
import type { Catalog } from "./catalog.js";
import { compile } from "./compile.js";
import { compileConstraint, REDACTED } from "./constraint.js";
import { decide } from "./decide.js";
import type { Verdict } from "./decision.js";
import { parseDuration } from "./duration.js";
import { normaliseEmail, normalisePath } from "./forms/index.js";
import { codePointLength, isJsonObject, jsonEqual } from "./json-value.js";
import type { ArgumentConstraint, Budget, Mandate, Rule } from "./mandate.js";

/** One call of a benign run. Calls whose `verdict` is `deny` (they did not run) are not learnt from. */
export interface ObservedCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly verdict?: Verdict;
}

export type StringMode = "exact" | "set" | "pattern-prefix";
export type NumberMode = "exact" | "set" | "range";
export type PathMode = "exact" | "prefix";
export type UrlMode = "exact" | "host";
export type EmailMode = "exact" | "domain";

/**
 * How far to generalise each kind of value. `exact` keeps the observed combinations: calls of a tool that differ
 * in an `exact` argument get separate rules, so no unseen combination is granted. Every other mode constrains its
 * argument on its own (`set`: one of the observed values; `range`: between the smallest and the largest; …).
 */
export interface InferOptions {
  readonly id?: string;
  readonly subject?: string;
  readonly agent?: string;
  readonly task?: string;
  /** Free text that is neither a path, a URL nor an e-mail address. Default `exact`. */
  readonly strings?: StringMode;
  readonly numbers?: NumberMode;
  /** With `numbers: range`: the maximum is rounded up (the minimum down) to a multiple of this step. */
  readonly roundUp?: number;
  /** Absolute POSIX paths: `prefix` grants `path.under` the deepest directory holding every observed file. */
  readonly paths?: PathMode;
  /** Absolute URLs: `host` grants the observed hosts, schemes and ports. */
  readonly urls?: UrlMode;
  /** E-mail addresses: `domain` grants the observed domains. */
  readonly emails?: EmailMode;
  /** Budgets from the observed counts and sums. Default true. */
  readonly budgets?: boolean;
  /** Budgets are the observed figure times this (≥ 1). Default 1. */
  readonly headroom?: number;
  /** The inferred mandate's `ttl`. */
  readonly ttl?: string;
  /** Only tools of the catalog and arguments of their schemas are granted; arguments never seen are refused. */
  readonly catalog?: Catalog;
  /** How the source marks a redacted value (audit logs redact `secret` arguments). Default `[redacted]`. */
  readonly redacted?: string;
}

/** Something the inference did not learn from, or had to decide, worth telling the person who reviews it. */
export interface InferNote {
  readonly tool: string | null;
  readonly arg?: string;
  readonly message: string;
}

export type InferResult =
  | {
      readonly ok: true;
      readonly mandate: Mandate;
      readonly notes: readonly InferNote[];
      /** Calls learnt from, and calls left out (denied, or not in the catalog). */
      readonly used: number;
      readonly skipped: number;
    }
  | { readonly ok: false; readonly problems: readonly string[] };

type Kind = "number" | "path" | "url" | "email" | "text" | "other";
type ItemKind = Exclude<Kind, "other">;

interface Plan {
  readonly kind: Kind;
  /** Strings inside arrays: every value is an array of strings of this kind. */
  readonly array: boolean;
  /** `exact` arguments split a tool's calls into one rule per observed combination. */
  readonly exact: boolean;
}

/** An argument that must be absent: `{}` holds for every value, so `not: {}` for none. */
const ABSENT: ArgumentConstraint = { optional: true, not: {} };

export function inferMandate(calls: readonly ObservedCall[], opts: InferOptions = {}): InferResult {
  const problems = checkOptions(opts);
  if (problems.length > 0) return { ok: false, problems };
  const notes: InferNote[] = [];
  const marker = opts.redacted ?? REDACTED;

  const byTool = new Map<string, ObservedCall[]>();
  let skipped = 0;
  for (const call of calls) {
    if (call.verdict === "deny") {
      skipped++;
      continue;
    }
    if (opts.catalog && !opts.catalog.tools.has(call.tool)) {
      skipped++;
      if (![...byTool.keys()].includes(call.tool) && !notes.some((n) => n.tool === call.tool))
        notes.push({ tool: call.tool, message: `\`${call.tool}\` is not in the catalog: not granted` });
      continue;
    }
    let list = byTool.get(call.tool);
    if (!list) byTool.set(call.tool, (list = []));
    list.push(call);
  }

  const allow: Rule[] = [];
  for (const [tool, toolCalls] of [...byTool].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    allow.push(...rulesFor(tool, toolCalls, opts, marker, notes));
  }
  const used = calls.length - skipped;
  const mandate: Mandate = {
    mandate: 1,
    id: opts.id ?? "inferred",
    ...(opts.subject === undefined ? {} : { subject: opts.subject }),
    ...(opts.agent === undefined ? {} : { agent: opts.agent }),
    ...(opts.task === undefined ? {} : { task: opts.task }),
    description: `Inferred from ${used} call${used === 1 ? "" : "s"} of benign runs (${describeKnobs(opts)}).`,
    ...(opts.ttl === undefined ? {} : { ttl: opts.ttl }),
    allow,
  };
  if (!opts.catalog && allow.length > 0)
    notes.push({
      tool: null,
      message: "without a catalog, arguments no call gave are not refused; pass one to refuse them",
    });
  if (allow.length === 0)
    notes.push({ tool: null, message: "no call to learn from: the mandate grants nothing" });
  // Fail closed on our own mistakes: every call learnt from must be allowed, in order, budgets included.
  for (const miss of replay(mandate, [...byTool.values()].flat(), opts.catalog)) notes.push(miss);
  return { ok: true, mandate, notes, used, skipped };
}

function checkOptions(opts: InferOptions): string[] {
  const problems: string[] = [];
  if (opts.headroom !== undefined && !(Number.isFinite(opts.headroom) && opts.headroom >= 1))
    problems.push(`headroom: expected a number ≥ 1, got \`${String(opts.headroom)}\``);
  if (opts.roundUp !== undefined && !(Number.isFinite(opts.roundUp) && opts.roundUp > 0))
    problems.push(`roundUp: expected a number > 0, got \`${String(opts.roundUp)}\``);
  if (opts.ttl !== undefined && parseDuration(opts.ttl) === undefined)
    problems.push(`ttl: \`${opts.ttl}\` is not a duration above zero (e.g. \`15m\`, \`2h\`, \`7d\`)`);
  if (opts.id !== undefined && (opts.id.length === 0 || opts.id.length > 200))
    problems.push("id: expected 1 to 200 characters");
  return problems;
}

function describeKnobs(o: InferOptions): string {
  const parts = [
    `strings ${o.strings ?? "exact"}`,
    `numbers ${o.numbers ?? "exact"}${o.roundUp === undefined ? "" : ` rounded up to ${o.roundUp}`}`,
    `paths ${o.paths ?? "exact"}`,
    `urls ${o.urls ?? "exact"}`,
    `emails ${o.emails ?? "exact"}`,
  ];
  if (o.budgets !== false) parts.push(`budgets ×${o.headroom ?? 1}`);
  return parts.join(", ");
}

function rulesFor(
  tool: string,
  calls: readonly ObservedCall[],
  opts: InferOptions,
  marker: string,
  notes: InferNote[],
): Rule[] {
  const schemaArgs = catalogArgs(opts.catalog, tool);
  const names = new Set<string>();
  for (const call of calls) for (const name of Object.keys(call.args)) names.add(name);
  const plans = new Map<string, Plan>();
  for (const name of [...names].sort()) {
    if (schemaArgs !== null && !schemaArgs.has(name)) {
      notes.push({ tool, arg: name, message: `\`${name}\` is not in \`${tool}\`'s schema: not granted` });
      continue;
    }
    const values = calls.filter((c) => Object.hasOwn(c.args, name)).map((c) => c.args[name]);
    if (values.some((v) => v === marker)) {
      notes.push({ tool, arg: name, message: `\`${name}\` was redacted in the source: only marked secret` });
      plans.set(name, { kind: "other", array: false, exact: false });
      continue;
    }
    plans.set(name, planFor(values, opts));
  }

  // One rule per combination of the `exact` arguments' values (absent counts as a value).
  const groups = new Map<string, ObservedCall[]>();
  const exactNames = [...plans].filter(([, p]) => p.exact).map(([n]) => n);
  for (const call of calls) {
    const key = JSON.stringify(
      exactNames.map((n) => (Object.hasOwn(call.args, n) ? [canonical(call.args[n])] : [])),
    );
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(call);
  }

  const rules: Rule[] = [];
  let index = 0;
  for (const group of groups.values()) {
    index++;
    const args: Record<string, ArgumentConstraint> = {};
    for (const [name, plan] of plans) {
      const present = group.filter((c) => Object.hasOwn(c.args, name)).map((c) => c.args[name]);
      if (present.length === 0) {
        args[name] = ABSENT;
        continue;
      }
      const optional = present.length < group.length ? { optional: true as const } : {};
      if (present.some((v) => v === marker)) {
        args[name] = { secret: true, ...optional };
        continue;
      }
      args[name] = { ...constrain(present, plan, opts, notes, tool, name), ...optional };
    }
    for (const name of schemaArgs ?? []) if (!(name in args)) args[name] = ABSENT;
    const budget = opts.budgets === false ? undefined : budgetFor(group, plans, opts);
    rules.push({
      tool,
      ...(groups.size > 1 ? { id: `${tool}#${index}` } : {}),
      description: `observed ${group.length} call${group.length === 1 ? "" : "s"}`,
      ...(Object.keys(args).length > 0 ? { args: sortKeys(args) } : {}),
      ...(budget ? { budget } : {}),
    });
  }
  return rules;
}

/** The argument names a catalog's tool declares, or `null` when it does not list them. */
function catalogArgs(catalog: Catalog | undefined, tool: string): ReadonlySet<string> | null {
  const props = catalog?.tools.get(tool)?.definition.inputSchema.properties;
  return isJsonObject(props) ? new Set(Object.keys(props)) : null;
}

function planFor(values: readonly unknown[], opts: InferOptions): Plan {
  if (values.every((v) => typeof v === "number")) {
    return { kind: "number", array: false, exact: (opts.numbers ?? "exact") === "exact" };
  }
  if (values.every((v) => typeof v === "string")) {
    const kind = stringKind(values as string[]);
    return { kind, array: false, exact: isExact(kind, opts) };
  }
  if (values.every((v) => Array.isArray(v) && v.length > 0 && v.every((i) => typeof i === "string"))) {
    const kind = stringKind((values as string[][]).flat());
    return { kind, array: true, exact: isExact(kind, opts) };
  }
  // Booleans, objects, mixed types: equality only, combined as free text is.
  return { kind: "other", array: false, exact: (opts.strings ?? "exact") === "exact" };
}

function isExact(kind: ItemKind, opts: InferOptions): boolean {
  switch (kind) {
    case "path":
      return (opts.paths ?? "exact") === "exact";
    case "url":
      return (opts.urls ?? "exact") === "exact";
    case "email":
      return (opts.emails ?? "exact") === "exact";
    case "number":
      return (opts.numbers ?? "exact") === "exact";
    case "text":
      return (opts.strings ?? "exact") === "exact";
  }
}

function stringKind(values: readonly string[]): ItemKind {
  if (values.every((v) => v.startsWith("/") && normalisePath(v) !== undefined)) return "path";
  if (values.every((v) => urlParts(v) !== null)) return "url";
  if (values.every((v) => normaliseEmail(v) !== undefined)) return "email";
  return "text";
}

/** The constraint on one argument over the values a rule's calls gave it; equality when a form would not hold. */
function constrain(
  values: readonly unknown[],
  plan: Plan,
  opts: InferOptions,
  notes: InferNote[],
  tool: string,
  name: string,
): ArgumentConstraint {
  const exactly = equality(values);
  if (plan.exact || plan.kind === "other") return exactly;
  let wider: ArgumentConstraint;
  if (plan.array) {
    const arrays = values as string[][];
    const lengths = arrays.map((a) => a.length);
    wider = {
      type: "array",
      minItems: Math.min(...lengths),
      maxItems: Math.max(...lengths),
      items: itemConstraint(arrays.flat(), plan.kind as ItemKind, opts, notes, tool, name),
    };
  } else {
    wider = itemConstraint(values, plan.kind as ItemKind, opts, notes, tool, name);
  }
  // Whatever the knob says, the observed values must hold: otherwise fall back to equality.
  if (holdsForAll(wider, values)) return wider;
  notes.push({
    tool,
    arg: name,
    message: `\`${name}\`: the generalised constraint would refuse an observed value; kept the values`,
  });
  return exactly;
}

function holdsForAll(constraint: ArgumentConstraint, values: readonly unknown[]): boolean {
  try {
    const check = compileConstraint(constraint);
    return values.every((v) => check.holds(v));
  } catch {
    return false; // a constraint that does not compile (a pattern RE2 refuses) is not emitted
  }
}

function itemConstraint(
  values: readonly unknown[],
  kind: ItemKind,
  opts: InferOptions,
  notes: InferNote[],
  tool: string,
  name: string,
): ArgumentConstraint {
  switch (kind) {
    case "number":
      return (opts.numbers ?? "exact") === "range"
        ? range(values as number[], opts.roundUp)
        : equality(values);
    case "path": {
      if (opts.paths !== "prefix") return equality(values);
      const dir = commonDirectory((values as string[]).map((v) => normalisePath(v)!));
      if (dir === "/")
        notes.push({ tool, arg: name, message: `\`${name}\`: the common directory is \`/\`: any path` });
      return { type: "string", path: { under: [dir] } };
    }
    case "url": {
      if (opts.urls !== "host") return equality(values);
      const parts = (values as string[]).map((v) => urlParts(v)!);
      const ports = distinct(parts.map((p) => p.port));
      return {
        type: "string",
        url: {
          hosts: distinct(parts.map((p) => p.host)).sort(),
          schemes: distinct(parts.map((p) => p.scheme)).sort(),
          ...(ports.every((p) => p !== null) ? { ports: (ports as number[]).sort((a, b) => a - b) } : {}),
        },
      };
    }
    case "email": {
      if (opts.emails !== "domain") return equality(values);
      const domains = (values as string[]).map((v) =>
        normaliseEmail(v)!.slice(normaliseEmail(v)!.lastIndexOf("@") + 1),
      );
      return { type: "string", email: { domains: distinct(domains).sort() } };
    }
    case "text": {
      if (opts.strings !== "pattern-prefix") return equality(values);
      const texts = values as string[];
      const prefix = commonPrefix(texts);
      return {
        type: "string",
        ...(prefix === "" ? {} : { pattern: `^${escapePattern(prefix)}` }),
        maxLength: Math.max(...texts.map(codePointLength)),
      };
    }
  }
}

function equality(values: readonly unknown[]): ArgumentConstraint {
  const unique: unknown[] = [];
  for (const v of values) if (!unique.some((u) => jsonEqual(u, v))) unique.push(v);
  return unique.length === 1 ? { const: unique[0] } : { enum: unique };
}

function range(values: readonly number[], step: number | undefined): ArgumentConstraint {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const type =
    values.every(Number.isInteger) && (step === undefined || Number.isInteger(step)) ? "integer" : "number";
  if (step === undefined) return { type, minimum: lo, maximum: hi };
  const up = roundTo(Math.ceil(hi / step) * step, step);
  const down = roundTo(Math.floor(lo / step) * step, step);
  // Rounding a positive minimum down to 0 would grant 0 (a payment of nothing): keep it above 0 instead.
  return lo > 0 && down <= 0
    ? { type, exclusiveMinimum: 0, maximum: up }
    : { type, minimum: down, maximum: up };
}

/** `x` as a multiple of `step` without binary noise (`0.30000000000000004` → `0.3`). */
function roundTo(x: number, step: number): number {
  const decimals = (String(step).split(".")[1] ?? "").length;
  return Number(x.toFixed(Math.min(decimals, 20)));
}

function budgetFor(
  calls: readonly ObservedCall[],
  plans: ReadonlyMap<string, Plan>,
  opts: InferOptions,
): Budget {
  const headroom = opts.headroom ?? 1;
  const sum: Record<string, number> = {};
  for (const [name, plan] of plans) {
    // An exact amount is already bounded by the call count; a sum adds something only where values vary.
    if (plan.kind !== "number" || plan.exact || plan.array) continue;
    const values = calls.map((c) => c.args[name]).filter((v): v is number => typeof v === "number");
    if (values.length < calls.length || values.some((v) => v < 0)) continue;
    sum[name] = sumLimit(values, headroom, opts.roundUp);
  }
  return { calls: Math.ceil(calls.length * headroom), ...(Object.keys(sum).length > 0 ? { sum } : {}) };
}

/**
 * The observed total times the headroom, in decimal. Budget stores add in binary floating point, where
 * 86.4 + 39.99 is 126.39000000000001: the limit is never below what they will have added up.
 */
function sumLimit(values: readonly number[], headroom: number, step: number | undefined): number {
  const floating = values.reduce((a, b) => a + b, 0);
  const decimals = Math.max(0, ...values.map((v) => (String(v).split(".")[1] ?? "").length));
  let limit = Number((floating * headroom).toFixed(Math.min(decimals, 20)));
  if (step !== undefined) limit = roundTo(Math.ceil(limit / step) * step, step);
  return limit >= floating * headroom ? limit : floating * headroom;
}

/** Every learnt-from call, replayed in order with budget usage: a note for each the mandate would not allow. */
function replay(mandate: Mandate, calls: readonly ObservedCall[], catalog: Catalog | undefined): InferNote[] {
  const compiled = compile(mandate, catalog ? { catalog } : {});
  const usage = new Map<string, number>();
  const misses: InferNote[] = [];
  for (const call of calls) {
    const d = decide(compiled, { tool: call.tool, args: call.args, callId: "infer" }, { usage });
    if (d.verdict !== "allow") {
      misses.push({ tool: call.tool, message: `an observed call would not be allowed: ${d.reason}` });
      continue;
    }
    for (const c of d.charges) usage.set(c.key, (usage.get(c.key) ?? 0) + c.amount);
  }
  return misses;
}

interface UrlParts {
  readonly scheme: string;
  readonly host: string;
  readonly port: number | null;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

function urlParts(value: string): UrlParts | null {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.hostname === "" || url.username !== "" || url.password !== "") return null;
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname.replace(/\.$/, "").replace(/^\[(.*)\]$/, "$1");
  const port = url.port !== "" ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? null);
  return { scheme, host, port };
}

/** The deepest directory holding every path (each taken as a file: its directory is its parent). */
function commonDirectory(paths: readonly string[]): string {
  const dirs = paths.map((p) => p.split("/").filter(Boolean).slice(0, -1));
  const first = dirs[0] ?? [];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && i < d.length && d[i] === first[i]) i++;
    n = i;
  }
  return `/${first.slice(0, n).join("/")}`;
}

function commonPrefix(texts: readonly string[]): string {
  let prefix = [...(texts[0] ?? "")];
  for (const t of texts) {
    const chars = [...t];
    let i = 0;
    while (i < prefix.length && i < chars.length && chars[i] === prefix[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix.join("");
}

/** Escapes RE2 metacharacters; every other character stands for itself. */
function escapePattern(text: string): string {
  return text
    .replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
}

function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** JSON with sorted keys, so that equal values make equal group keys. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    );
  }
  return value;
}

function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]!]),
  );
}
