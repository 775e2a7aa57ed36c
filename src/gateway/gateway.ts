import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable, Writable } from "node:stream";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createCatalog, type ToolDefinition } from "../core/catalog.js";
import { compile } from "../core/compile.js";
import type { Mandate } from "../core/mandate.js";
import type { Approver } from "../guard/approver.js";
import type { AuditRecord } from "../guard/audit-record.js";
import type { DeploymentPolicy } from "../guard/deployment.js";
import type { GuardMonitor } from "../guard/monitor-hook.js";
import { createGuard, type Guard, type GuardTimeouts } from "../guard/guard.js";
import type { AuditLog, BudgetStore } from "../guard/ports.js";
import { GatewaySession } from "./session.js";
import { DEFAULT_MAX_MESSAGE_BYTES, StreamTransport } from "./stream-transport.js";
import { type TokenPolicy, verifyMandateToken } from "./token.js";
import { connectUpstream, type UpstreamSpec } from "./upstream.js";

/** What every gateway session shares. */
export interface GatewayOptions {
  /**
   * The mandate every session runs under; with `tokens`, the deployment policy that each session's own mandate
   * (presented as a signed token) must stay within.
   */
  readonly mandate: Mandate;
  /** The servers behind the gateway. With several, their tools are named `<name>__<tool>`. */
  readonly upstreams: readonly UpstreamSpec[];
  readonly audit: AuditLog;
  readonly budgets: BudgetStore;
  /** Who answers `ask`: never the client's pipe. Without one, `ask` is denied. */
  readonly approver?: Approver;
  /** A deployment policy outside the mandate language (e.g. Cedar, `mandate/policy`) every call must also pass. */
  readonly deployment?: DeploymentPolicy;
  /** Runtime monitors shared by every session (alerts, circuit breakers; `mandate/monitor`). */
  readonly monitors?: GuardMonitor;
  /** Per-session mandates as signed tokens (HTTP only). */
  readonly tokens?: TokenPolicy;
  /** A forwarded request's time limit. Default 60 s. */
  readonly callTimeoutMs?: number;
  /** The largest JSON-RPC message accepted from either side. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  readonly timeouts?: GuardTimeouts;
  /** Diagnostics for the operator (default: nowhere). */
  readonly log?: (line: string) => void;
  /** Where child servers' stderr goes. Default: the gateway's stderr. */
  readonly upstreamStderr?: "inherit" | "ignore";
}

function guardFor(
  opts: GatewayOptions,
  mandate: Mandate,
  session: string,
  tools: readonly ToolDefinition[],
): Guard {
  const catalog = createCatalog(tools);
  return createGuard({
    mandate: compile(mandate, { catalog }),
    // A session's own mandate (from a token) runs within the deployment policy: both must allow each call.
    ...(mandate === opts.mandate ? {} : { bound: compile(opts.mandate, { catalog }) }),
    ...(opts.deployment === undefined ? {} : { deployment: opts.deployment }),
    ...(opts.monitors === undefined ? {} : { monitors: opts.monitors }),
    audit: opts.audit,
    budgets: opts.budgets,
    session,
    ...(opts.approver === undefined ? {} : { approver: opts.approver }),
    ...(opts.timeouts === undefined ? {} : { timeouts: opts.timeouts }),
    ...(opts.log === undefined ? {} : { onError: (e, stage) => opts.log!(`${stage}: ${e.message}`) }),
  });
}

function openSession(
  opts: GatewayOptions,
  downstream: ConstructorParameters<typeof GatewaySession>[0]["downstream"],
  mandate: Mandate,
  session: string,
  onClose?: (reason: string) => void,
): GatewaySession {
  return new GatewaySession({
    downstream,
    upstreams: opts.upstreams.map((spec) =>
      connectUpstream(spec, {
        ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
        ...(opts.upstreamStderr === undefined ? {} : { stderr: opts.upstreamStderr }),
      }),
    ),
    createGuard: (tools) => guardFor(opts, mandate, session, tools),
    ...(opts.callTimeoutMs === undefined ? {} : { callTimeoutMs: opts.callTimeoutMs }),
    ...(opts.log === undefined ? {} : { log: opts.log }),
    ...(onClose === undefined ? {} : { onClose }),
  });
}

/**
 * A gateway on a pair of streams (the process's stdin/stdout by default): one session, one set of upstream
 * servers. Resolves with the reason once the session has ended.
 */
export async function serveStdio(
  opts: GatewayOptions,
  io: { input?: Readable; output?: Writable } = {},
): Promise<string> {
  const transport = new StreamTransport(io.input ?? process.stdin, io.output ?? process.stdout, {
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
  return new Promise<string>((resolve, reject) => {
    const session = openSession(opts, transport, opts.mandate, `stdio-${randomUUID()}`, resolve);
    session.start().catch(reject);
  });
}

/** A running HTTP gateway. */
export interface HttpGateway {
  /** `http://127.0.0.1:PORT/mcp` */
  readonly url: string;
  readonly server: Server;
  /** Sessions open now. */
  readonly sessions: () => number;
  /** Stops accepting, ends every session (their servers are closed). */
  close(): Promise<void>;
}

/**
 * A gateway over Streamable HTTP: each client session gets its own upstream connections and its own Guard (with
 * `tokens`, its own mandate). Binds to 127.0.0.1 unless told otherwise.
 */
export async function serveHttp(
  opts: GatewayOptions,
  listen: { host?: string; port?: number; path?: string } = {},
): Promise<HttpGateway> {
  const host = listen.host ?? "127.0.0.1";
  const path = listen.path ?? "/mcp";
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const policy = compile(opts.mandate);
  let loopbackHosts: string[] | null = null;
  const sessions = new Map<
    string,
    { transport: StreamableHTTPServerTransport; session: GatewaySession; token: string | null }
  >();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname !== path) return reply(res, 404, { error: `not found: use ${path}` });
    const sessionId = header(req, "mcp-session-id");
    const token = bearer(req);
    let body: unknown = undefined;
    if (req.method === "POST") {
      const read = await readBody(req, maxBytes);
      if (!read.ok) {
        return reply(res, read.status, {
          jsonrpc: "2.0",
          id: null,
          error: { code: read.code, message: read.message },
        });
      }
      body = read.value;
    }
    if (sessionId !== undefined) {
      const open = sessions.get(sessionId);
      if (open === undefined) {
        return reply(res, 404, {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32001, message: "unknown or ended session" },
        });
      }
      // The token is bound to the session it opened: another token cannot ride on it.
      if (opts.tokens !== undefined && token !== open.token) {
        await auditRefusal(opts, req, "the request's token is not the one that opened this session");
        return unauthorized(res, "the token does not match this session");
      }
      return open.transport.handleRequest(req, res, body);
    }
    if (req.method !== "POST" || !isInitialize(body)) {
      return reply(res, 400, {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32000, message: "no session: start with an initialize request" },
      });
    }
    let mandate: Mandate = opts.mandate;
    if (opts.tokens !== undefined) {
      const checked = await verifyMandateToken(token, opts.tokens, policy);
      if (!checked.ok) {
        await auditRefusal(opts, req, checked.reason);
        return unauthorized(res, checked.reason);
      }
      mandate = checked.mandate;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // On loopback, only loopback Host headers: a web page cannot reach the gateway through DNS rebinding.
      ...(loopbackHosts === null ? {} : { enableDnsRebindingProtection: true, allowedHosts: loopbackHosts }),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, session, token: token ?? null });
      },
    });
    const id = `http-${randomUUID()}`;
    const session = openSession(opts, transport, mandate, id, () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    });
    await session.start();
    await transport.handleRequest(req, res, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      opts.log?.(`http: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent)
        reply(res, 500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: "gateway error" } });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  loopbackHosts = ["127.0.0.1", "localhost", "::1"].includes(host)
    ? [`127.0.0.1:${address.port}`, `localhost:${address.port}`, `[::1]:${address.port}`]
    : null;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    server,
    sessions: () => sessions.size,
    async close() {
      await Promise.allSettled(
        [...sessions.values()].map((s) => s.session.close("the gateway is shutting down")),
      );
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearer(req: IncomingMessage): string | undefined {
  const auth = header(req, "authorization");
  const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return match?.[1];
}

function isInitialize(body: unknown): boolean {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  return (
    typeof first === "object" && first !== null && (first as { method?: unknown }).method === "initialize"
  );
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function unauthorized(res: ServerResponse, reason: string): void {
  res
    .writeHead(401, {
      "content-type": "application/json",
      // A header holds visible ASCII only: the reason in full is in the body.
      "www-authenticate": `Bearer error="invalid_token", error_description="${reason.replace(/[^\x20-\x7e]|["\\]/g, "'")}"`,
    })
    .end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32001, message: `unauthorized: ${reason}` },
      }),
    );
}

type BodyRead = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

function readBody(req: IncomingMessage, max: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on("error", () =>
      resolve({ ok: false, status: 400, code: -32700, message: "the request body could not be read" }),
    );
    req.on("end", () => {
      if (over) {
        resolve({
          ok: false,
          status: 413,
          code: -32600,
          message: `message refused: longer than ${max} bytes`,
        });
        return;
      }
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown });
      } catch (error) {
        resolve({
          ok: false,
          status: 400,
          code: -32700,
          message: `parse error: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    });
  });
}

/** A refused session is audited like a refused call: one decision record, nothing run. */
async function auditRefusal(opts: GatewayOptions, req: IncomingMessage, reason: string): Promise<void> {
  const record: AuditRecord = {
    event: "decision",
    time: new Date().toISOString(),
    mandateId: opts.mandate.id,
    subject: null,
    agent: null,
    session: null,
    callId: `session-${randomUUID()}`,
    tool: "gateway.session",
    args: { remote: req.socket.remoteAddress ?? null, userAgent: header(req, "user-agent") ?? null },
    verdict: "deny",
    effect: "deny",
    mode: "enforce",
    delta: [{ kind: "scope", path: "", exercised: null, message: reason }],
    rule: null,
    reason: `session refused: ${reason}`,
    approval: null,
    outcome: "not_run",
    error: null,
    latencyMs: 0,
  };
  try {
    await opts.audit.append(record);
  } catch (error) {
    opts.log?.(`audit: ${error instanceof Error ? error.message : String(error)}`);
  }
}
