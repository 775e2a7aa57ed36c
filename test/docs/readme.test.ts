import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";
import { quickstart } from "../../examples/quickstart.js";

const root = resolve(import.meta.dirname, "../..");

/** The lines between the markers, with the example's own indentation removed. */
function exampleBody(): string {
  const text = readFileSync(join(root, "examples/quickstart.ts"), "utf8");
  const body = text.slice(text.indexOf("// readme:start\n") + 16, text.indexOf("  // readme:end"));
  return body
    .split("\n")
    .map((line) => line.replace(/^ {2}/, ""))
    .join("\n")
    .trim();
}

test("the README's library example is the one that compiles and runs", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  expect(readme).toContain(exampleBody());
});

test("the library example denies the injected transfer, with its delta", async () => {
  // The example keeps its log at `.mandate/audit.db`, as a user would: run it in a fresh folder.
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), "mandate-readme-")));
  const result = await quickstart().finally(() => process.chdir(cwd));
  expect(result).toMatchObject({
    denied: true,
    verdict: "deny",
    delta: [
      { kind: "argument", path: "/recipient" },
      { kind: "argument", path: "/amount", message: "`amount` is 5000, above the granted maximum 1200" },
    ],
  });
});
