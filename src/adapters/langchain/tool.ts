import type { ToolCall } from "@langchain/core/messages/tool";
import {
  type DynamicTool,
  StructuredTool,
  type StructuredToolCallInput,
  type StructuredToolInterface,
  type ToolReturnType,
  type ToolRunnableConfig,
  type ToolSchemaBase,
} from "@langchain/core/tools";
import type { Guard } from "../../guard/guard.js";
import { denialToolMessage, runGuarded } from "./run.js";

/**
 * A tool `guardTool` accepts: what `createAgent` calls a client tool, except `RunnableToolLike`. (`DynamicTool` is
 * named on its own because its zod v3 schema type does not satisfy `StructuredToolInterface` under
 * `exactOptionalPropertyTypes`.)
 */
export type GuardableTool = StructuredToolInterface | DynamicTool;

/** The schema type a guarded tool shows: the wrapped tool's own, or the base type for a `DynamicTool`. */
export type GuardedSchema<T extends GuardableTool> = T extends StructuredToolInterface
  ? T["schema"]
  : ToolSchemaBase;

/**
 * A LangChain tool whose every invocation passes the Guard first. It presents the wrapped tool's name,
 * description and schema to the model, and checks the arguments the model sent — the ones the mandate speaks
 * of — before the wrapped tool parses and runs them.
 */
export class GuardedTool<SchemaT = ToolSchemaBase> extends StructuredTool<SchemaT> {
  static override lc_name(): string {
    return "GuardedTool";
  }

  name: string;
  description: string;
  schema: SchemaT;
  /** The tool that runs when the Guard allows a call. */
  readonly tool: GuardableTool;
  readonly #guard: Guard;

  constructor(guard: Guard, tool: GuardableTool) {
    super(tool.extras === undefined ? {} : { extras: tool.extras });
    this.#guard = guard;
    this.tool = tool;
    this.name = tool.name;
    this.description = tool.description;
    // The wrapped tool's own schema: `guardTool` types it; a `DynamicTool`'s zod v3 schema is a schema at runtime
    // and misses `ToolSchemaBase` only on optional-property typing.
    this.schema = tool.schema as SchemaT;
    this.returnDirect = tool.returnDirect;
  }

  /**
   * Decides the call and runs the wrapped tool only if the Guard allows it. Called with a `ToolCall` (as agents
   * do), a refused call resolves to a `ToolMessage` with `status: "error"`, the denial text as content and the
   * `Denial` as `artifact`; called with bare arguments, to the `Denial` itself.
   */
  override async call<
    TArg extends StructuredToolCallInput<SchemaT>,
    TConfig extends ToolRunnableConfig | undefined,
  >(arg: TArg, configArg?: TConfig): Promise<ToolReturnType<TArg, TConfig, unknown>> {
    // `invoke(toolCall)` arrives here as the call's arguments with the call in the config.
    const toolCall: ToolCall | undefined = isToolCall(arg) ? arg : configArg?.toolCall;
    const input: unknown = isToolCall(arg) ? arg.args : arg;
    // A string tool (`DynamicTool`) is offered to models as `{ input }`: check it in that shape.
    const args = typeof input === "string" ? { input } : input;
    const outcome = await runGuarded(
      this.#guard,
      { tool: this.name, args, ...(toolCall?.id === undefined ? {} : { callId: toolCall.id }) },
      (checked) =>
        // The wrapped tool parses and runs exactly the checked (frozen) arguments.
        this.tool.invoke(
          toolCall === undefined ? checked : { ...toolCall, args: checked, type: "tool_call" },
          configArg,
        ),
    );
    const result: unknown = outcome.denied
      ? toolCall === undefined
        ? outcome.denial
        : denialToolMessage(outcome.denial, toolCall)
      : outcome.output;
    // `ToolReturnType` is computed from LangChain's untyped tool output; the value is the wrapped tool's own.
    return result as ToolReturnType<TArg, TConfig, unknown>;
  }

  /** Not reached: `call` is overridden so that the wrapped tool parses its input once, after the check. */
  protected _call(): Promise<never> {
    return Promise.reject(new Error(`\`${this.name}\`: a guarded tool runs through \`call\``));
  }
}

/**
 * Wraps a LangChain tool so that every call passes `guard.run`: the `ToolCall`'s id is the call id, a denial is
 * answered with a `ToolMessage` the model reads (`status: "error"`, the structured `Denial` as `artifact`), and the
 * tool's output is recorded for value-origin checks.
 */
export function guardTool<T extends GuardableTool>(guard: Guard, tool: T): GuardedTool<GuardedSchema<T>> {
  return new GuardedTool<GuardedSchema<T>>(guard, tool);
}

/** `guardTool` for each tool, in order. */
export function guardTools(guard: Guard, tools: readonly GuardableTool[]): GuardedTool[] {
  return tools.map((tool) => new GuardedTool(guard, tool));
}

function isToolCall(value: unknown): value is ToolCall {
  return typeof value === "object" && value !== null && "type" in value && value.type === "tool_call";
}
