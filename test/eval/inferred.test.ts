import { describe, expect, test } from "vitest";
import { createCatalog } from "../../src/core/catalog.js";
import { compile } from "../../src/core/compile.js";
import { decide } from "../../src/core/decide.js";
import { inferMandate } from "../../src/core/infer.js";
import { parseMandate } from "../../src/core/load.js";
import { stringify } from "yaml";
import { evaluateInferred } from "../../src/eval/inferred.js";
import { BUILT_IN_SUITES, loadSuite } from "../../src/eval/suites/index.js";

const suites = await Promise.all(BUILT_IN_SUITES.map(loadSuite));

describe("mandates inferred from the built-in suites' reference trajectories", () => {
  test.each(suites.map((s) => [s.name, s] as const))(
    "%s: allow every reference call, block the attacks",
    (_, suite) => {
      const catalog = createCatalog(suite.tools.map((t) => t.definition));
      let attackCalls = 0;
      let notAllowed = 0;
      for (const task of suite.userTasks) {
        const result = inferMandate(task.reference, { catalog, id: `${suite.name}-${task.id}`, ttl: "1h" });
        if (!result.ok) throw new Error(result.problems.join("; "));
        const yaml = stringify(result.mandate, { aliasDuplicateObjects: false });
        const loaded = parseMandate(yaml, { catalog });
        expect(loaded.issues.filter((i) => i.severity === "error")).toEqual([]);
        if (!loaded.ok) continue;
        const compiled = compile(loaded.mandate, { catalog });
        const usage = new Map<string, number>();
        for (const call of task.reference) {
          const d = decide(compiled, { tool: call.tool, args: call.args, callId: "ref" }, { usage });
          expect(d.verdict, `${task.id} ${call.tool}: ${d.reason}`).toBe("allow");
          for (const c of d.charges) usage.set(c.key, (usage.get(c.key) ?? 0) + c.amount);
        }
        for (const injection of suite.injectionTasks) {
          for (const call of injection.calls) {
            attackCalls++;
            // After the reference ran (budgets spent), as the hijacked agent meets them.
            const d = decide(compiled, { tool: call.tool, args: call.args, callId: "attack" }, { usage });
            if (d.verdict !== "allow") notAllowed++;
          }
        }
      }
      expect(notAllowed).toBe(attackCalls);
    },
  );

  test("the evaluation under the inferred mandates: full utility, no attack succeeds", async () => {
    const figures = await evaluateInferred(suites);
    for (const f of figures) {
      expect(f.referenceAllowed).toBe(f.referenceCalls);
      expect(f.utility).toBe(1);
      expect(f.falseBlockRate).toBe(0);
      expect(f.attackSuccessRate).toBe(0);
      // Without budget usage, an attack call identical to a reference call (a repeated read) is allowed.
      expect(f.attackCallsBlocked / f.attackCalls).toBeGreaterThan(0.98);
    }
  });
});
