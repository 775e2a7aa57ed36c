import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FormSpecError } from "../../../src/core/forms/form.js";
import {
  MAX_PATH_LENGTH,
  compilePathForm,
  isUnder,
  normalisePath,
  validatePathForm,
} from "../../../src/core/forms/path.js";

const ROOT = "/home/alice/bills";
const check = compilePathForm({ under: [ROOT] });

describe("normalisePath", () => {
  const cases: [string, string | undefined][] = [
    ["/", "/"],
    ["/home/alice/bills", "/home/alice/bills"],
    ["/home/alice/bills/", "/home/alice/bills"],
    ["/home//alice///bills//may.pdf", "/home/alice/bills/may.pdf"],
    ["/home/alice/./bills/./may.pdf", "/home/alice/bills/may.pdf"],
    ["/home/alice/bills/../.ssh/id_rsa", "/home/alice/.ssh/id_rsa"],
    ["/home/alice/bills/2024/../may.pdf", "/home/alice/bills/may.pdf"],
    ["/a/b/c/../../..", "/"],
    ["/home/alice/bills/~", "/home/alice/bills/~"],
    ["/home/alice/bills/~/x", "/home/alice/bills/~/x"],
    ["/home/alice/bills/.hidden", "/home/alice/bills/.hidden"],
    ["/home/alice/bills/..hidden", "/home/alice/bills/..hidden"],
    ["/home/alice/bills/a.b.c", "/home/alice/bills/a.b.c"],
    ["/home/alice/bills/50%off.pdf", "/home/alice/bills/50%off.pdf"],
    ["/home/alice/bills/%zz", "/home/alice/bills/%zz"],
    ["/home/alice/bills/ leading-space", "/home/alice/bills/ leading-space"],
    ["/home/alice/bills/caf\u00e9", "/home/alice/bills/caf\u00e9"],
    ["/home/alice/bills/cafe\u0301", "/home/alice/bills/caf\u00e9"], // NFD → NFC
    ["/home/alice/bills/\u0444\u0430\u0439\u043b", "/home/alice/bills/\u0444\u0430\u0439\u043b"],
    // rejected
    ["", undefined],
    ["bills/may.pdf", undefined],
    ["./bills", undefined],
    ["../etc/passwd", undefined],
    ["~/bills", undefined],
    ["~alice/bills", undefined],
    ["/..", undefined],
    ["/../etc/passwd", undefined],
    ["/home/../../etc", undefined],
    ["//server/share", undefined],
    ["///etc/passwd", undefined],
    ["/home/alice/bills/%2e%2e/.ssh", undefined],
    ["/home/alice/bills/%2E%2E/.ssh", undefined],
    ["/home/alice/bills/..%2f.ssh", undefined],
    ["/home/alice/bills/..%5c.ssh", undefined],
    ["/home/alice/bills/%252e%252e/.ssh", undefined],
    ["/home/alice/bills/%c0%ae%c0%ae/.ssh", undefined],
    ["/home/alice/bills/Invoice%20May.pdf", undefined],
    ["/home/alice/bills\\..\\.ssh", undefined],
    ["\\home\\alice", undefined],
    ["C:\\Users\\alice", undefined],
    ["C:/Users/alice", undefined],
    ["/home/alice/bills/\0/x", undefined],
    ["/home/alice/bills/may.pdf\0.txt", undefined],
    ["/home/alice/bills/\n", undefined],
    ["/home/alice/bills/\u007f", undefined],
    ["/home/alice/bills/\u0085", undefined],
    ["/home/alice/bills/\ud800", undefined],
    ["/home/alice/bills.", undefined],
    ["/home/alice/bills./x", undefined],
    ["/home/alice/bills /x", undefined],
    ["/home/alice/bills/.. /x", undefined],
    ["/home/alice/bills/.../x", undefined],
    ["/home/alice/bills/may.pdf.", undefined],
    ["/home/alice/bills/\u2025/x", undefined], // two-dot leader folds to `..`
    ["/home/alice/bills/\uff0e\uff0e/x", undefined], // fullwidth full stops
    ["/home/alice/bills/..\uff0f.ssh", undefined], // fullwidth solidus
    ["/home/alice/bills/..\u2215.ssh", undefined], // division slash
    ["/home/alice/bills/..\uff3c.ssh", undefined], // fullwidth reverse solidus
    ["/home/alice/bills/a\u00a0", undefined], // trailing no-break space folds to a space
    ["/home/alice/bills/.\u200c./x", undefined], // zero-width non-joiner
    ["/home/alice/bills/\u202eevil", undefined], // right-to-left override
    [`/${"a".repeat(MAX_PATH_LENGTH)}`, undefined],
  ];
  it.each(cases)("%j → %j", (input, expected) => {
    expect(normalisePath(input)).toBe(expected);
  });
});

describe("isUnder", () => {
  const cases: [string, string, boolean][] = [
    ["/home/alice/bills", "/home/alice/bills", true],
    ["/home/alice/bills/x", "/home/alice/bills", true],
    ["/home/alice/bills-evil", "/home/alice/bills", false],
    ["/home/alice/billsx/y", "/home/alice/bills", false],
    ["/home/alice", "/home/alice/bills", false],
    ["/etc/passwd", "/", true],
    ["/", "/", true],
  ];
  it.each(cases)("%j under %j is %j", (path, root, expected) => {
    expect(isUnder(path, root)).toBe(expected);
  });
});

describe("compilePathForm", () => {
  const allowed = [
    "/home/alice/bills",
    "/home/alice/bills/",
    "/home/alice/bills/may.pdf",
    "/home/alice/bills/2024/05/may.pdf",
    "/home/alice/bills//may.pdf",
    "/home/alice/bills/./may.pdf",
    "/home/alice/bills/2024/../may.pdf",
    "/home/alice/other/../bills/may.pdf",
    "/home/alice/bills/~",
  ];
  it.each(allowed)("allows %j", (value) => {
    expect(check(value)).toBeNull();
  });

  const denied: [unknown, string][] = [
    [
      "/home/alice/bills/../.ssh/id_rsa",
      "`/home/alice/bills/../.ssh/id_rsa` resolves to `/home/alice/.ssh/id_rsa`, which is not under `/home/alice/bills`",
    ],
    ["/home/alice/bills-evil/x", "`/home/alice/bills-evil/x` is not under `/home/alice/bills`"],
    ["/home/alice", "`/home/alice` is not under `/home/alice/bills`"],
    ["/etc/passwd", "`/etc/passwd` is not under `/home/alice/bills`"],
    ["/home/alice/bills/%2e%2e/.ssh", "contains the percent-escape `%2e`"],
    ["/home/alice/bills/%252e%252e/.ssh", "contains the percent-escape `%25`"],
    ["/home/alice/bills/..%2f.ssh", "contains the percent-escape `%2f`"],
    ["/home/alice/bills\\..\\.ssh", "contains a backslash"],
    ["/home/alice/bills./x", "ending in a dot or space"],
    ["/home/alice/bills/x\0", "contains a NUL byte"],
    ["/home/alice/bills/\u0007", "contains a control character"],
    [
      "bills/may.pdf",
      "`bills/may.pdf` is not an absolute path; expected an absolute path under `/home/alice/bills`",
    ],
    ["~/bills", "is not an absolute path (`~` is not expanded)"],
    ["/../home/alice/bills", "goes above `/` with `..`"],
    ["//home/alice/bills", "network path"],
    ["/home/alice/bills/\u2025", "folds to `..`"],
    [42, "expected a path string under `/home/alice/bills`, got a number"],
    [null, "got null"],
    [undefined, "got nothing"],
    [["/home/alice/bills"], "got an array"],
    [{ path: "/home/alice/bills" }, "got an object"],
  ];
  it.each(denied)("denies %j", (value, message) => {
    const failure = check(value);
    expect(failure).not.toBeNull();
    expect(failure!.message).toContain(message);
  });

  it("reports the normalised path when it is outside the roots", () => {
    expect(check("/home/alice/bills/../.ssh/id_rsa")?.normalised).toBe("/home/alice/.ssh/id_rsa");
  });

  it("escapes control characters, invisible spaces and backticks in messages", () => {
    expect(check("/x\n/y")?.message).toContain("`/x\\u{a}/y`");
    expect(check("/home/alice/bills/a\u00a0")?.message).toContain("folds to `a `");
    expect(check("/home/alice/bills/a\u00a0")?.message).toContain("`/home/alice/bills/a\\u{a0}`");
    expect(check("/tmp/`rm -rf`")?.message).toBe(
      "`/tmp/\\u{60}rm -rf\\u{60}` is not under `/home/alice/bills`",
    );
  });

  it("accepts several roots, normalised like values", () => {
    const several = compilePathForm({ under: ["/srv/data/", "/tmp//work/.", "/home/caf\u0065\u0301"] });
    expect(several("/srv/data/a")).toBeNull();
    expect(several("/tmp/work/b")).toBeNull();
    expect(several("/home/caf\u00e9/x")).toBeNull();
    expect(several("/srv/database")?.message).toBe(
      "`/srv/database` is not under `/srv/data`, `/tmp/work` or `/home/caf\u00e9`",
    );
  });

  it("allows everything under `/`", () => {
    const all = compilePathForm({ under: ["/"] });
    expect(all("/etc/passwd")).toBeNull();
    expect(all("/../etc/passwd")).not.toBeNull();
  });
});

describe("validatePathForm", () => {
  const cases: [unknown, string[]][] = [
    [{ under: ["/home/alice/bills"] }, []],
    [{ under: ["/"] }, []],
    [{ under: [] }, ["`under` is empty, so no path would be allowed"]],
    [{ under: "/home" }, ["`under` must be a list of absolute paths"]],
    [{ under: ["bills"] }, ["root `bills` is not an absolute path"]],
    [{ under: ["~/bills"] }, ["root `~/bills` is not an absolute path (`~` is not expanded)"]],
    [{ under: ["/home/../../etc"] }, ["root `/home/../../etc` goes above `/` with `..`"]],
    [
      { under: ["/home/%2e%2e"] },
      [
        "root `/home/%2e%2e` contains the percent-escape `%2e`; paths are taken literally, so escapes are not accepted",
      ],
    ],
    [{ under: [7, "/ok"] }, ["each root in `under` must be a string"]],
  ];
  it.each(cases)("%j", (form, problems) => {
    expect(validatePathForm(form as never)).toEqual(problems);
  });

  it("compilePathForm throws a FormSpecError for an invalid form", () => {
    expect(() => compilePathForm({ under: ["bills"] })).toThrow(FormSpecError);
    expect(() => compilePathForm({ under: ["bills"] })).toThrow(
      "invalid `path` form: root `bills` is not an absolute path",
    );
  });
});

describe("properties", () => {
  const segment = fc.oneof(
    fc.constantFrom(
      "",
      ".",
      "..",
      "...",
      "home",
      "alice",
      "bills",
      "bills-evil",
      "bills.",
      "%2e%2e",
      "a\\b",
      "~",
    ),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 4 }),
    fc.stringMatching(/^[a-z.]{1,4}$/),
  );
  const path = fc
    .tuple(fc.constantFrom("", ROOT, "/home/alice"), fc.array(segment, { maxLength: 10 }))
    .map(([prefix, segments]) => `${prefix}/${segments.join("/")}`);

  it("generates enough accepted paths under the root to mean something", () => {
    const sample = fc.sample(path, { numRuns: 2000, seed: 1 });
    expect(sample.filter((value) => check(value) === null).length).toBeGreaterThan(200);
  });

  it("an accepted path under the root starts with root + `/` or is the root, with no `.`/`..`/empty segments", () => {
    fc.assert(
      fc.property(path, (value) => {
        const failure = check(value);
        if (failure !== null) return;
        const normalised = normalisePath(value)!;
        expect(normalised === ROOT || normalised.startsWith(`${ROOT}/`)).toBe(true);
        expect(normalised.slice(1).split("/")).not.toContain("..");
        expect(normalised.slice(1).split("/")).not.toContain(".");
        expect(normalised.slice(1).split("/")).not.toContain("");
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with posix.resolve on every path it accepts, and is idempotent", () => {
    fc.assert(
      fc.property(path, (value) => {
        const normalised = normalisePath(value);
        if (normalised === undefined) return;
        expect(normalised).toBe(posix.resolve(value.normalize("NFC")));
        expect(normalisePath(normalised)).toBe(normalised);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects exactly the paths whose `..` would climb above `/`", () => {
    const plain = fc
      .array(fc.constantFrom("a", "b", ".", "..", ""), { maxLength: 8 })
      .map((segments) => `/${segments.join("/")}`);
    fc.assert(
      fc.property(plain, (value) => {
        let depth = 0;
        let climbs = false;
        for (const s of value.split("/")) {
          if (s === "..") depth--;
          else if (s !== "" && s !== ".") depth++;
          if (depth < 0) climbs = true;
        }
        expect(normalisePath(value) === undefined).toBe(climbs || value.startsWith("//"));
      }),
      { numRuns: 1000 },
    );
  });
});
