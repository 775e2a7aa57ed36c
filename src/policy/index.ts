// `mandate/policy`: a Cedar policy set as the deployment bound of every mandate, and mandates exported to Cedar.
// Needs the optional peer `@cedar-policy/cedar-wasm`, loaded on first use.
export {
  cedarPolicy,
  type CedarEvaluation,
  type CedarEvaluationError,
  type CedarPolicy,
  CedarPolicyError,
  type CedarPolicyOptions,
} from "./cedar.js";
export {
  type CedarExport,
  type CedarExportNote,
  type CedarExportOptions,
  exportCedar,
} from "./cedar-export.js";
export { cedarRequest, type CedarCallRequest, principalOf } from "./cedar-request.js";
export { type NullHandling, toCedarValue } from "./cedar-value.js";
export {
  type CedarEntity,
  type CedarEntityUid,
  type CedarValue,
  CedarUnavailableError,
} from "./cedar-wasm.js";
export type { DeploymentCall, DeploymentPolicy, DeploymentVerdict } from "../guard/deployment.js";
