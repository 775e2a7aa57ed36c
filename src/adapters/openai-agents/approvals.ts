import type { RunToolApprovalItem } from "@openai/agents";
import canonicalize from "canonicalize";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "../../guard/approver.js";
import type { Denial } from "../../guard/denial.js";
import type { Guard } from "../../guard/guard.js";

export interface RunApprovalsOptions {
  /** How long an interruption Mandate raised stays answerable. Default 15 minutes. */
  readonly ttlMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
}

/** What `RunState` offers to answer an interruption (any `RunState<Context, Agent>` fits). */
export interface InterruptedRunState {
  approve(item: RunToolApprovalItem): void;
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
}

/** An interruption Mandate raised: bound to one call id, one tool and one exact input. */
interface Pending {
  readonly tool: string;
  readonly args: unknown;
  readonly key: string;
  readonly expires: number;
  by?: string;
}

/** A person's answer to one pending interruption, waiting for the Guard to ask for it. */
interface Ticket {
  readonly tool: string;
  readonly approved: boolean;
  readonly by?: string;
  readonly reason: string;
}

const DEFAULT_TTL_MS = 15 * 60_000;
const APPROVED = "approved through the run's interruption";

/**
 * Answers Mandate's `ask` with the Agents SDK's own human-in-the-loop — `needsApproval`, `result.interruptions`,
 * `state.approve(item)` / `state.reject(item)`, then `run(agent, result.state)` — instead of an approver that
 * blocks inside the tool call.
 *
 * Give it to the Guard as its approver and to `guardTools` as `approvals`. A call the mandate sends to a person
 * then ends the run with an interruption; once it is approved, the resumed run executes it. An approval counts only
 * for the exact call Mandate raised the interruption for (call id, tool and input), once, before it expires — a
 * standing `alwaysApprove` approves no other call — and the Guard decides the call again when it runs, so an
 * approval never runs a call the mandate denies by then (a spent budget, an expired mandate).
 */
export class RunApprovals implements Approver {
  readonly name = "openai-agents";
  readonly #pending = new Map<string, Pending>();
  readonly #tickets = new Map<string, Ticket>();
  readonly #ttlMs: number;
  readonly #clock: () => number;
  #guard: Guard | null = null;

  constructor(options: RunApprovalsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#clock = options.clock ?? Date.now;
  }

  /** The Guard asks for the answer to an `ask`: only a claimed approval of this very call says yes. */
  async approve(request: ApprovalRequest): Promise<ApprovalAnswer> {
    const ticket = this.#tickets.get(request.callId);
    this.#tickets.delete(request.callId);
    if (ticket === undefined || ticket.tool !== request.tool)
      return { approved: false, reason: "no person approved this call through the run's interruptions" };
    return {
      approved: ticket.approved,
      reason: ticket.reason,
      ...(ticket.by === undefined ? {} : { by: ticket.by }),
    };
  }

  /**
   * Approves an interruption Mandate raised, naming who approved it for the audit log; then resume the run with
   * `run(agent, result.state)`. (`state.approve(item)` works as well, without a name.)
   */
  approveCall(state: InterruptedRunState, item: RunToolApprovalItem, options: { by?: string } = {}): void {
    const pending = this.#pendingFor(item);
    if (pending !== undefined && options.by !== undefined) pending.by = options.by;
    state.approve(item);
  }

  /**
   * Refuses an interruption: the Guard audits the refusal, and the model reads Mandate's denial instead of the SDK's
   * generic rejection text. (`state.reject(item)` refuses too — the tool never runs — but the Guard does not see it.)
   * Resolves to the denial the model will read, or `null` for an interruption Mandate did not raise.
   */
  async rejectCall(
    state: InterruptedRunState,
    item: RunToolApprovalItem,
    options: { reason?: string; by?: string } = {},
  ): Promise<Denial | null> {
    const pending = this.#pendingFor(item);
    const guard = this.#guard;
    if (pending === undefined || guard === null || item.rawItem.type !== "function_call") {
      state.reject(item, options.reason === undefined ? {} : { message: options.reason });
      return null;
    }
    const callId = item.rawItem.callId;
    const reason = options.reason ?? "refused by a person";
    this.#pending.delete(callId);
    this.#tickets.set(callId, {
      tool: pending.tool,
      approved: false,
      reason,
      ...(options.by === undefined ? {} : { by: options.by }),
    });
    let denial: Denial | null = null;
    try {
      const result = await guard.run({ tool: pending.tool, args: pending.args, callId }, () => {
        // Reached only if the mandate no longer needs a person for this call; the person said no.
        throw new Error("refused through the run's interruption: not run");
      });
      if (result.denied) {
        const { decision: _decision, ...rest } = result;
        denial = rest;
      }
    } catch {
      // Recorded in the audit log as the call's outcome; nothing ran.
    } finally {
      this.#tickets.delete(callId);
    }
    state.reject(item, {
      message: denial?.message ?? `The call to \`${pending.tool}\` was not approved: ${reason}.`,
    });
    return denial;
  }

  /** From a guarded tool's `needsApproval`, when the mandate says `ask`: remembers the exact call it asks about. */
  issue(tool: string, callId: string, args: unknown): void {
    const now = this.#clock();
    for (const [id, pending] of this.#pending) if (pending.expires <= now) this.#pending.delete(id);
    const key = keyOf(args);
    const existing = this.#pending.get(callId);
    if (key === null || (existing !== undefined && (existing.tool !== tool || existing.key !== key))) {
      // One call id, two different calls: neither may be approved by an answer meant for the other.
      this.#pending.delete(callId);
      return;
    }
    if (existing === undefined)
      this.#pending.set(callId, { tool, args: structuredClone(args), key, expires: now + this.#ttlMs });
  }

  /**
   * Before a guarded tool runs. The SDK runs a call it interrupted only once a person approved it, so the call
   * reaching the tool is the approval — if it is exactly the call Mandate raised the interruption for (call id, tool,
   * input) and in time; then a ticket waits for the Guard to ask. The interruption is used up either way.
   */
  claim(tool: string, callId: string, args: unknown): void {
    const pending = this.#pending.get(callId);
    this.#pending.delete(callId);
    this.#tickets.delete(callId);
    if (pending === undefined || pending.tool !== tool) return;
    const by = pending.by === undefined ? {} : { by: pending.by };
    if (pending.expires <= this.#clock())
      this.#tickets.set(callId, {
        tool,
        approved: false,
        reason: "the approval came after it expired",
        ...by,
      });
    else if (keyOf(args) !== pending.key)
      this.#tickets.set(callId, {
        tool,
        approved: false,
        reason: "the arguments are not those of the call a person was asked about",
        ...by,
      });
    else this.#tickets.set(callId, { tool, approved: true, reason: APPROVED, ...by });
  }

  /** After the Guard has run (or refused) the call: an unused ticket never carries over. */
  release(callId: string): void {
    this.#tickets.delete(callId);
  }

  /** Ties these approvals to the Guard whose tools they answer for (one Guard each). */
  serve(guard: Guard): void {
    if (this.#guard !== null && this.#guard !== guard)
      throw new Error("these run approvals already answer for another guard: create one per guard");
    this.#guard = guard;
  }

  #pendingFor(item: RunToolApprovalItem): Pending | undefined {
    const raw = item.rawItem;
    const pending = raw.type === "function_call" ? this.#pending.get(raw.callId) : undefined;
    // The bare name: a namespaced call's item is named `namespace.tool`.
    if (pending === undefined || raw.type !== "function_call" || raw.name !== pending.tool) return undefined;
    // The item shown to the person must be the call Mandate asked about, argument for argument.
    const args = parseArguments(raw.arguments);
    return keyOf(args) === pending.key ? pending : undefined;
  }
}

/** The arguments the model sent, as Mandate checks them; the raw text when it is not JSON (which the Guard denies). */
export function parseArguments(input: string): unknown {
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** The same input, whatever its key order; `null` when it cannot be compared (and so cannot be approved). */
function keyOf(input: unknown): string | null {
  try {
    return canonicalize(input) ?? null;
  } catch {
    return null;
  }
}
