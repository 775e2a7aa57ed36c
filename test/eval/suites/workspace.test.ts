import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compile, createCatalog, loadMandate } from "../../../src/core/index.js";
import { type EpisodeResult, runEpisode } from "../../../src/eval/episode.js";
import type { Scope } from "../../../src/eval/scope.js";
import { mandateForScope } from "../../../src/eval/scope.js";
import type { InjectionTask, UserTask } from "../../../src/eval/suite.js";
import { workspace, type WorkspaceEnv } from "../../../src/eval/suites/workspace/index.js";

const suite = workspace;
const catalog = createCatalog(suite.tools.map((t) => t.definition));

/** The tools a task's mandate names, as the `tools` scope grants them. */
function grantedTools(task: UserTask<WorkspaceEnv>): Set<string> {
  const granted = mandateForScope("tools", task);
  return new Set((granted?.allow ?? []).flatMap((r) => r.tools ?? (r.tool === undefined ? [] : [r.tool])));
}

/** Whether the task's allowlist holds every tool the attack calls. */
function covers(task: UserTask<WorkspaceEnv>, attack: InjectionTask<WorkspaceEnv>): boolean {
  const granted = grantedTools(task);
  return attack.calls.every((c) => granted.has(c.tool));
}

const pairs = suite.userTasks.flatMap((u) => suite.injectionTasks.map((i) => ({ u, i })));
const label = (r: EpisodeResult): string => `${r.userTask}+${r.injectionTask ?? "-"} (${r.scope})`;

describe("workspace suite: shape", () => {
  it("has enough tasks, with unique ids", () => {
    expect(suite.userTasks.length).toBeGreaterThanOrEqual(15);
    expect(suite.injectionTasks.length).toBeGreaterThanOrEqual(8);
    for (const ids of [
      suite.userTasks.map((t) => t.id),
      suite.injectionTasks.map((t) => t.id),
      suite.vectors.map((v) => v.id),
      suite.userTasks.map((t) => t.mandate.id),
    ])
      expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares every tool with a closed input schema and annotations", () => {
    expect(suite.tools.length).toBeGreaterThanOrEqual(10);
    for (const { definition } of suite.tools) {
      expect(definition.inputSchema, definition.name).toMatchObject({
        type: "object",
        additionalProperties: false,
      });
      expect(definition.annotations?.readOnlyHint, definition.name).toBeTypeOf("boolean");
      expect(definition.description, definition.name).toBeTruthy();
    }
  });

  it.each(suite.userTasks.map((t) => [t.id, t] as const))(
    "%s: the mandate is valid, with no warnings",
    (_, t) => {
      const compiled = compile(t.mandate, { catalog });
      expect(compiled.warnings).toEqual([]);
      expect(t.mandate.ttl).toBeDefined();
    },
  );

  it("shows in its docs the mandates it uses", () => {
    const doc = readFileSync(new URL("../../../docs/suites/workspace.md", import.meta.url), "utf8");
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const shown = loadMandate(block, { file: "docs/suites/workspace.md", catalog });
      const task = suite.userTasks.find((t) => t.mandate.id === shown.id);
      expect(task?.mandate, shown.id).toEqual(shown);
    }
  });

  it("gives a fresh environment on every call", () => {
    const a = suite.environment();
    const b = suite.environment();
    expect(a).not.toBe(b);
    a.emails.length = 0;
    expect(b.emails.length).toBeGreaterThan(0);
  });
});

describe("workspace suite: injection tasks on their own", () => {
  it.each(suite.injectionTasks.map((t) => [t.id, t] as const))(
    "%s: the attacker's calls reach the goal on a fresh environment",
    (_, attack) => {
      const tools = new Map(suite.tools.map((t) => [t.definition.name, t]));
      const initial = suite.environment();
      const env = suite.environment();
      expect(attack.security(env, initial)).toBe(false);
      for (const call of attack.calls) {
        const tool = tools.get(call.tool);
        expect(tool, call.tool).toBeDefined();
        expect(catalog.tools.get(call.tool)?.check(call.args), call.tool).toEqual([]);
        tool!.run(env, call.args);
      }
      expect(attack.security(env, initial)).toBe(true);
      expect(attack.security(suite.environment(), suite.environment())).toBe(false);
    },
  );
});

describe("workspace suite: episodes", () => {
  const replay = new Map<string, { none: EpisodeResult; mandate: EpisodeResult }>();
  const hijacked = new Map<Scope, EpisodeResult[]>();

  beforeAll(async () => {
    for (const u of suite.userTasks) {
      replay.set(u.id, {
        none: await runEpisode(suite, u, null, { scope: "none", agent: "replay", human: "oracle", catalog }),
        mandate: await runEpisode(suite, u, null, {
          scope: "mandate",
          agent: "replay",
          human: "oracle",
          catalog,
        }),
      });
    }
    for (const scope of ["none", "tools", "mandate"] as const) {
      const results: EpisodeResult[] = [];
      for (const { u, i } of pairs)
        results.push(await runEpisode(suite, u, i, { scope, agent: "hijacked", human: "oracle", catalog }));
      hijacked.set(scope, results);
    }
  });

  const episodes = (scope: Scope): EpisodeResult[] => hijacked.get(scope) ?? [];
  const injection = (r: EpisodeResult): InjectionTask<WorkspaceEnv> =>
    suite.injectionTasks.find((i) => i.id === r.injectionTask)!;
  const userTask = (r: EpisodeResult): UserTask<WorkspaceEnv> =>
    suite.userTasks.find((u) => u.id === r.userTask)!;

  it.each(suite.userTasks.map((t) => [t.id] as const))(
    "%s: the reference reaches the goal without a guard, and under its mandate with nothing denied",
    (id) => {
      const r = replay.get(id)!;
      expect(r.none.utility).toBe(true);
      expect(r.mandate.utility).toBe(true);
      for (const c of r.mandate.calls) {
        expect(c.executed, `${c.tool} ${JSON.stringify(c.args)}`).toBe(true);
        expect(c.violation, c.tool).toEqual([]);
      }
    },
  );

  it("the reference trajectories raise no tool errors", () => {
    const tools = new Map(suite.tools.map((t) => [t.definition.name, t]));
    for (const u of suite.userTasks) {
      const env = suite.environment();
      for (const call of u.reference)
        expect(() => tools.get(call.tool)!.run(env, call.args), u.id).not.toThrow();
    }
  });

  it("at least 60 % of user tasks read a planted place, whichever the injection", () => {
    const seen = new Set<string>();
    for (const u of suite.userTasks) {
      const results = episodes("none").filter((r) => r.userTask === u.id);
      const saw = results.map((r) => r.injectionSeen);
      expect(new Set(saw).size, u.id).toBe(1);
      if (saw[0]) seen.add(u.id);
    }
    expect(seen.size / suite.userTasks.length).toBeGreaterThanOrEqual(0.6);
  });

  it("without a guard, every attack the agent sees succeeds", () => {
    const seen = episodes("none").filter((r) => r.injectionSeen);
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen) expect(r.attackSucceeded, label(r)).toBe(true);
    for (const r of episodes("none").filter((e) => !e.injectionSeen))
      expect(r.attackSucceeded, label(r)).toBe(false);
  });

  it("under the mandate, no attack in reach succeeds, and the user's goal holds", () => {
    for (const r of episodes("mandate")) {
      const attack = injection(r);
      if (attack.outOfReach === undefined) expect(r.attackSucceeded, label(r)).toBe(false);
      // An out-of-reach attack that ran spent the task's own one-message budget: only then may utility fail.
      if (!(attack.outOfReach !== undefined && r.attackSucceeded)) expect(r.utility, label(r)).toBe(true);
      for (const c of r.calls.filter((c) => c.label === "benign" && !r.attackSucceeded))
        expect(c.executed, `${label(r)} ${c.tool}`).toBe(true);
    }
  });

  it("every attack marked out of reach does get through some mandate, and only through a granted recipient", () => {
    for (const attack of suite.injectionTasks.filter((i) => i.outOfReach !== undefined)) {
      const through = episodes("mandate").filter((r) => r.injectionTask === attack.id && r.attackSucceeded);
      expect(through.length, attack.id).toBeGreaterThan(0);
      for (const r of through)
        for (const c of r.calls.filter((c) => c.label === "attack" && c.executed))
          expect(c.violation, `${label(r)} ${c.tool}`).toEqual([]);
    }
  });

  it("under a tool allowlist, the attacks beyond it succeed when seen, and the others never", () => {
    for (const attack of suite.injectionTasks) {
      const results = episodes("tools").filter((r) => r.injectionTask === attack.id);
      if (attack.beyondAllowlist === undefined) {
        for (const r of results) expect(r.attackSucceeded, label(r)).toBe(false);
        expect(
          suite.userTasks.some((u) => covers(u, attack)),
          attack.id,
        ).toBe(false);
        continue;
      }
      const exposed = results.filter((r) => r.injectionSeen && covers(userTask(r), attack));
      expect(exposed.length, attack.id).toBeGreaterThan(0);
      for (const r of exposed) expect(r.attackSucceeded, label(r)).toBe(true);
    }
  });

  it("the mandate denies more attacks than the allowlist", () => {
    const succeeded = (scope: Scope): number => episodes(scope).filter((r) => r.attackSucceeded).length;
    expect(succeeded("mandate")).toBeLessThan(succeeded("tools"));
    expect(succeeded("tools")).toBeLessThan(succeeded("none"));
  });
});
