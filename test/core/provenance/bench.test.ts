// Keeps bench/provenance.js working: runs it on the dist/ that `npm test` builds first, with few samples.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));

interface Result {
  readonly log: { readonly sources: number; readonly normalisedChars: number; readonly truncated: boolean };
  readonly findValue: {
    readonly medianUs: number;
    readonly p99Us: number;
    readonly perQuery: readonly { name: string; trusted: number; untrusted: number }[];
  };
  readonly overlap: readonly { name: string; medianUs: number; flows: number }[];
  readonly heap: { readonly logMB: number } | null;
  readonly targets: readonly { name: string; pass: boolean }[];
}

test("bench/provenance.js --quick --json reports every figure", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "bench/provenance.js", "--quick", "--json"],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
  );
  const r = JSON.parse(stdout) as Result;
  expect(r.log.normalisedChars).toBeGreaterThan(900_000);
  expect(r.log.truncated).toBe(false);
  expect(r.findValue.medianUs).toBeGreaterThan(0);
  expect(r.findValue.p99Us).toBeGreaterThanOrEqual(r.findValue.medianUs);
  const q = (name: string) => r.findValue.perQuery.find((x) => x.name === name)!;
  expect(q("user IBAN, grouped")).toMatchObject({ trusted: 1, untrusted: 0 });
  expect(q("invented IBAN")).toMatchObject({ trusted: 0, untrusted: 0 });
  expect(q("output IBAN").untrusted).toBeGreaterThan(0);
  expect(r.overlap.map((o) => o.flows > 0)).toEqual([true, false, true]);
  expect(r.heap?.logMB).toBeGreaterThan(0);
  expect(r.targets[0]?.name).toContain("findValue median");
});
