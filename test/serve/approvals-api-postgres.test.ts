// The approvals API and the web approver with the approvals queue on PostgreSQL (as `mandate serve --queue`).
import { PostgresApprovalQueue } from "../../src/serve/postgres-approval-queue.js";
import { usePostgresSchemas } from "../stores/servers.js";
import { runApprovalsApiSuite } from "./approvals-api.suite.js";
import { startTestServer } from "./helpers.js";

const schemas = usePostgresSchemas();

runApprovalsApiSuite("PostgreSQL", () =>
  startTestServer({
    queue: () => PostgresApprovalQueue.open(schemas.url(schemas.fresh()), { maxConnections: 4 }),
  }),
);
