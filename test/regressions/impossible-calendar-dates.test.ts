// `expires: 2026-02-30` was accepted (JavaScript's Date rolls it over to 2 March), so a typo silently
// extended the mandate's life. A date that does not exist in the calendar is now an error.
import { expect, test } from "vitest";
import { parseMandate } from "../../src/core/index.js";

test.each(["2026-02-30", "2026-02-29T10:00:00Z", "2026-04-31", "2026-06-31T00:00Z"])(
  "`expires: %s` is an error",
  (date) => {
    const r = parseMandate(`mandate: 1\nid: m\nexpires: ${date}\nallow:\n  - tool: a\n`, { now: 0 });
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([expect.objectContaining({ pointer: "/expires", line: 3, column: 10 })]);
  },
);

test.each(["2028-02-29", "2026-12-31T23:59:59Z", "2026-01-31T00:00:00+05:30"])(
  "`expires: %s` is valid",
  (date) => {
    expect(parseMandate(`mandate: 1\nid: m\nexpires: ${date}\nallow:\n  - tool: a\n`, { now: 0 }).ok).toBe(
      true,
    );
  },
);
