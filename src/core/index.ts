/** The pure core: the mandate language, its loader and the compiled decider. No I/O. */
export type {
  Mandate,
  Rule,
  Constraint,
  ArgumentConstraint,
  Budget,
  PathForm,
  UrlForm,
  EmailForm,
  FlowRule,
} from "./mandate.js";
export type { ToolCall } from "./call.js";
export type {
  AuthorityDelta,
  AuthorityDeltaItem,
  BudgetCharge,
  Decision,
  DeltaKind,
  RuleEffect,
  RuleRef,
  Verdict,
} from "./decision.js";
export {
  type Catalog,
  type CatalogTool,
  CatalogError,
  createCatalog,
  parseCatalog,
  type SchemaFailure,
  type ToolAnnotations,
  type ToolDefinition,
} from "./catalog.js";
export {
  type LoadOptions,
  loadMandate,
  type MandateLoadResult,
  parseMandate,
  validateMandate,
} from "./load.js";
export { compile, type CompiledMandate, type CompileOptions } from "./compile.js";
export { budgetItem, type CheckedCall, checkCall, decide, type DecideContext } from "./decide.js";
export { formatIssue, MandateError, type MandateIssue } from "./issue.js";
export { ARGUMENT_LIMITS, snapshotArgs } from "./args.js";
export { mandateSchema } from "./mandate-schema.js";
export {
  DEFAULT_MAX_CHARS,
  type Finding,
  findValue,
  type Flow,
  type FlowReport,
  ObservationLog,
  type ObservationLogOptions,
  overlap,
  type OverlapOptions,
  type Source,
  type SourceKind,
  type SourceRef,
  type Trust,
} from "./provenance/index.js";
export {
  atLeast,
  LINT_RULE_IDS,
  LINT_RULES,
  type LintFinding,
  type LintOptions,
  type LintRuleId,
  type LintRuleInfo,
  type LintSeverity,
  lintMandate,
} from "./lint.js";
export { type SarifLog, type SarifOptions, toSarif } from "./lint-sarif.js";
export {
  type EmailMode,
  type InferNote,
  type InferOptions,
  type InferResult,
  inferMandate,
  type NumberMode,
  type ObservedCall,
  type PathMode,
  type StringMode,
  type UrlMode,
} from "./infer.js";
export {
  type ArgumentUse,
  type OverPrivilegeReport,
  reportOverPrivilege,
  type RuleUse,
} from "./over-privilege.js";
export { attenuate, type AttenuateOptions, type Attenuation, type AttenuationGap } from "./attenuate.js";
export { proposeUpdate, type UpdateProposal } from "./update.js";
