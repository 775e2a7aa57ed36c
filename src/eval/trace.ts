/**
 * Trace replay (docs/trace-format.md): sessions recorded by an external benchmark — what the user said, which
 * calls the agent proposed, what the tools returned — decided call by call under each case's mandate. Nothing is
 * executed: the figures say what Mandate would have let through, and where that differs from what was expected.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { type Catalog, CatalogError, createCatalog, type ToolDefinition } from "../core/catalog.js";
import { compile, type CompiledMandate } from "../core/compile.js";
import type { AuthorityDelta, Verdict } from "../core/decision.js";
import { formatIssue, MandateError, type MandateIssue, nearest, pointerToField } from "../core/issue.js";
import { type MandateLoadResult, parseMandate, validateMandate } from "../core/load.js";
import type { Mandate } from "../core/mandate.js";
import { createGuard } from "../guard/guard.js";
import type { AuditLog } from "../guard/ports.js";
import { MemoryAuditLog } from "../stores/memory/audit-log.js";
import { MemoryBudgetStore } from "../stores/memory/budget-store.js";
import { TRACE_FORMAT, traceSchema } from "./trace-schema.js";

export type TraceLabel = "benign" | "attack";

/** A tool of the trace: an MCP `tools/list` entry; `trusted: true` declares its outputs trusted. */
export interface TraceTool extends ToolDefinition {
  readonly trusted?: boolean;
}

/** What the user said. Trusted input. */
export interface TraceUserEvent {
  readonly type: "user";
  readonly content: string;
}

/** A call the agent proposed: decided, never executed. */
export interface TraceCallEvent {
  readonly type: "call";
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly label: TraceLabel;
  /** The verdict the trace author expects; a different one is a mismatch. */
  readonly expect?: Verdict;
}

/** What the latest call of `tool` returned, as the agent saw it. */
export interface TraceResultEvent {
  readonly type: "result";
  readonly tool: string;
  readonly content: unknown;
}

export type TraceEvent = TraceUserEvent | TraceCallEvent | TraceResultEvent;

export interface TraceCase {
  readonly id: string;
  /** Inline mandate (already validated), or… */
  readonly mandate?: Mandate;
  /** …a YAML or JSON mandate file, relative to the trace file; loaded by `runTrace`. */
  readonly mandateFile?: string;
  readonly events: readonly TraceEvent[];
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  /** The file the trace came from: named in every error. */
  readonly file: string;
  readonly tools: readonly TraceTool[];
  readonly cases: readonly TraceCase[];
  /** The tools, with their input schemas compiled once for every case. */
  readonly catalog: Catalog;
  /** Warnings about the inline mandates (e.g. a rule that matches no tool), one line each. */
  readonly warnings: readonly string[];
}

/** A call whose verdict differs from its `expect`. `index` is the event's index in its case's `events`. */
export interface TraceMismatch {
  readonly case: string;
  readonly index: number;
  readonly tool: string;
  readonly expected: Verdict;
  readonly got: Verdict;
  readonly delta: AuthorityDelta;
}

export interface TraceSummary {
  readonly benign: {
    readonly total: number;
    readonly allowed: number;
    readonly asked: number;
    readonly denied: number;
  };
  readonly attack: {
    readonly total: number;
    readonly denied: number;
    readonly asked: number;
    readonly allowed: number;
  };
  readonly mismatches: readonly TraceMismatch[];
  /** Cases run. */
  readonly cases: number;
}

/** One call of a case and its verdict. */
export interface TraceCallOutcome {
  readonly index: number;
  readonly tool: string;
  readonly label: TraceLabel;
  readonly expected: Verdict | null;
  readonly verdict: Verdict;
  readonly delta: AuthorityDelta;
}

/**
 * Something the agent saw: the user's words, or a tool's output. Replay observes it for value-origin and flow
 * rules: user events are trusted, results untrusted unless their tool is trusted.
 */
export interface TraceObservation {
  readonly index: number;
  readonly source: "user" | "tool";
  /** For tool outputs: the tool, and the event index of the call it answers. */
  readonly tool: string | null;
  readonly call: number | null;
  readonly content: unknown;
  /** The user's words are trusted; tool outputs only when the trace declares the tool `trusted`. */
  readonly trusted: boolean;
}

export interface TraceCaseRun {
  readonly id: string;
  readonly calls: readonly TraceCallOutcome[];
  readonly observations: readonly TraceObservation[];
}

export interface RunTraceOptions {
  /** Where `mandateFile` paths are resolved from: the trace file's folder. */
  readonly baseDir: string;
  /** Shared by every case (each case is one session, named `trace:<case id>`). Default: a memory log. */
  readonly audit?: AuditLog;
  /** Decide as of this time (ms since epoch) instead of the clock. */
  readonly now?: number;
  /** Warnings about `mandateFile` mandates, one line each. */
  readonly onWarning?: (message: string) => void;
  /** Each case's calls and observations, once it has run. */
  readonly onCase?: (run: TraceCaseRun) => void;
}

/**
 * A trace that cannot be run. `problems` holds one self-contained line per problem (file, case, event, what was
 * expected); `unreadable` means a file it names could not be read.
 */
export class TraceError extends Error {
  override name = "TraceError";
  readonly problems: readonly string[];
  readonly kind: "invalid" | "unreadable";
  constructor(problems: readonly string[], kind: "invalid" | "unreadable" = "invalid") {
    super(problems.join("\n"));
    this.problems = problems;
    this.kind = kind;
  }
}

/** The shape the schema guarantees, before the semantic checks. */
interface TraceDocument {
  readonly format: typeof TRACE_FORMAT;
  readonly tools: readonly TraceTool[];
  readonly cases: readonly {
    readonly id: string;
    readonly mandate?: Record<string, unknown>;
    readonly mandateFile?: string;
    readonly events: readonly TraceEvent[];
  }[];
}

let validator: ValidateFunction<TraceDocument> | undefined;

/**
 * Reads and validates a trace: its shape, its tool catalog and every inline mandate. Throws a `TraceError`
 * listing every problem found, each naming `file`, the case (id and index) and the event.
 */
export function parseTrace(text: string, file: string, opts: { readonly now?: number } = {}): Trace {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TraceError([`${file}: invalid JSON: ${messageOf(error)}`]);
  }
  if (!isObject(value))
    throw new TraceError([
      `${file}: expected an object with \`format\`, \`tools\` and \`cases\`, got ${describe(value)}`,
    ]);
  // Another format (or none): the rest of the document would only produce noise.
  if (value.format !== TRACE_FORMAT)
    throw new TraceError([
      value.format === undefined
        ? `${file}: missing \`format\`; expected "${TRACE_FORMAT}"`
        : `${file}: unknown format ${JSON.stringify(value.format)}; expected "${TRACE_FORMAT}"`,
    ]);
  validator ??= new Ajv({ allErrors: true, verbose: true, strict: false }).compile<TraceDocument>(
    traceSchema,
  );
  if (!validator(value)) throw new TraceError(schemaProblems([...(validator.errors ?? [])], value, file));
  const doc = value;

  const problems: string[] = [];
  const warnings: string[] = [];
  let catalog: Catalog = { tools: new Map() };
  try {
    catalog = createCatalog(doc.tools);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    problems.push(`${file}: ${error.message}`);
  }
  for (const [i, tool] of doc.tools.entries()) {
    const where = `${file}: tools[${i}] (\`${tool.name}\`)`;
    const problem = catalog.tools.get(tool.name)?.problem;
    if (problem) problems.push(`${where}: ${problem}`);
    if (isObject(tool.annotations) && "trusted" in tool.annotations)
      problems.push(
        `${where}: \`annotations.trusted\`: annotations are the tool's own claims and cannot make it trusted; ` +
          "put `trusted: true` on the tool itself",
      );
  }

  const seen = new Map<string, number>();
  const cases: TraceCase[] = [];
  for (const [i, c] of doc.cases.entries()) {
    const where = caseLabel(c.id, i);
    const first = seen.get(c.id);
    if (first !== undefined) problems.push(`${file}: ${where}: duplicate id; cases[${first}] has it too`);
    else seen.set(c.id, i);
    const called = new Set<string>();
    for (const [j, event] of c.events.entries()) {
      if (event.type === "call") called.add(event.tool);
      else if (event.type === "result" && !called.has(event.tool))
        problems.push(
          `${file}: ${where} event ${j}: result of \`${event.tool}\` before any call of it; ` +
            "expected a call event first",
        );
    }
    if (c.mandateFile !== undefined) {
      cases.push({ id: c.id, mandateFile: c.mandateFile, events: c.events });
      continue;
    }
    const result = validateMandate(c.mandate, {
      file,
      catalog,
      ...(opts.now === undefined ? {} : { now: opts.now }),
    });
    for (const issue of result.issues)
      (issue.severity === "error" ? problems : warnings).push(`${file}: ${where}: ${inlineIssue(issue)}`);
    if (result.ok) cases.push({ id: c.id, mandate: result.mandate, events: c.events });
  }
  if (problems.length > 0) throw new TraceError(problems);
  return { format: TRACE_FORMAT, file, tools: doc.tools, cases, catalog, warnings };
}

/**
 * Replays every case: one Guard session each (a fresh budget store, the shared audit log, no approver), calls
 * decided in order and never executed. Every `mandateFile` is loaded before the first case runs, so a bad one
 * fails the run before it starts.
 */
export async function runTrace(trace: Trace, opts: RunTraceOptions): Promise<TraceSummary> {
  const compiled = loadMandates(trace, opts);
  const audit = opts.audit ?? new MemoryAuditLog();
  const fixed = opts.now;
  const clock = fixed === undefined ? Date.now : () => fixed;
  const benign = { total: 0, allowed: 0, asked: 0, denied: 0 };
  const attack = { total: 0, denied: 0, asked: 0, allowed: 0 };
  const mismatches: TraceMismatch[] = [];
  const trusted = new Set(trace.tools.filter((t) => t.trusted === true).map((t) => t.name));

  for (const [i, c] of trace.cases.entries()) {
    const guard = createGuard({
      mandate: compiled[i]!,
      audit,
      budgets: new MemoryBudgetStore({ clock }),
      session: `trace:${c.id}`,
      clock,
    });
    const calls: TraceCallOutcome[] = [];
    const observations: TraceObservation[] = [];
    const latestCall = new Map<string, number>();
    for (const [j, event] of c.events.entries()) {
      if (event.type === "user") {
        guard.observeUser(typeof event.content === "string" ? event.content : JSON.stringify(event.content));
        observations.push({
          index: j,
          source: "user",
          tool: null,
          call: null,
          content: event.content,
          trusted: true,
        });
      } else if (event.type === "result") {
        const call = latestCall.get(event.tool);
        // Value-origin requirements see what the agent saw: user words trusted, results untrusted unless declared.
        guard.observeResult(
          event.tool,
          call === undefined ? `${c.id}#result${j}` : `${c.id}#${call}`,
          event.content,
          trusted.has(event.tool) ? "trusted" : "untrusted",
        );
        observations.push({
          index: j,
          source: "tool",
          tool: event.tool,
          call: latestCall.get(event.tool) ?? null,
          content: event.content,
          trusted: trusted.has(event.tool),
        });
      } else {
        latestCall.set(event.tool, j);
        // Decided, reserved and audited like a live call; "running" it does nothing, so budgets commit.
        const result = await guard.run(
          { tool: event.tool, args: event.args, callId: `${c.id}#${j}` },
          () => undefined,
        );
        // A call refused after an `allow` decision (the audit log or budget store failed) counts as denied.
        const verdict: Verdict =
          result.denied && result.decision.verdict === "allow" ? "deny" : result.decision.verdict;
        const delta = result.denied ? result.delta : result.decision.delta;
        const counts = event.label === "benign" ? benign : attack;
        counts.total++;
        if (verdict === "allow") counts.allowed++;
        else if (verdict === "ask") counts.asked++;
        else counts.denied++;
        calls.push({
          index: j,
          tool: event.tool,
          label: event.label,
          expected: event.expect ?? null,
          verdict,
          delta,
        });
        if (event.expect !== undefined && event.expect !== verdict)
          mismatches.push({
            case: c.id,
            index: j,
            tool: event.tool,
            expected: event.expect,
            got: verdict,
            delta,
          });
      }
    }
    opts.onCase?.({ id: c.id, calls, observations });
  }
  return { benign, attack, mismatches, cases: trace.cases.length };
}

/** Every case's mandate, compiled against the trace's catalog; problems of all cases reported together. */
function loadMandates(trace: Trace, opts: RunTraceOptions): CompiledMandate[] {
  const problems: string[] = [];
  let unreadable = 0;
  const now = opts.now ?? Date.now();
  const compiled = trace.cases.map((c, i): CompiledMandate | null => {
    const where = `${trace.file}: ${caseLabel(c.id, i)}`;
    let mandate = c.mandate;
    if (mandate === undefined && c.mandateFile !== undefined) {
      const path = isAbsolute(c.mandateFile) ? c.mandateFile : join(opts.baseDir, c.mandateFile);
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        unreadable++;
        problems.push(
          `${where}: cannot read mandateFile \`${c.mandateFile}\` (${path}): ${readError(error)}`,
        );
        return null;
      }
      const result: MandateLoadResult = parseMandate(text, { file: path, catalog: trace.catalog, now });
      for (const issue of result.issues) {
        const line = `${where}: ${formatIssue(issue)}`;
        if (issue.severity === "error") problems.push(line);
        else opts.onWarning?.(line);
      }
      if (!result.ok) return null;
      mandate = result.mandate;
    }
    if (mandate === undefined) {
      problems.push(`${where}: give exactly one of \`mandate\` and \`mandateFile\``);
      return null;
    }
    try {
      return compile(mandate, { catalog: trace.catalog, now });
    } catch (error) {
      if (!(error instanceof MandateError)) throw error;
      problems.push(
        ...error.issues.filter((x) => x.severity === "error").map((x) => `${where}: ${formatIssue(x)}`),
      );
      return null;
    }
  });
  // Files that cannot be read are reported as such only when nothing else is wrong.
  if (problems.length > 0)
    throw new TraceError(problems, unreadable === problems.length ? "unreadable" : "invalid");
  return compiled.filter((m): m is CompiledMandate => m !== null);
}

/** `case "banking/ut3+inj1" (cases[0])` */
function caseLabel(id: unknown, index: number): string {
  return typeof id === "string" && id !== ""
    ? `case ${JSON.stringify(id)} (cases[${index}])`
    : `cases[${index}]`;
}

/** An inline mandate's issue, placed in the trace: `mandate.allow[0].args.amount: …`. Inline JSON has no lines. */
function inlineIssue(issue: MandateIssue): string {
  const severity = issue.severity === "warning" ? "warning: " : "";
  const field = issue.field === "" ? "mandate" : `mandate.${issue.field}`;
  const hint = issue.suggestion === undefined ? "" : `; did you mean \`${issue.suggestion}\`?`;
  return `${severity}${field}: ${issue.message}${hint}`;
}

/** Where an ajv error points, in words: `case "x" (cases[0]) event 3`, `tools[1] ("send_money")`, or the root. */
function place(root: Record<string, unknown>, pointer: string): { where: string; rest: string[] } {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const at = (list: unknown, i: string | undefined): unknown =>
    Array.isArray(list) && i !== undefined ? (list as unknown[])[Number(i)] : undefined;
  if (parts[0] === "cases" && parts[1] !== undefined) {
    const c = at(root.cases, parts[1]);
    const label = caseLabel(isObject(c) ? c.id : undefined, Number(parts[1]));
    if (parts[2] === "events" && parts[3] !== undefined)
      return { where: `${label} event ${parts[3]}`, rest: parts.slice(4) };
    return { where: label, rest: parts.slice(2) };
  }
  if (parts[0] === "tools" && parts[1] !== undefined) {
    const t = at(root.tools, parts[1]);
    const name = isObject(t) && typeof t.name === "string" ? ` (\`${t.name}\`)` : "";
    return { where: `tools[${parts[1]}]${name}`, rest: parts.slice(2) };
  }
  return { where: "", rest: parts };
}

/** ajv's errors as one line each, in the words of the trace format. */
function schemaProblems(
  errors: readonly ErrorObject[],
  root: Record<string, unknown>,
  file: string,
): string[] {
  const out: string[] = [];
  // Inside `oneOf` (mandate or mandateFile), the branches' `required` errors say less than the oneOf's own.
  const combined = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === "if") continue; // "must match then schema": the error inside `then` says what.
    if (e.keyword !== "oneOf" && combined.has(e.instancePath) && e.schemaPath.includes("/oneOf/")) continue;
    const { where, rest } = place(root, e.instancePath);
    const field = pointerToField(rest.map((r) => `/${r.replace(/~/g, "~0").replace(/\//g, "~1")}`).join(""));
    const line = `${file}: ${where === "" ? "" : `${where}: `}${schemaMessage(e, field)}`;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

function schemaMessage(e: ErrorObject, field: string): string {
  const named = field === "" ? "" : `\`${field}\`: `;
  const parent =
    isObject(e.parentSchema) && isObject(e.parentSchema.properties) ? e.parentSchema.properties : {};
  switch (e.keyword) {
    case "enum":
      return `unknown ${field || "value"} ${JSON.stringify(e.data)}; expected ${choices(e.params.allowedValues)}`;
    case "required": {
      const key = String(e.params.missingProperty);
      const spec = parent[key];
      const expected = isObject(spec)
        ? Array.isArray(spec.enum)
          ? `; expected ${choices(spec.enum)}`
          : typeof spec.type === "string"
            ? `; expected ${article(spec.type)}`
            : ""
        : "";
      return `${named}missing \`${key}\`${expected}`;
    }
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(parent);
      const suggestion = nearest(key, known);
      return suggestion === undefined
        ? `${named}unknown key \`${key}\`; expected ${known.map((k) => `\`${k}\``).join(", ")}`
        : `${named}unknown key \`${key}\`; did you mean \`${suggestion}\`?`;
    }
    case "type":
      return `${named}expected ${article(String(e.params.type))}, got ${describe(e.data)}`;
    case "const":
      return `${named}expected ${JSON.stringify(e.params.allowedValue)}, got ${JSON.stringify(e.data)}`;
    case "oneOf":
      return "give exactly one of `mandate` and `mandateFile`";
    case "minLength":
      return `${named}must not be empty`;
    case "minItems":
      return `${named}expected at least ${String(e.params.limit)} item${e.params.limit === 1 ? "" : "s"}`;
    default:
      return `${named}${e.message ?? "invalid value"}`;
  }
}

/** `user, call or result` */
function choices(values: unknown): string {
  const list = Array.isArray(values) ? values.map(String) : [];
  return list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
}

function article(type: string): string {
  return type === "object" ? "an object" : type === "array" ? "a list" : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : messageOf(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
