import fc from "fast-check";
import { expect, test } from "vitest";
import { compileEmailForm, normaliseEmail, parseSlow } from "../../../src/core/forms/email.js";
import { analyseSlow, compilePathForm, normalisePath } from "../../../src/core/forms/path.js";
import { compileUrlForm, compileUrlFormSlow } from "../../../src/core/forms/url.js";

// The forms answer plain ASCII values without the full analysis; these properties hold the shortcut to the
// full analysis on values built to sit on both sides of the shortcut's edge.
const char = (alphabet: string) => fc.constantFrom(...alphabet.split(""));
const word = (alphabet: string, max = 8) =>
  fc.array(char(alphabet), { minLength: 0, maxLength: max }).map((cs) => cs.join(""));

test("plain paths: the shortcut agrees with the full analysis", () => {
  const segment = word("ab.-_ Z9~%2e/\\", 6);
  const path = fc
    .tuple(fc.constantFrom("/", "", "//"), fc.array(segment, { maxLength: 5 }), fc.constantFrom("", "/"))
    .map(([lead, segs, tail]) => lead + segs.join("/") + tail);
  fc.assert(
    fc.property(path, (p) => {
      const slow = analyseSlow(p);
      expect(normalisePath(p)).toBe(slow.ok ? slow.path : undefined);
    }),
    { numRuns: 3000 },
  );
});

test("plain addresses: the shortcut agrees with the full parse", () => {
  const local = word('ab.+-_Z9%!"', 6);
  const label = fc.oneof(
    word("abz09-", 6),
    fc.constant("xn--"),
    fc.constant("xn--bcher-kva"),
    word("0123", 3),
    word("ABc", 3),
  );
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("."));
  const address = fc.tuple(local, domain, fc.constantFrom("", ".")).map(([l, d, dot]) => `${l}@${d}${dot}`);
  fc.assert(
    fc.property(address, (a) => {
      const slow = parseSlow(a);
      expect(normaliseEmail(a)).toBe(slow.ok ? slow.address : undefined);
    }),
    { numRuns: 3000 },
  );
});

test("plain URLs: the shortcut agrees with the WHATWG parser", () => {
  const form = { hosts: ["api.example.com", "*.example.org", "b0.a-b.example"], ports: [443, 8443, 80] };
  const fast = compileUrlForm(form);
  const slow = compileUrlFormSlow(form);
  const label = fc.oneof(
    fc.constantFrom(
      "api",
      "example",
      "com",
      "org",
      "a",
      "b0",
      "a-b",
      "xn--bcher-kva",
      "xn--",
      "0x7f",
      "1",
      "EXAMPLE",
    ),
    word("ab0-", 4),
  );
  const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("."));
  const url = fc
    .tuple(
      fc.constantFrom("https://", "http://", "HTTPS://", "https:/", "ftp://", "https://user@"),
      host,
      fc.constantFrom("", ".", ":443", ":8443", ":0443", ":99999", ":", ":80"),
      fc.constantFrom(
        "",
        "/",
        "/v1/pay?x=1",
        "?q",
        "#f",
        "/@evil.example",
        "@evil.example/",
        "/a\\b",
        "/a b",
        "/\u0000",
        "/é",
        "/%2e%2e/",
        " ",
      ),
    )
    .map(([scheme, h, port, rest]) => scheme + h + port + rest);
  fc.assert(
    fc.property(url, (u) => {
      expect(fast(u) === null).toBe(slow(u) === null);
    }),
    { numRuns: 4000 },
  );
});

test("`holds` answers as the worded check does, for every form", () => {
  const url = compileUrlForm({ hosts: ["api.example.com", "*.example.org"], ports: [443] });
  const path = compilePathForm({ under: ["/home/alice/bills"] });
  const email = compileEmailForm({ domains: ["example.com"] });
  const values = fc.oneof(
    fc.constantFrom(
      "https://api.example.com/x",
      "https://API.example.com/x",
      "https://a.example.org:8443/",
      "https://user@api.example.com/",
      "/home/alice/bills/a.txt",
      "/home/alice/bills/../x",
      "/home/alice/bills-evil/a",
      "bob@example.com",
      "Bob <bob@example.com>",
      "bob@EXAMPLE.com",
      "bob@evil.example",
    ),
    fc.string(),
    fc.anything(),
  );
  fc.assert(
    fc.property(values, (v) => {
      for (const check of [url, path, email]) expect(check.holds(v)).toBe(check(v) === null);
    }),
    { numRuns: 2000 },
  );
});
