export type { ApprovalQueue, Narrowing, PendingCall, QueuedApproval } from "./approval-queue.js";
export { createServeApp, type LoadedMandate, type ServeAppOptions } from "./app.js";
export { openServeDatabase } from "./database.js";
export { OperatorStore, type Role } from "./operators.js";
export { PostgresApprovalQueue, type PostgresApprovalQueueOptions } from "./postgres-approval-queue.js";
export { listen, loopbackHosts, type RunningServer } from "./server.js";
export { SqliteApprovalQueue } from "./sqlite-approval-queue.js";
