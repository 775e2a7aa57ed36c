import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Timing {
  readonly tools: number;
  readonly call: string;
  readonly medianUs: number;
  readonly p99Us: number;
}

interface BenchResult {
  readonly mode: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
  readonly decide: readonly Timing[];
  readonly cedar: readonly (Timing & { readonly layout: string; readonly api: string })[];
  readonly agreement: { readonly calls: number; readonly agreed: boolean; readonly disagreements: unknown[] };
  readonly compile: readonly {
    readonly rules: number;
    readonly medianMs: number;
    readonly target: boolean;
  }[];
  readonly audit: readonly {
    readonly store: string;
    readonly recordsPerSec?: number;
    readonly skipped?: string;
  }[];
  readonly heap: { readonly compiledMB: number } | null;
  readonly targets: readonly { readonly name: string; readonly pass: boolean; readonly value: number }[];
}

// Runs the benchmark as `npm run bench` does (on the built dist/; `npm test` builds first), with few samples.
test("bench --quick --json reports every figure, and Cedar agrees with Mandate", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "bench/run.js", "--quick", "--json"],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
  );
  const r = JSON.parse(stdout) as BenchResult;

  expect(r.mode).toBe("quick");
  expect(r.machine.cores).toBeGreaterThan(0);
  expect(r.machine.node).toBe(process.version);

  for (const tools of [50, 1000]) {
    for (const call of ["allow", "deny"]) {
      const d = r.decide.find((x) => x.tools === tools && x.call === call);
      expect(d?.medianUs).toBeGreaterThan(0);
      expect(d!.p99Us).toBeGreaterThanOrEqual(d!.medianUs);
      for (const layout of ["single", "per-tool"]) {
        const c = r.cedar.find(
          (x) => x.tools === tools && x.call === call && x.layout === layout && x.api === "preparsed",
        );
        expect(c?.medianUs).toBeGreaterThan(0);
      }
    }
  }

  expect(r.agreement.disagreements).toEqual([]);
  expect(r.agreement.agreed).toBe(true);
  expect(r.agreement.calls).toBeGreaterThan(200);

  const compile50 = r.compile.find((c) => c.target);
  expect(compile50?.rules).toBe(50);
  expect(compile50!.medianMs).toBeGreaterThan(0);

  const sqlite = r.audit.find((a) => a.store.startsWith("sqlite"));
  expect(sqlite).toBeDefined();
  if (sqlite!.skipped === undefined) expect(sqlite!.recordsPerSec).toBeGreaterThan(0);

  expect(r.heap?.compiledMB).toBeGreaterThan(0);
  expect(r.targets.map((t) => t.name)).toEqual(
    expect.arrayContaining([
      expect.stringContaining("decide median"),
      expect.stringContaining("compile a 50-rule mandate"),
      expect.stringContaining("heap"),
    ]),
  );
}, 90_000);
