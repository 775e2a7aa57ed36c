import { ToolMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import type { Denial } from "../../guard/denial.js";
import type { Guard, GuardCall } from "../../guard/guard.js";

/** A tool call after the Guard: what the tool returned, or why it did not run. */
export type GuardedOutcome<T> =
  | { readonly denied: false; readonly callId: string; readonly output: T }
  | { readonly denied: true; readonly callId: string; readonly denial: Denial };

/**
 * Runs one LangChain tool call through `guard.run`. The Guard records what the model will read of the output
 * (a `ToolMessage`'s content, not the message object), so value-origin and flow checks see the tool's words.
 */
export async function runGuarded<T>(
  guard: Guard,
  call: GuardCall,
  execute: (args: Readonly<Record<string, unknown>>) => Promise<T>,
): Promise<GuardedOutcome<T>> {
  let ran: { readonly output: T } | undefined;
  const result = await guard.run(call, async (args) => {
    const output = await execute(args);
    ran = { output };
    return readableOutput(output);
  });
  if (result.denied) {
    const { decision: _decision, ...denial } = result;
    return { denied: true, callId: result.callId, denial };
  }
  if (ran === undefined) throw new Error(`the guard allowed \`${call.tool}\` without running it`);
  return { denied: false, callId: result.callId, output: ran.output };
}

/**
 * The tool result a model reads for a refused call: the denial text as content, `status: "error"`, and the
 * structured denial (verdict, delta) as the message's `artifact`, which stays in the state but is not sent to the
 * model.
 */
export function denialToolMessage(denial: Denial, toolCall?: Pick<ToolCall, "id" | "name">): ToolMessage {
  return new ToolMessage({
    content: denial.message,
    tool_call_id: toolCall?.id ?? denial.callId,
    name: toolCall?.name ?? denial.tool,
    status: "error",
    artifact: denial,
  });
}

/** What of a tool's output reaches the model: a message's content, or a `Command`'s tool messages. */
export function readableOutput(output: unknown): unknown {
  if (ToolMessage.isInstance(output)) return output.content;
  if (typeof output === "object" && output !== null && "update" in output) {
    // A LangGraph `Command` from a tool: its messages are what the model reads next.
    const update: unknown = output.update;
    const messages =
      typeof update === "object" && update !== null && "messages" in update ? update.messages : undefined;
    if (Array.isArray(messages)) {
      return messages.map((m: unknown) => (ToolMessage.isInstance(m) ? m.content : m));
    }
    return update;
  }
  return output;
}
