import { randomUUID } from "node:crypto";
import { type Catalog, createCatalog, type ToolDefinition } from "../core/catalog.js";
import { compile, type CompiledMandate } from "../core/compile.js";
import { REDACTED } from "../core/constraint.js";
import type { AttenuationGap } from "../core/attenuate.js";
import { budgetItem, type CheckedCall, checkCall } from "../core/decide.js";
import { proposeUpdate, type UpdateProposal } from "../core/update.js";
import type { AuthorityDeltaItem, Decision } from "../core/decision.js";
import type { Mandate } from "../core/mandate.js";
import { ObservationLog, type ObservationLogOptions } from "../core/provenance/index.js";
import type { ApprovalRequest, Approver } from "./approver.js";
import type { ApprovalTrail, AuditRecord, Outcome } from "./audit-record.js";
import { type Denial, denialMessage, MandateDeniedError } from "./denial.js";
import { type DeploymentPolicy, withinDeployment } from "./deployment.js";
import type { AuditLog, BudgetStore } from "./ports.js";
import type { CallObserver, GuardTelemetry } from "./telemetry.js";
import { withTimeout } from "./timeout.js";
import { createVerifierStage } from "../verifier/stage.js";
import type { Verifier } from "../verifier/verifier.js";
import { type GuardMonitor, observeSafely, withinBreaker } from "./monitor-hook.js";

export interface GuardTimeouts {
  /** Reserving, committing or releasing budget. Default 5 s. */
  readonly budgetMs?: number;
  /** Waiting for a person. Default 2 minutes; no answer in time is "no". */
  readonly approvalMs?: number;
  /** Appending to the audit log. Default 5 s. */
  readonly auditMs?: number;
}

export interface GuardOptions {
  /** A compiled mandate, or a mandate value (compiled here against `tools`). */
  readonly mandate: CompiledMandate | Mandate;
  /** The tool catalog calls are checked against; used when `mandate` is not compiled yet. */
  readonly tools?: Catalog | readonly ToolDefinition[];
  readonly audit: AuditLog;
  readonly budgets: BudgetStore;
  /** Who answers `ask`. Without one, `ask` is denied. */
  readonly approver?: Approver;
  /**
   * A second mandate every call must also satisfy — a deployment policy bounding per-session mandates: a call runs
   * only if both allow it (it is asked if either asks), and the budgets of both are reserved. Without a catalog of
   * its own it is compiled against `tools`.
   */
  readonly bound?: CompiledMandate | Mandate;
  /**
   * The organisation's policy every call must also pass (e.g. `cedarPolicy(text)` from `mandate/policy`): consulted
   * for calls the mandate does not deny; its `deny` wins, and if it throws the call is denied.
   */
  readonly deployment?: DeploymentPolicy;
  /** Overrides the mandate's own `mode`. `shadow` decides and audits every call but lets it run. */
  readonly mode?: "enforce" | "shadow";
  /** The agent session calls belong to, unless a call names its own. */
  readonly session?: string;
  /** `result` (default): a refused call resolves to a `Denial`. `throw`: it rejects with `MandateDeniedError`. */
  readonly onDeny?: "result" | "throw";
  readonly timeouts?: GuardTimeouts;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
  /** Bounds on what the session records for value-origin checks (default 4 MiB of text). */
  readonly observations?: ObservationLogOptions;
  /** Told of failures the Guard absorbed (a budget commit or an outcome record that could not be written). */
  readonly onError?: (error: Error, stage: "decide" | "budget" | "approval" | "audit") => void;
  /** Traces and measures every guarded call (e.g. `await openTelemetry()`). None by default. */
  readonly telemetry?: GuardTelemetry;
  /**
   * A second opinion on calls the mandate allowed (e.g. `openAiVerifier` from `mandate/verifier`): it sees the user's
   * words, the call and the latest tool outputs, and can turn `allow` into `ask` or `deny`, never the reverse. None
   * by default (then nothing is recorded for it or called).
   */
  readonly verifier?: Verifier;
  /** Runtime monitors (`createMonitors` in `mandate/monitor`): they observe each decision and can trip a breaker. */
  readonly monitors?: GuardMonitor;
}

export interface GuardCall {
  readonly tool: string;
  readonly args: unknown;
  /** Generated when absent. */
  readonly callId?: string;
  readonly session?: string;
}

export type Allowed<T> = {
  readonly denied: false;
  readonly verdict: "allow";
  readonly tool: string;
  readonly callId: string;
  readonly value: T;
  readonly decision: Decision;
};

export type GuardResult<T> = Allowed<T> | (Denial & { readonly decision: Decision });

export type ToolFunction<A, T> = (args: A) => T | Promise<T>;

export interface Guard {
  /** The mandate in force (it changes only through `updateMandate`). */
  readonly mandate: CompiledMandate;
  /**
   * Proposes a new mandate for the rest of the session. One that only narrows the mandate in force (proved with
   * `attenuate`) applies at once, and the replaced mandate keeps bounding every call, budgets included; one that
   * grants more goes to the approver (none: refused). Either way the attempt is audited (tool `mandate.update`).
   * The new mandate's own values are not observed as a trusted source: a model-proposed mandate cannot launder
   * values into `provenance: trusted`.
   */
  updateMandate(next: Mandate | CompiledMandate): Promise<MandateUpdate>;
  /** The mode in effect: the Guard's `mode` option, else the mandate's. In `shadow`, nothing is refused or asked. */
  readonly mode: "enforce" | "shadow";
  /**
   * Decides the call and runs `execute` only if it is allowed, with a deep-frozen copy of the checked arguments.
   * A tool that throws rejects with its own error (after its budget is released and its outcome audited).
   */
  run<T>(
    call: GuardCall,
    execute: (args: Readonly<Record<string, unknown>>) => T | Promise<T>,
  ): Promise<GuardResult<T>>;
  /** A guarded version of a tool function: it returns the tool's value, or a `Denial` the agent can read. */
  wrap<A extends object, T>(
    name: string,
    fn: ToolFunction<A, T>,
  ): (args: A, call?: { callId?: string; session?: string }) => Promise<T | Denial>;
  /** The decision alone, without budgets, approval, audit or running anything. */
  decide(call: GuardCall): Decision;
  /**
   * Records the user's own words as a trusted source, for value-origin requirements (`provenance`, `from`).
   * The Guard records the mandate itself, and every tool output it runs, by itself. Preview.
   */
  observeUser(text: string): void;
  /**
   * Records the output of a tool the Guard did not run itself: untrusted unless the mandate trusts the tool, or the
   * caller (which knows the tool, e.g. from its catalog) says it is trusted; sensitive when the mandate lists the
   * tool in `sensitiveTools` or the caller says so.
   */
  observeResult(
    tool: string,
    callId: string,
    output: unknown,
    options?: "trusted" | "untrusted" | ObserveResultOptions,
  ): void;
}

/** What a caller knows of an output it hands to `observeResult`. */
export interface ObserveResultOptions {
  readonly trust?: "trusted" | "untrusted";
  /** The output holds data that must not flow out (`flow` rules), whatever its trust. */
  readonly sensitive?: boolean;
}

/** The tool name audit records of mandate updates carry. */
export const UPDATE_TOOL = "mandate.update";

/** What `updateMandate` did. */
export interface MandateUpdate {
  readonly applied: boolean;
  /** `narrowing` applies by itself; `approved-widening` was approved; `widening` was refused; `invalid` is not a mandate. */
  readonly kind: "narrowing" | "approved-widening" | "widening" | "invalid";
  /** What the proposal grants beyond the mandate in force. */
  readonly wider: readonly AttenuationGap[];
  readonly reason?: string;
}

const DEFAULT_TIMEOUTS = { budgetMs: 5_000, approvalMs: 120_000, auditMs: 5_000 };

/**
 * The enforcement point (DESIGN.md §2): decide → reserve budget → ask a person → audit ahead → run → audit the
 * outcome. Every failure on the way to running the tool denies the call.
 */
export function createGuard(opts: GuardOptions): Guard {
  let compiled = isCompiled(opts.mandate)
    ? opts.mandate
    : compile(
        opts.mandate,
        opts.tools === undefined
          ? {}
          : { catalog: Array.isArray(opts.tools) ? createCatalog(opts.tools) : (opts.tools as Catalog) },
      );
  // Mandates every call must also satisfy: the `bound` option, then each mandate a narrowing update replaced (its
  // budgets keep counting, so narrowing can never hand out fresh budget).
  const bounds: CompiledMandate[] =
    opts.bound === undefined
      ? []
      : [
          isCompiled(opts.bound)
            ? opts.bound
            : compile(opts.bound, compiled.catalog === null ? {} : { catalog: compiled.catalog }),
        ];
  const clock = opts.clock ?? Date.now;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const mode = opts.mode ?? compiled.mode;
  const report = (error: unknown, stage: "decide" | "budget" | "approval" | "audit"): void => {
    try {
      opts.onError?.(error instanceof Error ? error : new Error(String(error)), stage);
    } catch {
      // A failing reporter must not change the outcome of the call.
    }
  };
  const meta = {
    subject: compiled.mandate.subject ?? null,
    agent: compiled.mandate.agent ?? null,
    task: compiled.mandate.task ?? null,
  };
  // What this session saw, with its trust: the mandate (trusted), the user's words, and tool outputs.
  const observations = new ObservationLog(opts.observations);
  observations.observe({ id: "mandate", trust: "trusted", kind: "mandate" }, compiled.mandate);
  let trustedTools = new Set(compiled.mandate.trustedTools ?? []);
  // Labels only accumulate: an update cannot make an output that was sensitive flow out.
  const sensitiveTools = new Set(compiled.mandate.sensitiveTools ?? []);
  let userMessages = 0;
  const verifying =
    opts.verifier === undefined
      ? null
      : createVerifierStage(opts.verifier, { onError: (error) => report(error, "decide") });
  const observeResult = (
    tool: string,
    callId: string,
    output: unknown,
    options?: "trusted" | "untrusted" | ObserveResultOptions,
  ): void => {
    try {
      const declared = typeof options === "string" ? { trust: options } : (options ?? {});
      const trust = declared.trust ?? (trustedTools.has(tool) ? "trusted" : "untrusted");
      // The mandate's list wins: a caller can add the label, never remove it.
      const sensitive = sensitiveTools.has(tool) || declared.sensitive === true;
      observations.observe(
        {
          id: `result:${callId}`,
          trust,
          kind: "tool",
          tool,
          callId,
          ...(sensitive ? { label: "sensitive" } : {}),
        },
        output,
      );
      verifying?.output(tool, callId, output, trust);
    } catch (error) {
      // An output that cannot be recorded makes later value-origin checks fail (closed); flow checks must not miss
      // it either, so the log says it is incomplete.
      observations.markIncomplete();
      report(error, "decide");
    }
  };

  function decideSafely(
    call: GuardCall,
    callId: string,
    session: string | null,
    now: number,
    usage?: ReadonlyMap<string, number>,
  ): CheckedCall {
    try {
      const toolCall = { tool: call.tool, args: call.args, callId, ...(session === null ? {} : { session }) };
      const context = usage === undefined ? { now, observations } : { now, usage, observations };
      let bounded = checkCall(compiled, toolCall, context);
      for (const b of bounds) {
        if (bounded.decision.verdict === "deny") break;
        bounded = within(bounded, checkCall(b, toolCall, context, false));
      }
      if (opts.deployment === undefined) return bounded;
      const mandate = { id: compiled.id, ...meta };
      const asked = { tool: bounded.decision.tool, args: bounded.args ?? {}, callId, session, mandate };
      return withinDeployment(bounded, opts.deployment, asked);
    } catch (error) {
      report(error, "decide");
      const tool = typeof call.tool === "string" ? call.tool : "";
      const item = failedClosed(`the decision failed: ${messageOf(error)}`);
      return {
        decision: {
          verdict: "deny",
          delta: [item],
          rule: null,
          mandateId: compiled.id,
          tool,
          callId,
          mode: compiled.mode,
          charges: [],
          reason: item.message,
          elapsedUs: 0,
        },
        args: null,
      };
    }
  }

  /** The call under both mandates: the policy's refusal wins, either's `ask` asks, both budgets are charged. */
  function within(own: CheckedCall, policy: CheckedCall): CheckedCall {
    const p = policy.decision;
    const d = own.decision;
    if (p.verdict === "deny") {
      return {
        decision: {
          ...d,
          verdict: "deny",
          delta: p.delta,
          rule: p.rule,
          charges: [],
          reason: `the deployment policy \`${p.mandateId}\` refuses it: ${p.reason}`,
        },
        args: own.args,
      };
    }
    const escalation = [...(d.escalation ?? []), ...(p.escalation ?? [])];
    return {
      decision: {
        ...d,
        verdict: d.verdict === "ask" || p.verdict === "ask" ? "ask" : "allow",
        charges: [...d.charges, ...p.charges],
        ...(d.verdict === "allow" && p.verdict === "ask"
          ? { reason: `the deployment policy \`${p.mandateId}\` needs approval: ${p.reason}` }
          : {}),
        ...(escalation.length > 0 ? { escalation } : {}),
      },
      args: own.args,
    };
  }

  async function run<T>(
    call: GuardCall,
    execute: (args: Readonly<Record<string, unknown>>) => T | Promise<T>,
  ): Promise<GuardResult<T>> {
    const callId = typeof call.callId === "string" && call.callId !== "" ? call.callId : randomUUID();
    const session = call.session ?? opts.session ?? null;
    const telemetry = opts.telemetry;
    if (telemetry === undefined) return runCall(call, callId, session, execute, null);
    const info = { tool: String(call.tool), mandateId: compiled.id, callId, session };
    return telemetry.call(info, (observer) => runCall(call, callId, session, execute, observer));
  }

  async function runCall<T>(
    call: GuardCall,
    callId: string,
    session: string | null,
    execute: (args: Readonly<Record<string, unknown>>) => T | Promise<T>,
    observer: CallObserver | null,
  ): Promise<GuardResult<T>> {
    const started = clock();
    const decided = (
      verdict: AuditRecord["verdict"],
      effect: AuditRecord["effect"],
      delta: AuditRecord["delta"],
    ) => {
      try {
        observer?.decided({ verdict, effect, delta });
      } catch {
        // Telemetry must not change the outcome of the call.
      }
    };
    let { decision, args } = decideSafely(call, callId, session, started);
    let approval: ApprovalTrail | null = null;
    let failure: string | null = null;
    let reservation: string | null = null;
    let failedDelta: readonly AuthorityDeltaItem[] | null = null;

    // Reserve the covering rule's budget atomically. When the store refuses (another call spent it first), decide
    // again knowing that usage: a later rule may still cover the call (an `ask` above an allowance), or the
    // denial now carries the budget item. Each retry adds a key, so this ends within the mandate's budget count.
    const usage = new Map<string, number>();
    while (decision.verdict !== "deny" && decision.charges.length > 0) {
      try {
        const charges = decision.charges;
        const reserved = await withTimeout(
          () => opts.budgets.reserve(charges),
          timeouts.budgetMs,
          "budget reservation",
        );
        if (reserved.ok) {
          reservation = reserved.reservation;
          break;
        }
        if (usage.get(reserved.charge.key) === reserved.used) {
          // The store refuses a charge the decider thinks fits: never loop on a disagreement.
          failedDelta = [budgetItem(reserved.charge, reserved.used, safeSecrets(compiled, decision.tool))];
          break;
        }
        usage.set(reserved.charge.key, reserved.used);
        ({ decision, args } = decideSafely(call, callId, session, started, usage));
      } catch (error) {
        report(error, "budget");
        failure = `budget store: ${messageOf(error)}`;
        failedDelta = [failedClosed(`the budget could not be reserved (${messageOf(error)})`, "budget")];
        break;
      }
    }
    if (opts.monitors !== undefined && failedDelta === null) {
      decision = await withinBreaker(decision, opts.monitors, { callId, session, ...meta, mode });
    }
    // The verifier is asked only about calls still allowed here: it can narrow, never grant.
    if (verifying !== null && failedDelta === null && decision.verdict === "allow") {
      ({ decision, args } = await verifying.check(
        { decision, args },
        { callId, session },
        { id: compiled.id, task: meta.task },
      ));
    }
    const secrets = safeSecrets(compiled, decision.tool);
    const delta = failedDelta ?? decision.delta;
    let effect: "allow" | "deny" = decision.verdict === "allow" && failedDelta === null ? "allow" : "deny";

    // In shadow mode nothing waits for a person: the call runs and the log says it would have needed one.
    if (decision.verdict === "ask" && failedDelta === null && mode === "enforce") {
      approval = await ask(decision, args, session, callId, secrets);
      if (approval.reason?.startsWith("failed: ")) failure = `approval: ${approval.reason.slice(8)}`;
      effect = approval.approved ? "allow" : "deny";
    }

    const runs = effect === "allow" || (mode === "shadow" && args !== null);
    const record: AuditRecord = {
      event: "decision",
      time: new Date(started).toISOString(),
      mandateId: compiled.id,
      subject: meta.subject,
      agent: meta.agent,
      session,
      callId,
      tool: decision.tool,
      args: args === null ? null : redact(args, secrets),
      verdict: decision.verdict,
      effect: runs ? "allow" : "deny",
      mode,
      delta,
      ...(decision.escalation === undefined ? {} : { escalation: decision.escalation }),
      rule: decision.rule,
      // What took effect, in words: a refused reservation or a person's "no" overrides the decider's reason.
      reason:
        failedDelta !== null
          ? failedDelta[0]!.message
          : approval !== null && !approval.approved
            ? `not approved: ${approval.reason ?? "no reason given"}`
            : decision.reason,
      approval,
      outcome: runs ? "pending" : "not_run",
      error: failure,
      latencyMs: clock() - started,
    };

    // Written ahead: if the decision cannot be recorded, the call does not run.
    try {
      await withTimeout(() => opts.audit.append(record), timeouts.auditMs, "audit append");
    } catch (error) {
      report(error, "audit");
      await settle(reservation, "release");
      const failed = [failedClosed(`the audit log could not record the decision (${messageOf(error)})`)];
      decided(decision.verdict, "deny", failed);
      return refuse(decision, callId, failed, "deny");
    }
    decided(record.verdict, record.effect, delta);
    observeSafely(opts.monitors, record);
    if (!runs) {
      await settle(reservation, "release");
      const verdict = decision.verdict === "ask" && failedDelta === null ? "ask" : "deny";
      const reason = approval && !approval.approved ? (approval.reason ?? "not approved") : decision.reason;
      return refuse(decision, callId, delta, verdict, reason);
    }

    let outcome: Outcome = "ok";
    let value: T | undefined;
    let thrown: { error: unknown } | null = null;
    try {
      value = await execute(args ?? {});
    } catch (error) {
      outcome = "error";
      thrown = { error };
    }
    await settle(reservation, outcome === "ok" ? "commit" : "release");
    if (outcome === "ok") observeResult(decision.tool, callId, value);
    try {
      await withTimeout(
        () =>
          opts.audit.append({
            ...record,
            event: "outcome",
            outcome,
            error: thrown ? messageOf(thrown.error) : null,
            latencyMs: clock() - started,
          }),
        timeouts.auditMs,
        "audit append",
      );
    } catch (error) {
      // The tool has run; nothing can undo it. The decision record written ahead still shows it was started.
      report(error, "audit");
    }
    if (thrown) throw thrown.error;
    return { denied: false, verdict: "allow", tool: decision.tool, callId, value: value as T, decision };
  }

  async function ask(
    decision: Decision,
    args: CheckedCall["args"],
    session: string | null,
    callId: string,
    secrets: ReadonlySet<string>,
  ): Promise<ApprovalTrail> {
    const approver = opts.approver;
    if (!approver) return { approver: "none", approved: false, reason: "no approver is configured" };
    const request: ApprovalRequest = {
      callId,
      tool: decision.tool,
      args: redact(args ?? {}, secrets),
      session,
      decision,
      mandate: { id: compiled.id, ...meta },
    };
    try {
      const answer = await withTimeout(
        (signal) => approver.approve(request, signal),
        timeouts.approvalMs,
        "approval",
      );
      return {
        approver: approver.name,
        approved: answer.approved === true,
        ...(answer.by === undefined ? {} : { by: answer.by }),
        ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      };
    } catch (error) {
      report(error, "approval");
      return { approver: approver.name, approved: false, reason: `failed: ${messageOf(error)}` };
    }
  }

  async function settle(reservation: string | null, how: "commit" | "release"): Promise<void> {
    if (reservation === null) return;
    try {
      await withTimeout(
        () => (how === "commit" ? opts.budgets.commit(reservation) : opts.budgets.release(reservation)),
        timeouts.budgetMs,
        `budget ${how}`,
      );
    } catch (error) {
      // An unreleased reservation expires by itself; an uncommitted one under-counts until then. Reported, not fatal.
      report(error, "budget");
    }
  }

  function refuse(
    decision: Decision,
    callId: string,
    delta: readonly AuthorityDeltaItem[],
    verdict: "deny" | "ask",
    reason = decision.reason,
  ): Denial & { decision: Decision } {
    const denial: Denial = {
      denied: true,
      verdict,
      tool: decision.tool,
      callId,
      delta,
      message: denialMessage(decision.tool, verdict, reason, delta),
    };
    if (opts.onDeny === "throw") throw new MandateDeniedError(denial, decision);
    return { ...denial, decision };
  }

  /** A proposed mandate for the rest of the session: narrowing applies, widening needs the approver. Audited. */
  async function updateMandate(next: Mandate | CompiledMandate): Promise<MandateUpdate> {
    const started = clock();
    const previous = compiled;
    let candidate: CompiledMandate;
    let proposal: UpdateProposal;
    try {
      candidate = isCompiled(next)
        ? next
        : compile(next, previous.catalog === null ? {} : { catalog: previous.catalog });
      proposal = proposeUpdate(previous, candidate, { now: started });
    } catch (error) {
      return finishUpdate(
        previous,
        null,
        { applied: false, kind: "invalid", reason: messageOf(error), wider: [] },
        started,
      );
    }
    if (proposal.kind === "narrowing") {
      bounds.push(previous);
      adopt(candidate);
      return finishUpdate(previous, candidate, { applied: true, kind: "narrowing", wider: [] }, started);
    }
    const wider = proposal.wider.map((g) => ({
      kind: "scope" as const,
      path: "",
      exercised: g.field,
      message: g.message,
    }));
    const approver = opts.approver;
    let answer: ApprovalTrail = { approver: "none", approved: false, reason: "no approver is configured" };
    if (approver !== undefined) {
      const decision: Decision = {
        verdict: "ask",
        delta: wider,
        rule: null,
        mandateId: previous.id,
        tool: UPDATE_TOOL,
        callId: randomUUID(),
        mode: previous.mode,
        charges: [],
        reason: `the update to \`${candidate.id}\` grants more than \`${previous.id}\``,
        elapsedUs: 0,
      };
      try {
        const a = await withTimeout(
          (signal) =>
            approver.approve(
              {
                callId: decision.callId,
                tool: UPDATE_TOOL,
                args: { from: previous.id, to: candidate.id, mandate: candidate.mandate },
                session: opts.session ?? null,
                decision,
                mandate: { id: previous.id, ...meta },
              },
              signal,
            ),
          timeouts.approvalMs,
          "approval",
        );
        answer = {
          approver: approver.name,
          approved: a.approved === true,
          ...(a.by === undefined ? {} : { by: a.by }),
          ...(a.reason === undefined ? {} : { reason: a.reason }),
        };
      } catch (error) {
        report(error, "approval");
        answer = { approver: approver.name, approved: false, reason: `failed: ${messageOf(error)}` };
      }
    }
    if (!answer.approved) {
      return finishUpdate(
        previous,
        candidate,
        { applied: false, kind: "widening", reason: answer.reason ?? "not approved", wider: proposal.wider },
        started,
        answer,
      );
    }
    // A person approved more authority: the new mandate replaces the old one (and its budgets start anew).
    adopt(candidate);
    return finishUpdate(
      previous,
      candidate,
      { applied: true, kind: "approved-widening", wider: proposal.wider },
      started,
      answer,
    );
  }

  function adopt(next: CompiledMandate): void {
    compiled = next;
    trustedTools = new Set(next.mandate.trustedTools ?? []);
    for (const t of next.mandate.sensitiveTools ?? []) sensitiveTools.add(t);
  }

  async function finishUpdate(
    previous: CompiledMandate,
    candidate: CompiledMandate | null,
    result: MandateUpdate,
    started: number,
    approval: ApprovalTrail | null = null,
  ): Promise<MandateUpdate> {
    const record: AuditRecord = {
      event: "decision",
      time: new Date(started).toISOString(),
      mandateId: previous.id,
      subject: meta.subject,
      agent: meta.agent,
      session: opts.session ?? null,
      callId: randomUUID(),
      tool: UPDATE_TOOL,
      args: { from: previous.id, to: candidate?.id ?? null },
      verdict: result.kind === "narrowing" ? "allow" : result.kind === "invalid" ? "deny" : "ask",
      effect: result.applied ? "allow" : "deny",
      mode,
      delta: result.wider.map((g) => ({ kind: "scope", path: "", exercised: g.field, message: g.message })),
      rule: null,
      reason: result.applied
        ? `mandate updated (${result.kind})`
        : `update refused: ${result.reason ?? result.kind}`,
      approval,
      outcome: result.applied ? "ok" : "not_run",
      error: null,
      latencyMs: clock() - started,
    };
    try {
      await withTimeout(() => opts.audit.append(record), timeouts.auditMs, "audit append");
    } catch (error) {
      report(error, "audit");
    }
    return result;
  }

  return {
    get mandate() {
      return compiled;
    },
    mode,
    updateMandate,
    run,
    wrap<A extends object, T>(name: string, fn: ToolFunction<A, T>) {
      return async (args: A, call?: { callId?: string; session?: string }): Promise<T | Denial> => {
        const result = await run<T>({ tool: name, args, ...call }, (checked) => fn(checked as A));
        if (result.denied) {
          const { decision: _decision, ...denial } = result;
          return denial;
        }
        return result.value;
      };
    },
    observeUser(text) {
      verifying?.user(text);
      observations.observe({ id: `user:${++userMessages}`, trust: "trusted", kind: "user" }, text);
    },
    observeResult,
    decide: (call) =>
      decideSafely(call, call.callId ?? randomUUID(), call.session ?? opts.session ?? null, clock()).decision,
  };
}

function isCompiled(m: CompiledMandate | Mandate): m is CompiledMandate {
  return typeof (m as CompiledMandate).planFor === "function";
}

function failedClosed(message: string, kind: AuthorityDeltaItem["kind"] = "policy"): AuthorityDeltaItem {
  return { kind, path: "", exercised: null, message: `failed closed: ${message}` };
}

function safeSecrets(compiled: CompiledMandate, tool: string): ReadonlySet<string> {
  try {
    return compiled.planFor(tool).secrets;
  } catch {
    return new Set();
  }
}

function redact(
  args: Readonly<Record<string, unknown>>,
  secrets: ReadonlySet<string>,
): Readonly<Record<string, unknown>> {
  if (secrets.size === 0) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = secrets.has(k) ? REDACTED : v;
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
