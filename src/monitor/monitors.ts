import { randomUUID } from "node:crypto";
import type { AuditRecord } from "../guard/audit-record.js";
import type { BreakerVerdict, GuardMonitor, MonitoredCall } from "../guard/monitor-hook.js";
import type { AuditLog, AuditReader } from "../guard/ports.js";
import { type Alert, ALERT_TOOL, type Notifier, RESET_TOOL } from "./alert.js";
import { breakerKey, type BreakerStore, type BreakerTrip, MemoryBreakerStore } from "./breaker-store.js";
import type { BreakerScope, MonitorConfig, MonitorRule } from "./rule.js";

export interface MonitorsOptions {
  /** The rules (from `loadMonitors`, or written as values). */
  readonly rules: readonly MonitorRule[] | MonitorConfig;
  /** Alerts and resets are appended here, so they are in the chain. Usually the Guard's own log. */
  readonly audit?: AuditLog;
  /** Read for `audit-chain` checks. */
  readonly reader?: AuditReader;
  /** Where breakers stay open until a person resets them. Default: in memory. */
  readonly breakers?: BreakerStore;
  readonly notifiers?: readonly Notifier[];
  /** Told of each alert as it fires (e.g. a dashboard's live view). Must return at once. */
  readonly onAlert?: (alert: Alert) => void;
  readonly onError?: (error: Error, stage: "audit" | "notify" | "breaker" | "chain") => void;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
}

/** Who can be reset: one session, one agent, or the breaker over every call. */
export type BreakerTarget =
  { readonly session: string } | { readonly agent: string } | { readonly all: true };

export interface Monitors extends GuardMonitor {
  /** Learns which tools each agent used and its violation rate from past records (e.g. `reader.entries()`). */
  learn(records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>): Promise<number>;
  /** Marks a mandate's task as done: any later call under it fires the `after-done` rules. */
  markDone(mandateId: string): void;
  /** Closes a breaker; a person's act, audited (tool `monitor.reset`). `false` when it was not open. */
  reset(target: BreakerTarget, by: string): Promise<boolean>;
  /** The open breakers. */
  breakers(): Promise<readonly BreakerTrip[]>;
  /** Verifies the audit chain now; the alerts it fired. */
  checkChain(): Promise<readonly Alert[]>;
  /** Starts the periodic `audit-chain` checks (timers do not keep the process alive). */
  start(): void;
  /** Resolves once every alert so far is audited and every notifier has delivered or given up. */
  flush(): Promise<void>;
  /** Stops timers and notifiers. */
  close(): Promise<void>;
}

/** Tools the Guard or the monitors write for themselves, never an agent's calls. */
const OWN_TOOLS = new Set([ALERT_TOOL, RESET_TOOL, "mandate.update"]);

interface Context {
  readonly agent: string | null;
  readonly subject: string | null;
  readonly session: string | null;
  readonly mandateId: string | null;
  readonly callId: string | null;
  readonly tool: string | null;
}

interface RateState {
  readonly ring: Uint8Array;
  size: number;
  pos: number;
  inWindow: number;
  beforeCalls: number;
  beforeViolations: number;
  latched: boolean;
}

/**
 * Rules over the stream of decisions (docs/monitors.md). Pass it to `createGuard({ monitors })`: each decision record
 * is observed after it is written, and the breaker is consulted before each call the mandate does not deny.
 */
export function createMonitors(opts: MonitorsOptions): Monitors {
  const rules = Array.isArray(opts.rules)
    ? (opts.rules as readonly MonitorRule[])
    : (opts.rules as MonitorConfig).rules;
  const of = <K extends MonitorRule["kind"]>(kind: K) =>
    rules.filter((r): r is Extract<MonitorRule, { kind: K }> => r.kind === kind);
  const denialRules = of("denials");
  const newToolRules = of("new-tool");
  const askRules = of("ask-waiting");
  const rateRules = of("violation-rate");
  const chainRules = of("audit-chain");
  const doneRules = of("after-done");
  const store = opts.breakers ?? new MemoryBreakerStore();
  const clock = opts.clock ?? Date.now;
  const notifiers = opts.notifiers ?? [];

  const denials = denialRules.map(() => new Map<string, number[]>());
  const toolsSeen = new Map<string, Set<string>>();
  const callsSeen = new Map<string, number>();
  const rates = rateRules.map(() => new Map<string, RateState>());
  const askTimers = new Map<string, NodeJS.Timeout[]>();
  const done = new Set<string>();
  const doneFired = new Set<string>();
  const pending = new Set<Promise<unknown>>();
  const chainTimers: NodeJS.Timeout[] = [];
  let lastBad: string | null = null;

  const report = (error: unknown, stage: "audit" | "notify" | "breaker" | "chain"): void => {
    try {
      opts.onError?.(error instanceof Error ? error : new Error(String(error)), stage);
    } catch {
      // A failing reporter changes nothing.
    }
  };
  const track = (p: Promise<unknown>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  function fire(rule: MonitorRule, ctx: Context, message: string): Alert {
    let breaker: Alert["breaker"] = null;
    if (rule.breaker !== null) {
      const scope: BreakerScope =
        rule.breaker.scope === "session" && ctx.session === null ? "agent" : rule.breaker.scope;
      const key = breakerKey(scope, ctx.session, ctx.agent)!;
      breaker = { key, scope, action: rule.breaker.action };
    }
    const alert: Alert = {
      id: randomUUID(),
      time: new Date(clock()).toISOString(),
      rule: rule.id,
      kind: rule.kind,
      severity: rule.severity,
      message,
      agent: ctx.agent,
      session: ctx.session,
      mandateId: ctx.mandateId,
      callId: ctx.callId,
      tool: ctx.tool,
      breaker,
    };
    if (breaker !== null) {
      try {
        const tripped = store.trip({
          ...breaker,
          rule: rule.id,
          reason: message,
          time: alert.time,
          alertId: alert.id,
        });
        // A shared store answers later: the next breaker check waits for it, so no call slips past a trip.
        if (tripped instanceof Promise) track(tripped.catch((e: unknown) => report(e, "breaker")));
      } catch (error) {
        report(error, "breaker");
      }
    }
    if (opts.audit !== undefined) {
      const audit = opts.audit;
      track(audit.append(alertRecord(alert, ctx.subject)).catch((e: unknown) => report(e, "audit")));
    }
    for (const n of notifiers) {
      try {
        n.notify(alert);
      } catch (error) {
        report(error, "notify");
      }
    }
    try {
      opts.onAlert?.(alert);
    } catch (error) {
      report(error, "notify");
    }
    return alert;
  }

  function open(call: MonitoredCall): BreakerVerdict | null | Promise<BreakerVerdict | null> {
    if (done.size > 0 && doneRules.length > 0 && done.has(call.mandateId)) {
      doneFired.add(call.callId);
      for (const rule of doneRules) fire(rule, contextOf(call), afterDoneMessage(call.mandateId, call.tool));
    }
    const keys: string[] = ["all", `agent:${call.agent ?? "-"}`];
    if (call.session !== null) keys.push(`session:${call.session}`);
    const found = store.find(keys);
    if (found instanceof Promise) return found.then((t) => verdictOf(call, t));
    return verdictOf(call, found);
  }

  function verdictOf(call: MonitoredCall, trip: BreakerTrip | null): BreakerVerdict | null {
    const asks = trip === null ? call.verdict === "ask" : trip.action === "ask";
    if (asks && askRules.length > 0 && call.mode === "enforce") waitFor(call);
    if (trip === null) return null;
    return {
      action: trip.action,
      reason:
        `the circuit breaker for ${describeKey(trip.key)} is open since ${trip.time} ` +
        `(rule \`${trip.rule}\`: ${trip.reason}); a person must reset it`,
    };
  }

  function waitFor(call: MonitoredCall): void {
    const timers = askRules.map((rule) => {
      const t = setTimeout(() => {
        fire(
          rule,
          contextOf(call),
          `the approval of \`${call.tool}\` (call ${call.callId}) has waited longer than ${rule.longerThanMs} ms`,
        );
      }, rule.longerThanMs);
      t.unref();
      return t;
    });
    askTimers.set(call.callId, timers);
  }

  function observe(record: AuditRecord): void {
    if (record.event !== "decision" || OWN_TOOLS.has(record.tool)) return;
    const timers = askTimers.get(record.callId);
    if (timers !== undefined) {
      for (const t of timers) clearTimeout(t);
      askTimers.delete(record.callId);
    }
    const agent = record.agent ?? "-";
    const now = clock();
    if (record.verdict === "deny" && denialRules.length > 0) {
      const key = record.session ?? `agent:${agent}`;
      denialRules.forEach((rule, i) => {
        const byKey = denials[i]!;
        let times = byKey.get(key);
        if (times === undefined) byKey.set(key, (times = []));
        times.push(now);
        while (times.length > 0 && times[0]! <= now - rule.withinMs) times.shift();
        if (times.length >= rule.count) {
          times.length = 0;
          fire(
            rule,
            contextOfRecord(record),
            `${rule.count} calls refused by the mandate within ${rule.withinMs} ms in ` +
              `${record.session === null ? `agent \`${agent}\`` : `session \`${record.session}\``}, the last of \`${record.tool}\``,
          );
        }
      });
    }
    if (newToolRules.length > 0) {
      let seen = toolsSeen.get(agent);
      if (seen === undefined) toolsSeen.set(agent, (seen = new Set()));
      if (!seen.has(record.tool)) {
        seen.add(record.tool);
        const history = callsSeen.get(agent) ?? 0;
        for (const rule of newToolRules) {
          if (history >= rule.minHistory) {
            fire(
              rule,
              contextOfRecord(record),
              `agent \`${agent}\` called \`${record.tool}\` for the first time (after ${history} calls)`,
            );
          }
        }
      }
      callsSeen.set(agent, (callsSeen.get(agent) ?? 0) + 1);
    }
    if (rateRules.length > 0) {
      const violated = record.delta.length > 0;
      rateRules.forEach((rule, i) => {
        const state = rateOf(rates[i]!, agent, rule.window);
        push(state, violated);
        if (state.size < rule.minCalls) return;
        const baseline =
          rule.baseline ?? (state.beforeCalls === 0 ? 0 : state.beforeViolations / state.beforeCalls);
        const threshold = Math.max(baseline * rule.factor, baseline + rule.margin);
        const rate = state.inWindow / state.size;
        if (rate <= threshold) state.latched = false;
        else if (!state.latched) {
          state.latched = true;
          fire(
            rule,
            contextOfRecord(record),
            `agent \`${agent}\`: ${state.inWindow} of its last ${state.size} calls exceeded the mandate ` +
              `(${pct(rate)}), above its baseline ${pct(baseline)}`,
          );
        }
      });
    }
    if (done.size > 0 && doneRules.length > 0 && done.has(record.mandateId)) {
      if (!doneFired.delete(record.callId)) {
        for (const rule of doneRules)
          fire(rule, contextOfRecord(record), afterDoneMessage(record.mandateId, record.tool));
      }
    }
  }

  async function checkChain(): Promise<readonly Alert[]> {
    if (opts.reader === undefined || chainRules.length === 0) return [];
    let result;
    try {
      result = await opts.reader.verify();
    } catch (error) {
      report(error, "chain");
      result = {
        ok: false as const,
        count: 0,
        firstBad: { seq: 0, reason: `cannot be read: ${messageOf(error)}` },
      };
    }
    if (result.ok) {
      lastBad = null;
      return [];
    }
    const signature = `${result.firstBad.seq}:${result.firstBad.reason}`;
    if (signature === lastBad) return [];
    lastBad = signature;
    const ctx: Context = {
      agent: null,
      subject: null,
      session: null,
      mandateId: null,
      callId: null,
      tool: null,
    };
    return chainRules.map((rule) =>
      fire(
        rule,
        ctx,
        `the audit chain is broken at record ${result.firstBad.seq}: ${result.firstBad.reason}`,
      ),
    );
  }

  return {
    breaker: (call) => {
      if (pending.size === 0) return open(call);
      return Promise.allSettled([...pending]).then(() => open(call));
    },
    observe,
    async learn(records) {
      let n = 0;
      for await (const r of records) {
        if (r.event !== "decision" || OWN_TOOLS.has(r.tool)) continue;
        n++;
        const agent = r.agent ?? "-";
        let seen = toolsSeen.get(agent);
        if (seen === undefined) toolsSeen.set(agent, (seen = new Set()));
        seen.add(r.tool);
        callsSeen.set(agent, (callsSeen.get(agent) ?? 0) + 1);
        rateRules.forEach((rule, i) => {
          const state = rateOf(rates[i]!, agent, rule.window);
          state.beforeCalls++;
          if (r.delta.length > 0) state.beforeViolations++;
        });
      }
      return n;
    },
    markDone(mandateId) {
      done.add(mandateId);
    },
    async reset(target, by) {
      const key =
        "all" in target ? "all" : "session" in target ? `session:${target.session}` : `agent:${target.agent}`;
      // Written ahead, like every act that lets calls through again: a reset that cannot be audited does not happen.
      const open = (await store.list()).some((t) => t.key === key);
      if (opts.audit !== undefined) await opts.audit.append(resetRecord(key, by, open, clock()));
      return open ? await store.reset(key) : false;
    },
    breakers: async () => store.list(),
    checkChain,
    start() {
      if (chainTimers.length > 0) return;
      for (const rule of chainRules) {
        const t = setInterval(() => void checkChain(), rule.everyMs);
        t.unref();
        chainTimers.push(t);
      }
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await Promise.all(notifiers.map((n) => n.flush()));
    },
    async close() {
      for (const t of chainTimers) clearInterval(t);
      chainTimers.length = 0;
      for (const timers of askTimers.values()) for (const t of timers) clearTimeout(t);
      askTimers.clear();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await Promise.all(notifiers.map((n) => n.close()));
    },
  };
}

function rateOf(states: Map<string, RateState>, agent: string, window: number): RateState {
  let s = states.get(agent);
  if (s === undefined) {
    s = {
      ring: new Uint8Array(window),
      size: 0,
      pos: 0,
      inWindow: 0,
      beforeCalls: 0,
      beforeViolations: 0,
      latched: false,
    };
    states.set(agent, s);
  }
  return s;
}

/** Adds a call to the window; the call it pushes out joins the agent's baseline. */
function push(s: RateState, violated: boolean): void {
  if (s.size === s.ring.length) {
    const out = s.ring[s.pos]!;
    s.beforeCalls++;
    s.beforeViolations += out;
    s.inWindow -= out;
  } else s.size++;
  s.ring[s.pos] = violated ? 1 : 0;
  s.inWindow += violated ? 1 : 0;
  s.pos = (s.pos + 1) % s.ring.length;
}

function contextOf(call: MonitoredCall): Context {
  return {
    agent: call.agent,
    subject: call.subject,
    session: call.session,
    mandateId: call.mandateId,
    callId: call.callId,
    tool: call.tool,
  };
}

function contextOfRecord(r: AuditRecord): Context {
  return {
    agent: r.agent,
    subject: r.subject,
    session: r.session,
    mandateId: r.mandateId,
    callId: r.callId,
    tool: r.tool,
  };
}

function afterDoneMessage(mandateId: string, tool: string): string {
  return `mandate \`${mandateId}\` was used for \`${tool}\` after its task was marked done`;
}

function describeKey(key: string): string {
  if (key === "all") return "every call";
  const colon = key.indexOf(":");
  return `${key.slice(0, colon)} \`${key.slice(colon + 1)}\``;
}

function pct(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function alertRecord(alert: Alert, subject: string | null): AuditRecord {
  // An alert is a record of something seen, not a call that ran: `deny`/`not_run` keeps it out of what infer and
  // over-privilege learn from allowed calls.
  return {
    event: "decision",
    time: alert.time,
    mandateId: alert.mandateId ?? "-",
    subject,
    agent: alert.agent,
    session: alert.session,
    callId: alert.id,
    tool: ALERT_TOOL,
    args: alert,
    verdict: "deny",
    effect: "deny",
    mode: "enforce",
    delta: [],
    rule: null,
    reason: alert.message,
    approval: null,
    outcome: "not_run",
    error: null,
    latencyMs: 0,
  };
}

/** A breaker reset: who closed which breaker. */
export function resetRecord(key: string, by: string, closed: boolean, now: number): AuditRecord {
  return {
    event: "decision",
    time: new Date(now).toISOString(),
    mandateId: "-",
    subject: null,
    agent: key.startsWith("agent:") ? key.slice(6) : null,
    session: key.startsWith("session:") ? key.slice(8) : null,
    callId: randomUUID(),
    tool: RESET_TOOL,
    args: { key, closed },
    verdict: "allow",
    effect: "allow",
    mode: "enforce",
    delta: [],
    rule: null,
    reason: closed ? `breaker \`${key}\` reset by ${by}` : `breaker \`${key}\` was not open (reset by ${by})`,
    approval: { approver: "person", approved: true, by },
    outcome: "ok",
    error: null,
    latencyMs: 0,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
