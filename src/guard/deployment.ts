import type { CheckedCall } from "../core/decide.js";
import type { AuthorityDeltaItem, Decision } from "../core/decision.js";

/** What a deployment policy sees of one call: the checked arguments and whose mandate it runs under. */
export interface DeploymentCall {
  readonly tool: string;
  /** The frozen copy of the arguments the mandate was checked on: the tool receives exactly these. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly callId: string;
  readonly session: string | null;
  readonly mandate: {
    readonly id: string;
    readonly subject: string | null;
    readonly agent: string | null;
    readonly task: string | null;
  };
}

/** The deployment's answer. `policies` names the policies that determined it (or that failed to evaluate). */
export type DeploymentVerdict =
  | { readonly verdict: "allow"; readonly reason: string; readonly policies: readonly string[] }
  | { readonly verdict: "deny"; readonly reason: string; readonly policies: readonly string[] };

/**
 * An organisation's bound on every mandate (e.g. a Cedar policy set, `cedarPolicy` in `mandate/policy`). Consulted
 * after the mandate, only for calls the mandate does not deny: the final verdict is the intersection, so a deployment
 * can refuse what a mandate grants but never grant what it refuses. Must be synchronous and must not throw; if it
 * throws, the call is denied (fail closed).
 */
export interface DeploymentPolicy {
  /** Names the policy in reasons (`cedar`). */
  readonly name: string;
  check(call: DeploymentCall, decision: Decision): DeploymentVerdict;
}

/** The mandate's decision bounded by the deployment: a deployment `deny` turns any verdict into `deny`. */
export function withinDeployment(
  own: CheckedCall,
  policy: DeploymentPolicy,
  call: DeploymentCall,
): CheckedCall {
  const d = own.decision;
  if (d.verdict === "deny") return own;
  const answer = policy.check(call, d);
  if (answer.verdict === "allow") return own;
  const named = answer.policies.length === 0 ? "" : ` (${answer.policies.map((p) => `\`${p}\``).join(", ")})`;
  const item: AuthorityDeltaItem = {
    kind: "policy",
    path: "",
    exercised: d.tool,
    granted: { deployment: policy.name, policies: [...answer.policies] },
    message: `the deployment policy \`${policy.name}\`${named} refuses this call of \`${d.tool}\`: ${answer.reason}`,
  };
  const { escalation: _escalation, ...rest } = d;
  return {
    decision: {
      ...rest,
      verdict: "deny",
      delta: [item],
      rule: null,
      charges: [],
      reason: item.message,
    },
    args: own.args,
  };
}
