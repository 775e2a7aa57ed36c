import fc from "fast-check";
import { expect, test } from "vitest";
import { isMultipleOf } from "../../src/core/decimal.js";

test.each([
  [19.99, 0.01, true],
  [0.3, 0.1, true],
  [0.07, 0.01, true],
  [1200, 0.01, true],
  [19.995, 0.01, false],
  [10, 3, false],
  [-4.5, 1.5, true],
  [0, 0.25, true],
  [1e21, 1, true],
  [1e-7, 1e-8, true],
  [1e-7, 3e-8, false],
  [5, 0, false],
  [5, -1, false],
  [Number.NaN, 1, false],
])("%d is a multiple of %d: %s", (value, step, expected) => {
  expect(isMultipleOf(value, step)).toBe(expected);
});

test("agrees with integer arithmetic on cents: q·s/100 is a multiple of s/100 for every integer q", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: -5, max: 5 }),
      (q, s, off) => {
        // value and step as a person writes them: decimals with two places.
        const step = Number((s / 100).toFixed(2));
        const cents = BigInt(q) * BigInt(s) + BigInt(off);
        const value = Number(
          `${cents < 0n ? "-" : ""}${(cents < 0n ? -cents : cents) / 100n}.${String((cents < 0n ? -cents : cents) % 100n).padStart(2, "0")}`,
        );
        expect(isMultipleOf(value, step)).toBe(cents % BigInt(s) === 0n);
      },
    ),
    { numRuns: 2000 },
  );
});
