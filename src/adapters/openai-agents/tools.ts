import type {
  FunctionTool,
  FunctionToolCustomDataContext,
  RunItem,
  Tool,
  ToolInputParameters,
} from "@openai/agents";
import { type Denial, isDenial } from "../../guard/denial.js";
import type { Guard } from "../../guard/guard.js";
import { parseArguments, type RunApprovals } from "./approvals.js";

export interface GuardToolOptions {
  /**
   * Ask through the SDK's human-in-the-loop: a call the mandate sends to a person ends the run with an interruption
   * (`result.interruptions`) instead of waiting for the Guard's approver inside the call. The same `RunApprovals`
   * must be the Guard's approver. Without it, the Guard's approver answers `ask` while the call waits.
   */
  readonly approvals?: RunApprovals;
}

/** The `customData` of the tool output item of a refused call: the structured denial, for the program. */
export interface MandateCustomData {
  readonly mandate: Denial;
}

/** The structured denial of a refused call, from its output item in `result.newItems`; `undefined` for any other item. */
export function denialOf(item: RunItem): Denial | undefined {
  if (item.type !== "tool_call_output_item") return undefined;
  const denial = item.customData?.mandate;
  return isDenial(denial) ? denial : undefined;
}

/**
 * Wraps a function tool (from `tool()` or an MCP server) so that every call passes `guard.run`
 * before the tool parses and runs its arguments. The model sees the same name, description and schema.
 *
 * The call id is the model's `call_id`. An allowed call runs with exactly the arguments checked, and its output is
 * recorded for value-origin checks. A refused call does not reach the tool: its output is the denial text, which the
 * model reads and goes on from, and its output item (`result.newItems`) carries the structured denial as
 * `customData.mandate`.
 */
export function guardTool<Context, Parameters extends ToolInputParameters, Result>(
  guard: Guard,
  tool: FunctionTool<Context, Parameters, Result>,
  options: GuardToolOptions = {},
): FunctionTool<Context, Parameters, Result> {
  const name = tool.name;
  const approvals = options.approvals;
  approvals?.serve(guard);
  // Refusals waiting for their output item, by call id.
  const denials = new Map<string, Denial>();

  const invoke: FunctionTool<Context, Parameters, Result>["invoke"] = async (runContext, input, details) => {
    const callId = details?.toolCall?.callId;
    const args = parseArguments(input);
    if (approvals !== undefined && callId !== undefined) approvals.claim(name, callId, args);
    try {
      const result = await guard.run(
        { tool: name, args, ...(callId === undefined ? {} : { callId }) },
        (checked) => {
          // The SDK stops waiting for a tool that timed out; a late approval must not run it behind its back.
          details?.signal?.throwIfAborted();
          return tool.invoke(runContext, JSON.stringify(checked), details);
        },
      );
      if (!result.denied) return result.value;
      const { decision: _decision, ...denial } = result;
      if (callId !== undefined) denials.set(callId, denial);
      return denial.message;
    } finally {
      if (approvals !== undefined && callId !== undefined) approvals.release(callId);
    }
  };

  const customDataExtractor = (context: FunctionToolCustomDataContext<Context, Parameters, Result>) => {
    const denial = denials.get(context.toolCall.callId);
    if (denial === undefined) return tool.customDataExtractor?.(context);
    denials.delete(context.toolCall.callId);
    return { mandate: denial } satisfies MandateCustomData;
  };

  const needsApproval: FunctionTool<Context, Parameters, Result>["needsApproval"] =
    approvals === undefined
      ? tool.needsApproval
      : async (runContext, input, callId) => {
          const { verdict } = guard.decide({
            tool: name,
            args: input,
            ...(callId === undefined ? {} : { callId }),
          });
          // A denied call is refused when it runs: no person is asked about it.
          if (verdict === "deny") return false;
          if (verdict === "ask") {
            if (callId === undefined) return false; // cannot be bound to one call: the Guard refuses it
            approvals.issue(name, callId, input);
            return true;
          }
          return tool.needsApproval(runContext, input, callId);
        };

  // Every other property of the original, symbol-keyed ones too (a namespace, an output validator).
  return { ...tool, invoke, needsApproval, customDataExtractor };
}

/**
 * `guardTool` for each tool, in order. Only function tools run in this process: a hosted tool (web search, code
 * interpreter, hosted MCP), computer, shell or apply-patch tool is refused with an error rather than passed on
 * unguarded.
 */
export function guardTools<Context>(
  guard: Guard,
  tools: readonly Tool<Context>[],
  options: GuardToolOptions = {},
): Tool<Context>[] {
  return tools.map((tool) => {
    if (tool.type !== "function")
      throw new TypeError(
        `\`${tool.name}\` is not a function tool (\`${tool.type}\`): Mandate cannot check its calls; leave it out or give it an approval of its own`,
      );
    return guardTool(guard, tool, options);
  });
}
