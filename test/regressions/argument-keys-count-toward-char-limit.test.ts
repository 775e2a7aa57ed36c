// ARGUMENT_LIMITS.maxChars bounds "characters in all strings and keys together", but key lengths were only
// added to the count, never checked: arguments whose size was all in their keys passed any limit.
import { expect, test } from "vitest";
import { ARGUMENT_LIMITS, snapshotArgs } from "../../src/core/index.js";

test("long keys alone can exceed the character limit", () => {
  const args: Record<string, number> = {};
  for (let i = 0; i < 9; i++) args[`${i}${"k".repeat(ARGUMENT_LIMITS.maxChars / 8)}`] = i;
  const snap = snapshotArgs(args);
  expect(snap.ok).toBe(false);
  if (!snap.ok) expect(snap.item.message).toContain("characters (limit)");
});

test("keys and strings count together", () => {
  const half = "x".repeat(ARGUMENT_LIMITS.maxChars / 2);
  expect(snapshotArgs({ [half]: half.slice(1) }).ok).toBe(true);
  expect(snapshotArgs({ [half]: half }).ok).toBe(true);
  expect(snapshotArgs({ [half]: `${half}x` }).ok).toBe(false);
  expect(snapshotArgs({ [`${half}x`]: 1, [`${half}y`]: 2 }).ok).toBe(false);
});
