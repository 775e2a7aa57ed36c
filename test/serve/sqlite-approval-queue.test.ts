import { afterAll } from "vitest";
import { openServeDatabase, type ServeDatabase } from "../../src/serve/database.js";
import { SqliteApprovalQueue } from "../../src/serve/sqlite-approval-queue.js";
import { runApprovalQueueConformance } from "./approval-queue.conformance.js";

const dbs: ServeDatabase[] = [];
afterAll(() => {
  for (const db of dbs) db.close();
});

runApprovalQueueConformance("SQLite", async () => {
  const db = openServeDatabase(":memory:");
  dbs.push(db);
  return new SqliteApprovalQueue(db);
});
