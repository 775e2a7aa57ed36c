import type { JSONValue, Tool, ToolExecuteFunction, ToolExecutionOptions, ToolResultPart, ToolSet } from "ai";
import { type Denial, MandateDeniedError } from "../../guard/denial.js";
import type { Guard } from "../../guard/guard.js";
import type { ToolApprovals } from "./approvals.js";
import { seenBy } from "./seen.js";

/** What the model is given for a tool result (the AI SDK's `ToolResultOutput`). */
export type ToolModelOutput = ToolResultPart["output"];

export interface GuardToolsOptions {
  /**
   * Answer `ask` through the AI SDK's tool approval (pass the same object to `createGuard` as `approver`, and its
   * `toolApproval` to `generateText`). Without it, `ask` goes to the Guard's own approver inside the tool call.
   */
  readonly approvals?: ToolApprovals;
}

/**
 * A tool whose `execute` runs through the Guard: it resolves to the tool's output or to a `Denial` (the same shape
 * `tool()` gives an executable tool).
 */
export type GuardedTool<T> =
  T extends Tool<infer INPUT, infer OUTPUT, infer CONTEXT>
    ? Tool<INPUT, OUTPUT | Denial, CONTEXT> & {
        execute: ToolExecuteFunction<INPUT, OUTPUT | Denial, CONTEXT>;
      }
    : never;

export type GuardedToolSet<TOOLS extends ToolSet> = { [K in keyof TOOLS]: GuardedTool<TOOLS[K]> };

/**
 * Guards an AI SDK tool set: each tool's `execute` runs through `guard.run`, with the tool call id as the call id
 * and the set's key as the tool name. A refused call resolves to its `Denial` (never running the tool), which the
 * model receives as the tool result — `{ denied, verdict, message, delta }` as JSON — so it can go on.
 *
 * Every tool must be one the AI SDK executes: a tool without `execute` (answered by the client) or executed at the
 * provider cannot be guarded here, and is refused rather than passed through unguarded.
 */
export function guardTools<TOOLS extends ToolSet>(
  guard: Guard,
  tools: TOOLS,
  options: GuardToolsOptions = {},
): GuardedToolSet<TOOLS> {
  const guarded: Record<string, unknown> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const wrapped = guardTool(guard, name, tool, options.approvals);
    options.approvals?.serve(wrapped, guard, name);
    guarded[name] = wrapped;
  }
  return guarded as GuardedToolSet<TOOLS>;
}

function guardTool(guard: Guard, name: string, tool: ToolSet[string], approvals?: ToolApprovals): object {
  const run = tool.execute;
  if (tool.type === "provider" && tool.isProviderExecuted === true)
    throw new Error(
      `\`${name}\` is executed by the provider: Mandate cannot guard it; leave it out of guardTools`,
    );
  if (typeof run !== "function")
    throw new Error(
      `\`${name}\` has no \`execute\`: Mandate guards only tools the AI SDK runs; leave it out of guardTools`,
    );
  const toModelOutput = tool.toModelOutput;
  return {
    ...tool,
    async execute(input: unknown, options: ToolExecutionOptions<unknown>): Promise<unknown> {
      const callId = options.toolCallId;
      approvals?.claim(name, callId, input, options.messages);
      try {
        const result = await guard.run({ tool: name, args: input, callId }, (args) =>
          settle(run(args as never, options)),
        );
        if (!result.denied) return result.value;
        const { decision: _decision, ...denial } = result;
        return denial;
      } catch (error) {
        // `onDeny: "throw"` is for code that calls tools itself; the model still gets the denial as a result.
        if (error instanceof MandateDeniedError) return error.denial;
        throw error;
      } finally {
        approvals?.release(callId);
        seenBy(guard).calls.add(callId);
      }
    },
    async toModelOutput(options: {
      toolCallId: string;
      input: unknown;
      output: unknown;
    }): Promise<ToolModelOutput> {
      if (isDenialOutput(options.output)) return denialOutput(options.output);
      if (toModelOutput !== undefined) return toModelOutput(options as never);
      // What the SDK does for a tool without `toModelOutput`.
      return typeof options.output === "string"
        ? { type: "text", value: options.output }
        : { type: "json", value: toJson(options.output) };
    },
  };
}

/** The tool result the model reads for a refused call: the message, and the delta to act on. */
export function denialOutput(denial: Denial): ToolModelOutput {
  return {
    type: "json",
    value: toJson({
      denied: true,
      verdict: denial.verdict,
      tool: denial.tool,
      message: denial.message,
      delta: denial.delta,
    }),
  };
}

/**
 * A `Denial`, also after a trip through JSON (`convertToModelMessages` calls `toModelOutput` on stored outputs), and
 * strictly enough that a tool's own output with a `denied` field is not taken for one.
 */
function isDenialOutput(value: unknown): value is Denial {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Record<keyof Denial, unknown>>;
  return (
    v.denied === true &&
    (v.verdict === "deny" || v.verdict === "ask") &&
    typeof v.tool === "string" &&
    typeof v.message === "string" &&
    Array.isArray(v.delta)
  );
}

/** A streaming tool (an async iterable of outputs) runs to its end inside the Guard; its last output is the result. */
async function settle(result: unknown): Promise<unknown> {
  const value = await result;
  if (typeof value !== "object" || value === null || !(Symbol.asyncIterator in value)) return value;
  let last: unknown;
  for await (const item of value as AsyncIterable<unknown>) last = item;
  return last;
}

function toJson(value: unknown): JSONValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JSONValue);
}
