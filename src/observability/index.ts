// Observability of the Guard: OpenTelemetry traces and metrics, loaded only when asked for and installed.
export { NO_TELEMETRY, openTelemetry, type OpenTelemetryOptions, TELEMETRY_NAMES } from "./open-telemetry.js";
