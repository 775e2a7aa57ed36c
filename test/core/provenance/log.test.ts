// The observation log: what it records of a source, its bounds, what it drops, and that dropping and
// rebuilding never change what a check finds among the sources it still holds.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  DEFAULT_MAX_CHARS,
  findValue,
  ObservationLog,
  type Source,
} from "../../../src/core/provenance/index.js";

const USER: Source = { id: "user:1", trust: "trusted", kind: "user" };
const out = (id: string): Source => ({ id, trust: "untrusted", kind: "tool", tool: "t", callId: id });

describe("observe", () => {
  test("reports what it recorded", () => {
    const log = new ObservationLog();
    expect(log.observe(USER, "Pay the rent, 1,200.00 EUR.")).toEqual({
      chars: 28,
      tokens: 5,
      partial: false,
      dropped: 0,
    });
    expect(log.size).toBe(1);
    expect(log.chars).toBe(28);
    expect(log.truncated).toBe(false);
    expect(log.maxChars).toBe(DEFAULT_MAX_CHARS);
  });

  test("flattens JSON: keys, strings and numbers, depth first, each its own leaf", () => {
    const log = new ObservationLog();
    const content = {
      transactions: [
        { id: 7, recipient: "DE89370400440532013000", amount: 86.4, booked: true, memo: null },
        { id: 8n, recipient: "FR7630006000011234567890189", amount: -12.5 },
      ],
    };
    expect(log.observe(out("c1"), content).tokens).toBe(15);
    expect(findValue(log, "86.40").untrusted).toHaveLength(1);
    expect(findValue(log, "FR76 3000 6000 0112 3456 7890 189").untrusted).toHaveLength(1);
    expect(findValue(log, "12.5").untrusted).toHaveLength(1); // signs are not compared
    expect(findValue(log, "recipient").untrusted).toHaveLength(1);
    expect(findValue(log, "recipient amount").untrusted).toHaveLength(0); // two leaves
  });

  test("survives cycles and ignores what is not JSON", () => {
    const a: Record<string, unknown> = { name: "alpha beta" };
    a.self = a;
    const log = new ObservationLog();
    log.observe(out("c1"), [a, a, () => 1, Symbol("x"), undefined, Number.NaN, new Map([["k", "v"]])]);
    expect(findValue(log, "alpha beta").untrusted).toHaveLength(1);
  });

  test("a deeply nested output does not overflow the stack", () => {
    let deep: unknown = "the bottom value";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const log = new ObservationLog();
    log.observe(out("c1"), deep);
    expect(findValue(log, "the bottom value").untrusted).toHaveLength(1);
  });

  test.each([
    [{ id: "", trust: "trusted", kind: "user" }, "a source needs a non-empty `id`"],
    [{ id: "x", trust: "yes", kind: "user" }, 'source `x`: `trust` must be "trusted" or "untrusted"'],
    [{ id: "x", trust: "trusted", kind: "agent" }, 'source `x`: `kind` must be "user", "mandate" or "tool"'],
    [
      { id: "x", trust: "trusted", kind: "tool", label: "secret" },
      'source `x`: `label` must be "sensitive" when given',
    ],
    [{ id: "x", trust: "trusted", kind: "tool", tool: 3 }, "source `x`: `tool` must be a string when given"],
    [null, "a source must be an object"],
  ])("rejects the malformed source %j", (source, message) => {
    expect(() => new ObservationLog().observe(source as unknown as Source, "text")).toThrow(message);
  });

  test.each([{ maxChars: 0 }, { maxChars: 1.5 }, { maxSourceChars: -1 }, { maxChars: Number.NaN }])(
    "rejects the options %j",
    (options) => {
      expect(() => new ObservationLog(options)).toThrow(RangeError);
    },
  );

  test("a source is frozen as observed: changing the caller's object changes nothing", () => {
    const log = new ObservationLog();
    const source = { id: "c1", trust: "untrusted", kind: "tool" } as {
      id: string;
      trust: string;
      kind: string;
    };
    log.observe(source as Source, "DE89370400440532013000");
    source.trust = "trusted";
    expect(findValue(log, "DE89370400440532013000")).toMatchObject({
      trusted: [],
      untrusted: [{ id: "c1" }],
    });
  });
});

describe("bounds", () => {
  test("maxSourceChars cuts one source and marks the log truncated", () => {
    const log = new ObservationLog({ maxSourceChars: 30 });
    const r = log.observe(out("c1"), "alpha beta gamma delta epsilon zeta eta theta");
    expect(r.partial).toBe(true);
    expect(r.chars).toBeLessThanOrEqual(30);
    expect(log.truncated).toBe(true);
    expect(findValue(log, "alpha beta").untrusted).toHaveLength(1);
    expect(findValue(log, "theta").untrusted).toHaveLength(0);
  });

  test("a cut never leaves half a token behind", () => {
    const log = new ObservationLog({ maxSourceChars: 20 });
    log.observe(out("c1"), "pay DE89370400440532013000 now");
    expect(findValue(log, "de89370400").untrusted).toHaveLength(0);
  });

  test("maxSourceChars is at most maxChars", () => {
    expect(new ObservationLog({ maxChars: 100, maxSourceChars: 1000 }).maxSourceChars).toBe(100);
  });

  test("dropped sources are counted", () => {
    const log = new ObservationLog({ maxChars: 50 });
    for (let i = 0; i < 5; i++) log.observe(out(`c${i}`), "x".repeat(19));
    expect(log.dropped).toEqual({ sources: 3, chars: 60 });
    expect(log.sources().map((s) => s.id)).toEqual(["c3", "c4"]);
  });

  test("huge text is cut before it is normalised", () => {
    const log = new ObservationLog({ maxChars: 1000 });
    const r = log.observe(out("c1"), "word ".repeat(2_000_000));
    expect(r.partial).toBe(true);
    expect(log.chars).toBeLessThanOrEqual(1000);
  });
});

describe("dropping and rebuilding change nothing about the sources still held", () => {
  const VOCAB = [
    "pay",
    "the",
    "rent",
    "de89",
    "3704",
    "0044",
    "1,200.00",
    "1200",
    "bob@x.com",
    "x.com",
    "12345678",
  ];
  const PROBES = [
    "pay the rent",
    "de89 3704 0044",
    "1200",
    "bob@x.com",
    "x.com",
    12345678,
    "rent pay",
    "de893704",
  ];

  test("findValue on a bounded log equals findValue on a fresh log of the sources it holds", () => {
    const sourceArb = fc.record({
      trusted: fc.boolean(),
      words: fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 60 }),
      sep: fc.constantFrom(" ", ", ", "\n"),
    });
    fc.assert(
      fc.property(fc.array(sourceArb, { minLength: 1, maxLength: 150 }), (specs) => {
        const log = new ObservationLog({ maxChars: 2_000 });
        const contents = new Map<string, { source: Source; text: string }>();
        specs.forEach((s, i) => {
          const source: Source = s.trusted
            ? { id: `user:${i}`, trust: "trusted", kind: "user" }
            : { id: `c${i}`, trust: "untrusted", kind: "tool" };
          const text = s.words.join(s.sep);
          contents.set(source.id, { source, text });
          log.observe(source, text);
        });
        expect(log.chars).toBeLessThanOrEqual(2_000);
        const fresh = new ObservationLog();
        for (const ref of log.sources()) {
          const c = contents.get(ref.id)!;
          fresh.observe(c.source, c.text);
        }
        for (const probe of PROBES) {
          const a = findValue(log, probe);
          const b = findValue(fresh, probe);
          expect({ ...a, truncated: false }).toEqual({ ...b, truncated: false });
        }
      }),
      { numRuns: 150 },
    );
  });
});
