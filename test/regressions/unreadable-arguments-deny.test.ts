// `decide` promises never to throw for any input, but arguments whose reading throws (a revoked Proxy, a
// Proxy with a throwing trap, as reactive-state libraries hand out) made `snapshotArgs` throw out of `decide`.
import { expect, test } from "vitest";
import { compile, decide, snapshotArgs } from "../../src/core/index.js";

const compiled = compile({ mandate: 1, id: "m", allow: [{ tool: "*" }] }, { now: 0 });

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const throwingTrap = new Proxy(
  { a: 1 },
  {
    ownKeys() {
      throw new Error("boom");
    },
  },
);

test.each([
  ["a revoked proxy", revoked()],
  ["a proxy whose ownKeys trap throws", throwingTrap],
  ["a revoked proxy nested in the arguments", { nested: revoked() }],
])("%s is denied with a reason, not thrown", (_name, args) => {
  const d = decide(compiled, { tool: "t", args, callId: "c" }, { now: 0 });
  expect(d.verdict).toBe("deny");
  expect(d.delta).toEqual([expect.objectContaining({ kind: "argument" })]);
  const snap = snapshotArgs(args);
  expect(snap.ok).toBe(false);
});
