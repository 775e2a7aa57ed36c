export { callbackApprover } from "./callback.js";
export { terminalApprover, type TerminalApproverOptions } from "./terminal.js";
export { describeRequest } from "./render.js";
export { webhookApprover, type WebhookApproverOptions } from "./webhook.js";
export { webApprover, type WebApproverOptions } from "./web.js";
