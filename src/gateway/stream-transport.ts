import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** Default bound on one JSON-RPC message (one line): 16 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Why a line from the peer was not a message. The transport goes on with the next line. */
export interface BadLine {
  readonly kind: "oversized" | "not-json" | "not-json-rpc";
  readonly detail: string;
  /** The request id, when the line was JSON with an `id` (so the peer can be answered). */
  readonly id?: string | number;
}

/**
 * MCP's stdio framing (one JSON-RPC message per line) over any pair of streams: the gateway's own stdin/stdout,
 * or a child server's stdout/stdin. Unlike a plain reader it bounds a line's size and reports each bad line
 * (`onbadline`) without losing the good ones around it: a peer that sends garbage is answered, not trusted.
 */
export class StreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onbadline?: (bad: BadLine) => void;

  readonly #input: Readable;
  readonly #output: Writable;
  readonly #max: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #skipping = false;
  #closed = false;

  constructor(input: Readable, output: Writable, options: { maxMessageBytes?: number } = {}) {
    this.#input = input;
    this.#output = output;
    this.#max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  start(): Promise<void> {
    this.#input.on("data", this.#onData);
    this.#input.on("error", this.#onError);
    this.#input.on("end", this.#onEnd);
    this.#output.on("error", this.#onError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the transport is closed"));
    // Write errors reach `onerror` through the stream's one error listener (a listener per send would pile up);
    // back-pressure is honoured by waiting for `drain`.
    const line = `${JSON.stringify(message)}\n`;
    if (this.#output.write(line)) return Promise.resolve();
    return new Promise((resolve) => this.#output.once("drain", () => resolve()));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#input.off("data", this.#onData);
    this.#input.off("error", this.#onError);
    this.#input.off("end", this.#onEnd);
    this.#chunks = [];
    this.onclose?.();
    return Promise.resolve();
  }

  readonly #onError = (error: Error): void => {
    this.onerror?.(error);
  };

  readonly #onEnd = (): void => {
    void this.close();
  };

  readonly #onData = (chunk: Buffer | string): void => {
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = data.indexOf(10);
      if (nl === -1) {
        this.#take(data);
        return;
      }
      this.#take(data.subarray(0, nl));
      this.#endLine();
      data = data.subarray(nl + 1);
    }
  };

  #take(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#size + part.length > this.#max) {
      // Drop what we have and everything up to the next newline: never buffer a line without bound.
      this.#chunks = [];
      this.#size = 0;
      this.#skipping = true;
      this.onbadline?.({ kind: "oversized", detail: `a message longer than ${this.#max} bytes` });
      return;
    }
    this.#chunks.push(part);
    this.#size += part.length;
  }

  #endLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    const line = Buffer.concat(this.#chunks).toString("utf8").replace(/\r$/, "");
    this.#chunks = [];
    this.#size = 0;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.onbadline?.({ kind: "not-json", detail: error instanceof Error ? error.message : String(error) });
      return;
    }
    const problem = jsonRpcProblem(value);
    if (problem !== null) {
      const id = (value as { id?: unknown } | null)?.id;
      this.onbadline?.({
        kind: "not-json-rpc",
        detail: problem,
        ...(typeof id === "string" || typeof id === "number" ? { id } : {}),
      });
      return;
    }
    this.onmessage?.(value as JSONRPCMessage);
  }
}

/**
 * Why a parsed line is not a JSON-RPC 2.0 message, or `null` when it is one: a request (`method`, `id`), a
 * notification (`method`, no `id`), or a response (`id`, and `result` or an `error` with a numeric `code` and a
 * `message`). The structural check the gateway needs on every message, without a schema library on the hot path;
 * the parameters of what the gateway judges (`tools/call`) are checked where they are used.
 */
export function jsonRpcProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON-RPC object";
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") return '`jsonrpc` must be "2.0"';
  const hasId = "id" in m;
  if (hasId && typeof m.id !== "string" && !(typeof m.id === "number" && Number.isInteger(m.id))) {
    return "`id` must be a string or an integer";
  }
  if ("method" in m) {
    if (typeof m.method !== "string") return "`method` must be a string";
    if ("params" in m && (typeof m.params !== "object" || m.params === null))
      return "`params` must be an object";
    return null;
  }
  if (!hasId) return "a message needs a `method` or an `id`";
  if ("result" in m)
    return typeof m.result === "object" && m.result !== null ? null : "`result` must be an object";
  const e = m.error as Record<string, unknown> | undefined;
  if (typeof e === "object" && e !== null && typeof e.code === "number" && typeof e.message === "string")
    return null;
  return "a response needs a `result` or an `error` with `code` and `message`";
}
