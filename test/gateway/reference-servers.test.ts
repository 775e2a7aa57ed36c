// The gateway in front of the published reference servers, @modelcontextprotocol/server-filesystem and
// @modelcontextprotocol/server-everything, each a real process, driven by the SDK's real Client.
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { Mandate } from "../../src/core/mandate.js";
import { type InProcessGateway, inProcessGateway, textOf } from "./helpers.js";

const require = createRequire(import.meta.url);
const bin = (pkg: string): string => join(dirname(require.resolve(`${pkg}/package.json`)), "dist/index.js");
const FILESYSTEM = bin("@modelcontextprotocol/server-filesystem");
const EVERYTHING = bin("@modelcontextprotocol/server-everything");

let open: InProcessGateway | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

describe("server-filesystem behind the gateway", () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "mandate-fs-")));
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs", "readme.txt"), "hello from the docs");
  writeFileSync(join(root, "secret.txt"), "do not read");
  const docs = join(root, "docs");
  const mandate: Mandate = {
    mandate: 1,
    id: "docs-reader",
    allow: [
      {
        tools: ["read_text_file", "list_directory"],
        args: { path: { type: "string", path: { under: [docs] } } },
      },
    ],
  };

  test("reads under the granted folder; no write tool is listed or runs; paths outside are refused", async () => {
    open = await inProcessGateway({
      mandate,
      upstreams: [{ name: "fs", command: process.execPath, args: [FILESYSTEM, root] }],
    });
    const { tools } = await open.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["list_directory", "read_text_file"]);
    // Annotations pass through untouched (they describe, they never grant).
    expect(tools.find((t) => t.name === "read_text_file")?.annotations).toMatchObject({ readOnlyHint: true });

    const read = await open.client.callTool({
      name: "read_text_file",
      arguments: { path: join(docs, "readme.txt") },
    });
    expect(textOf(read)).toContain("hello from the docs");

    const outside = await open.client.callTool({
      name: "read_text_file",
      arguments: { path: join(root, "secret.txt") },
    });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).not.toContain("do not read");
    const traversal = await open.client.callTool({
      name: "read_text_file",
      arguments: { path: `${docs}/../secret.txt` },
    });
    expect(traversal.isError).toBe(true);
    expect(textOf(traversal)).not.toContain("do not read");

    const write = await open.client.callTool({
      name: "write_file",
      arguments: { path: join(docs, "planted.txt"), content: "x" },
    });
    expect(write.isError).toBe(true);
    expect(existsSync(join(docs, "planted.txt"))).toBe(false);
  });
});

describe("server-everything behind the gateway", () => {
  const mandate: Mandate = {
    mandate: 1,
    id: "everything",
    allow: [
      { tool: "echo" },
      { tool: "get-sum", args: { a: { maximum: 10 }, b: { maximum: 10 } } },
      { tool: "trigger-long-running-operation", args: { duration: { maximum: 2 }, steps: { maximum: 5 } } },
      { tool: "get-structured-content" },
    ],
  };

  test("allowed tools work, a call beyond the mandate and an ungranted tool are refused", async () => {
    open = await inProcessGateway({
      mandate,
      upstreams: [{ name: "everything", command: process.execPath, args: [EVERYTHING, "stdio"] }],
    });
    const names = (await open.client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["echo", "get-structured-content", "get-sum", "trigger-long-running-operation"]);
    expect(textOf(await open.client.callTool({ name: "echo", arguments: { message: "hi" } }))).toContain(
      "hi",
    );
    expect(textOf(await open.client.callTool({ name: "get-sum", arguments: { a: 2, b: 3 } }))).toContain("5");
    const big = await open.client.callTool({ name: "get-sum", arguments: { a: 200, b: 3 } });
    expect(big.isError).toBe(true);
    expect(textOf(big)).toContain("200");
    const env = await open.client.callTool({ name: "get-env", arguments: {} });
    expect(env.isError).toBe(true);
    expect(textOf(env)).not.toMatch(/PATH=/);
  });

  test("progress, resources, prompts and completions pass through", async () => {
    open = await inProcessGateway({
      mandate,
      upstreams: [{ name: "everything", command: process.execPath, args: [EVERYTHING, "stdio"] }],
    });
    const progress: number[] = [];
    const long = await open.client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(long.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const { resources } = await open.client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = await open.client.readResource({ uri: resources[0]!.uri });
    expect(first.contents.length).toBeGreaterThan(0);
    const { prompts } = await open.client.listPrompts();
    expect(prompts.length).toBeGreaterThan(0);
  });
});
