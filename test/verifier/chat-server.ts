import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** What the scripted endpoint does with one request. */
export type Script =
  | { readonly verdict: "allow" | "escalate" | "block"; readonly reason: string }
  | { readonly content: string }
  | { readonly status: number }
  | { readonly delayMs: number; readonly then: Script };

export interface ChatServer {
  readonly baseUrl: string;
  /** The request bodies received, parsed. */
  readonly received: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A real Chat Completions endpoint on 127.0.0.1 answering each request with `next(body)`. */
export async function startChatServer(next: (body: Record<string, unknown>) => Script): Promise<ChatServer> {
  const received: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      received.push(body);
      const reply = (script: Script): void => {
        if ("delayMs" in script) {
          setTimeout(() => reply(script.then), script.delayMs);
          return;
        }
        if ("status" in script) {
          res.writeHead(script.status, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: "internal error" } }));
          return;
        }
        const content = "content" in script ? script.content : JSON.stringify(script);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "chatcmpl-1",
            object: "chat.completion",
            model: String(body.model),
            choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
          }),
        );
      };
      reply(next(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
