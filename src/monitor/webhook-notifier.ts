import { createHmac } from "node:crypto";
import type { Alert, Notifier } from "./alert.js";

export interface WebhookNotifierOptions {
  /** Each alert is POSTed here as JSON. */
  readonly url: string;
  /** Signs each body: `x-mandate-signature: sha256=<HMAC-SHA256 hex of the body>`. */
  readonly secret?: string;
  /** Attempts per alert, the first included. Default 5. */
  readonly attempts?: number;
  /** The wait before the first retry; each later one doubles it. Default 250 ms. */
  readonly backoffMs?: number;
  /** The longest wait between attempts. Default 30 s. */
  readonly maxBackoffMs?: number;
  /** Per attempt. Default 5 s. */
  readonly timeoutMs?: number;
  /** Alerts waiting at most; when full, the oldest is dropped (and reported). Default 1000. */
  readonly queueSize?: number;
  /** Told of deliveries given up and alerts dropped. */
  readonly onError?: (error: Error, alert: Alert) => void;
}

/**
 * Sends alerts to a webhook from a bounded queue, one at a time, retrying failures (network errors and non-2xx
 * answers) with exponential backoff. `notify` only enqueues: a slow or dead receiver never delays a call.
 */
export function webhookNotifier(opts: WebhookNotifierOptions): Notifier {
  const attempts = opts.attempts ?? 5;
  const backoffMs = opts.backoffMs ?? 250;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const queueSize = opts.queueSize ?? 1000;
  const queue: Alert[] = [];
  let worker: Promise<void> | null = null;
  let closed = false;
  let dropped = 0;
  let lastDropped: Alert | null = null;
  const waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  const fail = (error: Error, alert: Alert): void => {
    try {
      opts.onError?.(error, alert);
    } catch {
      // A failing reporter changes nothing.
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          waits.delete(wait);
          resolve();
        }, ms),
        done: resolve,
      };
      waits.add(wait);
    });

  async function deliver(alert: Alert): Promise<void> {
    const body = JSON.stringify(alert);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-mandate-alert": alert.id,
    };
    if (opts.secret !== undefined) {
      headers["x-mandate-signature"] =
        `sha256=${createHmac("sha256", opts.secret).update(body).digest("hex")}`;
    }
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (closed) break;
      try {
        const res = await fetch(opts.url, {
          method: "POST",
          headers,
          body,
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return;
        last = `HTTP ${res.status}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)));
    }
    fail(new Error(`the alert webhook was not reached after ${attempts} attempts: ${last}`), alert);
  }

  function reportDropped(): void {
    if (dropped === 0 || lastDropped === null) return;
    const n = dropped;
    dropped = 0;
    fail(new Error(`the alert queue is full (${queueSize}): ${n} oldest alerts were dropped`), lastDropped);
  }

  async function drain(): Promise<void> {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      reportDropped();
      await deliver(next);
    }
    reportDropped();
    worker = null;
  }

  return {
    notify(alert) {
      if (closed) return;
      if (queue.length >= queueSize) {
        // Counted here, reported by the worker: building an Error on the call path costs more than the alert.
        lastDropped = queue.shift()!;
        dropped++;
      }
      queue.push(alert);
      // Delivery starts on a later turn of the event loop, never on the call path.
      worker ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
    },
    async flush() {
      while (worker !== null) await worker;
    },
    async close() {
      closed = true;
      queue.length = 0;
      for (const w of waits) {
        clearTimeout(w.timer);
        w.done();
      }
      waits.clear();
      while (worker !== null) await worker;
    },
  };
}
