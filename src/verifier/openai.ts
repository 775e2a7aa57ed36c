import {
  parseVerifierAnswer,
  VERIFIER_ANSWER_SCHEMA,
  VERIFIER_SYSTEM_PROMPT,
  verifierMessage,
} from "./prompt.js";
import type { Verifier, VerifierAnswer, VerifierFailureMode, VerifierRequest } from "./verifier.js";

export interface OpenAiVerifierOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer <key>`; never recorded. */
  readonly apiKey?: string;
  /** One answer, reading the reply included; later is a failure. Default 10 000. */
  readonly timeoutMs?: number;
  /** What an HTTP error, a malformed or a late reply means for the call. Default `escalate`. */
  readonly onFailure?: VerifierFailureMode;
  /**
   * How the strict answer format is asked for: `json_schema` (default; OpenAI, vLLM, llama.cpp, Ollama) or
   * `json_object` for servers that only know JSON mode. The reply is checked strictly either way.
   */
  readonly responseFormat?: "json_schema" | "json_object";
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * A verifier that asks any OpenAI-compatible Chat Completions endpoint (`POST {baseUrl}/chat/completions`), one
 * request per allowed call, at temperature 0, for a strict JSON answer `{ verdict, reason }`. No retries: it sits on
 * the call path, and a failure follows `onFailure` instead.
 */
export function openAiVerifier(opts: OpenAiVerifierOptions): Verifier {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (opts.apiKey !== undefined && opts.apiKey !== "") headers.authorization = `Bearer ${opts.apiKey}`;
  const responseFormat =
    opts.responseFormat === "json_object"
      ? { type: "json_object" }
      : {
          type: "json_schema",
          json_schema: { name: "verdict", strict: true, schema: VERIFIER_ANSWER_SCHEMA },
        };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    name: `openai:${opts.model}`,
    timeoutMs,
    onFailure: opts.onFailure ?? "escalate",
    async verify(request: VerifierRequest, signal: AbortSignal): Promise<VerifierAnswer> {
      const body = JSON.stringify({
        model: opts.model,
        temperature: 0,
        response_format: responseFormat,
        messages: [
          { role: "system", content: VERIFIER_SYSTEM_PROMPT },
          { role: "user", content: verifierMessage(request) },
        ],
      });
      // Bounded here too, for use outside a Guard (which bounds it by `timeoutMs` as well).
      const bounded = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      const response = await doFetch(url, { method: "POST", headers, body, signal: bounded });
      const text = await response.text();
      if (!response.ok) throw new Error(`the verifier endpoint answered HTTP ${response.status}`);
      return parseVerifierAnswer(contentOf(text));
    },
  };
}

function contentOf(text: string): string {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    throw new Error("the verifier endpoint's reply is not JSON");
  }
  const choices = isObject(reply) ? reply.choices : undefined;
  const message = Array.isArray(choices) && isObject(choices[0]) ? choices[0].message : undefined;
  const content = isObject(message) ? message.content : undefined;
  if (typeof content !== "string")
    throw new Error("the verifier endpoint's reply has no `choices[0].message.content`");
  return content;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
