import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { run } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mandate-eval-cli-"));
const root = resolve(import.meta.dirname, "../..");

interface Metrics {
  suite: string;
  scope: string;
  utility: number;
  attackSuccessRate: number;
  attackSuccessRateInReach: number;
  falseBlockRate: number;
}

describe("mandate eval", () => {
  test("the built-in suites: under the mandate no attack in reach succeeds and no reference call is blocked", async () => {
    const audit = join(dir, "audit.db");
    const report = join(dir, "report.html");
    const r = await run("eval", "--json", "--audit", audit, "--report", report);
    expect(r.code).toBe(0);
    const { metrics, human } = JSON.parse(r.out) as { metrics: Metrics[]; human: string };
    expect(human).toBe("oracle");
    expect(new Set(metrics.map((m) => m.suite))).toEqual(new Set(["banking", "workspace", "devops"]));
    for (const m of metrics) {
      expect(m.utility, `${m.suite}/${m.scope}`).toBe(1);
      if (m.scope === "mandate") {
        expect(m.attackSuccessRateInReach, m.suite).toBe(0);
        expect(m.falseBlockRate, m.suite).toBe(0);
      }
      if (m.scope === "none") expect(m.attackSuccessRate, m.suite).toBeGreaterThan(0.5);
    }
    expect(readFileSync(report, "utf8")).toContain("<svg");
    expect(existsSync(audit)).toBe(true);
    const verified = await run("audit", "verify", "--db", audit);
    expect(verified.code).toBe(0);
  });

  test("flags narrow the run; bad values are usage errors", async () => {
    const r = await run(
      "eval",
      "--suite",
      "banking",
      "--scope",
      "mandate",
      "--human",
      "deny",
      "--limit",
      "2",
      "--json",
      "--audit",
      join(dir, "a2.db"),
    );
    const { metrics } = JSON.parse(r.out) as { metrics: Metrics[] };
    expect(metrics.map((m) => `${m.suite}/${m.scope}`)).toEqual(["banking/mandate"]);
    expect((await run("eval", "--scope", "everything")).code).toBe(64);
    expect((await run("eval", "--human", "nobody")).code).toBe(64);
    expect((await run("eval", "--agent", "live,replay")).code).toBe(64);
    expect((await run("eval", "--agent", "live", "--audit", join(dir, "a3.db"))).code).toBe(70);
  });

  test("--trace replays a trace file", async () => {
    const r = await run(
      "eval",
      "--trace",
      join(root, "examples/traces/banking-sample.json"),
      "--json",
      "--strict",
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { attack: { total: number; allowed: number } };
    expect(summary.attack.allowed).toBe(0);
    expect(summary.attack.total).toBeGreaterThan(0);
  });
});
