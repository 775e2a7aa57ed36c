/** Measuring action alignment: suites, agents, scopes, metrics and reports (docs/eval.md). */
export type { InjectionTask, InjectionVector, PlannedCall, Suite, SuiteTool, UserTask } from "./suite.js";
export {
  type AgentKind,
  type CallRecord,
  type EpisodeOptions,
  type EpisodeResult,
  type EpisodeSession,
  injectionText,
  runEpisode,
  startEpisode,
} from "./episode.js";
export { approverFor, type Human, HUMANS } from "./human.js";
export {
  ALL_SCOPES,
  mandateForScope,
  type Scope,
  type ScopedTask,
  SCOPES,
  VERIFIER_SCOPE,
  withValueOrigin,
} from "./scope.js";
export { type ScopeMetrics, scopeMetrics, type VerifierFigures } from "./metrics.js";
export { type RunVerifier, verifierForRun } from "./verifier-scope.js";
export { type Evaluation, type EvaluationOptions, runEvaluation } from "./run.js";
export { renderHtml } from "./report/html.js";
export { progressBar, renderTable } from "./report/table.js";
export { BUILT_IN_SUITES, type BuiltInSuite, loadSuite } from "./suites/index.js";
export { LIVE_SYSTEM_PROMPT, type LiveOptions, liveOptionsFromEnv, runLiveEpisode } from "./agents/live.js";
export { type LiveEvaluationOptions, runLiveEvaluation } from "./agents/live-run.js";
export { parseTrace, runTrace, type Trace, TraceError, type TraceSummary } from "./trace.js";
export { evaluateInferred, type InferredSuiteFigures, withInferredMandates } from "./inferred.js";
