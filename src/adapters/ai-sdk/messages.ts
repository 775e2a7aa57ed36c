import type { ModelMessage, ToolResultPart } from "ai";
import type { Guard } from "../../guard/guard.js";
import { approvalsOf } from "./approvals.js";
import { seenBy } from "./seen.js";

/**
 * Feeds an AI SDK conversation (`ModelMessage[]`) to the Guard before a run, so value-origin rules can tell what
 * the user wrote from what only a tool returned. Call it with the messages you pass to `generateText`,
 * `streamText` or an agent, each turn; a history given again is not recorded twice.
 *
 * - The text of `user` messages is the user's own words (`guard.observeUser`): trusted.
 * - Tool results in the history that this guard's tools did not produce (an earlier process, a provider-executed
 *   tool) are recorded as untrusted outputs, even from a tool the mandate trusts: the history is client-supplied.
 * - With `ToolApprovals`, a refusal a person gave through the AI SDK is written to the audit log: the SDK answers
 *   it without running the tool, so the Guard would not see it otherwise.
 *
 * System instructions and the assistant's own text are not the user's words and are not recorded.
 */
export async function observeMessages(guard: Guard, messages: readonly ModelMessage[]): Promise<void> {
  const seen = seenBy(guard);
  for (const message of messages) {
    if (message.role === "user") {
      const texts =
        typeof message.content === "string"
          ? [message.content]
          : message.content.flatMap((part) => (part.type === "text" ? [part.text] : []));
      for (const text of texts) {
        if (text === "" || seen.userTexts.has(text)) continue;
        seen.userTexts.add(text);
        guard.observeUser(text);
      }
    } else if (message.role === "tool" || message.role === "assistant") {
      if (typeof message.content === "string") continue;
      for (const part of message.content) {
        if (part.type !== "tool-result" || seen.calls.has(part.toolCallId)) continue;
        seen.calls.add(part.toolCallId);
        const output = outputValue(part.output);
        if (output !== undefined) guard.observeResult(part.toolName, part.toolCallId, output, "untrusted");
      }
    }
  }
  await approvalsOf(guard)?.recordRefusals(messages);
}

/** The content of a tool result as the model saw it; nothing for a call that did not run. */
function outputValue(output: ToolResultPart["output"]): unknown {
  switch (output.type) {
    case "text":
    case "json":
    case "error-text":
    case "error-json":
      return output.value;
    case "content":
      return output.value.flatMap((part) => (part.type === "text" ? [part.text] : []));
    default:
      return undefined;
  }
}
