/**
 * `snapshotArgs`: a call's arguments are copied into plain, deep-frozen JSON data before anything is checked,
 * or the call is denied with a reason. Nothing the agent sends can reach a prototype, run code during the
 * check, exhaust the verifier, or change between the check and the tool's run.
 */
import { describe, expect, test } from "vitest";
import { ARGUMENT_LIMITS, checkCall, compile, decide, snapshotArgs } from "../../src/core/index.js";

const compiled = compile(
  {
    mandate: 1,
    id: "m",
    allow: [
      { tool: "send_money", args: { amount: { maximum: 1200 }, to: { type: "string", optional: true } } },
      { tool: "anything" },
    ],
  },
  { now: 0 },
);
const call = (args: unknown, tool = "anything") => decide(compiled, { tool, args, callId: "c" }, { now: 0 });

/** The rejection `snapshotArgs` gives, or a failed expectation if it accepted the value. */
function rejected(args: unknown): { path: string; message: string; kind: string } {
  const snap = snapshotArgs(args);
  expect(snap.ok).toBe(false);
  if (snap.ok) throw new Error("unreachable");
  // The same reason reaches the decision, as its only delta item.
  const d = call(args);
  expect(d.verdict).toBe("deny");
  expect(d.delta).toEqual([snap.item]);
  return { path: snap.item.path, message: snap.item.message, kind: snap.item.kind };
}

function accepted(args: unknown): Readonly<Record<string, unknown>> {
  const snap = snapshotArgs(args);
  if (!snap.ok) throw new Error(`rejected: ${snap.item.message}`);
  return snap.value;
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe("keys that reach a prototype", () => {
  test.each(["__proto__", "constructor", "prototype"])("an own `%s` key from JSON.parse is denied", (key) => {
    const top = rejected(JSON.parse(`{"${key}": {"polluted": true}}`));
    expect(top).toEqual({
      kind: "argument",
      path: `/${key}`,
      message: `key \`${key}\` is not allowed in arguments`,
    });
    const nested = rejected(JSON.parse(`{"a": [{"b": {"${key}": {"polluted": true}}}]}`));
    expect(nested.path).toBe(`/a/0/b/${key}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("an object literal's `__proto__` sets its prototype: not plain data, denied", () => {
    expect(rejected({ __proto__: { admin: true } }).message).toBe("arguments must be a JSON object");
    expect(rejected({ a: { __proto__: { admin: true } } })).toMatchObject({ path: "/a" });
  });

  test("a non-enumerable forbidden key is left out of the copy, like every non-enumerable property", () => {
    const args = { a: 1 };
    Object.defineProperty(args, "constructor", { value: 1, enumerable: false });
    const snap = accepted(args);
    expect(Object.getOwnPropertyNames(snap)).toEqual(["a"]);
    expect(snap.constructor).toBe(Object);
  });

  test("objects without a prototype are plain data, copied to ordinary objects", () => {
    const args = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const snap = accepted(args);
    expect(snap).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(snap)).toBe(Object.prototype);
  });
});

describe("numbers", () => {
  test.each([
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("%s is denied with its path", (n, text) => {
    expect(rejected({ a: { b: [1, n] } })).toEqual({
      kind: "argument",
      path: "/a/b/1",
      message: `argument \`a/b/1\` is ${text}; only finite numbers are accepted`,
    });
  });

  test("-0 becomes 0, wherever it is", () => {
    const snap = accepted({ a: -0, b: [-0], c: { d: -0 } });
    expect(Object.is(snap.a, 0)).toBe(true);
    expect(Object.is((snap.b as number[])[0], 0)).toBe(true);
    expect(Object.is((snap.c as { d: number }).d, 0)).toBe(true);
  });

  test("a number given as a string is not a number where a number is constrained", () => {
    for (const amount of ["1000", "1e3", " 1000", "0x3E8"]) {
      const d = call({ amount }, "send_money");
      expect(d.verdict).toBe("deny");
      expect(d.delta).toEqual([
        expect.objectContaining({
          kind: "argument",
          path: "/amount",
          rule: "/allow/0/args/amount/type",
          message: `\`amount\` is a string (\`${JSON.stringify(amount)}\`); expected a number`,
        }),
      ]);
    }
    expect(call({ amount: 1000 }, "send_money").verdict).toBe("allow");
  });
});

describe("limits", () => {
  test("more values than the limit is denied; exactly the limit is accepted", () => {
    // The root object counts as one value, the array as another.
    expect(accepted({ a: new Array<number>(ARGUMENT_LIMITS.maxNodes - 2).fill(0) })).toBeDefined();
    expect(rejected({ a: new Array<number>(ARGUMENT_LIMITS.maxNodes - 1).fill(0) }).message).toBe(
      `arguments have more than ${ARGUMENT_LIMITS.maxNodes} values (limit)`,
    );
    expect(rejected({ a: new Array<number>(1_000_000).fill(0) }).message).toContain("values (limit)");
  });

  test("more characters than the limit (strings and keys together) is denied", () => {
    expect(accepted({ a: "x".repeat(ARGUMENT_LIMITS.maxChars - 1) })).toBeDefined();
    expect(rejected({ a: "x".repeat(ARGUMENT_LIMITS.maxChars) }).message).toBe(
      `arguments hold more than ${ARGUMENT_LIMITS.maxChars} characters (limit)`,
    );
    const longKeys: Record<string, number> = {};
    for (let i = 0; i < 9; i++) longKeys[`${i}${"k".repeat(ARGUMENT_LIMITS.maxChars / 8)}`] = i;
    expect(rejected(longKeys).message).toContain("characters (limit)");
  });

  test("nesting deeper than the limit is denied without exhausting the stack", () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
      return value;
    };
    // The arguments object is the first level.
    expect(accepted({ a: nest(ARGUMENT_LIMITS.maxDepth - 1) })).toBeDefined();
    expect(rejected({ a: nest(ARGUMENT_LIMITS.maxDepth) }).message).toBe(
      `arguments are nested deeper than ${ARGUMENT_LIMITS.maxDepth} levels (limit)`,
    );
    expect(rejected({ a: nest(100_000) }).message).toContain("nested deeper");
  });
});

describe("values JSON cannot carry", () => {
  class Money {
    amount = 5;
  }
  test.each([
    ["a class instance", new Money(), "(a Money)"],
    ["a Date", new Date(0), "(a Date)"],
    ["a Map", new Map([["a", 1]]), "(a Map)"],
    ["a RegExp", /a/, "(a RegExp)"],
    ["a boxed number", Object(5) as object, "(a Number)"],
    ["a typed array", new Uint8Array(2), "(a Uint8Array)"],
  ])("%s is denied as not plain data", (_name, value, detail) => {
    expect(rejected({ a: value })).toMatchObject({ path: "/a", message: expect.stringContaining(detail) });
  });

  test.each([
    ["a symbol", Symbol("s"), "symbol"],
    ["a function", () => 1, "function"],
    ["a BigInt", 10n, "bigint"],
  ])("%s is denied, naming its type", (_name, value, type) => {
    expect(rejected({ a: [value] })).toEqual({
      kind: "argument",
      path: "/a/0",
      message: `argument \`a/0\` is a ${type}, which JSON cannot carry`,
    });
  });

  test("a getter is read once: the value it returned is what is checked and what the tool receives", () => {
    let runs = 0;
    const args = {
      get amount(): number {
        runs++;
        return runs === 1 ? 5 : 5000;
      },
    };
    const snap = accepted({ nested: args });
    expect(snap).toEqual({ nested: { amount: 5 } });
    expect(runs).toBe(1);
    expect((snap.nested as { amount: number }).amount).toBe(5);
    expect(runs).toBe(1);
  });

  test("a getter that throws denies the call", () => {
    const args = {
      get amount(): number {
        throw new Error("boom");
      },
    };
    expect(rejected(args)).toMatchObject({ message: expect.stringContaining("cannot be read") });
  });

  test("array holes and `undefined` in arrays are denied; `undefined` properties are dropped", () => {
    expect(rejected({ a: [1, , 3] }).path).toBe("/a/1");
    expect(rejected({ a: [undefined] }).path).toBe("/a/0");
    expect(accepted({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(Object.hasOwn(accepted({ a: undefined }), "a")).toBe(false);
  });

  test("symbol-keyed and non-enumerable properties are left out of the copy", () => {
    const args: Record<string | symbol, unknown> = { a: 1, [Symbol("s")]: 2 };
    Object.defineProperty(args, "hidden", { value: 3, enumerable: false });
    const snap = accepted(args);
    expect(Reflect.ownKeys(snap)).toEqual(["a"]);
  });

  test("the arguments themselves must be an object; none at all means `{}`", () => {
    for (const args of [[1], "a=1", 5, true]) {
      expect(rejected(args)).toMatchObject({ path: "", message: "arguments must be a JSON object" });
    }
    expect(call(undefined).verdict).toBe("allow");
    expect(call(null).verdict).toBe("allow");
  });

  test("keys are escaped in the path as JSON Pointer segments", () => {
    expect(rejected({ "a/b": { "c~d": NaN } }).path).toBe("/a~1b/c~0d");
  });
});

describe("the snapshot", () => {
  test("is a deep-frozen copy, equal to the input", () => {
    const input = { amount: 5, to: { iban: "DE89", tags: ["a", { b: [1, 2] }] } };
    const snap = accepted(input);
    expect(snap).toEqual(input);
    expect(snap).not.toBe(input);
    expect(snap.to).not.toBe(input.to);
    expect(isDeepFrozen(snap)).toBe(true);
    expect(Object.isFrozen(input)).toBe(false);
  });

  test("a later change to the caller's object does not change it", () => {
    const input = { amount: 5, to: { iban: "DE89" }, list: [1] };
    const checked = checkCall(compiled, { tool: "anything", args: input, callId: "c" }, { now: 0 });
    expect(checked.decision.verdict).toBe("allow");
    input.amount = 5000;
    input.to.iban = "GB33";
    input.list.push(2);
    expect(checked.args).toEqual({ amount: 5, to: { iban: "DE89" }, list: [1] });
  });

  test("the decision is made on the values the tool receives, not on what a proxy shows later", () => {
    let reads = 0;
    const target = { amount: 5 };
    const shifty = new Proxy(target, {
      getOwnPropertyDescriptor(t, key) {
        reads++;
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        return d && key === "amount" && reads > 1 ? { ...d, value: 5000 } : d;
      },
    });
    const checked = checkCall(compiled, { tool: "send_money", args: shifty, callId: "c" }, { now: 0 });
    expect(checked.decision.verdict).toBe("allow");
    expect(checked.args).toEqual({ amount: 5 });
    expect(reads).toBe(1);
  });

  test("a denied call's frozen arguments are still returned when they are JSON data", () => {
    const checked = checkCall(
      compiled,
      { tool: "send_money", args: { amount: 5000 }, callId: "c" },
      { now: 0 },
    );
    expect(checked.decision.verdict).toBe("deny");
    expect(checked.args).toEqual({ amount: 5000 });
    expect(
      checkCall(compiled, { tool: "send_money", args: { amount: NaN }, callId: "c" }, { now: 0 }).args,
    ).toBeNull();
  });
});
