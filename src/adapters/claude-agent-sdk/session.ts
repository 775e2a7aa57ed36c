import type { McpServerProvenance } from "@anthropic-ai/claude-agent-sdk";
import { type Denial, MandateDeniedError } from "../../guard/denial.js";
import type { Guard } from "../../guard/guard.js";

/** Where Claude Code says a tool comes from: the MCP server serving it, absent for a built-in tool. */
export interface ToolOrigin {
  readonly mcpServer?: McpServerProvenance;
}

/** Options shared by `mandateCanUseTool` and `mandateHooks`; pass the same ones to both. */
export interface ClaudeGuardOptions {
  /**
   * The mandate's name for the tool Claude Code calls `name`. Default: the name exactly as Claude Code spells it —
   * `Bash`, `Write`, `mcp__<server>__<tool>` — so a rule can never match a tool of another MCP server by accident.
   */
  readonly toolName?: (name: string, origin: ToolOrigin) => string;
}

/** A Claude Code tool call, named for the mandate. */
export interface ClaudeCall {
  readonly tool: string;
  readonly args: unknown;
  /** Claude Code's tool-use id: the call id in the audit log. */
  readonly callId: string;
}

/** What the Guard said: run the call with exactly these arguments, or the denial to hand to the model. */
export type Admission =
  | { readonly allowed: true; readonly args: Record<string, unknown> }
  | { readonly allowed: false; readonly denial: Denial };

interface Running {
  readonly finish: (output: unknown) => void;
  readonly fail: (error: Error) => void;
  /** Settles when the Guard has recorded the outcome (and observed the output). */
  readonly recorded: () => Promise<void>;
}

/**
 * One Guard's view of a Claude Code session, shared by its `canUseTool` callback and its hooks. Claude Code runs
 * the tools itself, so an allowed call's `guard.run` stays open until a hook reports the tool's result: the audit
 * log then holds the decision (written before the tool runs) and the outcome.
 */
export class ClaudeSession {
  /** `mandateHooks` was installed: tool results arrive through `PostToolUse`. */
  hooks = false;
  /** `mandateCanUseTool` was installed: an `ask` can be left to Claude Code's permission prompt. */
  canUseTool = false;
  /** Calls a `PreToolUse` hook allowed, with the arguments checked, should Claude Code still ask `canUseTool`. */
  readonly allowed = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly running = new Map<string, Running>();

  constructor(readonly guard: Guard) {}

  /**
   * Decides the call through `guard.run` (budget, approval, audit ahead) and resolves as soon as the call may run or
   * is refused. With `awaitResult`, the Guard's run stays open until `finish`/`fail` reports the tool's result;
   * without, the outcome is recorded as the call being handed to Claude Code.
   */
  admit(call: ClaudeCall, signal: AbortSignal | undefined, awaitResult: boolean): Promise<Admission> {
    return new Promise<Admission>((resolve) => {
      let admitted = false;
      let abandoned = false;
      const onAbort = (): void => {
        abandoned = true;
        resolve(refusal(call, "Claude Code stopped waiting for the decision"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();

      let recorded: Promise<void> = Promise.resolve();
      const run = this.guard.run(call, (args) => {
        admitted = true;
        signal?.removeEventListener("abort", onAbort);
        // An approval that came after Claude Code gave up must not leave a call open that will never run.
        if (abandoned) throw new Error("Claude Code stopped waiting for the decision; the tool was not run");
        const checked = { ...args };
        if (!awaitResult) {
          resolve({ allowed: true, args: checked });
          return undefined;
        }
        return new Promise<unknown>((finish, fail) => {
          this.running.set(call.callId, { finish, fail, recorded: () => recorded });
          resolve({ allowed: true, args: checked });
        });
      });
      recorded = run.then(
        () => undefined,
        () => undefined,
      );
      run.then(
        (result) => {
          signal?.removeEventListener("abort", onAbort);
          if (result.denied) {
            const { decision: _decision, ...denial } = result;
            resolve({ allowed: false, denial });
          }
        },
        (error: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          // After the call was admitted, a failure is the tool's own, and the Guard has audited it.
          if (admitted) return;
          resolve(
            error instanceof MandateDeniedError
              ? { allowed: false, denial: error.denial }
              : refusal(call, `the guard failed: ${error instanceof Error ? error.message : String(error)}`),
          );
        },
      );
    });
  }

  /** Reports a running call's output; resolves once the Guard has observed it and audited the outcome. */
  async finish(callId: string, output: unknown): Promise<boolean> {
    const running = this.take(callId);
    if (!running) return false;
    running.finish(output);
    await running.recorded();
    return true;
  }

  /** Reports that a running call failed or never ran; its budget is released and the error audited. */
  async fail(callId: string, message: string): Promise<void> {
    const running = this.take(callId);
    if (!running) return;
    running.fail(new Error(message));
    await running.recorded();
  }

  /** Closes every call still open, e.g. when the turn ends without Claude Code having reported one. */
  async failAll(message: string): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.fail(id, message)));
  }

  private take(callId: string): Running | undefined {
    const running = this.running.get(callId);
    this.running.delete(callId);
    this.allowed.delete(callId);
    return running;
  }
}

const sessions = new WeakMap<Guard, ClaudeSession>();

/** The session of a Guard: a Guard is one agent session, so its callback and hooks share one. */
export function sessionOf(guard: Guard): ClaudeSession {
  let session = sessions.get(guard);
  if (!session) {
    session = new ClaudeSession(guard);
    sessions.set(guard, session);
  }
  return session;
}

export function namer(options: ClaudeGuardOptions): (name: string, origin: ToolOrigin) => string {
  return options.toolName ?? ((name) => name);
}

/**
 * The text the model reads for a refused call: the denial's message, then the denial itself as JSON (verdict and
 * authority delta), since Claude Code hands the model a string.
 */
export function denialText(denial: Denial): string {
  const structured = {
    verdict: denial.verdict,
    tool: denial.tool,
    callId: denial.callId,
    delta: denial.delta,
  };
  return `${denial.message}\nmandate-denial: ${JSON.stringify(structured)}`;
}

/** The text for a call refused because something on the way to deciding it failed. */
export function failedClosed(tool: string, error: unknown): string {
  return `The call to \`${tool}\` was not run: failed closed: ${error instanceof Error ? error.message : String(error)}.`;
}

function refusal(call: ClaudeCall, reason: string): Admission {
  const delta = [{ kind: "policy" as const, path: "", exercised: null, message: `failed closed: ${reason}` }];
  return {
    allowed: false,
    denial: {
      denied: true,
      verdict: "deny",
      tool: call.tool,
      callId: call.callId,
      delta,
      message: `The call to \`${call.tool}\` was not run: ${reason}.`,
    },
  };
}
