export type { InjectionTask, InjectionVector, PlannedCall, Suite, SuiteTool, UserTask } from "./suite.js";
export {
  type AgentKind,
  type CallRecord,
  type EpisodeOptions,
  type EpisodeResult,
  injectionText,
  runEpisode,
} from "./episode.js";
export { approverFor, type Human, HUMANS } from "./human.js";
export { mandateForScope, type Scope, SCOPES } from "./scope.js";
