// The commands of issue 8 are reachable through `mandate` itself, end to end.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { run } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mandate-cli-issue8-"));
const root = resolve(import.meta.dirname, "../..");
const wide = join(dir, "wide.yaml");
writeFileSync(wide, "mandate: 1\nid: wide\nallow:\n  - tool: '*'\n");
const pay = join(dir, "pay.yaml");
writeFileSync(
  pay,
  "mandate: 1\nid: pay\nsubject: user:alice\nttl: 1h\nallow:\n  - tool: send_money\n    args:\n      amount: { maximum: 1200 }\n    budget: { calls: 1 }\n",
);

describe("mandate lint / infer / overpriv / export", () => {
  test("lint flags a wildcard allow and exits 1; --sarif prints SARIF 2.1.0", async () => {
    const r = await run("lint", wide);
    expect(r.code).toBe(1);
    expect(r.out + r.err).toContain("wildcard-allow");
    const sarif = await run("lint", wide, "--sarif", "--fail-on", "note");
    expect((JSON.parse(sarif.out) as { version: string }).version).toBe("2.1.0");
  });

  test("infer learns a mandate from a trace; overpriv reports what a mandate grants beyond it", async () => {
    const trace = join(root, "examples/traces/banking-sample.json");
    const inferred = await run("infer", "--trace", trace);
    expect(inferred.code).toBe(0);
    expect(inferred.out).toMatch(/^mandate: 1/m);
    const over = await run("overpriv", "--mandate", pay, "--trace", trace, "--json");
    expect(over.code).toBe(0);
    expect(() => JSON.parse(over.out) as unknown).not.toThrow();
  });

  test("export --cedar turns a mandate into a Cedar policy set", async () => {
    const r = await run("export", "--cedar", pay);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/permit\s*\(/);
    expect(r.out).toContain('Action::"send_money"');
  });

  test("attenuate accepts a narrower child and names what a wider one adds", async () => {
    const narrow = join(dir, "narrow.yaml");
    writeFileSync(
      narrow,
      "mandate: 1\nid: narrow\nexpires: 2098-01-01T00:00:00Z\nallow:\n  - tool: send_money\n    args:\n      amount: { maximum: 100 }\n    budget: { calls: 1 }\n",
    );
    const wider = join(dir, "wider.yaml");
    writeFileSync(
      wider,
      "mandate: 1\nid: wider\nallow:\n  - tool: send_money\n    args:\n      amount: { maximum: 5000 }\n",
    );
    const parent = join(dir, "parent.yaml");
    writeFileSync(
      parent,
      "mandate: 1\nid: parent\nexpires: 2099-01-01T00:00:00Z\nallow:\n  - tool: send_money\n    args:\n      amount: { maximum: 1200 }\n    budget: { calls: 5 }\n",
    );
    const ok = await run("attenuate", "--parent", parent, "--child", narrow);
    const no = await run("attenuate", "--parent", parent, "--child", wider);
    expect(no.code).toBe(1);
    expect(no.out + no.err).toMatch(/5000/);
    expect(ok.code).toBe(0);
    const draft = await run("draft", "pay my rent");
    expect(draft.code).toBe(64);
  });
});
