import { describe, expect, it } from "vitest";
import { createCatalog } from "../../src/core/catalog.js";
import { lintMandate } from "../../src/core/lint.js";
import { mandateForScope } from "../../src/eval/scope.js";
import { BUILT_IN_SUITES, loadSuite } from "../../src/eval/suites/index.js";

/**
 * The built-in suites' mandates are what a careful user grants: they lint without errors or warnings. The notes
 * left are each justified in docs/lint.md ("The built-in suites").
 */
const JUSTIFIED_NOTES = new Set([
  // Emma does not know the plumber's IBAN in advance; she sees and confirms the one payment.
  "banking/ut2/unconstrained-argument//ask/0",
  // Defensive deny rules: production deploys and secret values stay forbidden if a later rule is widened.
  "devops/ut2/deny-shadows-nothing//deny/0",
  "devops/ut13/deny-shadows-nothing//deny/0",
]);

describe("lint on the built-in suites", () => {
  for (const name of BUILT_IN_SUITES) {
    it(`${name}: every task mandate lints clean but for justified notes`, async () => {
      const suite = await loadSuite(name);
      const catalog = createCatalog(suite.tools.map((t) => t.definition));
      const notes = new Set<string>();
      for (const task of suite.userTasks) {
        for (const scope of ["mandate", "provenance"] as const) {
          const mandate = mandateForScope(scope, task)!;
          const findings = lintMandate(mandate, { catalog, approver: "configured" });
          expect(
            findings.filter((f) => f.severity !== "note"),
            `${task.id} (${scope})`,
          ).toEqual([]);
          for (const f of findings) notes.add(`${name}/${task.id}/${f.ruleId}/${f.pointer}`);
        }
      }
      const justified = [...JUSTIFIED_NOTES].filter((n) => n.startsWith(`${name}/`));
      expect([...notes].sort()).toEqual(justified.sort());
    });
  }
});

describe("lint on the built-in suites without an approver", () => {
  it("flags every ask rule: without an approver each is denied", async () => {
    const suite = await loadSuite("banking");
    const catalog = createCatalog(suite.tools.map((t) => t.definition));
    const task = suite.userTasks.find((t) => t.id === "ut8")!;
    const findings = lintMandate(task.mandate, { catalog });
    expect(findings.map((f) => [f.ruleId, f.severity, f.pointer])).toEqual([
      ["ask-without-approver", "warning", "/ask/0"],
    ]);
  });
});
