/**
 * Provenance: where the values of a tool call's arguments came from. An {@link ObservationLog} records what a
 * session saw (user messages, the mandate, tool outputs) with its trust; {@link findValue} says in which sources
 * an argument value appears, and {@link overlap} which untrusted or sensitive sources flow into an outgoing
 * text. Pure: no I/O. See docs/provenance.md.
 */
export {
  DEFAULT_MAX_CHARS,
  ObservationLog,
  type ObservationLogOptions,
  type ObserveReport,
  type Source,
  type SourceKind,
  type SourceRef,
  type Trust,
} from "./source.js";
export { type Attributed, type Finding, findValue, type Unattributable } from "./match.js";
export {
  DEFAULT_MIN_PIECE,
  DEFAULT_MIN_RUN,
  DEFAULT_MIN_SHARE,
  type Flow,
  type FlowReport,
  overlap,
  type OverlapOptions,
  SEED_LIMIT,
} from "./flow.js";
export {
  normaliseText,
  normaliseValue,
  type NormalisedValue,
  numberKey,
  tokens,
  type UnattributableReason,
  type ValueKind,
} from "./normalise.js";
