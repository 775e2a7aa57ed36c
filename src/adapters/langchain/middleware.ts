import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { type AgentMiddleware, createMiddleware } from "langchain";
import type { Guard } from "../../guard/guard.js";
import { denialToolMessage, runGuarded } from "./run.js";

/**
 * Middleware for `createAgent` that puts the Guard on every tool call of the agent:
 *
 * - `wrapToolCall` runs each call through `guard.run` (the `ToolCall` id is the call id): an allowed call goes on
 *   to the tool with the checked, frozen arguments and its output is recorded; a refused one is answered with a
 *   `ToolMessage` (`status: "error"`, the denial text, the `Denial` as `artifact`) and the agent goes on. `ask`
 *   goes to the Guard's approver.
 * - `beforeAgent` records the messages the run starts with as the user's words (`guard.observeUser`), so a
 *   `provenance: trusted` rule can see what the user typed. Messages that appear later in the run — from tools,
 *   other middleware or a resumed interrupt — are never taken for the user's.
 * - Tool messages the Guard did not run itself (earlier history) are recorded as tool outputs.
 *
 * Put it last in `middleware`: it then sees each call exactly as the tool will receive it, after every other
 * middleware (and a human-in-the-loop edit) has had its say, and nothing changes the arguments after the check.
 * One Guard is one session: create one per conversation thread.
 */
export function mandateMiddleware(guard: Guard): AgentMiddleware {
  // Message keys already classified: user messages recorded, everything else seen and skipped.
  const seen = new Set<string>();

  const record = (messages: readonly BaseMessage[], asUser: boolean): void => {
    for (const message of messages) {
      const key = messageKey(message);
      if (seen.has(key)) continue;
      seen.add(key);
      if (asUser && HumanMessage.isInstance(message)) {
        guard.observeUser(message.text);
      } else if (ToolMessage.isInstance(message)) {
        guard.observeResult(message.name ?? "", message.tool_call_id, message.content);
      }
    }
  };

  return createMiddleware({
    name: "MandateMiddleware",
    beforeAgent: (state) => {
      record(state.messages, true);
    },
    // Anything added after the run started (by a tool's `Command`, another middleware, a resume) is not the user.
    beforeModel: (state) => {
      record(state.messages, false);
    },
    afterAgent: (state) => {
      record(state.messages, false);
    },
    wrapToolCall: async (request, handler) => {
      const { toolCall } = request;
      const outcome = await runGuarded(
        guard,
        {
          tool: toolCall.name,
          args: toolCall.args,
          ...(toolCall.id === undefined ? {} : { callId: toolCall.id }),
        },
        async (args) => handler({ ...request, toolCall: { ...toolCall, args } }),
      );
      // The Guard has recorded this call's output (or refused it): its tool message is not a new observation.
      seen.add(`tool:${outcome.callId}`);
      return outcome.denied ? denialToolMessage(outcome.denial, toolCall) : outcome.output;
    },
  });
}

function messageKey(message: BaseMessage): string {
  if (ToolMessage.isInstance(message)) return `tool:${message.tool_call_id}`;
  return message.id === undefined ? `${message.type}:${message.text}` : `id:${message.id}`;
}
