// A failed `anyOf` reports one item per branch plus its own, so a rule whose single argument was nearly matched
// looked further away than a rule whose two arguments were both wrong; the denial then explained the wrong rule.
import { expect, test } from "vitest";
import { compile, decide } from "../../src/core/index.js";

test("the closest rule is the one with the fewest broken arguments", () => {
  const compiled = compile({
    mandate: 1,
    id: "m",
    allow: [
      { tool: "run", args: { cmd: { const: "status" }, flag: { const: "-s" } } },
      {
        tool: "run",
        args: {
          cmd: { const: "rm" },
          path: { anyOf: [{ path: { under: ["/repo/dist"] } }, { const: "/tmp/scratch" }] },
        },
      },
    ],
  });
  const d = decide(compiled, {
    tool: "run",
    args: { cmd: "rm", path: "/repo/dist/..", flag: "-f" },
    callId: "c",
  });
  expect(d.verdict).toBe("deny");
  expect(new Set(d.delta.map((i) => i.path.split("/")[1]))).toEqual(new Set(["path"]));
  expect(d.delta.every((i) => i.rule?.startsWith("/allow/1/"))).toBe(true);
});
