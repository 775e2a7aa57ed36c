import type { DeploymentCall } from "../guard/deployment.js";
import { type NullHandling, toCedarRecord } from "./cedar-value.js";
import type { CedarEntityUid, CedarValue } from "./cedar-wasm.js";

/** The Cedar request for one call, before the entities are added. */
export interface CedarCallRequest {
  readonly principal: CedarEntityUid;
  readonly action: CedarEntityUid;
  readonly resource: CedarEntityUid;
  readonly context: Readonly<Record<string, CedarValue>>;
}

export type CedarRequestResult =
  | { readonly ok: true; readonly request: CedarCallRequest }
  | { readonly ok: false; readonly path: string; readonly message: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The mandate's subject as a Cedar principal: `user:alice` → `User::"alice"` (the part before the first `:`, with
 * its first letter capitalised, when it is an identifier); any other subject `s` → `User::"s"`; no subject →
 * `Anonymous::""`.
 */
export function principalOf(subject: string | null): CedarEntityUid {
  if (subject === null) return { type: "Anonymous", id: "" };
  const colon = subject.indexOf(":");
  const kind = colon > 0 ? subject.slice(0, colon) : "";
  if (IDENTIFIER.test(kind))
    return { type: kind[0]!.toUpperCase() + kind.slice(1), id: subject.slice(colon + 1) };
  return { type: "User", id: subject };
}

/**
 * principal = the mandate's subject, action = `Action::"<tool>"`, resource = `Mandate::"<mandate id>"`, context =
 * `{ tool, args, mandate, session?, agent? }` with `args` converted by `toCedarValue`. An argument with no exact
 * Cedar value makes no request (the call is denied).
 */
export function cedarRequest(call: DeploymentCall, nulls: NullHandling = "refuse"): CedarRequestResult {
  const args = toCedarRecord(call.args, "", nulls);
  if (!args.ok) return { ok: false, path: args.path, message: args.message };
  const context: Record<string, CedarValue> = { tool: call.tool, args: args.value, mandate: call.mandate.id };
  if (call.session !== null) context.session = call.session;
  if (call.mandate.agent !== null) context.agent = call.mandate.agent;
  return {
    ok: true,
    request: {
      principal: principalOf(call.mandate.subject),
      action: { type: "Action", id: call.tool },
      resource: { type: "Mandate", id: call.mandate.id },
      context,
    },
  };
}
