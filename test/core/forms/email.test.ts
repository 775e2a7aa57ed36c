import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileEmailForm, normaliseEmail, validateEmailForm } from "../../../src/core/forms/email.js";
import { FormSpecError } from "../../../src/core/forms/form.js";
import type { EmailForm } from "../../../src/core/mandate.js";

const check = compileEmailForm({ domains: ["example.com"] });

describe("normaliseEmail", () => {
  const cases: [string, string | undefined][] = [
    ["bob@example.com", "bob@example.com"],
    ["Bob@Example.COM", "Bob@example.com"], // local part kept as written, domain folded
    ["bob@example.com.", "bob@example.com"],
    ["bob+bills@example.com", "bob+bills@example.com"],
    ["bob.smith@example.com", "bob.smith@example.com"],
    ["o'brien@example.com", "o'brien@example.com"],
    ["bob@B\u00fccher.example", "bob@xn--bcher-kva.example"],
    ["j\u00f6rg@example.com", "j\u00f6rg@example.com"],
    ["bob@ex\u0430mple.com", "bob@xn--exmple-4nf.com"],
    ["bob@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "bob@example.com"],
    ["bob@mail.example.com", "bob@mail.example.com"],
    ["bob@localhost", "bob@localhost"],
    // rejected
    ["", undefined],
    ["bob", undefined],
    ["@example.com", undefined],
    ["bob@", undefined],
    ["bob@example.com..", undefined],
    ["bob@.example.com", undefined],
    ["bob@exa..mple.com", undefined],
    ["bob@-example.com", undefined],
    ["bob@example-.com", undefined],
    ["bob@exa_mple.com", undefined],
    ["bob@evil.com@example.com", undefined],
    ["bob@example.com@evil.com", undefined],
    ['"bob@evil.com"@example.com', undefined],
    ['"bob"@example.com', undefined],
    ['"Bob" <bob@example.com>', undefined],
    ["Bob <bob@example.com>", undefined],
    ["<bob@example.com>", undefined],
    ["bob@example.com (Bob)", undefined],
    ["bob(comment)@example.com", undefined],
    ["bob@example.com, eve@evil.com", undefined],
    ["bob@example.com,eve@evil.com", undefined],
    ["bob@example.com;eve@evil.com", undefined],
    [" bob@example.com", undefined],
    ["bob@example.com ", undefined],
    ["bob @example.com", undefined],
    ["bob@example.com\n", undefined],
    ["bob@example.com\r\nBcc: eve@evil.com", undefined],
    ["bob@example.com\0", undefined],
    ["bob\u200b@example.com", undefined],
    ["bob%evil.com@example.com", undefined],
    ["evil.com!bob@example.com", undefined],
    ["@evil.com:bob@example.com", undefined],
    ["bob@[1.2.3.4]", undefined],
    ["bob@[IPv6:::1]", undefined],
    ["bob@1.2.3.4", undefined],
    ["bob@0x7f.1", undefined],
    ["bob@example.com:25", undefined],
    ["bob@example.com/x", undefined],
    ["bob@exam%70le.com", undefined],
    [".bob@example.com", undefined],
    ["bob.@example.com", undefined],
    ["bo..b@example.com", undefined],
    ["bob\\@example.com", undefined],
    [`${"a".repeat(65)}@example.com`, undefined],
    [`bob@${"a".repeat(64)}.com`, undefined],
    [`${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`, undefined],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });
});

describe("compileEmailForm", () => {
  type Case = [form: EmailForm, value: unknown, allowed: boolean | string];
  const cases: Case[] = [
    [{ domains: ["example.com"] }, "bob@example.com", true],
    [{ domains: ["example.com"] }, "BOB@EXAMPLE.COM", true],
    [{ domains: ["Example.COM."] }, "bob@example.com.", true],
    [
      { domains: ["example.com"] },
      "bob@evil.com",
      "`bob@evil.com` has domain `evil.com`, expected `example.com`",
    ],
    [{ domains: ["example.com"] }, "bob@mail.example.com", "has domain `mail.example.com`"],
    [{ domains: ["example.com"] }, "bob@example.com.evil.com", false],
    [{ domains: ["example.com"] }, "bob@evilexample.com", false],
    [
      { domains: ["example.com"] },
      "bob@ex\u0430mple.com",
      "has domain `xn--exmple-4nf.com`, expected `example.com`",
    ],
    [{ domains: ["*.example.com"] }, "bob@mail.example.com", true],
    [{ domains: ["*.example.com"] }, "bob@a.b.example.com", true],
    [{ domains: ["*.example.com"] }, "bob@example.com", "has domain `example.com`, expected `*.example.com`"],
    [{ domains: ["*.example.com"] }, "bob@evil-example.com", false],
    [{ domains: ["example.com", "*.example.com"] }, "bob@example.com", true],
    [{ domains: ["B\u00fccher.example"] }, "bob@xn--bcher-kva.example", true],
    [{ domains: ["xn--bcher-kva.example"] }, "bob@B\u00dcCHER.example", true],
    [
      { domains: ["example.com"] },
      '"Bob" <bob@example.com>',
      '`"Bob" <bob@example.com>` has a display name or angle brackets; a bare address like `bob@example.com` is expected; expected an address at `example.com`',
    ],
    [
      { domains: ["example.com"] },
      "bob@example.com, eve@evil.com",
      "looks like a list; exactly one address is expected",
    ],
    [{ domains: ["example.com"] }, "bob@evil.com@example.com", "has more than one `@`"],
    [{ domains: ["example.com"] }, '"bob@evil"@example.com', "has a quoted local part"],
    [{ domains: ["example.com"] }, "bob(x)@example.com", "has a comment in parentheses"],
    [
      { domains: ["example.com"] },
      "bob%evil.com@example.com",
      "has `%` in the local part, which can route mail to another domain",
    ],
    [{ domains: ["example.com"] }, "evil!bob@example.com", "has `!` in the local part"],
    [{ domains: ["example.com"] }, "@example.com", "has an empty local part"],
    [{ domains: ["example.com"] }, "bob@[93.184.216.34]", "has an IP-literal domain"],
    [{ domains: ["example.com"] }, "bob@127.0.0.1", "has an IP address as domain"],
    [{ domains: ["example.com"] }, "bob example.com", "contains whitespace"],
    [{ domains: ["example.com"] }, "bob.example.com", "has no `@`"],
    [{ domains: ["example.com"] }, 7, "expected an e-mail address string at `example.com`, got a number"],
    [{ domains: ["example.com"] }, ["bob@example.com"], "got an array"],
    [{ domains: ["a.example", "b.example"] }, "bob@c.example", "expected `a.example` or `b.example`"],
  ];
  it.each(cases)("%j: %j → %j", (form, value, allowed) => {
    const failure = compileEmailForm(form)(value);
    if (allowed === true) expect(failure).toBeNull();
    else {
      expect(failure).not.toBeNull();
      if (typeof allowed === "string") expect(failure!.message).toContain(allowed);
    }
  });

  it("reports the normalised address", () => {
    expect(check("Bob@EVIL.com.")?.normalised).toBe("Bob@evil.com");
  });
});

describe("validateEmailForm", () => {
  const forms: [unknown, string[]][] = [
    [{ domains: ["example.com", "*.example.com", "B\u00fccher.example", "localhost"] }, []],
    [{ domains: [] }, ["`domains` is empty, so no address would be allowed"]],
    [{ domains: "example.com" }, ["`domains` must be a list of domains"]],
    [{ domains: ["*"] }, ["domain `*` would allow every domain; list the domains instead"]],
    [
      { domains: ["*example.com"] },
      ["domain `*example.com` has `*` in the wrong place; only a leading `*.` (every subdomain) is allowed"],
    ],
    [{ domains: ["*.com"] }, ["`*.com` would allow every domain under the top-level domain `com`"]],
    [
      { domains: ["@example.com"] },
      ["`@example.com` is not a domain; write it without `@` and the part before it"],
    ],
    [
      { domains: ["bob@example.com"] },
      ["`bob@example.com` is not a domain; write it without `@` and the part before it"],
    ],
    [{ domains: ["[1.2.3.4]"] }, ["`[1.2.3.4]` is an IP literal, which is not accepted as an e-mail domain"]],
    [{ domains: ["1.2.3.4"] }, ["`1.2.3.4` is an IP address, which is not accepted as an e-mail domain"]],
    [{ domains: ["exa_mple.com"] }, ["`exa_mple.com` is not a valid domain"]],
    [{ domains: ["example.com:25"] }, ["`example.com:25` is not a valid domain"]],
    [{ domains: ["exa mple.com"] }, ["`exa mple.com` is not a valid domain"]],
    [{ domains: [null] }, ["each domain must be a string"]],
  ];
  it.each(forms)("%j", (form, problems) => {
    expect(validateEmailForm(form as EmailForm)).toEqual(problems);
  });

  it("compileEmailForm throws a FormSpecError", () => {
    expect(() => compileEmailForm({ domains: ["*"] })).toThrow(FormSpecError);
  });
});

describe("properties", () => {
  const domainArb = fc.oneof(
    fc.domain(),
    fc
      .array(fc.constantFrom("example", "com", "mail", "EXAMPLE", "evil", "ex\u0430mple"), {
        minLength: 1,
        maxLength: 4,
      })
      .map((labels) => labels.join(".")),
  );
  const local = fc.oneof(
    fc.emailAddress().map((a) => a.slice(0, a.lastIndexOf("@"))),
    fc.constantFrom("bob", "Bob.Smith", "a+b"),
  );
  const address = fc.oneof(
    fc.emailAddress(),
    fc.tuple(local, domainArb, fc.boolean()).map(([l, d, dot]) => `${l}@${d}${dot ? "." : ""}`),
    fc.tuple(local, domainArb).map(([l, d]) => `"${l}" <${l}@${d}>`),
  );

  it("an accepted address has one `@`, no routing characters and an allowed domain", () => {
    const form = compileEmailForm({ domains: ["example.com", "*.example.com"] });
    fc.assert(
      fc.property(address, (value) => {
        const accepted = form(value) === null;
        const normalised = normaliseEmail(value);
        if (!accepted) return;
        expect(normalised).toBeDefined();
        const [localPart, domain, ...rest] = normalised!.split("@");
        expect(rest).toEqual([]);
        expect(localPart).not.toMatch(/[%!:"<>\s]/);
        expect(domain === "example.com" || domain!.endsWith(".example.com")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("matches a plain address exactly when its case-folded domain is allowed", () => {
    const form = compileEmailForm({ domains: ["example.com", "*.example.com"] });
    const plain = fc
      .tuple(
        fc.constantFrom("bob", "Alice.B", "x+y"),
        fc.array(fc.constantFrom("example", "com", "mail", "EXAMPLE", "evil"), {
          minLength: 1,
          maxLength: 4,
        }),
      )
      .map(([l, labels]) => `${l}@${labels.join(".")}`);
    fc.assert(
      fc.property(plain, (value) => {
        const domain = value.slice(value.indexOf("@") + 1).toLowerCase();
        const expected = domain === "example.com" || domain.endsWith(".example.com");
        expect(form(value) === null).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
