import type { ApprovalRequest } from "../guard/approver.js";

/** The text a person reads before approving: the call, the mandate, and why it needs them. */
export function describeRequest(request: ApprovalRequest): string {
  const lines = [
    `Approval needed: ${request.tool}`,
    `  mandate  ${request.mandate.id}${request.mandate.subject ? ` (granted by ${request.mandate.subject})` : ""}`,
  ];
  if (request.mandate.task) lines.push(`  task     ${oneLine(request.mandate.task)}`);
  if (request.mandate.agent) lines.push(`  agent    ${request.mandate.agent}`);
  lines.push(`  call     ${request.callId}${request.session ? ` in session ${request.session}` : ""}`);
  for (const [key, value] of Object.entries(request.args))
    lines.push(`  ${key.padEnd(8)} ${oneLine(JSON.stringify(value) ?? "")}`);
  lines.push(`  why      ${request.decision.reason}`);
  // What a person most needs to see: why the mandate did not allow this outright (e.g. where a value came from).
  for (const item of request.decision.escalation ?? [])
    lines.push(`  not allowed outright: ${oneLine(item.message)}`);
  return lines.join("\n");
}

/** Tool names and arguments are attacker-controlled: no control characters reach the terminal. */
export function oneLine(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return clean.length > 200 ? `${clean.slice(0, 197)}…` : clean;
}
