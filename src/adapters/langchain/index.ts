/**
 * Mandate for LangChain.js: `guardTool`/`guardTools` wrap tools so each call passes the Guard, and
 * `mandateMiddleware` puts the Guard on every tool call of a `createAgent` agent and feeds it the user's words.
 * Needs `@langchain/core` (tools) and `langchain` (middleware).
 */
export { mandateMiddleware } from "./middleware.js";
export { denialToolMessage } from "./run.js";
export { type GuardableTool, type GuardedSchema, GuardedTool, guardTool, guardTools } from "./tool.js";
