/**
 * The MCP gateway: a proxy between MCP clients and MCP servers that puts every `tools/call` through a Guard.
 * Loads the MCP SDK; the core entry point does not.
 */
export { type GatewayOptions, type HttpGateway, serveHttp, serveStdio } from "./gateway.js";
export { couldRun, ErrorCode, GatewaySession, type GatewaySessionOptions } from "./session.js";
export { DENIAL_META_KEY, denialResult, type DenialResult } from "./denial-result.js";
export { type BadLine, DEFAULT_MAX_MESSAGE_BYTES, StreamTransport } from "./stream-transport.js";
export {
  MANDATE_CLAIM,
  signMandateToken,
  type TokenCheck,
  type TokenPolicy,
  verifyMandateToken,
  withinPolicy,
} from "./token.js";
export {
  type ConnectOptions,
  connectUpstream,
  type UpstreamConnection,
  type UpstreamSpec,
} from "./upstream.js";
export {
  type ChainCheck,
  MAX_CHAIN_DEPTH,
  PARENT_CLAIM,
  signDelegatedToken,
  verifyMandateChain,
} from "./chain.js";
