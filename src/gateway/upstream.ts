import { type ChildProcess, spawn } from "node:child_process";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { StreamTransport } from "./stream-transport.js";

/** One MCP server behind the gateway: a command it starts (stdio) or a Streamable HTTP URL. */
export interface UpstreamSpec {
  /** Prefix of its tools (`<name>__<tool>`) when the gateway fronts several servers. */
  readonly name: string;
  readonly command?: string;
  readonly args?: readonly string[];
  /** Added to the small default environment MCP clients pass (PATH, HOME, …), never the gateway's whole one. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly url?: string;
  /** Sent with every HTTP request (e.g. the server's own credentials). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A live connection to an upstream server. */
export interface UpstreamConnection {
  readonly spec: UpstreamSpec;
  readonly transport: Transport;
  /** Why the connection ended, in words (`exited with code 1`), once it has. */
  readonly ended: () => string | null;
  /** Ends it: closes the transport and stops the process. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly maxMessageBytes?: number;
  /** Where a child server's stderr goes: the gateway's stderr (default) or nowhere. */
  readonly stderr?: "inherit" | "ignore";
}

/** Starts (stdio) or opens (HTTP) the connection; `transport.start()` is the caller's. */
export function connectUpstream(spec: UpstreamSpec, options: ConnectOptions = {}): UpstreamConnection {
  if (spec.url !== undefined) {
    const transport = new StreamableHTTPClientTransport(new URL(spec.url), {
      requestInit: { headers: { ...spec.headers } },
    });
    let ended: string | null = null;
    const previous = transport.onclose;
    transport.onclose = () => {
      ended ??= "the HTTP connection closed";
      previous?.();
    };
    return {
      spec,
      transport,
      ended: () => ended,
      async close() {
        ended ??= "closed by the gateway";
        await transport.terminateSession().catch(() => undefined);
        await transport.close();
      },
    };
  }
  if (spec.command === undefined) throw new Error(`upstream \`${spec.name}\`: give a command or a url`);
  const child: ChildProcess = spawn(spec.command, [...(spec.args ?? [])], {
    env: { ...getDefaultEnvironment(), ...spec.env },
    cwd: spec.cwd,
    stdio: ["pipe", "pipe", options.stderr ?? "inherit"],
    windowsHide: true,
  });
  let ended: string | null = null;
  child.on("error", (error) => {
    ended ??= `could not start \`${spec.command}\`: ${error.message}`;
    void transport.close();
  });
  child.on("exit", (code, signal) => {
    ended ??= signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
  });
  const transport = new StreamTransport(child.stdout!, child.stdin!, {
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
  });
  // A write to a dead child must not crash the gateway; the close path reports it.
  child.stdin!.on("error", () => undefined);
  return {
    spec,
    transport,
    ended: () => ended,
    async close() {
      ended ??= "closed by the gateway";
      await transport.close();
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
        timer.unref();
        await new Promise<void>((resolve) => child.once("exit", () => resolve()));
        clearTimeout(timer);
      }
    },
  };
}
