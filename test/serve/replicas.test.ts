// Approvals across replicas: two `mandate serve` processes share one approvals queue and one audit log on
// PostgreSQL. An agent asks through replica A; an operator signed in on replica B answers; the agent's call runs
// (or is denied); a replay of the used approval through A is refused.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openServeDatabase } from "../../src/serve/database.js";
import { OperatorStore } from "../../src/serve/operators.js";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { usePostgresSchemas } from "../stores/servers.js";
import { PAYMENTS } from "./fixtures/payments.js";
import { Client, PASSWORD } from "./helpers.js";

const HOOKS = new URL("../fixtures/ts-hooks.ts", import.meta.url).href;
const CLI = fileURLToPath(new URL("./fixtures/mandate-cli.ts", import.meta.url));
const AGENT = fileURLToPath(new URL("./fixtures/agent.ts", import.meta.url));

/** A TypeScript entry point in its own Node process (transform-types: the Guard's sources need it). */
function node(script: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  const flags = [
    "--experimental-transform-types",
    "--disable-warning=ExperimentalWarning",
    "--import",
    HOOKS,
  ];
  return spawn(process.execPath, [...flags, script, ...args], { stdio: "pipe" });
}

const children: ChildProcessWithoutNullStreams[] = [];
function started(child: ChildProcessWithoutNullStreams): ChildProcessWithoutNullStreams {
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.on("exit", (code) => {
    if (code !== 0 && code !== null) console.error(`child exited with ${code}: ${stderr}`);
  });
  return child;
}

/** A `mandate serve` replica; resolves with its address once it listens. */
function replica(db: string, url: string, mandate: string): Promise<string> {
  const child = started(
    node(CLI, [
      "serve",
      "--listen",
      "127.0.0.1:0",
      "--db",
      db,
      "--audit",
      url,
      "--queue",
      url,
      "--mandate",
      mandate,
    ]),
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^mandate serve: (http:\/\/127\.0\.0\.1:\d+) /.exec(line);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`the replica exited (${code}) before listening`)));
  });
}

/** The agent process: a Guard with the web approver pointed at one replica. */
class Agent {
  readonly #results = new Map<string, Record<string, unknown>>();
  readonly #waiters = new Map<string, (r: Record<string, unknown>) => void>();
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  constructor(url: string, token: string, audit: string) {
    this.child = started(node(AGENT, [url, token, audit]));
    let readied: () => void = () => {};
    this.ready = new Promise((resolve) => (readied = resolve));
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg["ready"] === true) return readied();
      const id = String(msg["callId"]);
      this.#results.set(id, msg);
      this.#waiters.get(id)?.(msg);
    });
  }
  /** Sends a call (or a replay) and resolves with what the agent printed for it. */
  ask(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = String(msg["callId"]);
    this.#results.delete(id);
    const result = new Promise<Record<string, unknown>>((resolve) => this.#waiters.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    return result;
  }
}

const schemas = usePostgresSchemas();
const dir = mkdtempSync(join(tmpdir(), "mandate-replicas-"));
const url = schemas.url(schemas.fresh());
let a: string;
let b: string;
let agent: Agent;
let token: string;

beforeAll(async () => {
  const mandate = join(dir, "mandate.json");
  writeFileSync(mandate, JSON.stringify(PAYMENTS));
  // Each replica keeps its own operators, sessions and tokens (SQLite); both know alice and the agent's token.
  const dbs = [join(dir, "a.db"), join(dir, "b.db")];
  for (const [i, path] of dbs.entries()) {
    const db = openServeDatabase(path);
    const operators = new OperatorStore(db);
    await operators.addUser("alice", "approver", PASSWORD);
    if (i === 0) token = operators.addAgentToken("payments-bot");
    db.close();
  }
  // The token made on A is installed on B as an operator would: `mandate serve token add --token-stdin`.
  const install = started(
    node(CLI, ["serve", "token", "add", "payments-bot", "--token-stdin", "--db", dbs[1]!]),
  );
  install.stdin.end(`${token}\n`);
  const installed = new Promise<number | null>((resolve) => install.on("exit", resolve));
  [a, b] = await Promise.all([replica(dbs[0]!, url, mandate), replica(dbs[1]!, url, mandate)]);
  expect(await installed).toBe(0);
  agent = new Agent(a, token, url);
  await agent.ready;
}, 30_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.stdin.end();
          child.kill("SIGTERM");
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

/** Signs in on replica B and answers the call once it shows in B's queue; returns the approval's id. */
async function answerOnB(callId: string, answer: "approve" | "deny", reason: string): Promise<string> {
  const operator = new Client(b);
  expect((await operator.signIn("alice")).status).toBe(303);
  const csrf = await operator.csrf();
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const page = await (await operator.request("/approvals/fragment")).text();
        const card = page.split("<article").find((part) => part.includes(`data-call-id="${callId}"`)) ?? "";
        id = /action="\/approvals\/([^/]+)\/decide"/.exec(card)?.[1];
        return id;
      },
      { timeout: 10_000, interval: 50 },
    )
    .toBeDefined();
  const res = await operator.request(`/approvals/${id}/decide`, {
    method: "POST",
    form: { _csrf: csrf, answer, reason },
  });
  expect(res.status).toBe(303);
  return id!;
}

describe("approvals across replicas", () => {
  test("a call asked on replica A is approved by an operator on replica B, and runs", async () => {
    const result = agent.ask({
      callId: "rep-1",
      tool: "send_money",
      args: { amount: 250, memo: "invoice 7" },
    });
    const id = await answerOnB("rep-1", "approve", "known supplier");
    expect(await result).toMatchObject({ callId: "rep-1", denied: false, value: { sent: 250 } });
    // A lists it as answered: one queue, whichever replica is asked.
    const onA = new Client(a);
    await onA.signIn("alice");
    expect(await (await onA.request(`/approvals/${id}`)).text()).toContain("alice");
  });

  test("a call denied on replica B reaches the agent as a denial, with the reason", async () => {
    const result = agent.ask({ callId: "rep-2", tool: "send_money", args: { amount: 300 } });
    await answerOnB("rep-2", "deny", "not this supplier");
    const denied = await result;
    expect(denied).toMatchObject({ callId: "rep-2", denied: true });
    expect(String(denied["message"])).toContain("not this supplier");
  });

  test("replaying the used approval through replica A is refused, and the one audit chain records it all", async () => {
    const log = await PostgresAuditLog.open(url);
    try {
      const approved = (await log.list({ tool: "serve.approve" })).at(-1);
      expect(approved).toMatchObject({ callId: "rep-1", approval: { approved: true, by: "alice" } });
      const id = (approved?.args as { approval?: string } | undefined)?.approval;
      expect(id).toBeTruthy();
      const replay = await agent.ask({
        replay: id,
        callId: "rep-1",
        tool: "send_money",
        args: { amount: 250, memo: "invoice 7" },
      });
      expect(replay).toMatchObject({ replay: 409, body: { error: "the approval was already used" } });

      // Replica A's and B's own events, and the agent's decisions, in one verified chain.
      expect(await log.verify()).toMatchObject({ ok: true });
      const tools = (await log.list({})).map((e) => `${e.tool}:${e.verdict}`);
      expect(tools).toEqual(
        expect.arrayContaining([
          "serve.signin:allow",
          "serve.approve:allow",
          "serve.deny:deny",
          "serve.redeem:allow",
          "serve.redeem:deny",
          "send_money:ask",
        ]),
      );
      const refused = (await log.list({ tool: "serve.redeem", verdict: "deny" })).at(-1);
      expect(refused).toMatchObject({ reason: "approval refused: the approval was already used" });
    } finally {
      await log.close();
    }
  });
});
