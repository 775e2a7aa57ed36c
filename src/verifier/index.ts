/** An optional verifier model: a second opinion after the mandate allowed a call, which can only narrow (docs/verifier.md). */
export {
  DEFAULT_VERIFIER_TIMEOUT_MS,
  type QuotedOutput,
  type Verifier,
  type VerifierAnswer,
  type VerifierFailureMode,
  VERIFIER_FAILURE_MODES,
  type VerifierRequest,
} from "./verifier.js";
export { createVerifierStage, type VerifierGrant, type VerifierStage, verifierVerdictOf } from "./stage.js";
export { Transcript, type TranscriptOptions } from "./transcript.js";
export { openAiVerifier, type OpenAiVerifierOptions } from "./openai.js";
export {
  parseVerifierAnswer,
  VERIFIER_ANSWER_SCHEMA,
  VERIFIER_SYSTEM_PROMPT,
  verifierMessage,
} from "./prompt.js";
export {
  outputOnlyValues,
  type ScriptedPolicy,
  type ScriptedVerifierServer,
  serveScriptedVerifier,
  type VerifierDocument,
} from "./scripted.js";
