import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface ListenOptions {
  readonly host?: string;
  readonly port?: number;
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/** Listens (127.0.0.1 unless told otherwise) and resolves once the port is open. */
export async function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  o: ListenOptions = {},
): Promise<RunningServer> {
  const host = o.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: (request) => app.fetch(request),
        hostname: host,
        port: o.port ?? 0,
        ...(o.tls === undefined
          ? {}
          : { createServer: createHttpsServer, serverOptions: { cert: o.tls.cert, key: o.tls.key } }),
      },
      (info: AddressInfo) => {
        const shown = host.includes(":") ? `[${host}]` : host;
        resolve({
          url: `${o.tls === undefined ? "http" : "https"}://${shown}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              if ("closeAllConnections" in server) server.closeAllConnections();
              server.close(() => done());
            }),
        });
      },
    );
    server.once("error", reject);
  });
}

/** The `Host` values a loopback server answers to (a page elsewhere cannot reach it through DNS rebinding). */
export function loopbackHosts(host: string, port: number): string[] | null {
  if (!LOOPBACK.includes(host)) return null;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}
