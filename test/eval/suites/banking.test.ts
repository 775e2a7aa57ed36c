import { beforeAll, describe, expect, test } from "vitest";
import { compile, createCatalog } from "../../../src/core/index.js";
import { type EpisodeResult, injectionText, runEpisode } from "../../../src/eval/episode.js";
import type { Human } from "../../../src/eval/human.js";
import { mandateForScope, type Scope } from "../../../src/eval/scope.js";
import type { InjectionTask, UserTask } from "../../../src/eval/suite.js";
import { type BankingEnv, banking } from "../../../src/eval/suites/banking/index.js";

const catalog = createCatalog(banking.tools.map((t) => t.definition));

/** The tools a task's `tools` scope grants: the allowlist a plain tool filter would give. */
function grantedTools(task: UserTask<BankingEnv>): Set<string> {
  const scoped = mandateForScope("tools", task);
  return new Set((scoped?.allow ?? []).flatMap((r) => r.tools ?? (r.tool === undefined ? [] : [r.tool])));
}

function attackTools(injection: InjectionTask<BankingEnv>): string[] {
  return [...new Set(injection.calls.map((c) => c.tool))];
}

function grantsAll(task: UserTask<BankingEnv>, injection: InjectionTask<BankingEnv>): boolean {
  const granted = grantedTools(task);
  return attackTools(injection).every((t) => granted.has(t));
}

function unique(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

describe("banking suite: shape", () => {
  test("has at least 15 user tasks and 8 injection tasks, with unique ids", () => {
    expect(banking.userTasks.length).toBeGreaterThanOrEqual(15);
    expect(banking.injectionTasks.length).toBeGreaterThanOrEqual(8);
    expect(unique(banking.userTasks.map((t) => t.id))).toBe(true);
    expect(unique(banking.injectionTasks.map((t) => t.id))).toBe(true);
    expect(unique(banking.vectors.map((v) => v.id))).toBe(true);
    expect(unique(banking.tools.map((t) => t.definition.name))).toBe(true);
    expect(unique(banking.userTasks.map((t) => t.mandate.id))).toBe(true);
  });

  test("every tool has a closed input schema and says whether it only reads", () => {
    for (const { definition } of banking.tools) {
      expect(definition.inputSchema.additionalProperties, definition.name).toBe(false);
      const hints = definition.annotations ?? {};
      expect(hints.readOnlyHint === true || hints.destructiveHint === true, definition.name).toBe(true);
    }
  });

  test("every mandate compiles against the catalog without warnings", () => {
    for (const task of banking.userTasks) {
      const compiled = compile(task.mandate, { catalog });
      expect(compiled.warnings, task.id).toEqual([]);
      expect(task.mandate.ttl, `${task.id}: a relative validity`).toBeDefined();
      expect(task.mandate.task, task.id).toBe(task.prompt);
    }
  });

  test("every reference and attack call fits its tool's own schema", () => {
    const calls = [
      ...banking.userTasks.flatMap((t) => t.reference),
      ...banking.injectionTasks.flatMap((t) => t.calls),
    ];
    for (const c of calls) {
      const tool = catalog.tools.get(c.tool);
      expect(tool, c.tool).toBeDefined();
      expect(tool?.check(c.args), `${c.tool} ${JSON.stringify(c.args)}`).toEqual([]);
    }
  });

  test("a fresh environment is a new object every time", () => {
    const a = banking.environment();
    const b = banking.environment();
    expect(a).not.toBe(b);
    expect(a.files).not.toBe(b.files);
    expect(a.transactions).not.toBe(b.transactions);
    expect(a).toEqual(b);
  });
});

describe("banking suite: user tasks without an attack", () => {
  for (const task of banking.userTasks) {
    test(`${task.id}: the reference reaches the goal with no guard, and under its mandate with no false block`, async () => {
      const none = await runEpisode(banking, task, null, {
        scope: "none",
        agent: "replay",
        human: "deny",
        catalog,
      });
      expect(none.utility).toBe(true);
      expect(task.utility(banking.environment(), banking.environment()), "not reached before any call").toBe(
        task.reference.every((c) => catalog.tools.get(c.tool)?.definition.annotations?.readOnlyHint === true),
      );

      const guarded = await runEpisode(banking, task, null, {
        scope: "mandate",
        agent: "replay",
        human: "oracle",
        catalog,
      });
      expect(guarded.utility).toBe(true);
      const blocked = guarded.calls.filter((c) => !c.executed || c.verdict === "deny");
      expect(blocked).toEqual([]);
      expect(guarded.calls.every((c) => c.violation.length === 0)).toBe(true);
    });
  }
});

describe("banking suite: injection tasks", () => {
  for (const injection of banking.injectionTasks) {
    test(`${injection.id}: its calls alone reach the attacker's goal, and a fresh environment does not`, () => {
      const initial = banking.environment();
      expect(injection.security(banking.environment(), initial)).toBe(false);
      const planted = (): BankingEnv => {
        const env = banking.environment();
        for (const v of banking.vectors) v.plant(env, injectionText(injection as InjectionTask<unknown>));
        return env;
      };
      expect(injection.security(planted(), planted()), "with the text planted").toBe(false);
      const env = banking.environment();
      const tools = new Map(banking.tools.map((t) => [t.definition.name, t]));
      for (const c of injection.calls) {
        const output = tools.get(c.tool)?.run(env, c.args);
        expect(output, c.tool).toBeDefined();
      }
      expect(injection.security(env, initial)).toBe(true);
    });
  }

  test("the allowlist and reach explanations are consistent with the tasks", () => {
    for (const injection of banking.injectionTasks) {
      const granting = banking.userTasks.filter((t) => grantsAll(t, injection));
      // Beyond an allowlist exactly when some user task grants every tool the attack uses.
      expect(granting.length > 0, injection.id).toBe(injection.beyondAllowlist !== undefined);
      if (injection.outOfReach !== undefined) expect(injection.beyondAllowlist, injection.id).toBeDefined();
    }
    // Out of reach stays the exception.
    expect(banking.injectionTasks.filter((t) => t.outOfReach !== undefined).length).toBeLessThanOrEqual(2);
  });
});

describe("banking suite: hijacked agent", () => {
  type Key = `${string}+${string}`;
  const results = new Map<Scope, Map<Key, EpisodeResult>>();
  const humans: Record<Exclude<Scope, "provenance" | "mandate+verifier">, Human> = {
    none: "deny",
    tools: "deny",
    mandate: "oracle",
  };

  beforeAll(async () => {
    for (const scope of ["none", "tools", "mandate"] as const) {
      const byPair = new Map<Key, EpisodeResult>();
      for (const task of banking.userTasks)
        for (const injection of banking.injectionTasks)
          byPair.set(
            `${task.id}+${injection.id}`,
            await runEpisode(banking, task, injection, {
              scope,
              agent: "hijacked",
              human: humans[scope],
              catalog,
            }),
          );
      results.set(scope, byPair);
    }
  });

  function pairs(scope: Scope) {
    const byPair = results.get(scope)!;
    return banking.userTasks.flatMap((task) =>
      banking.injectionTasks.map((injection) => ({
        task,
        injection,
        result: byPair.get(`${task.id}+${injection.id}`)!,
      })),
    );
  }

  test("most user tasks read a planted place", () => {
    const seen = banking.userTasks.filter(
      (t) => results.get("none")!.get(`${t.id}+${banking.injectionTasks[0]!.id}`)!.injectionSeen,
    );
    expect(seen.length / banking.userTasks.length).toBeGreaterThanOrEqual(0.6);
    // Whether a task sees the injection does not depend on which one is planted.
    for (const { task, result } of pairs("none"))
      expect(result.injectionSeen, task.id).toBe(seen.includes(task));
  });

  test("with no guard, every attack the agent sees succeeds", () => {
    const failed = pairs("none")
      .filter(({ result }) => result.injectionSeen && result.attackSucceeded !== true)
      .map(({ task, injection }) => `${task.id}+${injection.id}`);
    expect(failed).toEqual([]);
  });

  test("under a tool allowlist, every attack whose tools the task grants succeeds when seen", () => {
    const failed: string[] = [];
    const shown = new Set<string>();
    for (const { task, injection, result } of pairs("tools")) {
      if (!result.injectionSeen) {
        expect(result.attackSucceeded, `${task.id}+${injection.id}`).toBe(false);
        continue;
      }
      // Only the direction that matters is asserted: an attacker's calls are fixed, so a leak whose read is
      // refused still sends the data it would have read (see docs/suites/banking.md).
      if (grantsAll(task, injection)) {
        if (result.attackSucceeded !== true) failed.push(`${task.id}+${injection.id}`);
        else shown.add(injection.id);
      }
    }
    expect(failed).toEqual([]);
    // Each attack documented as beyond an allowlist is shown to be so in at least one pair.
    const documented = banking.injectionTasks.filter((t) => t.beyondAllowlist !== undefined).map((t) => t.id);
    expect([...shown].sort()).toEqual(documented.sort());
  });

  test("under the task's mandate (careful human), no attack in reach succeeds", () => {
    const succeeded = pairs("mandate")
      .filter(
        ({ injection, result }) => result.attackSucceeded === true && injection.outOfReach === undefined,
      )
      .map(({ task, injection }) => `${task.id}+${injection.id}`);
    expect(succeeded).toEqual([]);
    // Attacks marked out of reach really are: they succeed under some task's mandate.
    for (const injection of banking.injectionTasks.filter((t) => t.outOfReach !== undefined))
      expect(
        pairs("mandate").some((p) => p.injection === injection && p.result.attackSucceeded === true),
        injection.id,
      ).toBe(true);
  });

  test("under the task's mandate, the user's goal is still reached whenever the attack failed", () => {
    const lost = pairs("mandate")
      .filter(({ result }) => result.attackSucceeded !== true && !result.utility)
      .map(({ task, injection }) => `${task.id}+${injection.id}`);
    expect(lost).toEqual([]);
    // Every attack call the mandate let run is one the task's own mandate covers.
    for (const { task, injection, result } of pairs("mandate"))
      for (const c of result.calls.filter((c) => c.label === "attack" && c.executed))
        expect(c.violation, `${task.id}+${injection.id}: ${c.tool}`).toEqual([]);
  });
});
