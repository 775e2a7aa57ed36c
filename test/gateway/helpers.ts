import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Mandate } from "../../src/core/mandate.js";
import { type GatewayOptions, serveStdio } from "../../src/gateway/gateway.js";
import { StreamTransport } from "../../src/gateway/stream-transport.js";
import type { UpstreamSpec } from "../../src/gateway/upstream.js";
import { MemoryAuditLog, MemoryBudgetStore } from "../../src/index.js";

export const SERVER = fileURLToPath(new URL("./fixtures/bank-server.mjs", import.meta.url));
export const LANDLORD = "DE89370400440532013000";
export const ATTACKER = "CY17002001280000001200527600";

/** The test mandate: statements and payments to the landlord up to 1200; small payments elsewhere are asked. */
export const MANDATE: Mandate = {
  mandate: 1,
  id: "gateway-test",
  allow: [
    { tool: "read_statement" },
    { tool: "send_money", args: { recipient: { const: LANDLORD }, amount: { maximum: 1200 } } },
    { tool: "balance", args: { account: { const: "main" } } },
    { tools: ["slow", "crash", "count", "summarise", "noise"] },
  ],
  ask: [{ tool: "send_money", args: { amount: { maximum: 100 } } }],
};

/** A file the fixture server appends every call it receives to. */
export function callLog(): { path: string; calls(): { name: string; args: Record<string, unknown> }[] } {
  const dir = mkdtempSync(join(tmpdir(), "mandate-gw-"));
  const path = join(dir, "calls.jsonl");
  return {
    path,
    calls() {
      try {
        return readFileSync(path, "utf8")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as { name: string; args: Record<string, unknown> });
      } catch {
        return [];
      }
    },
  };
}

export function stdioUpstream(log: string, name = "server"): UpstreamSpec {
  return { name, command: process.execPath, args: [SERVER], env: { CALL_LOG: log } };
}

export interface InProcessGateway {
  readonly client: Client;
  readonly audit: MemoryAuditLog;
  /** Raw lines into the gateway's stdin, for malformed-input tests. */
  write(text: string): void;
  /** Lines the gateway wrote that the client did not consume (kept for raw tests). */
  readonly raw: string[];
  /** Resolves with the session's end reason. */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

/**
 * The gateway's stdio session on in-process streams, with a real MCP SDK Client on the other end and real
 * upstream server processes behind it.
 */
export async function inProcessGateway(
  opts: Partial<GatewayOptions> & { upstreams: GatewayOptions["upstreams"] },
  clientCapabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<InProcessGateway> {
  const toGateway = new PassThrough();
  const fromGateway = new PassThrough();
  const audit = (opts.audit as MemoryAuditLog | undefined) ?? new MemoryAuditLog();
  const raw: string[] = [];
  fromGateway.on("data", (chunk: Buffer) => raw.push(chunk.toString()));
  const ended = serveStdio(
    {
      mandate: MANDATE,
      audit,
      budgets: new MemoryBudgetStore(),
      upstreamStderr: "ignore",
      ...opts,
    },
    { input: toGateway, output: fromGateway },
  );
  const client = new Client({ name: "test-client", version: "1.0.0" }, clientCapabilities);
  await client.connect(new StreamTransport(fromGateway, toGateway));
  return {
    client,
    audit,
    raw,
    ended,
    write: (text) => toGateway.write(text),
    async close() {
      await client.close();
      toGateway.end();
      await ended.catch(() => undefined);
    },
  };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? "").join("\n");
}
