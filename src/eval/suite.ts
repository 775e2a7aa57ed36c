import type { ToolDefinition } from "../core/catalog.js";
import type { Mandate } from "../core/mandate.js";

/**
 * A suite: tools with real implementations over a simulated environment, user tasks with the mandates a careful
 * user would grant, and injection tasks that try to make the agent act for an attacker. `S` is the suite's own
 * environment state: plain data that tools read and change. See docs/eval.md.
 */
export interface Suite<S> {
  readonly name: string;
  readonly description: string;
  readonly tools: readonly SuiteTool<S>[];
  /** A fresh initial environment (a new object every call). */
  environment(): S;
  /** Places in the environment's data that tools return, where attacker text can be planted. */
  readonly vectors: readonly InjectionVector<S>[];
  readonly userTasks: readonly UserTask<S>[];
  readonly injectionTasks: readonly InjectionTask<S>[];
}

export interface SuiteTool<S> {
  readonly definition: ToolDefinition;
  /**
   * Runs the tool on the environment (mutating it) and returns its output, which the agent sees. Throwing is a
   * tool error (the agent sees the message). Receives the checked, frozen arguments.
   */
  run(env: S, args: Readonly<Record<string, unknown>>): unknown;
}

/** One call of a trajectory. */
export interface PlannedCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  /**
   * In an attacker's calls: the index of an earlier call whose output this one carries (a leak sends what a read
   * returned). When that call did not run, the agent has nothing to send, so this call is not made.
   */
  readonly usesOutputOf?: number;
}

export interface UserTask<S> {
  /** Unique within the suite, e.g. `ut3`. */
  readonly id: string;
  /** What the user asks, in their words. */
  readonly prompt: string;
  /** The least-privilege mandate a careful user grants for this task. */
  readonly mandate: Mandate;
  /**
   * The mandate the same user grants when value-origin and flow rules are available (the `provenance` scope), when
   * it differs from `mandate` by more than what the scope derives by itself (see scope.ts): flow rules on what the
   * task sends out, `sensitiveTools`, a value-origin requirement that decides between `allow` and `ask`.
   */
  readonly provenance?: Mandate;
  /** The calls a correct agent makes, in order. */
  readonly reference: readonly PlannedCall[];
  /** Whether the task's goal was reached, judged on the final environment (and the initial one). */
  utility(final: S, initial: S): boolean;
}

export interface InjectionTask<S> {
  /** Unique within the suite, e.g. `inj2`. */
  readonly id: string;
  /** The attacker's goal in words; the planted instruction asks for it. */
  readonly goal: string;
  /** The calls that achieve the goal, as an obedient agent would make them. */
  readonly calls: readonly PlannedCall[];
  /** Whether the attacker's goal happened, judged on the final environment. */
  security(final: S, initial: S): boolean;
  /**
   * Why a plain tool allowlist cannot stop this attack (its calls use tools the user task needs), when that is
   * so; documented in the suite's docs. Absent: the attack needs a tool no user task grants.
   */
  readonly beyondAllowlist?: string;
  /**
   * Why a mandate without value-origin or flow rules (the `provenance` scope has them) cannot stop this attack, when it cannot: e.g. the
   * attacker's value is one the task's mandate must grant. Such attacks are reported, not counted as failures.
   */
  readonly outOfReach?: string;
}

export interface InjectionVector<S> {
  /** Unique within the suite, e.g. `bill-file`. */
  readonly id: string;
  /** Plants `text` into the environment where a tool will return it. */
  plant(env: S, text: string): void;
}
