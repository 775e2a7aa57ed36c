import type { Decision } from "../core/decision.js";
import type { DeploymentCall, DeploymentPolicy, DeploymentVerdict } from "../guard/deployment.js";
import { cedarRequest } from "./cedar-request.js";
import type { NullHandling } from "./cedar-value.js";
import { type CedarDetailedError, type CedarEntity, type CedarWasm, loadCedar } from "./cedar-wasm.js";

export interface CedarPolicyOptions {
  /** A Cedar schema (text or JSON): the policies are validated against it (strict), and so is every request. */
  readonly schema?: string | object;
  /** Entities the policies may refer to (Cedar's JSON entity format), e.g. the principal's groups. */
  readonly entities?: readonly CedarEntity[];
  /** Where the policies came from, for errors (`policies.cedar`). */
  readonly file?: string;
  /**
   * `refuse` (default): a call with a `null` anywhere in its arguments is denied, Cedar having no null. `omit`: a
   * `null` field is left out of its record, so `{ "note": null }` reads as `{}`.
   */
  readonly nulls?: NullHandling;
  /** Names the policy set in reasons and deltas. Default `cedar`. */
  readonly name?: string;
}

export interface CedarEvaluationError {
  /** The policy that failed, or `null` when the request itself could not be built or evaluated. */
  readonly policy: string | null;
  readonly message: string;
}

/**
 * What the policy set says of one call. `policies` are the determining ones: the permits that allowed it, the forbids
 * that denied it, or the policies that failed to evaluate. Any error denies, even when another permit would allow.
 */
export type CedarEvaluation =
  | { readonly verdict: "allow"; readonly policies: readonly string[]; readonly reason: string }
  | {
      readonly verdict: "deny";
      readonly cause: "forbid" | "no-permit" | "error";
      readonly policies: readonly string[];
      readonly errors: readonly CedarEvaluationError[];
      readonly reason: string;
    };

/** A Cedar policy set as a deployment policy for the Guard (`createGuard({ deployment })`). */
export interface CedarPolicy extends DeploymentPolicy {
  /** The ids of the policies: `@id("…")` when a policy has one, else `policy<N>` by position. */
  readonly policies: readonly string[];
  evaluate(call: DeploymentCall): CedarEvaluation;
}

/** A policy text, schema or entity list that Cedar does not accept: every problem, with file, line and column. */
export class CedarPolicyError extends Error {
  override name = "CedarPolicyError";
}

let sets = 0;

/**
 * Parses (once) a Cedar policy set that bounds every mandate: each call the mandate does not deny is asked of it as
 * principal = the mandate's subject, action = `Action::"<tool>"`, resource = `Mandate::"<id>"`, context = `{ tool,
 * args, mandate, session?, agent? }` (see docs/cedar.md). Loads `@cedar-policy/cedar-wasm` on first use. Throws
 * `CedarPolicyError` for policies, a schema or entities Cedar rejects.
 */
export function cedarPolicy(policiesText: string, opts: CedarPolicyOptions = {}): CedarPolicy {
  const cedar = loadCedar();
  const file = opts.file ?? "<cedar>";
  const name = opts.name ?? "cedar";
  const byId = splitPolicies(cedar, policiesText, file);
  const setId = `mandate:${process.pid}:${++sets}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: byId });
  if (parsed.type !== "success") throw new CedarPolicyError(describe(file, policiesText, parsed.errors));

  let schemaName: string | undefined;
  if (opts.schema !== undefined) {
    schemaName = `${setId}:schema`;
    const schema = cedar.preparseSchema(schemaName, opts.schema);
    if (schema.type !== "success") throw new CedarPolicyError(describe(`${file} schema`, "", schema.errors));
    const checked = cedar.validate({
      schema: opts.schema,
      policies: { staticPolicies: byId },
      validationSettings: { mode: "strict" },
    });
    if (checked.type !== "success") throw new CedarPolicyError(describe(file, policiesText, checked.errors));
    if (checked.validationErrors.length > 0) {
      throw new CedarPolicyError(
        checked.validationErrors
          .map((e) => `${file}: error: policy \`${e.policyId}\`: ${oneLine(e.error)}`)
          .join("\n"),
      );
    }
  }
  const entities = opts.entities ?? [];
  if (entities.length > 0) {
    const ok = cedar.checkParseEntities({
      entities,
      ...(opts.schema === undefined ? {} : { schema: opts.schema }),
    });
    if (ok.type !== "success") throw new CedarPolicyError(describe(`${file} entities`, "", ok.errors));
  }

  function evaluate(call: DeploymentCall): CedarEvaluation {
    const built = cedarRequest(call, opts.nulls ?? "refuse");
    if (!built.ok) {
      const at = built.path === "" ? "" : ` at \`${built.path}\``;
      return failed([
        { policy: null, message: `the arguments have no exact Cedar value${at}: ${built.message}` },
      ]);
    }
    let answer;
    try {
      answer = cedar.statefulIsAuthorized({
        ...built.request,
        entities,
        preparsedPolicySetId: setId,
        ...(schemaName === undefined ? {} : { preparsedSchemaName: schemaName, validateRequest: true }),
      });
    } catch (error) {
      return failed([{ policy: null, message: error instanceof Error ? error.message : String(error) }]);
    }
    if (answer.type !== "success") {
      return failed(answer.errors.map((e) => ({ policy: null, message: oneLine(e) })));
    }
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      return failed(diagnostics.errors.map((e) => ({ policy: e.policyId, message: oneLine(e.error) })));
    }
    const policies = [...diagnostics.reason];
    if (decision === "allow") {
      return { verdict: "allow", policies, reason: `permitted by ${list(policies)}` };
    }
    if (policies.length === 0) {
      return {
        verdict: "deny",
        cause: "no-permit",
        policies,
        errors: [],
        reason: "no Cedar policy permits it",
      };
    }
    return {
      verdict: "deny",
      cause: "forbid",
      policies,
      errors: [],
      reason: `forbidden by ${list(policies)}`,
    };
  }

  return {
    name,
    policies: Object.keys(byId),
    evaluate,
    check(call: DeploymentCall, _decision: Decision): DeploymentVerdict {
      const answer = evaluate(call);
      return { verdict: answer.verdict, reason: answer.reason, policies: answer.policies };
    },
  };
}

/** Any error denies (fail closed): a forbid that cannot be evaluated must not let the call through. */
function failed(errors: readonly CedarEvaluationError[]): CedarEvaluation {
  const policies = [...new Set(errors.flatMap((e) => (e.policy === null ? [] : [e.policy])))];
  const first = errors[0]!;
  const where = first.policy === null ? "" : `Cedar policy \`${first.policy}\`: `;
  return {
    verdict: "deny",
    cause: "error",
    policies,
    errors,
    reason: `failed closed: ${where}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ""}`,
  };
}

/** The policies by id: `@id("…")` when given (Cedar itself numbers them `policy0`, `policy1`, …). */
function splitPolicies(cedar: CedarWasm, text: string, file: string): Record<string, string> {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== "success") throw new CedarPolicyError(describe(file, text, parts.errors));
  if (parts.policy_templates.length > 0) {
    throw new CedarPolicyError(`${file}: error: templates (\`?principal\`, \`?resource\`) are not supported`);
  }
  const byId: Record<string, string> = {};
  for (const [i, policy] of parts.policies.entries()) {
    const id = annotatedId(policy) ?? `policy${i}`;
    if (Object.hasOwn(byId, id))
      throw new CedarPolicyError(`${file}: error: two policies have the id \`${id}\``);
    Object.defineProperty(byId, id, { value: policy, enumerable: true, writable: true, configurable: true });
  }
  return byId;
}

function annotatedId(policy: string): string | undefined {
  const head = /^[\s\S]*?\b(?:permit|forbid)\s*\(/.exec(policy)?.[0] ?? "";
  const match = /@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(head);
  if (match === null) return undefined;
  try {
    return JSON.parse(`"${match[1]!}"`) as string;
  } catch {
    return match[1];
  }
}

function describe(file: string, text: string, errors: readonly CedarDetailedError[]): string {
  return errors
    .map((e) => {
      const start = e.sourceLocations?.[0]?.start;
      return `${start === undefined || text === "" ? file : `${file}:${lineCol(text, start)}`}: error: ${oneLine(e)}`;
    })
    .join("\n");
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function oneLine(e: CedarDetailedError): string {
  return e.help ? `${e.message} (${e.help})` : e.message;
}

function list(ids: readonly string[]): string {
  return ids.length === 0 ? "no policy" : ids.map((id) => `\`${id}\``).join(", ");
}
