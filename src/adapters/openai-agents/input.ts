import type { InputGuardrail, InputGuardrailFunctionArgs } from "@openai/agents";
import type { Guard } from "../../guard/guard.js";

/**
 * An input guardrail that records the user's own words with the Guard (`guard.observeUser`), so that value-origin
 * rules (`provenance: trusted`) accept a value the user typed. Put it in the starting agent's `inputGuardrails` (or
 * the run's). It runs before the first model call and never trips.
 *
 * Only user messages count: in an input that carries a conversation, the assistant's messages and earlier tool
 * outputs are not the user's words and stay untrusted. A message seen before (history passed again) is recorded once.
 */
export function observeUserInput(guard: Guard): InputGuardrail {
  const seen = new Set<string>();
  return {
    name: "mandate: observe user input",
    // Sequential: a tool call of the first turn must already see the user's words.
    runInParallel: false,
    execute: async ({ input }) => {
      for (const text of userTexts(input)) {
        if (seen.has(text)) continue;
        seen.add(text);
        guard.observeUser(text);
      }
      return { tripwireTriggered: false, outputInfo: null };
    },
  };
}

/** The text of the user's messages in a run's input: the whole input when it is a string. */
export function userTexts(input: InputGuardrailFunctionArgs["input"]): string[] {
  if (typeof input === "string") return input === "" ? [] : [input];
  const texts: string[] = [];
  for (const item of input) {
    if (!("role" in item) || item.role !== "user") continue;
    if (typeof item.content === "string") texts.push(item.content);
    else for (const part of item.content) if (part.type === "input_text") texts.push(part.text);
  }
  return texts.filter((text) => text !== "");
}
