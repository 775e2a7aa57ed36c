import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { BudgetCharge } from "../../core/decision.js";
import type { BudgetStore, ReserveResult } from "../../guard/ports.js";
import {
  type BudgetStoreOptions,
  finishedReservationError,
  resolveBudgetStoreOptions,
  validateCharges,
} from "../budget-reservation.js";
import { FINISH, RESERVE, USAGE } from "./scripts.js";

export interface RedisBudgetStoreOptions extends BudgetStoreOptions {
  /**
   * Prepended to every key. Default `{mandate}:`, or the URL's `?prefix=` parameter. Keep a `{hash tag}` in it: every
   * key of one store must share a cluster slot, because one script touches several of them.
   */
  readonly prefix?: string;
  /** Use this connection instead of opening one from the URL; it is not closed by `close()`. */
  readonly client?: Redis;
  /** A command with no answer within this many ms fails (default 2000), so a stalled server cannot hang a call. */
  readonly commandTimeoutMs?: number;
  /** Waiting for the first connection before `open` fails, in ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /**
   * Send the calls made in one turn of the event loop in one write (ioredis auto-pipelining). Helps a process with
   * many calls in flight; costs a little latency to one with a single call in flight. Default false.
   */
  readonly autoPipelining?: boolean;
}

const SCRIPTS = { reserve: RESERVE, finish: FINISH, usage: USAGE } as const;
type ScriptName = keyof typeof SCRIPTS;
const SHA = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, lua]) => [name, createHash("sha1").update(lua).digest("hex")]),
) as Record<ScriptName, string>;

/** How long after its expiry a reservation's keys are left for Redis to delete (GC only, never semantics). */
const GC_GRACE_MS = 60_000;

export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//i.test(url);
}

/** Splits Mandate's own `prefix` parameter off a connection URL; the rest goes to the driver as it is. */
export function parseRedisUrl(url: string): { connectionUrl: string; prefix: string | undefined } {
  if (!isRedisUrl(url)) throw new TypeError(`invalid Redis URL: expected redis://…, got \`${url}\``);
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  return { connectionUrl: parsed.toString(), prefix };
}

/**
 * Budgets in Redis, shared by every worker and replica that uses the same server and prefix, with the semantics of
 * `MemoryBudgetStore`. Reserve, commit, release and usage are each one Lua script, which Redis runs atomically.
 * A reservation whose worker died is never committed: it stops counting when its TTL has passed, and Redis deletes
 * its keys a minute after that.
 *
 * Fails fast rather than queueing: while the connection is down every call is refused at once (the Guard then
 * denies), and ioredis reconnects in the background, so the store recovers by itself when Redis is back.
 */
export class RedisBudgetStore implements BudgetStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  #closed = false;

  private constructor(redis: Redis, owned: boolean, prefix: string, opts: BudgetStoreOptions) {
    const { clock, reservationTtlMs } = resolveBudgetStoreOptions(opts);
    this.#redis = redis;
    this.#owned = owned;
    this.#prefix = prefix;
    this.#clock = clock;
    this.#ttlMs = reservationTtlMs;
  }

  /** Connects to `url` (`redis://…[?prefix=…]`); resolves once connected, or fails. */
  static async open(url: string | null, opts: RedisBudgetStoreOptions = {}): Promise<RedisBudgetStore> {
    resolveBudgetStoreOptions(opts);
    const fromUrl = url === null ? { connectionUrl: undefined, prefix: undefined } : parseRedisUrl(url);
    const prefix = opts.prefix ?? fromUrl.prefix ?? "{mandate}:";
    if (opts.client) return new RedisBudgetStore(opts.client, false, prefix, opts);
    if (fromUrl.connectionUrl === undefined) throw new TypeError("a Redis URL or a client is required");
    const redis = new Redis(fromUrl.connectionUrl, {
      lazyConnect: true,
      // Refuse commands while disconnected instead of queueing them for a server that may not come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      // Reconnect for ever, backing off to one attempt a second.
      retryStrategy: (times) => Math.min(50 * times, 1000),
      enableAutoPipelining: opts.autoPipelining === true,
    });
    // Connection errors are reported through the calls that fail; without a listener ioredis logs each one.
    redis.on("error", () => {});
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw storeError(error);
    }
    return new RedisBudgetStore(redis, true, prefix, opts);
  }

  async usage(keys: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.#checkOpen();
    if (keys.length === 0) return new Map();
    const used = await this.#run("usage", [...keys]);
    if (!Array.isArray(used)) throw new Error("redis budget store: unexpected reply to usage");
    return new Map(keys.map((k, i) => [k, Number(used[i])]));
  }

  async reserve(charges: readonly BudgetCharge[]): Promise<ReserveResult> {
    validateCharges(charges);
    this.#checkOpen();
    const now = this.#clock();
    const reservation = randomUUID();
    const args: string[] = [
      reservation,
      String(now + this.#ttlMs),
      String(this.#ttlMs + GC_GRACE_MS),
      String(charges.length),
    ];
    for (const c of charges) {
      args.push(c.key, String(c.amount), String(c.limit), c.windowEnds === null ? "" : String(c.windowEnds));
    }
    const reply = await this.#run("reserve", args, now);
    if (!Array.isArray(reply)) throw new Error("redis budget store: unexpected reply to reserve");
    if (Number(reply[0]) === 1) return { ok: true, reservation };
    const charge = charges[Number(reply[1])];
    if (!charge) throw new Error("redis budget store: reserve named no charge");
    return { ok: false, charge, used: Number(reply[2]) };
  }

  async commit(reservation: string): Promise<void> {
    await this.#finish("commit", reservation);
  }

  async release(reservation: string): Promise<void> {
    await this.#finish("release", reservation);
  }

  /** Closes the connection if this store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#owned) return;
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  async #finish(action: "commit" | "release", reservation: string): Promise<void> {
    this.#checkOpen();
    const done = await this.#run("finish", [reservation, action]);
    if (Number(done) !== 1) throw finishedReservationError(action, reservation);
  }

  /** Runs a script by its hash, loading it first if this server has not seen it (or has forgotten it). */
  async #run(name: ScriptName, args: string[], now = this.#clock()): Promise<unknown> {
    const argv = [this.#prefix, String(now), ...args];
    // Say plainly that the server is unreachable, rather than the driver's words for a closed stream.
    if (this.#owned && this.#redis.status !== "ready") {
      throw new Error(`redis budget store: not connected to Redis (the connection is ${this.#redis.status})`);
    }
    try {
      try {
        return await this.#redis.evalsha(SHA[name], 0, ...argv);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await this.#redis.eval(SCRIPTS[name], 0, ...argv);
      }
    } catch (error) {
      // ioredis reports a connection dropped mid-command as running out of retries; say what happened.
      if (this.#owned && this.#redis.status !== "ready") {
        throw new Error(`redis budget store: the connection to Redis was lost (${messageOf(error)})`, {
          cause: error,
        });
      }
      throw storeError(error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("the budget store is closed");
  }
}

function storeError(error: unknown): Error {
  return new Error(`redis budget store: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
