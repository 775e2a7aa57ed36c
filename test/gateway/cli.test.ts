// `mandate gateway` as a user runs it: a real process between a real MCP client and a real server process.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { stringify } from "yaml";
import { describe, expect, test } from "vitest";
import { run } from "../cli/run-cli.js";
import { ATTACKER, callLog, LANDLORD, MANDATE, SERVER, textOf } from "./helpers.js";

const root = resolve(import.meta.dirname, "../..");
const BIN = join(root, "bin/mandate.js");
const dir = mkdtempSync(join(tmpdir(), "mandate-gw-cli-"));
const mandateFile = join(dir, "mandate.yaml");
writeFileSync(mandateFile, stringify(MANDATE));

describe("mandate gateway", () => {
  test("stdio: denied calls never reach the server; every decision is in the audit log, which verifies", async () => {
    const log = callLog();
    const audit = join(dir, "stdio-audit.db");
    const client = new Client({ name: "cli-test", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [
          BIN,
          "gateway",
          "--mandate",
          mandateFile,
          "--audit",
          audit,
          "--budgets",
          join(dir, "b1.db"),
          "--",
          process.execPath,
          SERVER,
        ],
        env: { ...(process.env as Record<string, string>), CALL_LOG: log.path },
        stderr: "ignore",
      }),
    );
    const ok = await client.callTool({ name: "send_money", arguments: { recipient: LANDLORD, amount: 300 } });
    const denied = await client.callTool({
      name: "send_money",
      arguments: { recipient: ATTACKER, amount: 300 },
    });
    await client.close();
    expect(ok.isError).toBeFalsy();
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/not run/);
    expect(log.calls().map((c) => c.args.recipient)).toEqual([LANDLORD]);

    const listed = await run("audit", "list", "--db", audit, "--json");
    expect(listed.code).toBe(0);
    const records = JSON.parse(listed.out) as { tool: string; verdict: string; event: string }[];
    expect(records.filter((r) => r.event === "decision").map((r) => r.verdict)).toEqual(["allow", "deny"]);
    expect((await run("audit", "verify", "--db", audit)).code).toBe(0);
  });

  test("HTTP: --listen serves Streamable HTTP; SIGTERM stops it cleanly", async () => {
    const log = callLog();
    const child = spawn(
      process.execPath,
      [
        BIN,
        "gateway",
        "--mandate",
        mandateFile,
        "--audit",
        join(dir, "http-audit.db"),
        "--budgets",
        join(dir, "b2.db"),
        "--listen",
        "127.0.0.1:0",
        "--",
        process.execPath,
        SERVER,
      ],
      { env: { ...process.env, CALL_LOG: log.path }, stdio: ["ignore", "ignore", "pipe"] },
    );
    const url = await new Promise<string>((resolveUrl, reject) => {
      let err = "";
      child.stderr!.on("data", (chunk: Buffer) => {
        err += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) resolveUrl(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`gateway exited ${String(code)}: ${err}`)));
    });
    const client = new Client({ name: "cli-http", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const denied = await client.callTool({ name: "delete_account", arguments: {} });
    expect(denied.isError).toBe(true);
    await client.close();
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(log.calls()).toEqual([]);
  });

  test("usage and config errors say what is wrong", async () => {
    const none = await run("gateway", "--mandate", mandateFile);
    expect(none.code).toBe(64);
    expect(none.err).toMatch(/name the server behind the gateway/);
    const config = join(dir, "gateway.yaml");
    writeFileSync(config, "servers:\n  fs:\n    comand: npx\n");
    const bad = await run("gateway", "--mandate", mandateFile, "--config", config);
    expect(bad.code).toBe(65);
    expect(bad.err).toContain(`${config}: servers.fs.comand: unknown key`);
    const both = await run(
      "gateway",
      "--mandate",
      mandateFile,
      "--upstream-url",
      "http://127.0.0.1:1/mcp",
      "--",
      "node",
    );
    expect(both.code).toBe(64);
    const tokensOnStdio = await run(
      "gateway",
      "--mandate",
      mandateFile,
      "--token-keys",
      config,
      "--token-issuer",
      "x",
      "--",
      "node",
    );
    expect(tokensOnStdio.code).toBe(64);
    expect(tokensOnStdio.err).toMatch(/needs --listen/);
  });
});

describe("mandate gateway --approve-url", () => {
  test("needs the agent token", async () => {
    const saved = process.env.MANDATE_AGENT_TOKEN;
    delete process.env.MANDATE_AGENT_TOKEN;
    try {
      const r = await run(
        "gateway",
        "--mandate",
        mandateFile,
        "--approve-url",
        "http://127.0.0.1:1",
        "--",
        "node",
      );
      expect(r.code).toBe(64);
      expect(r.err).toMatch(/MANDATE_AGENT_TOKEN/);
      const both = await run(
        "gateway",
        "--mandate",
        mandateFile,
        "--approve-url",
        "http://127.0.0.1:1",
        "--approve-webhook",
        "http://127.0.0.1:2",
        "--",
        "node",
      );
      expect(both.code).toBe(64);
    } finally {
      if (saved !== undefined) process.env.MANDATE_AGENT_TOKEN = saved;
    }
  });
});

describe("mandate gateway --monitors", () => {
  test("two refusals open the session's breaker: a call the mandate allows is then held; a person's reset lets it run", async () => {
    const log = callLog();
    const audit = join(dir, "monitored-audit.db");
    const monitors = join(dir, "monitors.yaml");
    writeFileSync(
      monitors,
      "monitors: 1\nrules:\n  - id: repeated-denials\n    kind: denials\n    count: 2\n    within: 10m\n    breaker: session\n",
    );
    const client = new Client({ name: "cli-monitors", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [
          BIN,
          "gateway",
          "--mandate",
          mandateFile,
          "--audit",
          audit,
          "--budgets",
          join(dir, "b3.db"),
          "--monitors",
          monitors,
          "--",
          process.execPath,
          SERVER,
        ],
        env: { ...(process.env as Record<string, string>), CALL_LOG: log.path },
        stderr: "ignore",
      }),
    );
    try {
      const pay = (recipient: string, amount: number) =>
        client.callTool({ name: "send_money", arguments: { recipient, amount } });
      expect((await pay(LANDLORD, 10)).isError).toBeFalsy();
      expect((await pay(ATTACKER, 900)).isError).toBe(true);
      expect((await pay(ATTACKER, 800)).isError).toBe(true);
      const held = await pay(LANDLORD, 20); // allowed by the mandate, but the breaker asks and nobody answers
      expect(held.isError).toBe(true);
      const listed = await run("monitor", "list", "--db", audit, "--json");
      const open = JSON.parse(listed.out) as { key: string }[];
      expect(open).toHaveLength(1);
      const session = open[0]!.key.replace(/^session:/, "");
      expect((await run("monitor", "reset", "--session", session, "--by", "ops", "--db", audit)).code).toBe(
        0,
      );
      expect((await pay(LANDLORD, 30)).isError).toBeFalsy();
      expect(log.calls().map((c) => c.args.amount)).toEqual([10, 30]);
    } finally {
      await client.close();
    }
    const records = JSON.parse((await run("audit", "list", "--db", audit, "--json")).out) as {
      tool: string;
    }[];
    expect(records.map((r) => r.tool)).toEqual(expect.arrayContaining(["monitor.alert", "monitor.reset"]));
    expect((await run("audit", "verify", "--db", audit)).code).toBe(0);
  });
});
