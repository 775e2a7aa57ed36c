/** One proposed invocation of a tool by an agent. */
export interface ToolCall {
  readonly tool: string;
  /** The arguments as the agent proposed them. Untrusted: checked before anything runs. */
  readonly args: unknown;
  /** Unique per call; binds approvals and audit records to this exact call. */
  readonly callId: string;
  /** The agent session the call belongs to, when known. */
  readonly session?: string;
}
