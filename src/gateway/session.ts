import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { ToolDefinition } from "../core/catalog.js";
import type { CompiledMandate } from "../core/compile.js";
import type { Guard } from "../guard/guard.js";
import { VERSION } from "../version.js";
import { denialResult } from "./denial-result.js";
import type { BadLine } from "./stream-transport.js";
import type { UpstreamConnection } from "./upstream.js";

/** JSON-RPC error codes the gateway answers with. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The upstream server is gone or did not answer in time. */
  UpstreamUnavailable: -32001,
} as const;

export interface GatewaySessionOptions {
  /** The client side: stdio, or one Streamable HTTP session. */
  readonly downstream: Transport;
  /** The servers behind the gateway, not started yet; with several, their tools are named `<name>__<tool>`. */
  readonly upstreams: readonly UpstreamConnection[];
  /**
   * The Guard of this session, made once the upstreams' tools are known (their input schemas become the catalog
   * calls are checked against).
   */
  createGuard(tools: readonly ToolDefinition[]): Guard;
  /** How long a forwarded request may take before the client gets an error. Default 60 s. */
  readonly callTimeoutMs?: number;
  /** Diagnostics for the operator (the gateway's stderr). */
  readonly log?: (line: string) => void;
  /** Called once, when the session has ended, with why. */
  readonly onClose?: (reason: string) => void;
}

interface Link {
  readonly index: number;
  readonly conn: UpstreamConnection;
  readonly prefix: string | null;
  /** Gateway id → what to do with the answer. */
  readonly pending: Map<RequestId, Pending>;
  nextId: number;
  alive: boolean;
  /** From its `initialize` answer. */
  capabilities: Record<string, unknown>;
}

interface Pending {
  resolve(message: JSONRPCMessage): void;
  reject(error: Error): void;
}

interface JsonRpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const SEPARATOR = "__";

/**
 * One client's session through the gateway: a JSON-RPC router between the client and the upstream servers.
 * `tools/call` goes through the Guard (a denied call never reaches a server); `tools/list` shows only the tools
 * the mandate could allow or ask for; everything else — resources, prompts, completions, logging, progress,
 * cancellation, and the servers' own requests to the client (sampling, elicitation, roots) — passes through with
 * its ids remapped, so what the gateway does not judge it does not break.
 */
export class GatewaySession {
  readonly #opts: GatewaySessionOptions;
  readonly #down: Transport;
  readonly #links: Link[];
  readonly #log: (line: string) => void;
  readonly #timeoutMs: number;
  /** Client request id → where it went, for cancellation. */
  readonly #inFlight = new Map<RequestId, { link: Link; id: RequestId }>();
  /** Gateway id (toward the client) → the upstream request it stands for. */
  readonly #serverRequests = new Map<RequestId, { link: Link; id: RequestId }>();
  #nextDownId = 0;
  /** The latest client request still open: server requests and notifications are related to it (HTTP routing). */
  readonly #openRequests: RequestId[] = [];
  #guard: Promise<Guard> | null = null;
  /** Tool name as the client sees it → its link and name upstream. */
  #routes = new Map<string, { link: Link; name: string; outputSchema: boolean }>();
  /** Resource URI → the link that listed it; prompt name → link and upstream name. */
  readonly #resourceOwners = new Map<string, Link>();
  readonly #promptRoutes = new Map<string, { link: Link; name: string }>();
  #initializeParams: Record<string, unknown> | null = null;
  #closed = false;

  constructor(opts: GatewaySessionOptions) {
    this.#opts = opts;
    this.#down = opts.downstream;
    this.#log = opts.log ?? (() => undefined);
    this.#timeoutMs = opts.callTimeoutMs ?? 60_000;
    const several = opts.upstreams.length > 1;
    this.#links = opts.upstreams.map((conn, index) => ({
      index,
      conn,
      prefix: several ? conn.spec.name : null,
      pending: new Map(),
      nextId: 0,
      alive: true,
      capabilities: {},
    }));
  }

  /** Starts the upstream connections, then the client's. */
  async start(): Promise<void> {
    for (const link of this.#links) {
      const t = link.conn.transport;
      t.onmessage = (message) => this.#fromUpstream(link, message);
      t.onerror = (error) => this.#log(`upstream \`${link.conn.spec.name}\`: ${error.message}`);
      t.onclose = () => this.#upstreamClosed(link);
      (t as { onbadline?: (bad: BadLine) => void }).onbadline = (bad) =>
        this.#log(
          `upstream \`${link.conn.spec.name}\` sent a bad message (${bad.kind}: ${bad.detail}); ignored`,
        );
      await t.start();
    }
    this.#down.onmessage = (message) => {
      void this.#fromClient(message);
    };
    this.#down.onerror = (error) => this.#log(`client: ${error.message}`);
    this.#down.onclose = () => void this.close("the client disconnected");
    (this.#down as { onbadline?: (bad: BadLine) => void }).onbadline = (bad) => this.#badClientLine(bad);
    await this.#down.start();
  }

  /** Ends the session: in-flight calls fail, upstream servers are told and closed. */
  async close(reason: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) {
      for (const [id, p] of link.pending) {
        p.reject(new RpcError(ErrorCode.UpstreamUnavailable, `the session ended: ${reason}`));
        if (link.alive)
          void this.#sendUp(link, notification("notifications/cancelled", { requestId: id, reason }));
      }
      link.pending.clear();
    }
    await Promise.allSettled(this.#links.map((l) => l.conn.close()));
    await this.#down.close().catch(() => undefined);
    this.#opts.onClose?.(reason);
  }

  // ---------------------------------------------------------------------------------------------------------
  // From the client

  async #fromClient(message: JSONRPCMessage): Promise<void> {
    if ("method" in message && "id" in message) {
      const request = message;
      this.#openRequests.push(request.id);
      try {
        const result = await this.#handle(request);
        await this.#sendDown({ jsonrpc: "2.0", id: request.id, result } as JSONRPCMessage, request.id);
      } catch (error) {
        const e = asRpcError(error);
        await this.#sendDown(
          {
            jsonrpc: "2.0",
            id: request.id,
            error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) },
          },
          request.id,
        );
      } finally {
        const at = this.#openRequests.lastIndexOf(request.id);
        if (at !== -1) this.#openRequests.splice(at, 1);
        this.#inFlight.delete(request.id);
      }
      return;
    }
    if ("method" in message) {
      this.#clientNotification(message);
      return;
    }
    // A response to a server's request: back to the server that asked, under its own id.
    if (message.id === undefined) {
      this.#log(`client sent an error without an id: ${JSON.stringify(message).slice(0, 200)}`);
      return;
    }
    const target = this.#serverRequests.get(message.id);
    if (target === undefined) {
      this.#log(`client answered an unknown request (${String(message.id)}); ignored`);
      return;
    }
    this.#serverRequests.delete(message.id);
    await this.#sendUp(target.link, { ...message, id: target.id } as JSONRPCMessage);
  }

  #badClientLine(bad: BadLine): void {
    this.#log(`client sent a bad message (${bad.kind}: ${bad.detail})`);
    const code = bad.kind === "not-json-rpc" ? ErrorCode.InvalidRequest : ErrorCode.ParseError;
    const message =
      bad.kind === "oversized"
        ? `message refused: ${bad.detail}`
        : `${bad.kind === "not-json" ? "parse error" : "invalid request"}: ${bad.detail}`;
    // JSON-RPC answers a message it cannot read with `id: null`.
    void this.#down
      .send({ jsonrpc: "2.0", id: bad.id ?? null, error: { code, message } } as unknown as JSONRPCMessage)
      .catch(() => undefined);
  }

  #clientNotification(n: JSONRPCNotification): void {
    if (n.method === "notifications/cancelled") {
      const requestId = (n.params as { requestId?: RequestId } | undefined)?.requestId;
      const target = requestId === undefined ? undefined : this.#inFlight.get(requestId);
      if (target !== undefined) {
        void this.#sendUp(target.link, notification(n.method, { ...n.params, requestId: target.id }));
      }
      return;
    }
    for (const link of this.#links) if (link.alive) void this.#sendUp(link, n);
  }

  async #handle(request: JSONRPCRequest): Promise<unknown> {
    const params = (request.params ?? {}) as Record<string, unknown>;
    switch (request.method) {
      case "initialize":
        return this.#initialize(request, params);
      case "ping":
        return this.#single() ? this.#forward(this.#links[0]!, request) : {};
      case "tools/list":
        return this.#listTools(params);
      case "tools/call":
        return this.#callTool(request, params);
      case "resources/list":
      case "resources/templates/list":
      case "prompts/list":
        return this.#single() ? this.#forward(this.#links[0]!, request) : this.#merged(request);
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe":
        return this.#forward(this.#ownerOfResource(String(params.uri ?? "")), request);
      case "prompts/get":
        return this.#getPrompt(request, params);
      case "completion/complete":
        return this.#complete(request, params);
      case "logging/setLevel":
        if (this.#single()) return this.#forward(this.#links[0]!, request);
        await Promise.all(this.#liveLinks("logging").map((l) => this.#forward(l, request)));
        return {};
      default:
        if (this.#single()) return this.#forward(this.#links[0]!, request);
        throw new RpcError(
          ErrorCode.MethodNotFound,
          `\`${request.method}\` is not supported across several servers`,
        );
    }
  }

  #single(): boolean {
    return this.#links.length === 1;
  }

  async #initialize(request: JSONRPCRequest, params: Record<string, unknown>): Promise<unknown> {
    this.#initializeParams = params;
    if (this.#single()) {
      const result = (await this.#forward(this.#links[0]!, request)) as Record<string, unknown>;
      this.#links[0]!.capabilities = (result.capabilities as Record<string, unknown> | undefined) ?? {};
      return result;
    }
    const results = await Promise.all(
      this.#links.map(async (link) => {
        const result = (await this.#forward(link, request)) as Record<string, unknown>;
        link.capabilities = (result.capabilities as Record<string, unknown> | undefined) ?? {};
        return result;
      }),
    );
    const capabilities: Record<string, unknown> = {};
    for (const key of ["tools", "resources", "prompts", "logging", "completions"]) {
      if (results.some((r) => (r.capabilities as Record<string, unknown> | undefined)?.[key] !== undefined)) {
        capabilities[key] = key === "tools" ? { listChanged: true } : {};
      }
    }
    const versions = new Set(results.map((r) => r.protocolVersion));
    const instructions = results
      .map((r, i) =>
        typeof r.instructions === "string" ? `${this.#links[i]!.conn.spec.name}: ${r.instructions}` : null,
      )
      .filter((s) => s !== null);
    return {
      protocolVersion: versions.size === 1 ? [...versions][0] : params.protocolVersion,
      capabilities,
      serverInfo: { name: "mandate-gateway", version: VERSION },
      ...(instructions.length > 0 ? { instructions: instructions.join("\n") } : {}),
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tools: the Guard's part

  /** Every tool of every live upstream, all pages, named as the client sees them. */
  async #allTools(): Promise<{ link: Link; tool: ToolDefinition & Record<string, unknown> }[]> {
    const all: { link: Link; tool: ToolDefinition & Record<string, unknown> }[] = [];
    for (const link of this.#liveLinks("tools")) {
      let cursor: unknown = undefined;
      for (let page = 0; page < 1000; page++) {
        const result = (await this.#request(link, "tools/list", cursor === undefined ? {} : { cursor })) as {
          tools?: (ToolDefinition & Record<string, unknown>)[];
          nextCursor?: unknown;
        };
        for (const tool of result.tools ?? []) all.push({ link, tool });
        cursor = result.nextCursor;
        if (cursor === undefined || cursor === null) break;
      }
    }
    return all;
  }

  async #refreshRoutes(): Promise<ToolDefinition[]> {
    const all = await this.#allTools();
    const routes = new Map<string, { link: Link; name: string; outputSchema: boolean }>();
    const tools: ToolDefinition[] = [];
    for (const { link, tool } of all) {
      const visible = link.prefix === null ? tool.name : `${link.prefix}${SEPARATOR}${tool.name}`;
      if (routes.has(visible)) continue; // a server listing a name twice: the first one stands
      routes.set(visible, { link, name: tool.name, outputSchema: tool.outputSchema !== undefined });
      tools.push({ ...tool, name: visible });
    }
    this.#routes = routes;
    return tools;
  }

  /** The session's Guard, made once from the first full tool listing. */
  #guardFor(): Promise<Guard> {
    this.#guard ??= this.#refreshRoutes().then((tools) => this.#opts.createGuard(tools));
    // A failed listing must not stick: the next call tries again (and is denied meanwhile).
    this.#guard.catch(() => {
      this.#guard = null;
    });
    return this.#guard;
  }

  async #listTools(params: Record<string, unknown>): Promise<unknown> {
    if (params.cursor !== undefined) return { tools: [] }; // one page: the gateway lists everything at once
    const guard = await this.#guardFor();
    const tools = await this.#refreshRoutes();
    return { tools: tools.filter((t) => couldRun(guard.mandate, t.name)) };
  }

  async #callTool(request: JSONRPCRequest, params: Record<string, unknown>): Promise<unknown> {
    let guard: Guard;
    try {
      guard = await this.#guardFor();
    } catch (error) {
      // Without the tools' schemas nothing can be checked: refuse, as a result the agent can read.
      return denialResult({
        denied: true,
        verdict: "deny",
        tool: String(params.name ?? ""),
        callId: String(request.id),
        delta: [],
        message: `The call was not run: the gateway could not list the servers' tools (${errorText(error)}).`,
      });
    }
    const name = typeof params.name === "string" ? params.name : "";
    const meta = params._meta;
    try {
      const outcome = await guard.run(
        { tool: name, args: params.arguments ?? {}, callId: `${String(request.id)}` },
        async (args) => {
          const route = this.#routes.get(name);
          if (route === undefined) throw new RpcError(ErrorCode.InvalidParams, `unknown tool \`${name}\``);
          const forwarded = {
            ...params,
            name: route.name,
            arguments: args,
            ...(meta === undefined ? {} : { _meta: meta }),
          };
          return this.#request(route.link, "tools/call", forwarded, request.id);
        },
      );
      if (!outcome.denied) return outcome.value;
      return denialResult(outcome, { toolHasOutputSchema: this.#routes.get(name)?.outputSchema === true });
    } catch (error) {
      // A server that crashed or hung: the agent gets a tool error it can read and the session goes on.
      if (error instanceof RpcError && error.code === ErrorCode.UpstreamUnavailable) {
        return {
          content: [{ type: "text", text: `The call to \`${name}\` failed: ${error.message}.` }],
          isError: true,
        };
      }
      throw error;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Resources, prompts, completions across several servers

  async #merged(request: JSONRPCRequest): Promise<unknown> {
    const key =
      request.method === "prompts/list"
        ? "prompts"
        : request.method === "resources/list"
          ? "resources"
          : "resourceTemplates";
    const capability = request.method === "prompts/list" ? "prompts" : "resources";
    const out: Record<string, unknown>[] = [];
    for (const link of this.#liveLinks(capability)) {
      let cursor: unknown = undefined;
      for (let page = 0; page < 1000; page++) {
        const result = (await this.#request(
          link,
          request.method,
          cursor === undefined ? {} : { cursor },
        )) as Record<string, unknown>;
        for (const item of (result[key] as Record<string, unknown>[] | undefined) ?? []) {
          if (key === "prompts") {
            const visible = `${link.prefix}${SEPARATOR}${String(item.name)}`;
            this.#promptRoutes.set(visible, { link, name: String(item.name) });
            out.push({ ...item, name: visible });
          } else {
            if (typeof item.uri === "string") this.#resourceOwners.set(item.uri, link);
            out.push(item);
          }
        }
        cursor = result.nextCursor;
        if (cursor === undefined || cursor === null) break;
      }
    }
    return { [key]: out };
  }

  #ownerOfResource(uri: string): Link {
    if (this.#single()) return this.#links[0]!;
    const owner = this.#resourceOwners.get(uri);
    if (owner !== undefined) return owner;
    const live = this.#liveLinks("resources");
    if (live.length === 1) return live[0]!;
    throw new RpcError(ErrorCode.InvalidParams, `unknown resource \`${uri}\`: list the resources first`);
  }

  async #getPrompt(request: JSONRPCRequest, params: Record<string, unknown>): Promise<unknown> {
    if (this.#single()) return this.#forward(this.#links[0]!, request);
    const route = this.#promptRoutes.get(String(params.name ?? ""));
    if (route === undefined)
      throw new RpcError(ErrorCode.InvalidParams, `unknown prompt \`${String(params.name)}\``);
    return this.#forward(route.link, { ...request, params: { ...params, name: route.name } });
  }

  async #complete(request: JSONRPCRequest, params: Record<string, unknown>): Promise<unknown> {
    if (this.#single()) return this.#forward(this.#links[0]!, request);
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    if (ref.type === "ref/prompt") {
      const route = this.#promptRoutes.get(String(ref.name ?? ""));
      if (route === undefined)
        throw new RpcError(ErrorCode.InvalidParams, `unknown prompt \`${String(ref.name)}\``);
      return this.#forward(route.link, {
        ...request,
        params: { ...params, ref: { ...ref, name: route.name } },
      });
    }
    return this.#forward(this.#ownerOfResource(String(ref.uri ?? "")), request);
  }

  #liveLinks(capability: string): Link[] {
    return this.#links.filter((l) => l.alive && l.capabilities[capability] !== undefined);
  }

  // ---------------------------------------------------------------------------------------------------------
  // To and from the upstream servers

  /** Sends the client's request to one server under a gateway id and resolves with the server's result. */
  async #forward(link: Link, request: JSONRPCRequest): Promise<unknown> {
    return this.#request(link, request.method, request.params, request.id);
  }

  #request(link: Link, method: string, params: unknown, clientId?: RequestId): Promise<unknown> {
    // Starting a server (its handshake and first listing) may take longer than a call is allowed to.
    const limit =
      method === "initialize" || clientId === undefined ? Math.max(this.#timeoutMs, 30_000) : this.#timeoutMs;
    if (!link.alive) {
      return Promise.reject(
        new RpcError(
          ErrorCode.UpstreamUnavailable,
          `the server \`${link.conn.spec.name}\` is not available: it ${link.conn.ended() ?? "closed its connection"}`,
        ),
      );
    }
    const id = `g${link.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        link.pending.delete(id);
        void this.#sendUp(
          link,
          notification("notifications/cancelled", {
            requestId: id,
            reason: "the gateway's time limit passed",
          }),
        );
        reject(
          new RpcError(
            ErrorCode.UpstreamUnavailable,
            `the server \`${link.conn.spec.name}\` did not answer \`${method}\` within ${limit} ms`,
          ),
        );
      }, limit);
      timer.unref?.();
      link.pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          if ("error" in message) {
            const e = message.error as JsonRpcError;
            reject(new RpcError(e.code, e.message, e.data));
          } else resolve((message as { result: unknown }).result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      if (clientId !== undefined) this.#inFlight.set(clientId, { link, id });
      const message = {
        jsonrpc: "2.0",
        id,
        method,
        ...(params === undefined ? {} : { params }),
      } as JSONRPCMessage;
      this.#sendUp(link, message).catch((error: unknown) => {
        link.pending
          .get(id)
          ?.reject(
            new RpcError(ErrorCode.UpstreamUnavailable, `could not reach the server: ${errorText(error)}`),
          );
        link.pending.delete(id);
      });
    });
  }

  #fromUpstream(link: Link, message: JSONRPCMessage): void {
    if (!("method" in message)) {
      if (message.id === undefined) {
        this.#log(
          `upstream \`${link.conn.spec.name}\` sent an error without an id: ${JSON.stringify(message).slice(0, 200)}`,
        );
        return;
      }
      const pending = link.pending.get(message.id);
      if (pending === undefined) return; // a late answer to a request that timed out or was cancelled
      link.pending.delete(message.id);
      pending.resolve(message);
      return;
    }
    const related = this.#openRequests.at(-1);
    if ("id" in message) {
      // The server asks the client (sampling, elicitation, roots): under a gateway id, answered back to it.
      const id = `s${this.#nextDownId++}`;
      this.#serverRequests.set(id, { link, id: message.id });
      void this.#sendDown({ ...message, id } as JSONRPCMessage, related);
      return;
    }
    if (message.method === "notifications/cancelled") {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      for (const [down, target] of this.#serverRequests) {
        if (target.link === link && target.id === requestId) {
          this.#serverRequests.delete(down);
          void this.#sendDown(notification(message.method, { ...message.params, requestId: down }), related);
        }
      }
      return;
    }
    if (message.method === "notifications/tools/list_changed") this.#guardStale();
    void this.#sendDown(message, related);
  }

  /** The tools changed: routes are rebuilt on the next listing or call (the Guard keeps its session). */
  #guardStale(): void {
    if (this.#guard === null) return;
    void this.#refreshRoutes().catch((error: unknown) =>
      this.#log(`could not refresh the tools: ${errorText(error)}`),
    );
  }

  #upstreamClosed(link: Link): void {
    if (!link.alive) return;
    link.alive = false;
    const why = `the server \`${link.conn.spec.name}\` ${link.conn.ended() ?? "closed its connection"}`;
    for (const p of link.pending.values()) p.reject(new RpcError(ErrorCode.UpstreamUnavailable, why));
    link.pending.clear();
    if (this.#closed) return;
    this.#log(why);
    if (this.#links.every((l) => !l.alive)) void this.#drainThenClose(why);
  }

  /** Lets the client's open requests get their answers (errors, by now) before the session ends. */
  async #drainThenClose(why: string): Promise<void> {
    for (let i = 0; i < 100 && this.#openRequests.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.close(why);
  }

  #sendUp(link: Link, message: JSONRPCMessage): Promise<void> {
    return link.conn.transport.send(message);
  }

  #sendDown(message: JSONRPCMessage, related?: RequestId): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#down
      .send(message, related === undefined ? undefined : { relatedRequestId: related })
      .catch((error: unknown) => this.#log(`could not answer the client: ${errorText(error)}`));
  }

  /** The client's `initialize` parameters, once it has sent them. */
  get clientInfo(): Record<string, unknown> | null {
    return this.#initializeParams;
  }
}

/** Whether the mandate could allow or ask for some call of `tool`: only those are shown to the client. */
export function couldRun(mandate: CompiledMandate, tool: string): boolean {
  const plan = mandate.planFor(tool);
  return plan.allow.length + plan.ask.length > 0;
}

function notification(method: string, params: unknown): JSONRPCMessage {
  return { jsonrpc: "2.0", method, params } as JSONRPCMessage;
}

function asRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  return new RpcError(ErrorCode.InternalError, `the gateway failed: ${errorText(error)}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
