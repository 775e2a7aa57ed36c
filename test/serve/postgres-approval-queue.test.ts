import pg from "pg";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { notifyChannel, PostgresApprovalQueue } from "../../src/serve/postgres-approval-queue.js";
import { argsHash } from "../../src/serve/binding.js";
import { PostgresAuditLog } from "../../src/stores/postgres/audit-log.js";
import { migrate } from "../../src/stores/postgres/database.js";
import { POSTGRES_MIGRATIONS } from "../../src/stores/postgres/schema.js";
import { auditRecord } from "../stores/records.js";
import { POSTGRES_URL, usePostgresSchemas } from "../stores/servers.js";
import { approve, call, deny, presented, runApprovalQueueConformance } from "./approval-queue.conformance.js";

const schemas = usePostgresSchemas();

runApprovalQueueConformance("PostgreSQL", () =>
  PostgresApprovalQueue.open(schemas.url(schemas.fresh()), { maxConnections: 4 }),
);

const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
afterAll(() => admin.end());

const opened: PostgresApprovalQueue[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
});

/** Two replicas' queues on one schema: separate pools, separate listening connections. */
async function replicas(pollMs: number): Promise<[PostgresApprovalQueue, PostgresApprovalQueue, string]> {
  const schema = schemas.fresh();
  const a = await PostgresApprovalQueue.open(schemas.url(schema), { maxConnections: 3, pollMs });
  const b = await PostgresApprovalQueue.open(schemas.url(schema), { maxConnections: 3, pollMs });
  opened.push(a, b);
  return [a, b, schema];
}

const TTL = 60_000;
const never = () => new AbortController().signal;

async function queued(queue: PostgresApprovalQueue, callId: string, amount: number) {
  const c = call(callId, { amount });
  const result = await queue.submit("payments-bot", c, argsHash(c.args), Date.now());
  if (!result.ok) throw new Error(result.reason);
  return { id: result.approval.id, call: c };
}

describe("PostgresApprovalQueue across replicas", () => {
  test("a waiter on one replica learns at once of an answer given on another (by NOTIFY, not by polling)", async () => {
    const [a, b] = await replicas(30_000);
    const { id, call: c } = await queued(a, "x-1", 100);
    expect((await b.pending(Date.now())).map((p) => p.id)).toEqual([id]);
    const started = Date.now();
    const waiting = a.wait(id, 20_000, never());
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.decide(id, approve(), TTL, Date.now())).toMatchObject({ ok: true });
    expect(await waiting).toMatchObject({ status: "approved", decidedBy: "alice" });
    expect(Date.now() - started).toBeLessThan(1_000);
    // Used once through A; a replay through B (or A) is refused.
    expect(await a.redeem(id, "payments-bot", presented(c), Date.now())).toMatchObject({ ok: true });
    expect(await b.redeem(id, "payments-bot", presented(c), Date.now())).toMatchObject({
      ok: false,
      reason: "the approval was already used",
    });
  });

  test("answers and redemptions racing on two replicas: exactly one of each wins", async () => {
    const [a, b] = await replicas(30_000);
    for (let i = 0; i < 5; i++) {
      const { id, call: c } = await queued(i % 2 === 0 ? a : b, `race-${i}`, i);
      const answers = await Promise.all([
        a.decide(id, approve("alice"), TTL, Date.now()),
        b.decide(id, approve("carol"), TTL, Date.now()),
        b.decide(id, deny("bob"), TTL, Date.now()),
      ]);
      const won = answers.filter((r) => r.ok);
      expect(won).toHaveLength(1);
      if (won[0]!.ok && won[0]!.approval.status !== "approved") continue;
      const uses = await Promise.all(
        [a, b, a, b].map((q) => q.redeem(id, "payments-bot", presented(c), Date.now())),
      );
      expect(uses.filter((r) => r.ok)).toHaveLength(1);
    }
  });

  test("a dashboard on one replica is told of a call queued on another", async () => {
    const [a, b] = await replicas(30_000);
    let told = 0;
    const unsubscribe = b.subscribe(() => told++);
    await queued(a, "live-1", 5);
    await expect.poll(() => told, { timeout: 2_000 }).toBeGreaterThan(0);
    unsubscribe();
  });

  test("an answer whose notification is lost still reaches the waiter, by the fallback poll", async () => {
    const [a, , schema] = await replicas(300);
    const { id } = await queued(a, "lost-1", 7);
    const waiting = a.wait(id, 10_000, never());
    const started = Date.now();
    // With triggers off for this session, the answer is written without a NOTIFY.
    const client = await admin.connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query(
        `UPDATE "${schema}".approvals SET status = 'denied', decided_ms = $1, decided_by = 'bob', reason = 'quietly'
         WHERE id = $2`,
        [Date.now(), id],
      );
    } finally {
      await client.query("RESET session_replication_role");
      client.release();
    }
    expect(await waiting).toMatchObject({ status: "denied", reason: "quietly" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("when its listening connection is killed, a queue reconnects and hears answers again", async () => {
    const [a, b, schema] = await replicas(30_000);
    const { id } = await queued(a, "kill-1", 9);
    const waiting = a.wait(id, 20_000, never());
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()) t`,
      [`LISTEN ${notifyChannel(schema)}`],
    );
    expect(rows[0]!.n).toBe(2);
    // Answered while nobody listens: the reconnection's re-read delivers it.
    expect(await b.decide(id, approve(), TTL, Date.now())).toMatchObject({ ok: true });
    expect(await waiting).toMatchObject({ status: "approved" });
    await expect.poll(() => a.listening && b.listening, { timeout: 5_000 }).toBe(true);
    // And later notifications arrive by NOTIFY again (the fallback poll is 30 s here).
    const next = await queued(a, "kill-2", 10);
    const started = Date.now();
    const second = a.wait(next.id, 20_000, never());
    await new Promise((r) => setTimeout(r, 50));
    await b.decide(next.id, deny(), TTL, Date.now());
    expect(await second).toMatchObject({ status: "denied" });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test("queues in other schemas hear nothing of this one", async () => {
    const [a] = await replicas(30_000);
    const other = await PostgresApprovalQueue.open(schemas.url(schemas.fresh()), { maxConnections: 2 });
    opened.push(other);
    let told = 0;
    const unsubscribe = other.subscribe(() => told++);
    await new Promise((r) => setTimeout(r, 100));
    told = 0;
    await queued(a, "iso-1", 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(told).toBe(0);
    unsubscribe();
  });
});

describe("the approvals migration", () => {
  test("upgrades a schema made before it, keeping the audit chain", async () => {
    const schema = schemas.fresh();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      // A schema as the previous version left it: migration 1 only.
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA "${schema}"`);
        await client.query(`CREATE TABLE "${schema}".schema_version (version int NOT NULL)`);
        await client.query(POSTGRES_MIGRATIONS[0]!.replace(/(?<![\w"])S\./g, `"${schema}".`));
        await client.query(`INSERT INTO "${schema}".schema_version VALUES (1)`);
      } finally {
        client.release();
      }
      const log = await PostgresAuditLog.open(schemas.url(schema), { migrate: false });
      await log.append(auditRecord(1));
      await log.close();
      expect(await migrate(pool, schema)).toEqual({ from: 1, to: POSTGRES_MIGRATIONS.length });
      const queue = await PostgresApprovalQueue.open(schemas.url(schema), { maxConnections: 2 });
      opened.push(queue);
      expect((await queued(queue, "up-1", 1)).id).toBeTruthy();
      const reopened = await PostgresAuditLog.open(schemas.url(schema));
      expect(await reopened.verify()).toMatchObject({ ok: true, count: 1 });
      await reopened.close();
    } finally {
      await pool.end();
    }
  });

  test("refuses a bad fallback poll interval", async () => {
    await expect(PostgresApprovalQueue.open(POSTGRES_URL, { pollMs: 0 })).rejects.toThrow("`pollMs`");
  });
});
