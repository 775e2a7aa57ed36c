import { createRequire } from "node:module";

/**
 * The part of `@cedar-policy/cedar-wasm` Mandate uses, typed here so that the package stays an optional peer: its
 * types are not needed to compile against Mandate, and it is loaded only when a Cedar feature is used.
 */
export type CedarValue =
  | boolean
  | number
  | string
  | readonly CedarValue[]
  | { readonly [key: string]: CedarValue }
  | { readonly __extn: { readonly fn: string; readonly arg: string } };

export interface CedarEntityUid {
  readonly type: string;
  readonly id: string;
}

/** An entity in Cedar's JSON entity format (`uid`, `attrs`, `parents`). */
export interface CedarEntity {
  readonly uid: CedarEntityUid;
  readonly attrs: Readonly<Record<string, CedarValue>>;
  readonly parents: readonly CedarEntityUid[];
}

export interface CedarDetailedError {
  readonly message: string;
  readonly help?: string | null;
  readonly sourceLocations?: readonly { readonly start: number; readonly end: number }[];
}

export type CedarAnswer =
  | {
      readonly type: "success";
      readonly response: {
        readonly decision: "allow" | "deny";
        readonly diagnostics: {
          readonly reason: readonly string[];
          readonly errors: readonly { readonly policyId: string; readonly error: CedarDetailedError }[];
        };
      };
    }
  | { readonly type: "failure"; readonly errors: readonly CedarDetailedError[] };

export type CedarParseAnswer =
  { readonly type: "success" } | { readonly type: "failure"; readonly errors: readonly CedarDetailedError[] };

export interface CedarRequest {
  readonly principal: CedarEntityUid;
  readonly action: CedarEntityUid;
  readonly resource: CedarEntityUid;
  readonly context: Readonly<Record<string, CedarValue>>;
  readonly entities: readonly CedarEntity[];
}

export interface CedarWasm {
  getCedarVersion(): string;
  policySetTextToParts(text: string):
    | {
        readonly type: "success";
        readonly policies: readonly string[];
        readonly policy_templates: readonly string[];
      }
    | { readonly type: "failure"; readonly errors: readonly CedarDetailedError[] };
  preparsePolicySet(id: string, policies: { staticPolicies: Record<string, string> }): CedarParseAnswer;
  preparseSchema(name: string, schema: string | object): CedarParseAnswer;
  checkParseEntities(call: {
    entities: readonly CedarEntity[];
    schema?: string | object | null;
  }): CedarParseAnswer;
  statefulIsAuthorized(
    call: CedarRequest & {
      readonly preparsedPolicySetId: string;
      readonly preparsedSchemaName?: string;
      readonly validateRequest?: boolean;
    },
  ): CedarAnswer;
  validate(call: {
    schema: string | object;
    policies: { staticPolicies: Record<string, string> };
    validationSettings?: { mode: "strict" };
  }):
    | {
        readonly type: "success";
        readonly validationErrors: readonly {
          readonly policyId: string;
          readonly error: CedarDetailedError;
        }[];
      }
    | { readonly type: "failure"; readonly errors: readonly CedarDetailedError[] };
}

/** The Cedar feature is used without its optional peer installed. */
export class CedarUnavailableError extends Error {
  override name = "CedarUnavailableError";
}

let loaded: CedarWasm | null = null;

/**
 * Loads `@cedar-policy/cedar-wasm` (its Node build, which reads the wasm synchronously) on first use. Nothing else in
 * Mandate requires it, so installing it is needed only for Cedar deployment policies.
 */
export function loadCedar(): CedarWasm {
  if (loaded !== null) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = require("@cedar-policy/cedar-wasm/nodejs") as CedarWasm;
  } catch (error) {
    throw new CedarUnavailableError(
      `Cedar policies need the optional package \`@cedar-policy/cedar-wasm\` (npm install @cedar-policy/cedar-wasm): ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  return loaded;
}
