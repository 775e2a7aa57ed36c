import { jsonEqual } from "../core/json-value.js";
import type { Approver } from "../guard/approver.js";
import { callbackApprover } from "../approvers/callback.js";
import type { PlannedCall } from "./suite.js";

/**
 * The person behind `ask`, chosen per run and shown in every report: `deny` (nobody answers), `approve` (a rubber
 * stamp), `oracle` (a careful person who approves exactly the calls of the user's own task).
 */
export type Human = "deny" | "approve" | "oracle";
export const HUMANS: readonly Human[] = ["deny", "approve", "oracle"];

export function approverFor(human: Human, reference: readonly PlannedCall[]): Approver | undefined {
  switch (human) {
    case "deny":
      return undefined;
    case "approve":
      return callbackApprover(() => ({ approved: true, by: "approve" }), "eval:approve");
    case "oracle":
      return callbackApprover(
        (request) => ({
          approved: reference.some((c) => c.tool === request.tool && jsonEqual(c.args, request.args)),
          by: "oracle",
        }),
        "eval:oracle",
      );
  }
}
