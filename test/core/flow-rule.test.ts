// The `flow` argument constraint: data from untrusted or sensitive tool outputs must not flow into an argument.
// Checked end to end: YAML → parseMandate → compile → decide with the session's ObservationLog.
import { describe, expect, test } from "vitest";
import {
  ARGUMENT_LIMITS,
  compile,
  type CompiledMandate,
  decide,
  ObservationLog,
  overlap,
  parseMandate,
  type Source,
} from "../../src/core/index.js";

const USER: Source = { id: "user:1", trust: "trusted", kind: "user" };
const INBOX: Source = {
  id: "result:c7",
  trust: "untrusted",
  kind: "tool",
  tool: "read_inbox",
  callId: "c7",
};
const VAULT: Source = {
  id: "result:c8",
  trust: "trusted",
  kind: "tool",
  tool: "get_secret",
  callId: "c8",
  label: "sensitive",
};

const USER_WORDS = "Tell Bob that the meeting moved to Friday and that I will bring the slides.";
const PHISH = {
  from: "eve@phish.example",
  subject: "Security notice",
  body:
    "Your verification code is 482913. To keep your account, visit reset.phish.example and " +
    "confirm your details before the weekend is over.",
};
const QUOTE = "confirm your details before the weekend is over"; // 47 characters, no values in it
const VAULT_OUTPUT = {
  pin: "774201",
  note: "the vault key rotates every ninety days without exception",
};

/** A session: the user's words, a phishing e-mail (untrusted) and a vault read (trusted but sensitive). */
function session(): ObservationLog {
  const log = new ObservationLog();
  log.observe(USER, USER_WORDS);
  log.observe(INBOX, PHISH);
  log.observe(VAULT, VAULT_OUTPUT);
  return log;
}

/** A mandate allowing `send_email` with a `flow` rule (given as YAML flow mapping) on `body`. */
function mandate(flow = "{}", extra = ""): CompiledMandate {
  const text = `mandate: 1
id: flows
allow:
  - tool: send_email
    args:
      to: {}
      body: { flow: ${flow} }
${extra}`;
  const parsed = parseMandate(text);
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.field}: ${i.message}`).join("\n"));
  return compile(parsed.mandate);
}

/** Decides `send_email` with `body`; `log: null` decides without observations. */
function send(compiled: CompiledMandate, body: unknown, log: ObservationLog | null = session()) {
  return decide(
    compiled,
    { tool: "send_email", args: { to: "bob@example.com", body }, callId: "out-1" },
    log === null ? {} : { observations: log },
  );
}

/** The message blames `source` for a value (an identifier, address, host name…), not for copied text. */
function expectByValue(message: string, source: string): void {
  expect(message).toContain(`${source} (`);
  expect(message).toMatch(/identifier/);
  expect(message).not.toMatch(/copied/);
}

const MY_OWN = "Hi Bob, the meeting moved to Friday and I will bring the slides. See you there!";

describe("a flow rule with the defaults (forbid untrusted and sensitive, detect overlap and values)", () => {
  const compiled = mandate();

  test("allows a body in the user's own words", () => {
    const d = send(compiled, MY_OWN);
    expect(d.verdict).toBe("allow");
    expect(d.delta).toEqual([]);
    expect(d.rule).toMatchObject({ effect: "allow", pointer: "/allow/0" });
  });

  test("denies a body that quotes a run of 20+ characters of an untrusted output, naming the source", () => {
    const body = `Hi Bob, please ${QUOTE}. Thanks!`;
    const d = send(compiled, body);
    expect(d.verdict).toBe("deny");
    expect(d.rule).toBeNull();
    expect(d.delta).toEqual([
      {
        kind: "provenance",
        path: "/body",
        exercised: body,
        granted: { noFlowFrom: "untrusted or sensitive tool outputs" },
        message: expect.any(String),
        rule: "/allow/0/args/body/flow",
        sources: [{ id: "result:c7", kind: "tool", tool: "read_inbox", callId: "c7" }],
      },
    ]);
    const message = d.delta[0]!.message;
    expect(message).toMatch(/^`body` must not carry data from untrusted or sensitive tool outputs: /);
    expect(message).toContain("the output of read_inbox (call c7)");
    expect(message).toContain(`a copied run of ${QUOTE.length} characters`);
    expect(d.reason).toContain("read_inbox (call c7)");
  });

  test("a shared piece under 20 characters in a longer body of the user's own is not a flow", () => {
    // "the weekend is over" is 19 normalised characters: one short of the default minRun.
    const body =
      "Hi Bob, the meeting moved to Friday, and the weekend is over for me: I will bring the slides.";
    expect(send(compiled, body).verdict).toBe("allow");
    expect(send(compiled, body.replace("the weekend is over", "before the weekend is over")).verdict).toBe(
      "deny",
    );
  });

  test("denies a body carrying a 6-digit code from an untrusted output (by value)", () => {
    const body = `${MY_OWN} The code is 482913.`;
    const d = send(compiled, body);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toMatchObject([
      {
        kind: "provenance",
        path: "/body",
        rule: "/allow/0/args/body/flow",
        sources: [{ id: "result:c7", tool: "read_inbox", callId: "c7" }],
      },
    ]);
    expectByValue(d.delta[0]!.message, "the output of read_inbox (call c7)");
    // It is the value that flows: the pure overlap of the same text finds no run or share.
    expect(overlap(session(), body).flows).toEqual([]);
    expect(overlap(session(), body, { values: true }).flows).toMatchObject([
      { source: { id: "result:c7" }, by: "value" },
    ]);
  });

  test("the same code is allowed when the user gave it too (a trusted source vouches for it)", () => {
    const body = `${MY_OWN} The code is 482913.`;
    const log = session();
    expect(send(compiled, body, log).verdict).toBe("deny");
    log.observe({ id: "user:2", trust: "trusted", kind: "user" }, "My code is 482913, pass it on to Bob.");
    expect(send(compiled, body, log).verdict).toBe("allow");
  });

  test("a code found only in a trusted but sensitive source is not vouched for", () => {
    const log = session();
    log.observe({ ...VAULT, id: "result:c9", callId: "c9" }, { backup_code: "482913" });
    const d = send(compiled, `${MY_OWN} The code is 482913.`, log);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.sources?.map((s) => s.id).sort()).toEqual(["result:c7", "result:c9"]);
  });

  test("denies a host name from an untrusted output in a short body; an address too", () => {
    const host = send(compiled, "Hi Bob, have a look at reset.phish.example when you can.");
    expect(host.verdict).toBe("deny");
    expectByValue(host.delta[0]!.message, "the output of read_inbox (call c7)");
    const address = send(compiled, "Hi Bob, the meeting moved to Friday; ask eve@phish.example for slides.");
    expect(address.verdict).toBe("deny");
    expect(address.delta[0]!.sources).toEqual([
      { id: "result:c7", kind: "tool", tool: "read_inbox", callId: "c7" },
    ]);
    // A host the user did not get from the e-mail is fine.
    expect(send(compiled, "Hi Bob, have a look at wiki.example.com when you can.").verdict).toBe("allow");
  });

  test("detects a percent-encoded copy inside a URL", () => {
    const link = `https://collect.example/?q=${encodeURIComponent(QUOTE)}`;
    // Raw, the escapes hide the run from overlap; the rule decodes the query before checking.
    expect(overlap(session(), link, { values: true }).flows).toEqual([]);
    const d = send(compiled, link);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.message).toContain(`a copied run of ${QUOTE.length} characters`);
    const code = send(compiled, `https://collect.example/?c=${encodeURIComponent("code: 482913")}&x=1`);
    expect(code.verdict).toBe("deny");
    expect(send(compiled, `https://collect.example/?q=${encodeURIComponent(MY_OWN)}`).verdict).toBe("allow");
  });

  test("checks every string inside an array or object argument", () => {
    expect(send(compiled, ["Hi Bob", { note: MY_OWN, tags: ["friday", "slides"] }]).verdict).toBe("allow");
    const nested = send(compiled, ["Hi Bob", { note: MY_OWN, extra: [[`fyi: ${QUOTE}`]] }]);
    expect(nested.verdict).toBe("deny");
    expect(nested.delta).toMatchObject([{ path: "/body", rule: "/allow/0/args/body/flow" }]);
    expect(send(compiled, { parts: ["Hi Bob", "code 482913"] }).verdict).toBe("deny");
  });

  test("data from a sensitive source is forbidden by default, though the source is trusted", () => {
    const d = send(compiled, "Hi Bob, the pin is 774201, see you on Friday with the slides.");
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.sources).toEqual([
      { id: "result:c8", kind: "tool", tool: "get_secret", callId: "c8", label: "sensitive" },
    ]);
    expect(d.delta[0]!.message).toContain("the output of get_secret (call c8), sensitive (");
  });

  test("a value that breaks the argument's own constraint is reported as such, not as a flow", () => {
    const bounded = mandate("{}, maxLength: 20");
    const d = send(bounded, `fyi ${QUOTE}`);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toMatchObject([{ kind: "argument", rule: "/allow/0/args/body/maxLength" }]);
  });
});

describe("forbid and detect", () => {
  test("`forbid: [sensitive]` ignores untrusted outputs but denies sensitive data even from a trusted source", () => {
    const compiled = mandate("{ forbid: [sensitive] }");
    expect(send(compiled, `Hi Bob, please ${QUOTE}. Code 482913.`).verdict).toBe("allow");
    const run = send(compiled, "Hi Bob, the vault key rotates every ninety days, you know.");
    expect(run.verdict).toBe("deny");
    expect(run.delta[0]).toMatchObject({
      kind: "provenance",
      granted: { noFlowFrom: "sensitive tool outputs" },
      sources: [{ id: "result:c8", label: "sensitive" }],
    });
    expect(run.delta[0]!.message).toContain("a copied run of");
    expect(send(compiled, "Hi Bob, the pin is 774201.").verdict).toBe("deny");
  });

  test("`forbid: [untrusted]` lets sensitive trusted data through", () => {
    const compiled = mandate("{ forbid: [untrusted] }");
    expect(send(compiled, "Hi Bob, the pin is 774201.").verdict).toBe("allow");
    const d = send(compiled, `Hi Bob, please ${QUOTE}.`);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.granted).toEqual({ noFlowFrom: "untrusted tool outputs" });
  });

  test("`detect: [values]` does not deny a long copied run without values, but denies a lone code", () => {
    const compiled = mandate("{ detect: [values] }");
    expect(send(compiled, `Hi Bob, please ${QUOTE}.`).verdict).toBe("allow");
    expect(send(compiled, QUOTE).verdict).toBe("allow"); // wholly copied, still no value in it
    const d = send(compiled, `${MY_OWN} Code 482913.`);
    expect(d.verdict).toBe("deny");
    expectByValue(d.delta[0]!.message, "the output of read_inbox (call c7)");
  });

  test("`detect: [overlap]` does not deny a lone code, but denies a copied run", () => {
    const compiled = mandate("{ detect: [overlap] }");
    expect(send(compiled, `${MY_OWN} Code 482913.`).verdict).toBe("allow");
    expect(send(compiled, "Hi Bob, have a look at reset.phish.example when you can.").verdict).toBe("allow");
    expect(send(compiled, `Hi Bob, please ${QUOTE}.`).verdict).toBe("deny");
  });

  test("a custom `minRun` moves the run threshold both ways", () => {
    const body = `Hi Bob, the meeting moved to Friday and I will bring the slides; please ${QUOTE}. Cheers, Emma`;
    expect(send(mandate("{ detect: [overlap] }"), body).verdict).toBe("deny");
    expect(send(mandate("{ detect: [overlap], minRun: 60 }"), body).verdict).toBe("allow");
    const short = `${MY_OWN} Also, the weekend is over.`;
    expect(send(mandate("{ detect: [overlap] }"), short).verdict).toBe("allow");
    const strict = send(mandate("{ detect: [overlap], minRun: 12 }"), short);
    expect(strict.verdict).toBe("deny");
    expect(strict.delta[0]!.message).toContain("a copied run of 19 characters");
  });

  test("a custom `minShare` catches a short text mostly copied", () => {
    // "the weekend is over" is 19 of the body's characters: a large share, but under the default minRun.
    const body = "so, the weekend is over";
    expect(send(mandate("{ detect: [overlap], minShare: 0.9 }"), body).verdict).toBe("allow");
    const d = send(mandate("{ detect: [overlap] }"), body);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.message).toMatch(/\(\d+% of it copied\)/);
  });
});

describe("fails closed", () => {
  const compiled = mandate();

  test("without observations the decision cannot rule out a flow, so it denies", () => {
    const d = send(compiled, MY_OWN, null);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toMatchObject([{ kind: "provenance", path: "/body", rule: "/allow/0/args/body/flow" }]);
    expect(d.delta[0]!.message).toContain("no sources were observed");
    expect(d.delta[0]!.sources).toBeUndefined();
  });

  test("a log marked incomplete denies even text in the user's own words", () => {
    const log = session();
    expect(send(compiled, MY_OWN, log).verdict).toBe("allow");
    log.markIncomplete();
    expect(log.truncated).toBe(true);
    const d = send(compiled, MY_OWN, log);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.message).toContain("record of tool outputs is incomplete");
  });

  test("a log that cut an output to its `maxChars` denies", () => {
    const log = new ObservationLog({ maxChars: 64 });
    log.observe(USER, "Tell Bob the meeting moved.");
    log.observe(INBOX, PHISH);
    expect(log.truncated).toBe(true);
    const d = send(compiled, "Hi Bob, the meeting moved.", log);
    expect(d.verdict).toBe("deny");
    expect(d.delta[0]!.message).toContain("incomplete");
  });

  test("a value too long to check is denied, not half-checked", () => {
    const long = "x".repeat(1_000_001);
    expect(long.length).toBeLessThan(ARGUMENT_LIMITS.maxChars); // a valid argument, only too long for flows
    const d = send(compiled, long);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toMatchObject([{ kind: "provenance", rule: "/allow/0/args/body/flow" }]);
    expect(d.delta[0]!.message).toContain("too long or too deep to check for flows");
    // Spread over an array, the strings count together.
    const split = send(compiled, ["y".repeat(600_000), "z".repeat(400_001)]);
    expect(split.delta[0]!.message).toContain("too long or too deep to check for flows");
    expect(send(compiled, "x".repeat(2_000)).verdict).toBe("allow");
  });
});

describe("the loader", () => {
  const load = (rules: string) => parseMandate(`mandate: 1\nid: m\n${rules}`);
  const errors = (rules: string) => {
    const r = load(rules);
    expect(r.ok).toBe(false);
    return r.issues.filter((i) => i.severity === "error").map((i) => [i.field, i.message]);
  };
  const bodyFlow = (flow: string) => `allow:\n  - tool: send_email\n    args: { body: { flow: ${flow} } }\n`;

  test("`flow` in a `deny` rule is an error", () => {
    expect(
      errors("allow:\n  - tool: send_email\ndeny:\n  - tool: send_email\n    args: { body: { flow: {} } }\n"),
    ).toEqual([
      [
        "deny[0].args.body",
        "`provenance`, `from` and `flow` say what an `allow` or `ask` rule needs; a `deny` rule cannot use them",
      ],
    ]);
  });

  test("bad `forbid` and `detect` entries name the field", () => {
    expect(errors(bodyFlow("{ forbid: [secret] }"))).toEqual([
      ["allow[0].args.body.flow.forbid[0]", expect.stringContaining("`untrusted`, `sensitive`")],
    ]);
    expect(errors(bodyFlow("{ forbid: [] }"))).toEqual([
      ["allow[0].args.body.flow.forbid", expect.stringContaining("at least 1")],
    ]);
    expect(errors(bodyFlow("{ forbid: [untrusted, untrusted] }"))).toEqual([
      ["allow[0].args.body.flow.forbid", expect.any(String)],
    ]);
    expect(errors(bodyFlow("{ detect: [regex] }"))).toEqual([
      ["allow[0].args.body.flow.detect[0]", expect.stringContaining("`overlap`, `values`")],
    ]);
  });

  test("thresholds out of range are errors naming the field", () => {
    expect(errors(bodyFlow("{ minShare: 0 }"))).toEqual([
      ["allow[0].args.body.flow.minShare", "expected a number > 0, got `0`"],
    ]);
    expect(errors(bodyFlow("{ minShare: 1.5 }"))).toEqual([
      ["allow[0].args.body.flow.minShare", expect.stringContaining("≤ 1")],
    ]);
    expect(errors(bodyFlow("{ minRun: 0 }"))).toEqual([
      ["allow[0].args.body.flow.minRun", expect.stringContaining("≥ 1")],
    ]);
    expect(errors(bodyFlow("{ minPiece: 2.5 }"))).toEqual([
      ["allow[0].args.body.flow.minPiece", expect.stringContaining("integer")],
    ]);
  });

  test("an unknown key in `flow` is an error with a suggestion", () => {
    const r = load(bodyFlow("{ detct: [values] }"));
    expect(r.ok).toBe(false);
    expect(r.issues).toMatchObject([
      {
        severity: "error",
        pointer: "/allow/0/args/body/flow",
        field: "allow[0].args.body.flow.detct",
        message: expect.stringContaining("unknown key `detct`"),
        suggestion: "detect",
      },
    ]);
    expect(errors(bodyFlow("true"))).toEqual([
      ["allow[0].args.body.flow", expect.stringContaining("object")],
    ]);
  });

  test("`flow` stands on a top-level argument only, and `sensitiveTools` must not be empty", () => {
    expect(errors("allow:\n  - tool: t\n    args: { x: { items: { flow: {} } } }\n")).toEqual([
      ["allow[0].args.x.items.flow", expect.stringContaining("unknown key `flow`")],
    ]);
    expect(errors("sensitiveTools: []\nallow:\n  - tool: t\n")).toEqual([
      ["sensitiveTools", expect.stringContaining("at least 1")],
    ]);
  });

  test("a complete flow rule loads and its thresholds take effect", () => {
    const r = load(
      "sensitiveTools: [get_secret]\n" +
        bodyFlow(
          "{ forbid: [untrusted, sensitive], detect: [overlap, values], minRun: 30, minShare: 1, minPiece: 4 }",
        ),
    );
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([]);
    if (!r.ok) return;
    expect(r.mandate.sensitiveTools).toEqual(["get_secret"]);
    const compiled = compile(r.mandate);
    const allowedBody =
      "Hi Bob, the meeting moved to Friday; and the weekend is over, so see you soon with slides.";
    const probe = (body: string) =>
      decide(compiled, { tool: "send_email", args: { body }, callId: "x" }, { observations: session() })
        .verdict;
    expect(probe(allowedBody)).toBe("allow");
    expect(probe(`Hi Bob, please ${QUOTE}.`)).toBe("deny"); // 47 ≥ 30
  });
});

describe("with `ask` rules", () => {
  const compiled = (() => {
    const r = parseMandate(`mandate: 1
id: m
allow:
  - tool: send_email
    args:
      body: { flow: {} }
ask:
  - tool: send_email
`);
    if (!r.ok) throw new Error("mandate did not load");
    return compile(r.mandate);
  })();
  const call = (body: string, log: ObservationLog | null = session()) =>
    decide(
      compiled,
      { tool: "send_email", args: { body }, callId: "a1" },
      log === null ? {} : { observations: log },
    );

  test("a body that passes the flow rule is allowed", () => {
    expect(call(MY_OWN)).toMatchObject({ verdict: "allow", rule: { effect: "allow", pointer: "/allow/0" } });
  });

  test("a body that fails the allow rule's flow requirement falls through to the ask rule", () => {
    expect(call(`Hi Bob, please ${QUOTE}.`)).toMatchObject({
      verdict: "ask",
      rule: { effect: "ask", pointer: "/ask/0" },
    });
    expect(call(MY_OWN, null)).toMatchObject({ verdict: "ask", rule: { pointer: "/ask/0" } });
  });

  test("a flow requirement on the ask rule itself denies when it fails", () => {
    const r = parseMandate(
      "mandate: 1\nid: m\nask:\n  - tool: send_email\n    args:\n      body: { flow: { detect: [values] } }\n",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const askOnly = compile(r.mandate);
    const decideBody = (body: string) =>
      decide(askOnly, { tool: "send_email", args: { body }, callId: "a2" }, { observations: session() });
    expect(decideBody(MY_OWN).verdict).toBe("ask");
    const d = decideBody(`${MY_OWN} Code 482913.`);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toMatchObject([{ kind: "provenance", rule: "/ask/0/args/body/flow" }]);
  });
});

describe("secret arguments", () => {
  test("the delta's `exercised` is redacted and the message does not repeat the value", () => {
    const compiled = mandate("{}, secret: true");
    const body = `Hi Bob, the code is 482913; please ${QUOTE}.`;
    const d = send(compiled, body);
    expect(d.verdict).toBe("deny");
    expect(d.delta).toHaveLength(1);
    expect(d.delta[0]).toMatchObject({ kind: "provenance", path: "/body", exercised: "[redacted]" });
    const text = JSON.stringify(d);
    expect(text).not.toContain("482913");
    expect(text).not.toContain("weekend");
    expect(d.delta[0]!.sources).toEqual([
      { id: "result:c7", kind: "tool", tool: "read_inbox", callId: "c7" },
    ]);
  });
});

describe("what a flow rule reads of an argument", () => {
  test("object keys carry data as well as values", () => {
    expect(send(mandate(), { [QUOTE]: "ok" }).verdict).toBe("deny");
    expect(send(mandate(), { "see you friday": "ok" }).verdict).toBe("allow");
  });

  test("numbers are checked like strings: a code sent as a number is still the code", () => {
    expect(send(mandate(), 482913).verdict).toBe("deny");
    expect(send(mandate(), { code: 482913 }).verdict).toBe("deny");
    expect(send(mandate(), { code: 123456 }).verdict).toBe("allow");
  });

  test("dates are not values, with a month name or without", () => {
    const log = session();
    log.observe(
      { id: "r9", trust: "untrusted", kind: "tool", tool: "read_inbox", callId: "c9" },
      "The offsite is on 12 March 2026, confirmed on 2026-02-01.",
    );
    const compiled = mandate("{ detect: [values] }");
    expect(send(compiled, "See you on 12 March 2026!", log).verdict).toBe("allow");
    expect(send(compiled, "Booked since 2026-02-01.", log).verdict).toBe("allow");
    expect(send(compiled, "The code was 482913.", log).verdict).toBe("deny");
  });
});

describe("outputs that are not plain JSON", () => {
  test("Maps, Sets and Dates are recorded; a class instance with no own data is refused, not recorded as nothing", () => {
    const log = new ObservationLog();
    log.observe(INBOX, new Map([["pin", "774201"]]));
    log.observe({ ...INBOX, id: "s", callId: "s" }, new Set(["sk-live-9f8e7d6c5b4a3f2e"]));
    expect(send(mandate(), "pin 774201", log).verdict).toBe("deny");
    expect(send(mandate(), "key sk-live-9f8e7d6c5b4a3f2e", log).verdict).toBe("deny");
    class Hidden {
      get pin() {
        return "774201";
      }
    }
    expect(() => log.observe({ ...INBOX, id: "h", callId: "h" }, new Hidden())).toThrow(/class Hidden/);
    expect(() => log.observe({ ...INBOX, id: "b", callId: "b" }, new Uint8Array([1, 2]))).toThrow(/binary/);
    class WithJson {
      toJSON() {
        return { pin: "919293" };
      }
    }
    log.observe({ ...INBOX, id: "j", callId: "j" }, new WithJson());
    expect(send(mandate(), "pin 919293", log).verdict).toBe("deny");
  });
});

describe("an ask tells the person why the allow rule did not cover the call", () => {
  test("a value-origin failure on the allow rule becomes the ask's escalation, naming the source", () => {
    const parsed = parseMandate(`mandate: 1
id: pay
allow:
  - tool: pay
    args: { amount: { maximum: 150, provenance: trusted } }
ask:
  - tool: pay
    args: { amount: { maximum: 150 } }
`);
    if (!parsed.ok) throw new Error("mandate should load");
    const compiled = compile(parsed.mandate);
    const log = new ObservationLog();
    log.observe(USER, "please pay the electricity bill");
    log.observe(INBOX, "Amount due: 86.40 EUR");
    const d = decide(compiled, { tool: "pay", args: { amount: 86.4 }, callId: "p1" }, { observations: log });
    expect(d.verdict).toBe("ask");
    expect(d.delta).toEqual([]);
    expect(d.escalation).toMatchObject([
      {
        kind: "provenance",
        path: "/amount",
        rule: "/allow/0/args/amount/provenance",
        sources: [{ callId: "c7" }],
      },
    ]);
    expect(d.escalation![0]!.message).toContain("the output of read_inbox (call c7)");
    // Covered outright: no escalation.
    log.observe({ ...USER, id: "user:2" }, "it is 86.40");
    expect(
      decide(compiled, { tool: "pay", args: { amount: 86.4 }, callId: "p2" }, { observations: log }),
    ).not.toHaveProperty("escalation");
  });
});
