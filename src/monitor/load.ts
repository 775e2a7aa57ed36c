import { LineCounter, parseDocument } from "yaml";
import { parseDuration } from "../core/duration.js";
import { escapePointer, formatIssue, type MandateIssue, nearest, pointerToField } from "../core/issue.js";
import { SourceMap } from "../core/source-map.js";
import type { BreakerSpec, MonitorConfig, MonitorRule, RuleKind, Severity, WebhookSpec } from "./rule.js";

export interface MonitorLoadOptions {
  /** The file the text came from; named in every issue. */
  readonly file?: string;
}

/** Every problem with its place, like mandates: `config` is present exactly when there are no errors. */
export type MonitorLoadResult =
  | { readonly ok: true; readonly config: MonitorConfig; readonly issues: readonly MandateIssue[] }
  | { readonly ok: false; readonly issues: readonly MandateIssue[] };

/** Thrown by `loadMonitors`; carries every issue. */
export class MonitorConfigError extends Error {
  override name = "MonitorConfigError";
  constructor(readonly issues: readonly MandateIssue[]) {
    super(issues.map(formatIssue).join("\n"));
  }
}

/** The keys each kind takes besides the common ones. */
const KIND_KEYS: Readonly<Record<RuleKind, readonly string[]>> = {
  denials: ["count", "within"],
  "new-tool": ["minHistory"],
  "ask-waiting": ["longerThan"],
  "violation-rate": ["window", "minCalls", "factor", "margin", "baseline"],
  "audit-chain": ["every"],
  "after-done": [],
};
const KINDS = Object.keys(KIND_KEYS) as RuleKind[];
const COMMON_KEYS = ["id", "kind", "description", "severity", "breaker"];

/** Parses and validates a monitors file (YAML or JSON). */
export function parseMonitors(text: string, opts: MonitorLoadOptions = {}): MonitorLoadResult {
  const file = opts.file ?? null;
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return issue(file, pos.line, pos.col, "", e.message.split("\n")[0] ?? "invalid yaml");
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, issues: [issue(file, 1, 1, "", `cannot read the document: ${messageOf(error)}`)] };
  }
  return new Checker(new SourceMap(doc, lines), file).config(value);
}

/** Validates a monitors configuration given as a value. Positions are unknown: every issue says 1:1. */
export function validateMonitors(value: unknown, opts: MonitorLoadOptions = {}): MonitorLoadResult {
  return new Checker(new SourceMap(null, null), opts.file ?? null).config(value);
}

/** The throwing form. */
export function loadMonitors(text: string, opts: MonitorLoadOptions = {}): MonitorConfig {
  const result = parseMonitors(text, opts);
  if (!result.ok) throw new MonitorConfigError(result.issues);
  return result.config;
}

class Checker {
  readonly issues: MandateIssue[] = [];
  constructor(
    private readonly map: SourceMap,
    private readonly file: string | null,
  ) {}

  config(value: unknown): MonitorLoadResult {
    const top = this.object(value, "");
    if (top === null) return { ok: false, issues: this.issues };
    this.keys(top, "", ["monitors", "rules", "notify"]);
    if (top["monitors"] !== 1) {
      this.error("/monitors", `expected \`1\` (the version of this format), got ${show(top["monitors"])}`);
    }
    const rules: MonitorRule[] = [];
    const list = top["rules"];
    if (!Array.isArray(list)) this.error("/rules", `expected a list of rules, got ${show(list)}`);
    else {
      const ids = new Set<string>();
      list.forEach((raw, i) => {
        const rule = this.rule(raw, `/rules/${i}`);
        if (rule === null) return;
        if (ids.has(rule.id)) this.error(`/rules/${i}/id`, `duplicate rule id \`${rule.id}\``);
        ids.add(rule.id);
        rules.push(rule);
      });
    }
    const webhooks = top["notify"] === undefined ? [] : this.notify(top["notify"]);
    if (this.issues.length > 0) return { ok: false, issues: this.issues };
    return { ok: true, config: { rules, webhooks }, issues: [] };
  }

  rule(raw: unknown, at: string): MonitorRule | null {
    const r = this.object(raw, at);
    if (r === null) return null;
    const kind = r["kind"];
    if (typeof kind !== "string" || !(KINDS as string[]).includes(kind)) {
      const hint = typeof kind === "string" ? nearest(kind, KINDS) : undefined;
      this.error(
        `${at}/kind`,
        `expected one of ${KINDS.map((k) => `\`${k}\``).join(", ")}, got ${show(kind)}`,
        undefined,
        hint,
      );
      return null;
    }
    const k = kind as RuleKind;
    const before = this.issues.length;
    this.keys(r, at, [...COMMON_KEYS, ...KIND_KEYS[k]]);
    const id = r["id"];
    if (typeof id !== "string" || !/^[A-Za-z0-9][\w.:-]{0,127}$/.test(id)) {
      this.error(`${at}/id`, `expected an id of letters, digits, \`._:-\`, got ${show(id)}`);
    }
    const severity = this.oneOf<Severity>(r, at, "severity", ["info", "warning", "critical"], "warning");
    const description = r["description"];
    if (description !== undefined && typeof description !== "string") {
      this.error(`${at}/description`, `expected a string, got ${show(description)}`);
    }
    const breaker = this.breaker(r["breaker"], `${at}/breaker`, k);
    const base = {
      id: String(id),
      severity,
      breaker,
      ...(typeof description === "string" ? { description } : {}),
    };
    let rule: MonitorRule;
    switch (k) {
      case "denials":
        rule = {
          ...base,
          kind: k,
          count: this.integer(r, at, "count", 1, undefined),
          withinMs: this.duration(r, at, "within", undefined),
        };
        break;
      case "new-tool":
        rule = { ...base, kind: k, minHistory: this.integer(r, at, "minHistory", 0, 0) };
        break;
      case "ask-waiting":
        rule = { ...base, kind: k, longerThanMs: this.duration(r, at, "longerThan", undefined) };
        break;
      case "violation-rate": {
        const baseline = r["baseline"] === undefined ? null : this.fraction(r, at, "baseline", 0);
        rule = {
          ...base,
          kind: k,
          window: this.integer(r, at, "window", 1, 20),
          minCalls: this.integer(r, at, "minCalls", 1, 10),
          factor: this.number(r, at, "factor", 1, 2),
          margin: this.fraction(r, at, "margin", 0.2),
          baseline,
        };
        if (rule.minCalls > rule.window) {
          this.error(`${at}/minCalls`, `must be at most \`window\` (${rule.window}), got ${rule.minCalls}`);
        }
        break;
      }
      case "audit-chain":
        rule = { ...base, kind: k, everyMs: this.duration(r, at, "every", 60_000) };
        break;
      case "after-done":
        rule = { ...base, kind: k };
        break;
    }
    return this.issues.length === before ? rule : null;
  }

  breaker(raw: unknown, at: string, kind: RuleKind): BreakerSpec | null {
    if (raw === undefined) return null;
    let spec: BreakerSpec | null = null;
    if (typeof raw === "string") {
      if (raw === "session" || raw === "agent" || raw === "all") spec = { scope: raw, action: "ask" };
      else this.error(at, `expected \`session\`, \`agent\`, \`all\` or { scope, action }, got ${show(raw)}`);
    } else {
      const b = this.object(raw, at);
      if (b === null) return null;
      this.keys(b, at, ["scope", "action"]);
      const scope = this.oneOf(b, at, "scope", ["session", "agent", "all"] as const, undefined);
      const action = this.oneOf(b, at, "action", ["ask", "deny"] as const, "ask");
      spec = { scope, action };
    }
    if (spec !== null && kind === "audit-chain" && spec.scope !== "all") {
      this.error(at, "a broken audit chain belongs to no session or agent: use scope `all`");
    }
    return spec;
  }

  notify(raw: unknown): WebhookSpec[] {
    const n = this.object(raw, "/notify");
    if (n === null) return [];
    this.keys(n, "/notify", ["webhooks"]);
    const list = n["webhooks"];
    if (!Array.isArray(list)) {
      this.error("/notify/webhooks", `expected a list of webhooks, got ${show(list)}`);
      return [];
    }
    return list.flatMap((rawHook, i): WebhookSpec[] => {
      const at = `/notify/webhooks/${i}`;
      const w = this.object(rawHook, at);
      if (w === null) return [];
      this.keys(w, at, ["url", "secretEnv"]);
      const url = w["url"];
      let parsed: URL | null = null;
      try {
        parsed = typeof url === "string" ? new URL(url) : null;
      } catch {
        parsed = null;
      }
      if (parsed === null || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
        this.error(`${at}/url`, `expected an http(s) url, got ${show(url)}`);
        return [];
      }
      const secretEnv = w["secretEnv"];
      if (
        secretEnv !== undefined &&
        (typeof secretEnv !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv))
      ) {
        this.error(`${at}/secretEnv`, `expected the name of an environment variable, got ${show(secretEnv)}`);
        return [];
      }
      return [{ url: String(url), ...(typeof secretEnv === "string" ? { secretEnv } : {}) }];
    });
  }

  object(value: unknown, at: string): Record<string, unknown> | null {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    this.error(at, `expected a map, got ${show(value)}`);
    return null;
  }

  keys(value: Record<string, unknown>, at: string, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const hint = nearest(key, known);
      const list = hint === undefined ? `; expected one of ${known.map((k) => `\`${k}\``).join(", ")}` : "";
      this.error(at, `unknown key \`${key}\`${list}`, key, hint);
    }
  }

  integer(
    r: Record<string, unknown>,
    at: string,
    key: string,
    min: number,
    fallback: number | undefined,
  ): number {
    const v = r[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      this.error(`${at}/${key}`, `expected an integer >= ${min}, got ${show(v)}`);
      return min;
    }
    return v;
  }

  number(r: Record<string, unknown>, at: string, key: string, min: number, fallback: number): number {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      this.error(`${at}/${key}`, `expected a number >= ${min}, got ${show(v)}`);
      return fallback;
    }
    return v;
  }

  fraction(r: Record<string, unknown>, at: string, key: string, fallback: number): number {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      this.error(`${at}/${key}`, `expected a rate between 0 and 1, got ${show(v)}`);
      return fallback;
    }
    return v;
  }

  duration(r: Record<string, unknown>, at: string, key: string, fallback: number | undefined): number {
    const v = r[key];
    if (v === undefined && fallback !== undefined) return fallback;
    const ms = typeof v === "string" ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0) {
      this.error(`${at}/${key}`, `expected a duration such as \`30s\`, \`10m\` or \`1h\`, got ${show(v)}`);
      return 1;
    }
    return ms;
  }

  oneOf<T extends string>(
    r: Record<string, unknown>,
    at: string,
    key: string,
    allowed: readonly T[],
    fallback: T | undefined,
  ): T {
    const v = r[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
    this.error(
      `${at}/${key}`,
      `expected one of ${allowed.map((a) => `\`${a}\``).join(", ")}, got ${show(v)}`,
    );
    return allowed[0]!;
  }

  error(pointer: string, message: string, key?: string, suggestion?: string): void {
    const pos = this.map.locate(pointer, key);
    const field = pointerToField(key === undefined ? pointer : `${pointer}/${escapePointer(key)}`);
    this.issues.push({
      ...issue(this.file, pos.line, pos.column, pointer, message),
      field,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }
}

function issue(
  file: string | null,
  line: number,
  column: number,
  pointer: string,
  message: string,
): MandateIssue {
  return { severity: "error", file, line, column, pointer, field: pointerToField(pointer), message };
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    return `\`${JSON.stringify(value)?.slice(0, 60) ?? String(value)}\``;
  } catch {
    return `\`${String(value)}\``;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
