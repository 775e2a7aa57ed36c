import type { QuotedOutput } from "./verifier.js";

export interface TranscriptOptions {
  /** User messages kept (the first ones: the request). Default 8. */
  readonly maxUserMessages?: number;
  /** Characters kept of each user message. Default 4 000. */
  readonly maxUserChars?: number;
  /** Latest tool outputs kept. Default 5. */
  readonly maxOutputs?: number;
  /** Characters kept of each tool output. Default 2 000. */
  readonly maxOutputChars?: number;
}

/**
 * What a verifier is shown of the session, bounded so that a prompt stays small whatever the agent reads: the user's
 * first messages (the request) and the latest tool outputs, each cut to a fixed size.
 */
export class Transcript {
  readonly #user: string[] = [];
  readonly #outputs: QuotedOutput[] = [];
  readonly #opts: Required<TranscriptOptions>;

  constructor(opts: TranscriptOptions = {}) {
    this.#opts = {
      maxUserMessages: opts.maxUserMessages ?? 8,
      maxUserChars: opts.maxUserChars ?? 4_000,
      maxOutputs: opts.maxOutputs ?? 5,
      maxOutputChars: opts.maxOutputChars ?? 2_000,
    };
  }

  user(text: string): void {
    if (this.#user.length >= this.#opts.maxUserMessages) return;
    this.#user.push(cut(String(text), this.#opts.maxUserChars).text);
  }

  output(tool: string, callId: string, output: unknown, trust: "trusted" | "untrusted"): void {
    const { text, truncated } = cut(textOf(output), this.#opts.maxOutputChars);
    this.#outputs.push({ tool, callId, trust, text, truncated });
    if (this.#outputs.length > this.#opts.maxOutputs) this.#outputs.shift();
  }

  get userMessages(): readonly string[] {
    return [...this.#user];
  }

  get outputs(): readonly QuotedOutput[] {
    return [...this.#outputs];
  }
}

function textOf(output: unknown): string {
  if (typeof output === "string") return output;
  try {
    return JSON.stringify(output) ?? String(output);
  } catch {
    return String(output);
  }
}

function cut(text: string, max: number): { text: string; truncated: boolean } {
  return text.length <= max ? { text, truncated: false } : { text: text.slice(0, max), truncated: true };
}
