import type { ApprovalAnswer, ApprovalRequest, Approver } from "../guard/approver.js";

/**
 * Asks a function of yours: a chat message to the user, a ticket, a rules engine. Return `true`/`false` or a
 * full answer; throwing or not answering in time is "no".
 */
export function callbackApprover(
  decide: (
    request: ApprovalRequest,
    signal: AbortSignal,
  ) => boolean | ApprovalAnswer | Promise<boolean | ApprovalAnswer>,
  name = "callback",
): Approver {
  return {
    name,
    async approve(request, signal) {
      const answer = await decide(request, signal);
      return typeof answer === "boolean" ? { approved: answer } : answer;
    },
  };
}
