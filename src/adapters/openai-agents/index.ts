/**
 * Mandate for the OpenAI Agents SDK (`@openai/agents`): guarded function tools, the SDK's human-in-the-loop as the
 * Guard's approver, and the user's input recorded for value-origin checks.
 */
export { type InterruptedRunState, RunApprovals, type RunApprovalsOptions } from "./approvals.js";
export { observeUserInput } from "./input.js";
export { denialOf, type GuardToolOptions, guardTool, guardTools, type MandateCustomData } from "./tools.js";
