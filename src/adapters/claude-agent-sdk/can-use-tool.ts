import { isDeepStrictEqual } from "node:util";
import type { CanUseTool } from "@anthropic-ai/claude-agent-sdk";
import type { Guard } from "../../guard/guard.js";
import { type ClaudeGuardOptions, denialText, failedClosed, namer, sessionOf } from "./session.js";

/**
 * A `canUseTool` callback (Claude Code's permission prompt) that puts the call through the Guard: `allow` with the
 * arguments checked as `updatedInput`, or `deny` with the denial as the message the model reads. On an `ask`
 * verdict it waits for the Guard's approver — the callback may take as long as a person needs.
 *
 * Claude Code asks `canUseTool` only about calls its own rules and permission mode left open: tools listed in
 * `allowedTools`, edits under `acceptEdits`, or anything under `bypassPermissions` never reach it. Install
 * `mandateHooks` for the same Guard as well: the hooks see every call, and report each tool's result, so the audit
 * log records the real outcome and the output is observed. Without them, the outcome recorded is that the call
 * was handed to Claude Code.
 */
export function mandateCanUseTool(guard: Guard, options: ClaudeGuardOptions = {}): CanUseTool {
  const session = sessionOf(guard);
  session.canUseTool = true;
  const toolName = namer(options);
  return async (name, input, { signal, toolUseID, mcpServer }) => {
    const checked = session.allowed.get(toolUseID);
    if (checked !== undefined) {
      // The PreToolUse hook admitted this call already; Claude Code asks anyway (an `ask` rule of its own). The
      // Guard's answer stands for the arguments it checked, and only for those.
      if (isDeepStrictEqual(input, checked))
        return { behavior: "allow", updatedInput: { ...checked }, toolUseID };
      return {
        behavior: "deny",
        message: `The call to \`${name}\` was not run: its arguments changed after the mandate was checked.`,
        toolUseID,
      };
    }
    let tool: string;
    try {
      tool = toolName(name, mcpServer === undefined ? {} : { mcpServer });
    } catch (error) {
      return { behavior: "deny", message: failedClosed(name, error), toolUseID };
    }
    const call = { tool, args: input, callId: toolUseID };
    const admission = await session.admit(call, signal, session.hooks);
    return admission.allowed
      ? { behavior: "allow", updatedInput: admission.args, toolUseID }
      : { behavior: "deny", message: denialText(admission.denial), toolUseID };
  };
}
