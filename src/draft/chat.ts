/**
 * One request to an OpenAI-compatible Chat Completions endpoint (`POST {baseUrl}/chat/completions`), for the
 * drafter: no tools, one reply. The key is sent as `Authorization: Bearer <key>` and never recorded.
 */
export interface ChatOptions {
  /** The API root, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Per attempt, reading the reply included. Default 60 000. */
  readonly timeoutMs?: number;
  /** Retries after HTTP 429, 5xx, a network error or a timeout. Default 2. */
  readonly maxRetries?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

export interface ChatMessage {
  readonly role: "system" | "user";
  readonly content: string;
}

export type ChatReply =
  { readonly ok: true; readonly content: string } | { readonly ok: false; readonly error: string };

/** Sends the messages and returns the first choice's text. Never throws. */
export async function chatComplete(opts: ChatOptions, messages: readonly ChatMessage[]): Promise<ChatReply> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxRetries = opts.maxRetries ?? 2;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (opts.apiKey !== undefined && opts.apiKey !== "") headers.authorization = `Bearer ${opts.apiKey}`;
  const body = JSON.stringify({ model: opts.model, messages, temperature: 0 });
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  let failure = "no attempt";
  for (let attempt = 0; attempt <= maxRetries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await doFetch(url, { method: "POST", headers, body, signal: controller.signal });
      const text = await response.text();
      if (response.ok) return contentOf(text);
      failure = `HTTP ${response.status}${detail(text)}`;
      if (response.status !== 429 && response.status < 500) break;
    } catch (error) {
      failure = controller.signal.aborted
        ? `no reply within ${timeoutMs} ms`
        : `network error: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: false, error: `the model endpoint failed: ${failure}` };
}

function contentOf(text: string): ChatReply {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    return { ok: false, error: "the model endpoint's reply is not JSON" };
  }
  const choices = isObject(reply) ? reply.choices : undefined;
  const message = Array.isArray(choices) && isObject(choices[0]) ? choices[0].message : undefined;
  const content = isObject(message) ? message.content : undefined;
  if (typeof content !== "string")
    return { ok: false, error: "the reply has no `choices[0].message.content`" };
  return { ok: true, content };
}

function detail(text: string): string {
  let out = text.trim();
  try {
    const body: unknown = JSON.parse(text);
    const error = isObject(body) ? body.error : undefined;
    if (isObject(error) && typeof error.message === "string") out = error.message;
  } catch {
    // not JSON: the text itself
  }
  out = out.replace(/\s+/g, " ");
  if (out.length > 200) out = `${out.slice(0, 200)}…`;
  return out === "" ? "" : `: ${out}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
