/**
 * Mandate for the Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`): every tool call Claude Code makes — `Bash`,
 * `Write`, `mcp__<server>__<tool>` — passes the Guard before it runs.
 *
 * ```ts
 * const guard = createGuard({ mandate, approver });
 * query({ prompt, options: { canUseTool: mandateCanUseTool(guard), hooks: mandateHooks(guard) } });
 * ```
 *
 * Only types are imported from the SDK: this entry loads nothing of it at run time.
 */
export { mandateCanUseTool } from "./can-use-tool.js";
export { mandateHooks, type MandateHooksOptions } from "./hooks.js";
export { type ClaudeGuardOptions, denialText, type ToolOrigin } from "./session.js";
