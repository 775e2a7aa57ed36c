// The official MCP conformance suite (@modelcontextprotocol/conformance) against server-everything, directly and
// through the gateway in the same run: the gateway must not break what it passes through.
import { execFile } from "node:child_process";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Mandate } from "../../src/core/mandate.js";
import { type HttpGateway, serveHttp } from "../../src/gateway/gateway.js";
import { MemoryAuditLog, MemoryBudgetStore } from "../../src/index.js";

const require = createRequire(import.meta.url);
const pkgDir = (pkg: string): string => dirname(require.resolve(`${pkg}/package.json`));
const EVERYTHING = join(pkgDir("@modelcontextprotocol/server-everything"), "dist/index.js");
const CONFORMANCE = join(pkgDir("@modelcontextprotocol/conformance"), "dist/index.js");

/** Every tool server-everything and the conformance scenarios name, except `get-env` (it prints the environment). */
const MANDATE: Mandate = {
  mandate: 1,
  id: "conformance",
  allow: [
    {
      tools: [
        "echo",
        "get-annotated-message",
        "get-resource-links",
        "get-resource-reference",
        "get-structured-content",
        "get-sum",
        "get-tiny-image",
        "gzip-file-as-resource",
        "toggle-simulated-logging",
        "toggle-subscriber-updates",
        "trigger-long-running-operation",
        "simulate-research-query",
        "test_simple_text",
        "test_image_content",
        "test_audio_content",
        "test_embedded_resource",
        "test_multiple_content_types",
        "test_tool_with_logging",
        "test_error_handling",
        "test_tool_with_progress",
        "test_sampling",
        "test_elicitation",
        "test_elicitation_sep1034_defaults",
        "test_elicitation_sep1330_enums",
      ],
    },
  ],
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** scenario/check id → status, from the suite's output directory. */
async function runSuite(url: string): Promise<Map<string, string>> {
  const out = mkdtempSync(join(tmpdir(), "mandate-conformance-"));
  await promisify(execFile)(process.execPath, [CONFORMANCE, "server", "--url", url, "-o", out], {
    timeout: 60_000,
  }).catch((error: { stdout?: string }) => {
    // The suite exits non-zero when any check fails; the checks are what we compare.
    if (error.stdout === undefined) throw error;
  });
  const results = new Map<string, string>();
  for (const dir of readdirSync(out)) {
    const scenario = dir.replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T.*$/, "");
    const checks = JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8")) as {
      id: string;
      status: string;
    }[];
    checks.forEach((c, i) => results.set(`${scenario}/${c.id}#${i}`, c.status));
  }
  return results;
}

describe("MCP conformance through the gateway", () => {
  let everything: ChildProcess;
  let gateway: HttpGateway;
  let upstreamUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    everything = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      everything.stderr!.on("data", (chunk: Buffer) => {
        if (/listening on port/.test(chunk.toString())) resolve();
      });
      everything.once("exit", (code) => reject(new Error(`server-everything exited ${String(code)}`)));
    });
    upstreamUrl = `http://127.0.0.1:${port}/mcp`;
    gateway = await serveHttp({
      mandate: MANDATE,
      upstreams: [{ name: "everything", url: upstreamUrl }],
      audit: new MemoryAuditLog(),
      budgets: new MemoryBudgetStore(),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    everything?.kill();
  });

  test("every check that passes directly passes through the gateway", async () => {
    const direct = await runSuite(upstreamUrl);
    const through = await runSuite(gateway.url);
    expect(direct.size).toBeGreaterThan(20);
    const passedDirectly = [...direct].filter(([, s]) => s === "SUCCESS").map(([id]) => id);
    const lost = passedDirectly.filter((id) => through.get(id) !== "SUCCESS");
    expect(lost).toEqual([]);
    // Report the comparison when asked (docs/gateway.md records it).
    if (process.env.MANDATE_CONFORMANCE_REPORT !== undefined) {
      const ids = [...new Set([...direct.keys(), ...through.keys()])].sort();
      process.stderr.write(
        `${ids.map((id) => `${id}\t${direct.get(id) ?? "-"}\t${through.get(id) ?? "-"}`).join("\n")}\n`,
      );
    }
  }, 120_000);
});
