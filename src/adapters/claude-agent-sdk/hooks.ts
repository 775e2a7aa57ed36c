import type {
  HookCallback,
  HookCallbackMatcher,
  HookEvent,
  HookInput,
  McpServerProvenance,
  SyncHookJSONOutput,
} from "@anthropic-ai/claude-agent-sdk";
import type { Guard } from "../../guard/guard.js";
import {
  type ClaudeGuardOptions,
  denialText,
  failedClosed,
  namer,
  sessionOf,
  type ToolOrigin,
} from "./session.js";

/** Options of `mandateHooks`. */
export interface MandateHooksOptions extends ClaudeGuardOptions {
  /**
   * Seconds Claude Code waits for the `PreToolUse` hook, which may wait for the Guard's approver (when no
   * `mandateCanUseTool` is installed). Past it the call is blocked. Default 600.
   */
  readonly timeoutSeconds?: number;
}

/** Prompts a person or the host sent; not machine-injected turns (task notifications, wake-ups, peer messages). */
const USER_SOURCES = new Set([undefined, "user", "sdk"]);

/**
 * Hooks that put every tool call Claude Code makes — built-in tools and MCP tools alike, whatever the permission
 * mode — through the Guard, for `Options.hooks`:
 *
 * - `PreToolUse` decides the call (budget, approval, audit written ahead) and answers `allow` (with the arguments
 *   checked as `updatedInput`), `deny` (with the denial as the reason the model reads), or — for an `ask` verdict
 *   when `mandateCanUseTool` is installed for the same Guard — `ask`, so Claude Code asks `canUseTool`, which asks
 *   the Guard's approver. Without it, the hook waits for the approver itself. A failure of this hook blocks the call
 *   (`onFailure: "block"`).
 * - `PostToolUse` / `PostToolUseFailure` report the tool's result: the Guard audits the outcome and records the
 *   output as an untrusted observation for value-origin and flow rules.
 * - `UserPromptSubmit` records the user's prompt as trusted words (`guard.observeUser`).
 * - `PermissionDenied`, `Stop` and `SessionEnd` close calls Claude Code allowed but never ran.
 */
export function mandateHooks(
  guard: Guard,
  options: MandateHooksOptions = {},
): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  const session = sessionOf(guard);
  session.hooks = true;
  const toolName = namer(options);
  const nameOf = (
    input: { tool_name: string; mcp_server?: McpServerProvenance },
    fallback?: string,
  ): string => {
    try {
      return toolName(input.tool_name, origin(input.mcp_server));
    } catch (error) {
      if (fallback === undefined) throw error;
      return fallback;
    }
  };

  const preToolUse: HookCallback = async (input, _toolUseID, { signal }) => {
    if (input.hook_event_name !== "PreToolUse") return {};
    try {
      const call = { tool: nameOf(input), args: input.tool_input, callId: input.tool_use_id };
      if (session.canUseTool) {
        // Claude Code's own permission prompt is `canUseTool`: a person is asked there, on the same call.
        const preview = guard.decide(call);
        if (preview.verdict === "ask") return pre("ask", preview.reason);
      }
      const admission = await session.admit(call, signal, true);
      if (!admission.allowed) return pre("deny", denialText(admission.denial));
      session.allowed.set(call.callId, admission.args);
      return pre("allow", "within the mandate", admission.args);
    } catch (error) {
      // Only a `toolName` of the host's can throw here: the call is refused, not let through.
      return pre("deny", failedClosed(input.tool_name, error));
    }
  };

  const postToolUse: HookCallback = async (input) => {
    if (input.hook_event_name !== "PostToolUse") return {};
    const reported = await session.finish(input.tool_use_id, input.tool_response);
    // A call the Guard did not decide (none of ours saw it): its output is still something the session saw.
    if (!reported)
      guard.observeResult(nameOf(input, input.tool_name), input.tool_use_id, input.tool_response);
    return {};
  };

  const postToolUseFailure: HookCallback = async (input) => {
    if (input.hook_event_name === "PostToolUseFailure") await session.fail(input.tool_use_id, input.error);
    return {};
  };

  const permissionDenied: HookCallback = async (input) => {
    if (input.hook_event_name === "PermissionDenied")
      await session.fail(input.tool_use_id, `Claude Code refused the call: ${input.reason}`);
    return {};
  };

  const ended: HookCallback = async (input) => {
    // Background work (a subagent still running) may yet report its calls; the session's end closes them all.
    const idle = input.hook_event_name !== "Stop" || (input.background_tasks ?? []).length === 0;
    if (idle) await session.failAll("Claude Code did not report the result of the call");
    return {};
  };

  const userPromptSubmit: HookCallback = async (input: HookInput) => {
    if (input.hook_event_name === "UserPromptSubmit" && USER_SOURCES.has(input.source))
      guard.observeUser(input.prompt);
    return {};
  };

  return {
    UserPromptSubmit: [{ hooks: [userPromptSubmit] }],
    PreToolUse: [{ hooks: [preToolUse], onFailure: "block", timeout: options.timeoutSeconds ?? 600 }],
    PostToolUse: [{ hooks: [postToolUse] }],
    PostToolUseFailure: [{ hooks: [postToolUseFailure] }],
    PermissionDenied: [{ hooks: [permissionDenied] }],
    Stop: [{ hooks: [ended] }],
    SessionEnd: [{ hooks: [ended] }],
  };
}

function pre(
  permissionDecision: "allow" | "deny" | "ask",
  permissionDecisionReason: string,
  updatedInput?: Record<string, unknown>,
): SyncHookJSONOutput {
  return {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision,
      permissionDecisionReason,
      ...(updatedInput === undefined ? {} : { updatedInput }),
    },
  };
}

function origin(mcpServer: McpServerProvenance | undefined): ToolOrigin {
  return mcpServer === undefined ? {} : { mcpServer };
}
