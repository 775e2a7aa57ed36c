import type { ModelMessage, ToolApprovalStatus } from "ai";
import canonicalize from "canonicalize";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "../../guard/approver.js";
import type { Guard } from "../../guard/guard.js";

export interface ToolApprovalsOptions {
  /** How long a request shown through the AI SDK stays answerable. Default 15 minutes. */
  readonly ttlMs?: number;
  /** Who answers through the SDK, for the audit log (e.g. `user:alice`). Default `ai-sdk`. */
  readonly by?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock?: () => number;
}

/** The part of a tool call that `toolApproval` receives and Mandate needs. */
export interface ApprovalToolCall {
  readonly toolName: string;
  readonly toolCallId: string;
  readonly input: unknown;
}

/**
 * The shape of the AI SDK's `GenericToolApprovalFunction`, narrowed to what Mandate reads, so that it fits the
 * `toolApproval` option of `generateText`, `streamText` and `ToolLoopAgent` whatever their tool set.
 */
export type MandateToolApproval = (options: {
  readonly toolCall: ApprovalToolCall;
  readonly tools: Readonly<Record<string, unknown>> | undefined;
  readonly messages: readonly ModelMessage[];
}) => Promise<ToolApprovalStatus>;

/** A request Mandate had the AI SDK show a person: bound to one call id, one tool and one exact input. */
interface Pending {
  readonly tool: string;
  readonly input: unknown;
  readonly key: string;
  readonly expires: number;
}

/** The AI SDK's answer to one pending request, checked and waiting for the Guard to ask for it. */
interface Ticket {
  readonly tool: string;
  readonly approved: boolean;
  readonly reason: string;
}

interface Served {
  readonly guard: Guard;
  readonly name: string;
}

const DEFAULT_TTL_MS = 15 * 60_000;

/** Guarded tools and the approvals that serve them (set by `guardTools`). */
const servedTools = new WeakMap<object, { approvals: ToolApprovals; served: Served }>();
const approvalsOfGuard = new WeakMap<Guard, ToolApprovals>();

/**
 * Answers Mandate's `ask` with the AI SDK's own tool approval (`tool-approval-request` → a person →
 * `tool-approval-response`), instead of an approver that blocks inside the tool call.
 *
 * Give it to the Guard as its approver and to `guardTools`, and pass `toolApproval` to `generateText`,
 * `streamText` or `ToolLoopAgent`. A call the mandate sends to a person then ends the run with an approval request;
 * the next run, given the person's answer, executes it. The answer counts only for the exact call Mandate asked
 * about (tool call id, tool and input), once, before it expires; the Guard decides the call again when it runs, so
 * an approval never runs a call the mandate denies.
 */
export class ToolApprovals implements Approver {
  readonly name = "ai-sdk";
  readonly #pending = new Map<string, Pending>();
  readonly #tickets = new Map<string, Ticket>();
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #by: string;
  #guard: Guard | null = null;

  constructor(options: ToolApprovalsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#clock = options.clock ?? Date.now;
    this.#by = options.by ?? "ai-sdk";
  }

  /**
   * The `toolApproval` setting for the AI SDK: `user-approval` when the mandate says `ask`, with the reason for the
   * person; nothing otherwise (an allowed call runs, a denied one is refused by the Guard with its delta).
   */
  readonly toolApproval: MandateToolApproval = async ({ toolCall, tools, messages }) => {
    const tool = tools?.[toolCall.toolName];
    const served = typeof tool === "object" && tool !== null ? servedTools.get(tool) : undefined;
    if (served === undefined || served.approvals !== this) return undefined;
    const { guard, name } = served.served;
    const decision = guard.decide({ tool: name, args: toolCall.input, callId: toolCall.toolCallId });
    if (decision.verdict !== "ask") return undefined;
    // The SDK asks again when it replays an approved call from the history: that replay must not issue a request.
    if (!inHistory(messages, toolCall.toolCallId)) this.#issue(name, toolCall);
    const why = [decision.reason, ...(decision.escalation ?? []).map((item) => item.message)];
    return { type: "user-approval", reason: why.join("\n") };
  };

  async approve(request: ApprovalRequest): Promise<ApprovalAnswer> {
    const ticket = this.#tickets.get(request.callId);
    this.#tickets.delete(request.callId);
    if (ticket === undefined || ticket.tool !== request.tool)
      return { approved: false, reason: "no approval was given through the AI SDK for this call" };
    return { approved: ticket.approved, by: this.#by, reason: ticket.reason };
  }

  #issue(tool: string, call: ApprovalToolCall): void {
    const now = this.#clock();
    for (const [id, pending] of this.#pending) if (pending.expires <= now) this.#pending.delete(id);
    const key = keyOf(call.input);
    const input = cloneOf(call.input);
    const existing = this.#pending.get(call.toolCallId);
    if (
      key === null ||
      input === undefined ||
      (existing !== undefined && (existing.tool !== tool || existing.key !== key))
    ) {
      // An input that cannot be compared cannot be approved; one call id for two different calls: neither may be
      // approved by an answer meant for the other.
      this.#pending.delete(call.toolCallId);
      return;
    }
    this.#pending.set(call.toolCallId, { tool, input: input.value, key, expires: now + this.#ttlMs });
  }

  /**
   * @internal Before a guarded tool runs: turns the person's answer in `messages` into a ticket for the Guard, if it
   * answers the request Mandate issued for exactly this call. The request is used up either way.
   */
  claim(tool: string, callId: string, input: unknown, messages: readonly ModelMessage[]): void {
    const pending = this.#pending.get(callId);
    this.#pending.delete(callId);
    this.#tickets.delete(callId);
    if (pending === undefined || pending.tool !== tool || pending.expires <= this.#clock()) return;
    if (keyOf(input) !== pending.key) return;
    const answer = answerIn(messages, callId, "last");
    if (answer === undefined) return;
    this.#tickets.set(callId, { tool, ...answer });
  }

  /** @internal After the Guard has run (or refused) the call: an unused ticket never carries over. */
  release(callId: string): void {
    this.#tickets.delete(callId);
  }

  /**
   * @internal Audits the refusals a person gave through the AI SDK (called by `observeMessages`): the SDK answers
   * those itself, without running the tool, so the Guard would not see them otherwise. A refusal counts wherever it
   * is in the history; it can only keep a call from running.
   */
  async recordRefusals(messages: readonly ModelMessage[]): Promise<void> {
    const guard = this.#guard;
    if (guard === null) return;
    for (const [callId, pending] of [...this.#pending]) {
      const answer = answerIn(messages, callId, "any");
      if (answer === undefined || answer.approved) continue;
      this.#pending.delete(callId);
      this.#tickets.set(callId, { tool: pending.tool, ...answer });
      try {
        await guard.run({ tool: pending.tool, args: pending.input, callId }, () => {
          // Reached only if the mandate no longer needs a person for this call; the person said no.
          throw new Error("refused through the AI SDK: not run");
        });
      } catch {
        // Recorded in the audit log as the call's outcome; nothing ran.
      } finally {
        this.release(callId);
      }
    }
  }

  /** @internal Ties these approvals to the guard whose tools they answer for (one guard each). */
  serve(tool: object, guard: Guard, name: string): void {
    if (this.#guard !== null && this.#guard !== guard)
      throw new Error("these tool approvals already answer for another guard: create one per guard");
    this.#guard = guard;
    approvalsOfGuard.set(guard, this);
    servedTools.set(tool, { approvals: this, served: { guard, name } });
  }
}

/** The approvals that answer for a guard's tools, if `guardTools` was given any. */
export function approvalsOf(guard: Guard): ToolApprovals | undefined {
  return approvalsOfGuard.get(guard);
}

/** The same input, whatever its key order; `null` when it cannot be compared (and so cannot be approved). */
function keyOf(input: unknown): string | null {
  try {
    return canonicalize(input) ?? null;
  } catch {
    return null;
  }
}

function cloneOf(value: unknown): { value: unknown } | undefined {
  try {
    return { value: structuredClone(value) };
  } catch {
    return undefined;
  }
}

/** Whether the history already holds this call: the SDK is replaying it, not the model proposing it. */
function inHistory(messages: readonly ModelMessage[], callId: string): boolean {
  return messages.some(
    (m) =>
      m.role === "assistant" &&
      typeof m.content !== "string" &&
      m.content.some((part) => part.type === "tool-call" && part.toolCallId === callId),
  );
}

/**
 * The person's answer to the approval request for `callId`: the first response to a request for that call in the
 * last message, as the SDK reads it before running a call (`last`), or anywhere in the history (`any`).
 */
function answerIn(
  messages: readonly ModelMessage[],
  callId: string,
  where: "last" | "any",
): { approved: boolean; reason: string } | undefined {
  const last = messages.at(-1);
  const answers = where === "any" ? messages : last === undefined ? [] : [last];
  const requests = new Set<string>();
  for (const m of messages)
    if (m.role === "assistant" && typeof m.content !== "string")
      for (const part of m.content)
        if (part.type === "tool-approval-request" && part.toolCallId === callId)
          requests.add(part.approvalId);
  for (const m of answers) {
    if (m.role !== "tool") continue;
    for (const part of m.content)
      if (part.type === "tool-approval-response" && requests.has(part.approvalId)) {
        const approved = part.approved === true;
        return { approved, reason: part.reason ?? `${approved ? "approved" : "refused"} through the AI SDK` };
      }
  }
  return undefined;
}
