import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { mandateSchema } from "../../src/core/mandate-schema.js";

const root = resolve(import.meta.dirname, "../..");
const src = join(root, "src");

/** Every module under src/ with its import specifiers (static `import`/`export … from`). */
function graph(): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        // Type-only imports vanish from the built output and cannot create runtime cycles or dependencies.
        const runtime = [...text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/gm)].map(
          (m) => m[1]!,
        );
        files.set(relative(src, path), runtime);
      }
    }
  };
  walk(src);
  return files;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  return relative(src, resolve(src, dirname(from), spec)).replace(/\.js$/, ".ts");
}

const modules = graph();

/** The npm packages a module loads at run time, directly or through other modules. */
function packagesOf(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of modules.get(file) ?? []) {
      const local = resolveLocal(file, spec);
      if (local) visit(local);
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe("architecture", () => {
  test("core/ imports nothing above it and no Node I/O", () => {
    for (const [file, specs] of modules) {
      if (!file.startsWith("core/")) continue;
      for (const spec of specs) {
        const local = resolveLocal(file, spec);
        if (local) expect(local.startsWith("core/"), `${file} imports ${spec}`).toBe(true);
        else expect(["ajv", "ajv/dist/2020.js", "yaml", "re2js"], `${file} imports ${spec}`).toContain(spec);
      }
    }
  });

  test("no import cycles", () => {
    const state = new Map<string, "visiting" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const spec of modules.get(file) ?? []) {
        const local = resolveLocal(file, spec);
        if (local && modules.has(local)) visit(local, [...path, file]);
      }
      state.set(file, "done");
    };
    for (const file of modules.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  test("the root entry pulls in no database driver, CLI framework or SDK", () => {
    // The walker sees a driver where there is one…
    expect(packagesOf("stores/sqlite/index.ts")).toContain("better-sqlite3");
    // …and there is none behind the root entry.
    const packages = packagesOf("index.ts");
    for (const banned of ["better-sqlite3", "pg", "ioredis", "commander"])
      expect([...packages]).not.toContain(banned);
    expect([...packages].filter((p) => p.startsWith("@modelcontextprotocol/"))).toEqual([]);
  });

  test("the shipped JSON Schema file is the schema the loader uses", () => {
    const shipped: unknown = JSON.parse(readFileSync(join(root, "schema/mandate.schema.json"), "utf8"));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(mandateSchema)));
  });
});
