/**
 * `mandate/ai-sdk`: Mandate for the Vercel AI SDK (`ai` ≥ 7). Guard a tool set with `guardTools`, feed the
 * conversation with `observeMessages`, and optionally answer `ask` through the SDK's own tool approval with
 * `ToolApprovals`. See docs/adapters/ai-sdk.md.
 */
export {
  type ApprovalToolCall,
  type MandateToolApproval,
  ToolApprovals,
  type ToolApprovalsOptions,
} from "./approvals.js";
export { observeMessages } from "./messages.js";
export {
  denialOutput,
  type GuardedTool,
  type GuardedToolSet,
  guardTools,
  type GuardToolsOptions,
  type ToolModelOutput,
} from "./tools.js";
