import { JsonlAuditLog } from "../../src/stores/jsonl/audit-log.js";
import { MemoryAuditLog } from "../../src/stores/memory/audit-log.js";
import { SqliteAuditLog } from "../../src/stores/sqlite/audit-log.js";
import { runAuditLogConformance } from "./audit-log.conformance.js";
import { useTempDir } from "./temp-dir.js";

const file = useTempDir("mandate-audit-");

runAuditLogConformance("memory", async () => new MemoryAuditLog());
runAuditLogConformance("sqlite", () => SqliteAuditLog.open(file("audit.db")));
runAuditLogConformance("jsonl", () => JsonlAuditLog.open(file("audit.jsonl")));
