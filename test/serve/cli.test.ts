// `mandate serve` and its user and token commands, as an operator runs them.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { serveCommand } from "../../src/cli/commands/serve.js";
import { openServeDatabase } from "../../src/serve/database.js";
import { OperatorStore } from "../../src/serve/operators.js";
import { run } from "../cli/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "mandate-serve-cli-"));
const db = join(dir, "serve.db");

describe("mandate serve user / token", () => {
  test("operators: add with a generated password shown once, list, change, remove; bad input is a usage error", async () => {
    const added = await run("serve", "user", "add", "ops", "--role", "approver", "--db", db);
    expect(added.code).toBe(0);
    const password = added.out.trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(added.err).toMatch(/shown once/);
    expect(existsSync(db)).toBe(true); // `--db` after the subcommand is honoured, not the default file
    expect((await run("serve", "user", "add", "ops", "--db", db)).code).toBe(64);
    expect((await run("serve", "user", "add", "eve", "--role", "root", "--db", db)).code).toBe(64);
    expect((await run("serve", "user", "add", "viv", "--db", db)).code).toBe(0);
    expect((await run("serve", "user", "list", "--db", db)).out).toBe("ops\tapprover\nviv\tviewer\n");
    const changed = await run("serve", "user", "passwd", "ops", "--db", db);
    expect(changed.code).toBe(0);
    expect(changed.out.trim()).not.toBe(password);
    expect((await run("serve", "user", "remove", "viv", "--db", db)).code).toBe(0);
    expect((await run("serve", "user", "remove", "viv", "--db", db)).code).toBe(64);
    expect((await run("serve", "user", "list", "--db", db)).out).toBe("ops\tapprover\n");
  });

  test("agent tokens: printed once, listed by name only, revoked", async () => {
    const added = await run("serve", "token", "add", "gateway-1", "--db", db);
    expect(added.code).toBe(0);
    const token = added.out.trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    const listed = await run("serve", "token", "list", "--db", db);
    expect(listed.out).toMatch(/^gateway-1\t/);
    expect(listed.out).not.toContain(token);
    expect((await run("serve", "token", "revoke", "gateway-1", "--db", db)).code).toBe(0);
    expect((await run("serve", "token", "revoke", "gateway-1", "--db", db)).code).toBe(64);
  });
});

describe("mandate serve with shared stores", () => {
  test("takes the approvals queue only on PostgreSQL, and the audit log in a file or on PostgreSQL", async () => {
    const io = { out: () => undefined, err: () => undefined };
    for (const [option, value, message] of [
      ["queue", "redis://127.0.0.1:6379/0", "--queue: expected postgres://…, got `redis://127.0.0.1:6379/0`"],
      ["queue", join(dir, "queue.db"), "--queue: expected postgres://…"],
      [
        "audit",
        "redis://u:secret@127.0.0.1:6379",
        "--audit: expected a file path or postgres://…, got `redis://u:…@127.0.0.1:6379`",
      ],
      ["audit", "mysql://h/db", "--audit: unsupported store URL"],
    ] as const) {
      await expect(serveCommand({ listen: "127.0.0.1:0", db, [option]: value }, io)).rejects.toMatchObject({
        code: 64,
        message: expect.stringContaining(message),
      });
    }
  });

  test("an agent token made on one replica can be installed on another; a weak one is refused", () => {
    const dbs = [openServeDatabase(":memory:"), openServeDatabase(":memory:")];
    const [first, second] = dbs.map((d) => new OperatorStore(d)) as [OperatorStore, OperatorStore];
    const token = first.addAgentToken("gateway-2");
    expect(second.addAgentToken("gateway-2", token)).toBe(token);
    expect(second.agentFor(token)).toBe("gateway-2");
    expect(() => second.addAgentToken("gateway-3", "short")).toThrow("an agent token is 32 to 200 letters");
    expect(() => second.addAgentToken("gateway-3", `${"x".repeat(40)} y`)).toThrow(RangeError);
    for (const d of dbs) d.close();
  });
});

describe("mandate serve", () => {
  test("serves the sign-in page with a strict CSP on loopback, refuses agents without a token, stops cleanly", async () => {
    let out = "";
    const stop = new AbortController();
    const io = { out: (t: string) => (out += `${t}\n`), err: () => undefined };
    const running = serveCommand(
      { listen: "127.0.0.1:0", db, audit: join(dir, "audit.db") },
      io,
      stop.signal,
    );
    const url = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearInterval(poll);
          resolve(m[1]!);
        } else if (Date.now() - started > 10_000) {
          clearInterval(poll);
          reject(new Error(`serve did not start: ${out}`));
        }
      }, 20);
    });
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(await login.text()).toMatch(/<form/);
    const agent = await fetch(`${url}/api/v1/agent/approvals`, { method: "POST", body: "{}" });
    expect(agent.status).toBe(401);
    const dashboard = await fetch(`${url}/`, { redirect: "manual" });
    expect([302, 303]).toContain(dashboard.status);
    stop.abort();
    expect(await running).toBe(0);
  });
});
