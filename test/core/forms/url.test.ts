import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FormSpecError } from "../../../src/core/forms/form.js";
import { compileUrlForm, validateUrlForm } from "../../../src/core/forms/url.js";
import type { UrlForm } from "../../../src/core/mandate.js";

const bank = compileUrlForm({ hosts: ["bank.example"] });
const sub = compileUrlForm({ hosts: ["*.example.com"] });

type Case = [form: UrlForm, value: unknown, allowed: boolean | string];

/** `true`: allowed; `false` or a message fragment: denied. */
const cases: Case[] = [
  // exact host, normalisation of case, trailing dot, default schemes
  [{ hosts: ["bank.example"] }, "https://bank.example/", true],
  [{ hosts: ["bank.example"] }, "http://bank.example/login?x=1#y", true],
  [{ hosts: ["bank.example"] }, "https://BANK.Example/", true],
  [{ hosts: ["bank.example"] }, "HTTPS://bank.example/", true],
  [{ hosts: ["bank.example"] }, "https://bank.example./", true],
  [{ hosts: ["Bank.Example."] }, "https://bank.example/", true],
  [{ hosts: ["bank.example"] }, "https://bank.example../", "has an invalid host"],
  [{ hosts: ["bank.example"] }, "https://bank.example:8443/", true], // no `ports`: any port
  [{ hosts: ["bank.example"] }, "https://ba%6Ek.example/", true], // WHATWG decodes the host
  [{ hosts: ["bank.example"] }, "https:bank.example/", true], // WHATWG: special scheme without `//`
  [{ hosts: ["bank.example"] }, "https://evil.example/", "has host `evil.example`, expected `bank.example`"],
  [{ hosts: ["bank.example"] }, "https://bank.example.evil.example/", "has host `bank.example.evil.example`"],
  [{ hosts: ["bank.example"] }, "https://evilbank.example/", false],
  [{ hosts: ["bank.example"] }, "https://sub.bank.example/", false],
  // userinfo
  [
    { hosts: ["bank.example"] },
    "https://bank.example@evil.example/",
    "`https://bank.example@evil.example/` has user info `bank.example` before `@`, which is not accepted (credentials in a URL can leak data); has host `evil.example`, expected `bank.example`",
  ],
  [{ hosts: ["bank.example"] }, "https://alice@bank.example/", "has user info `alice` before `@`"],
  [{ hosts: ["bank.example"] }, "https://alice:s3cret@bank.example/", "https://alice:***@bank.example/"],
  [{ hosts: ["bank.example"] }, "https://:s3cret@bank.example/", "has user info before `@`"],
  [{ hosts: ["bank.example"] }, "https://@bank.example/", "has user info before `@`"],
  [{ hosts: ["bank.example"] }, "https:///@bank.example/", "has user info"],
  // parser differentials
  [{ hosts: ["bank.example"] }, "https://bank.example\\@evil.example/", "contains a backslash"],
  [{ hosts: ["bank.example"] }, "https:\\\\bank.example/", "contains a backslash"],
  [{ hosts: ["bank.example"] }, "https://bank.example/path\\x", "contains a backslash"],
  [{ hosts: ["bank.example"] }, "https://bank.example/a@b", true], // `@` in the path is not userinfo
  [{ hosts: ["bank.example"] }, "https://bank.example/?next=https://x@evil.example", true],
  // wildcard subdomains
  [{ hosts: ["*.example.com"] }, "https://api.example.com/", true],
  [{ hosts: ["*.example.com"] }, "https://a.b.c.example.com/", true],
  [{ hosts: ["*.example.com"] }, "https://API.EXAMPLE.COM./", true],
  [{ hosts: ["*.example.com"] }, "https://example.com/", "has host `example.com`, expected `*.example.com`"],
  [{ hosts: ["*.example.com"] }, "https://evil-example.com/", false],
  [{ hosts: ["*.example.com"] }, "https://example.com.evil.com/", false],
  [{ hosts: ["*.example.com"] }, "https://xexample.com/", false],
  [{ hosts: ["example.com", "*.example.com"] }, "https://example.com/", true],
  // IDN and homographs
  [
    { hosts: ["example.com"] },
    "https://ex\u0430mple.com/",
    "has host `xn--exmple-4nf.com`, expected `example.com`",
  ],
  [{ hosts: ["*.example.com"] }, "https://www.ex\u0430mple.com/", false],
  [{ hosts: ["B\u00fccher.example"] }, "https://xn--bcher-kva.example/", true],
  [{ hosts: ["xn--bcher-kva.example"] }, "https://B\u00fcCHER.example/", true],
  [{ hosts: ["*.b\u00fccher.example"] }, "https://shop.xn--bcher-kva.example/", true],
  [
    { hosts: ["example.com"] },
    "https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d/",
    true,
  ], // fullwidth maps to ASCII
  [{ hosts: ["example.com"] }, "https://exam\u00adple.com/", true], // soft hyphen is mapped away by IDNA
  [{ hosts: ["example.com"] }, "https://xn--/", false],
  // IP literals, compared canonically
  [{ hosts: ["127.0.0.1"] }, "http://127.0.0.1/", true],
  [{ hosts: ["127.0.0.1"] }, "http://0x7f.1/", true],
  [{ hosts: ["127.0.0.1"] }, "http://2130706433/", true],
  [{ hosts: ["127.0.0.1"] }, "http://0177.0.0.1/", true],
  [{ hosts: ["127.0.0.1"] }, "http://127.0.0.1./", true],
  [{ hosts: ["127.0.0.1"] }, "http://127.0.0.2/", false],
  [{ hosts: ["127.0.0.1"] }, "http://localhost/", false],
  [{ hosts: ["example.com"] }, "http://0x7f.1/", "has host `127.0.0.1`"],
  [{ hosts: ["::1"] }, "http://[0:0:0:0:0:0:0:1]/", true],
  [{ hosts: ["[::1]"] }, "http://[::1]:8080/", true],
  [{ hosts: ["[::1]"] }, "http://[::2]/", false],
  [{ hosts: ["[::ffff:127.0.0.1]"] }, "http://[::ffff:7f00:1]/", true],
  [{ hosts: ["*.example.com"] }, "http://1.2.3.4/", false],
  // schemes
  [{ hosts: ["bank.example"] }, "ftp://bank.example/", "has scheme `ftp`, expected `https` or `http`"],
  [{ hosts: ["bank.example"] }, "javascript:alert(1)", "has scheme `javascript`"],
  [{ hosts: ["bank.example"] }, "data:text/html,hi", "has scheme `data`"],
  [{ hosts: ["bank.example"] }, "file:///etc/passwd", "has no host"],
  [{ hosts: ["bank.example"], schemes: ["https"] }, "http://bank.example/", "expected `https`"],
  [{ hosts: ["bank.example"], schemes: ["HTTPS"] }, "https://bank.example/", true],
  [{ hosts: ["bank.example"], schemes: ["wss"] }, "wss://bank.example/socket", true],
  [{ hosts: ["bank.example"], schemes: ["ssh"] }, "ssh://Bank.Example/", true], // opaque host normalised too
  [{ hosts: ["b\u00fccher.example"], schemes: ["ssh"] }, "ssh://B\u00fccher.example/", true],
  [{ hosts: ["bank.example"], schemes: ["ssh"] }, "ssh://evil.example/", false],
  [{ hosts: ["bank.example"], schemes: ["ssh"] }, "ssh://u@bank.example/", "has user info"],
  [{ hosts: ["bank.example"], schemes: ["mailto"] }, "mailto:x@bank.example", "has no host"],
  // ports
  [{ hosts: ["bank.example"], ports: [443] }, "https://bank.example/", true],
  [{ hosts: ["bank.example"], ports: [443] }, "https://bank.example:443/", true],
  [{ hosts: ["bank.example"], ports: [443] }, "http://bank.example/", "has port `80`, expected `443`"],
  [{ hosts: ["bank.example"], ports: [443] }, "https://bank.example:8443/", "has port `8443`"],
  [{ hosts: ["bank.example"], ports: [80, 8080] }, "http://bank.example:8080/", true],
  [{ hosts: ["bank.example"], ports: [80, 8080] }, "http://bank.example:08080/", true],
  [
    { hosts: ["bank.example"], ports: [22], schemes: ["ssh"] },
    "ssh://bank.example/",
    "has no port and `ssh` has no default",
  ],
  [{ hosts: ["bank.example"], ports: [22], schemes: ["ssh"] }, "ssh://bank.example:22/", true],
  // malformed and non-strings
  [{ hosts: ["bank.example"] }, "/relative/path", "`/relative/path` is not an absolute URL"],
  [{ hosts: ["bank.example"] }, "//bank.example/", "is not an absolute URL"],
  [{ hosts: ["bank.example"] }, "bank.example/path", "is not an absolute URL"],
  [{ hosts: ["bank.example"] }, "bank.example:443/x", "has scheme `bank.example`"],
  [{ hosts: ["bank.example"] }, "", "is not an absolute URL"],
  [{ hosts: ["bank.example"] }, " https://bank.example/", "leading or trailing whitespace"],
  [{ hosts: ["bank.example"] }, "https://bank.example/\n", "leading or trailing whitespace"],
  [{ hosts: ["bank.example"] }, "https://bank.example/\u00a0", "leading or trailing whitespace"],
  [{ hosts: ["bank.example"] }, "https://bank.\texample/", "contains a control character"],
  [{ hosts: ["bank.example"] }, "https://bank.example/\0", "contains a control character"],
  [{ hosts: ["bank.example"] }, "https://evil.example\r\n.bank.example/", "contains a control character"],
  [{ hosts: ["bank.example"] }, "https://bank.example:99999/", "is not an absolute URL"],
  [{ hosts: ["bank.example"] }, "http://[::1/", "is not an absolute URL"],
  [{ hosts: ["bank.example"] }, 42, "expected a URL string on `bank.example`, got a number"],
  [{ hosts: ["bank.example"] }, null, "got null"],
  [{ hosts: ["bank.example"] }, { href: "https://bank.example/" }, "got an object"],
];

describe("compileUrlForm", () => {
  it.each(cases)("%j: %j → %j", (form, value, allowed) => {
    const failure = compileUrlForm(form)(value);
    if (allowed === true) expect(failure).toBeNull();
    else {
      expect(failure).not.toBeNull();
      if (typeof allowed === "string") expect(failure!.message).toContain(allowed);
    }
  });

  it("reports the normalised URL, password masked", () => {
    expect(bank("https://BANK.example.evil.example/x")?.normalised).toBe(
      "https://bank.example.evil.example/x",
    );
    const failure = bank("https://alice:s3cret@bank.example/");
    expect(failure?.normalised).toBe("https://alice:***@bank.example/");
    expect(failure?.message).not.toContain("s3cret");
  });

  it("says what was expected for a wildcard form", () => {
    expect(sub("https://evil.com/")?.message).toBe(
      "`https://evil.com/` has host `evil.com`, expected `*.example.com`",
    );
  });
});

describe("validateUrlForm", () => {
  const forms: [unknown, string[]][] = [
    [{ hosts: ["example.com", "*.example.com", "127.0.0.1", "::1", "[::1]", "B\u00fccher.example"] }, []],
    [{ hosts: ["example.com"], schemes: ["https", "wss", "git+ssh"], ports: [443, 8443] }, []],
    [{ hosts: [] }, ["`hosts` is empty, so no host would be allowed"]],
    [{ hosts: "example.com" }, ["`hosts` must be a list of hosts"]],
    [{ hosts: ["*"] }, ["host `*` would allow every host; list the hosts instead"]],
    [
      { hosts: ["*example.com"] },
      ["host `*example.com` has `*` in the wrong place; only a leading `*.` (every subdomain) is allowed"],
    ],
    [
      { hosts: ["api.*.example.com"] },
      [
        "host `api.*.example.com` has `*` in the wrong place; only a leading `*.` (every subdomain) is allowed",
      ],
    ],
    [
      { hosts: ["*.*.example.com"] },
      ["host `*.*.example.com` has `*` in the wrong place; only a leading `*.` (every subdomain) is allowed"],
    ],
    [{ hosts: ["*.com"] }, ["`*.com` would allow every host under the top-level domain `com`"]],
    [{ hosts: ["*.1.2.3.4"] }, ["`*.1.2.3.4` puts `*.` before an IP address"]],
    [{ hosts: ["example.com:443"] }, ["`example.com:443` is not a valid host"]],
    [{ hosts: ["https://example.com"] }, ["`https://example.com` is not a valid host"]],
    [{ hosts: ["example.com/path"] }, ["`example.com/path` is not a valid host"]],
    [{ hosts: ["user@example.com"] }, ["`user@example.com` is not a valid host"]],
    [{ hosts: ["exa mple.com"] }, ["`exa mple.com` is not a valid host"]],
    [{ hosts: ["a..b"] }, ["`a..b` is not a valid host"]],
    [{ hosts: [""] }, ["`` is not a valid host"]],
    [{ hosts: ["999.1.1.1"] }, ["`999.1.1.1` is not a valid host"]],
    [{ hosts: [3] }, ["each host must be a string"]],
    [
      { hosts: ["example.com"], schemes: ["https:"] },
      ["`https:` is not a valid scheme; write it without `:` or `//`"],
    ],
    [{ hosts: ["example.com"], schemes: ["1http"] }, ["`1http` is not a valid scheme"]],
    [{ hosts: ["example.com"], schemes: [] }, ["`schemes` is empty, so no URL would be allowed"]],
    [
      { hosts: ["example.com"], ports: [0, 65536, 1.5, "443"] },
      [
        "`0` is not a port number (1 to 65535)",
        "`65536` is not a port number (1 to 65535)",
        "`1.5` is not a port number (1 to 65535)",
        "`443` is not a port number (1 to 65535)",
      ],
    ],
    [{ hosts: ["example.com"], ports: [] }, ["`ports` is empty, so no URL would be allowed"]],
  ];
  it.each(forms)("%j", (form, problems) => {
    expect(validateUrlForm(form as UrlForm)).toEqual(problems);
  });

  it("compileUrlForm throws a FormSpecError listing every problem", () => {
    expect(() => compileUrlForm({ hosts: ["*", "*.com"] })).toThrow(FormSpecError);
    try {
      compileUrlForm({ hosts: ["*", "*.com"] });
    } catch (error) {
      expect((error as FormSpecError).problems).toHaveLength(2);
    }
  });
});

describe("properties", () => {
  const label = fc.constantFrom(
    "example",
    "com",
    "api",
    "evil",
    "a",
    "xn--bcher-kva",
    "EXAMPLE",
    "ex\u0430mple",
  );
  const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join("."));
  const reference = (h: string, base: string, wildcard: boolean): boolean => {
    const name = new URL(`https://${h}/`).hostname;
    return wildcard ? name.endsWith(`.${base}`) : name === base;
  };

  it("a wildcard matches exactly the strict subdomains, an exact host exactly itself", () => {
    fc.assert(
      fc.property(host, fc.boolean(), fc.boolean(), (h, wildcard, trailingDot) => {
        const check = compileUrlForm({ hosts: [wildcard ? "*.example.com" : "example.com"] });
        const allowed = check(`https://${h}${trailingDot ? "." : ""}/x`) === null;
        expect(allowed).toBe(reference(h, "example.com", wildcard));
      }),
      { numRuns: 1000 },
    );
  });

  it("an accepted URL has no user info and an allowed host, whatever the generator makes", () => {
    const check = compileUrlForm({ hosts: ["example.com", "*.example.com"] });
    const url = fc.oneof(
      fc
        .tuple(fc.constantFrom("https://", "http://", "HTTP://", "https:", "ftp://"), host, fc.webPath())
        .map(([scheme, h, path]) => `${scheme}${h}${path}`),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl({ authoritySettings: { withUserInfo: true, withPort: true } }),
      fc
        .tuple(
          fc.webUrl({ authoritySettings: { withUserInfo: true } }),
          fc.constantFrom("example.com", "a.example.com"),
        )
        .map(([u, h]) => u.replace(/^(https?:\/\/)/, `$1${h}@`)),
    );
    fc.assert(
      fc.property(url, (value) => {
        if (check(value) !== null) return;
        const parsed = new URL(value);
        expect(parsed.username).toBe("");
        expect(parsed.password).toBe("");
        const name = parsed.hostname.replace(/\.$/, "");
        expect(name === "example.com" || name.endsWith(".example.com")).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
