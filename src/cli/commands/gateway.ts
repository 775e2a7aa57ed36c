import { readFileSync } from "node:fs";
import type { AuditLog, AuditReader } from "../../guard/ports.js";
import type { GuardMonitor } from "../../guard/monitor-hook.js";
import type { MonitorConfig } from "../../monitor/rule.js";
import type { JWK } from "jose";
import { parse as parseYaml } from "yaml";
import type { Approver } from "../../guard/approver.js";
import type { UpstreamSpec } from "../../gateway/upstream.js";
import { parseDuration } from "../../core/duration.js";
import { webApprover } from "../../approvers/web.js";
import { webhookApprover } from "../../approvers/webhook.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readMandate, readText } from "../io.js";

export const DEFAULT_GATEWAY_AUDIT = ".mandate/gateway-audit.db";
export const DEFAULT_GATEWAY_BUDGETS = ".mandate/gateway-budgets.db";

export interface GatewayCommandOptions {
  readonly mandate: string;
  readonly audit?: string;
  readonly budgets?: string;
  readonly listen?: string;
  readonly upstreamUrl?: string;
  readonly config?: string;
  readonly approveWebhook?: string;
  /** `mandate serve`'s address: each `ask` waits in its approvals queue for an operator. */
  readonly approveUrl?: string;
  /** A Cedar policy set every call must also pass (docs/cedar.md). */
  readonly cedar?: string;
  /** Runtime monitors (docs/monitors.md); breakers live in the SQLite audit file, or in memory. */
  readonly monitors?: string;
  readonly tokenKeys?: string;
  readonly tokenIssuer?: string;
  readonly tokenAudience?: string;
  readonly callTimeout?: string;
  readonly maxMessageBytes?: string;
}

/**
 * `mandate gateway`: an MCP proxy whose every `tools/call` passes the Guard. Stdout is the MCP channel in stdio
 * mode, so everything for the operator goes to stderr. Resolves when the gateway has stopped.
 */
export async function gatewayCommand(
  command: readonly string[],
  opts: GatewayCommandOptions,
  io: Output,
): Promise<number> {
  const { mandate } = readMandate(opts.mandate, { out: io.err, err: io.err });
  const upstreams = upstreamsOf(command, opts);
  if (opts.tokenKeys !== undefined && opts.listen === undefined) {
    throw new CliError(
      "--token-keys needs --listen: signed per-session mandates travel in HTTP headers",
      EXIT.usage,
    );
  }
  if ((opts.tokenKeys === undefined) !== (opts.tokenIssuer === undefined)) {
    throw new CliError("--token-keys and --token-issuer go together", EXIT.usage);
  }
  const callTimeoutMs = opts.callTimeout === undefined ? undefined : parseDuration(opts.callTimeout);
  if (callTimeoutMs === null)
    throw new CliError(
      `--call-timeout: \`${opts.callTimeout}\` is not a duration (e.g. 30s, 2m)`,
      EXIT.usage,
    );
  const maxMessageBytes = opts.maxMessageBytes === undefined ? undefined : Number(opts.maxMessageBytes);
  if (maxMessageBytes !== undefined && !(Number.isSafeInteger(maxMessageBytes) && maxMessageBytes > 0)) {
    throw new CliError("--max-message-bytes must be a positive integer", EXIT.usage);
  }
  if (opts.approveWebhook !== undefined && opts.approveUrl !== undefined) {
    throw new CliError("give one of --approve-webhook and --approve-url", EXIT.usage);
  }
  const agentToken = process.env.MANDATE_AGENT_TOKEN;
  if (opts.approveUrl !== undefined && (agentToken === undefined || agentToken === "")) {
    throw new CliError(
      "--approve-url needs the gateway's agent token in $MANDATE_AGENT_TOKEN (mandate serve token add NAME)",
      EXIT.usage,
    );
  }
  const approver: Approver | undefined =
    opts.approveUrl !== undefined
      ? webApprover({ url: opts.approveUrl, token: agentToken!, name: "serve" })
      : opts.approveWebhook === undefined
        ? undefined
        : webhookApprover({
            url: opts.approveWebhook,
            ...(process.env.MANDATE_WEBHOOK_SECRET === undefined
              ? {}
              : { secret: process.env.MANDATE_WEBHOOK_SECRET }),
          });

  // Loaded here, not at the top: the other commands must not pay for the MCP SDK and the store drivers.
  const [{ serveHttp, serveStdio }, { openAuditLog, openBudgetStore }] = await Promise.all([
    import("../../gateway/gateway.js"),
    import("../../stores/connect.js"),
  ]);
  // A file path (SQLite) or a shared server's URL; replicas behind a load balancer share postgres:// or redis://.
  const auditLocation = opts.audit ?? process.env.MANDATE_AUDIT_URL ?? DEFAULT_GATEWAY_AUDIT;
  const audit = await openAuditLog(auditLocation);
  const budgets = await openBudgetStore(
    opts.budgets ?? process.env.MANDATE_BUDGETS_URL ?? DEFAULT_GATEWAY_BUDGETS,
  );
  const log = (line: string): void => io.err(`mandate gateway: ${line}`);
  // Loaded only when asked for: Cedar is an optional peer.
  const deployment =
    opts.cedar === undefined
      ? undefined
      : (await import("../../policy/cedar.js")).cedarPolicy(readText(opts.cedar, "Cedar policies"), {
          file: opts.cedar,
        });
  const monitors =
    opts.monitors === undefined ? undefined : await openMonitors(opts.monitors, audit, auditLocation, log);
  const base = {
    mandate,
    ...(monitors === undefined ? {} : { monitors }),
    ...(deployment === undefined ? {} : { deployment }),
    upstreams,
    audit,
    budgets,
    log,
    ...(approver === undefined ? {} : { approver }),
    ...(callTimeoutMs === undefined ? {} : { callTimeoutMs }),
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
    ...(opts.tokenKeys === undefined
      ? {}
      : {
          tokens: {
            keys: readJwks(opts.tokenKeys),
            issuer: opts.tokenIssuer!,
            ...(opts.tokenAudience === undefined ? {} : { audience: opts.tokenAudience }),
          },
        }),
  };
  try {
    if (opts.listen === undefined) {
      const reason = await serveStdio(base);
      log(`session ended: ${reason}`);
      return reason === "the client disconnected" ? EXIT.ok : EXIT.internal;
    }
    const { host, port } = hostPort(opts.listen);
    const gateway = await serveHttp(base, { host, port });
    log(`listening on ${gateway.url} (${upstreams.map((u) => u.name).join(", ")})`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await gateway.close();
    return EXIT.ok;
  } finally {
    await audit.close();
    await budgets.close();
  }
}

/** The servers: `-- command args`, `--upstream-url`, or a config file with several (never a mix). */
function upstreamsOf(command: readonly string[], opts: GatewayCommandOptions): UpstreamSpec[] {
  const given = [command.length > 0, opts.upstreamUrl !== undefined, opts.config !== undefined].filter(
    Boolean,
  ).length;
  if (given !== 1) {
    throw new CliError(
      "name the server behind the gateway once: `-- <command> [args…]`, `--upstream-url <url>` or `--config <file>`",
      EXIT.usage,
    );
  }
  // A wrapped command inherits the gateway's environment, as under any wrapper (`env X=1 mandate gateway -- srv`);
  // servers from a config file get only MCP's small default environment plus their own `env`.
  if (command.length > 0) {
    const env = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    );
    return [{ name: "server", command: command[0]!, args: command.slice(1), env }];
  }
  if (opts.upstreamUrl !== undefined) {
    try {
      new URL(opts.upstreamUrl);
    } catch {
      throw new CliError(`--upstream-url: \`${opts.upstreamUrl}\` is not a URL`, EXIT.usage);
    }
    return [{ name: "server", url: opts.upstreamUrl }];
  }
  return readGatewayConfig(opts.config!);
}

/**
 * A config file for several servers:
 * ```yaml
 * servers:
 *   fs: { command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /srv/docs] }
 *   crm: { url: "https://crm.internal/mcp", headers: { authorization: "Bearer …" } }
 * ```
 */
export function readGatewayConfig(path: string): UpstreamSpec[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read the gateway config ${path}: ${(error as Error).message}`, EXIT.noInput);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}`, EXIT.dataError);
  }
  const bad = (field: string, message: string): never => {
    throw new CliError(`${path}: ${field}: ${message}`, EXIT.dataError);
  };
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    bad("(top)", "expected a mapping with `servers`");
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) if (key !== "servers") bad(key, "unknown key (expected `servers`)");
  const servers = top.servers;
  if (
    typeof servers !== "object" ||
    servers === null ||
    Array.isArray(servers) ||
    Object.keys(servers).length === 0
  ) {
    bad("servers", "expected a mapping of server names to `{ command, args }` or `{ url }`");
  }
  const specs: UpstreamSpec[] = [];
  for (const [name, value] of Object.entries(servers as Record<string, unknown>)) {
    const at = `servers.${name}`;
    if (!/^[A-Za-z0-9_-]+$/.test(name) || name.includes("__")) {
      bad(at, "a server name is letters, digits, `-` and `_` (no `__`: it separates the name from the tool)");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) bad(at, "expected a mapping");
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      if (!["command", "args", "env", "cwd", "url", "headers"].includes(key))
        bad(`${at}.${key}`, "unknown key");
    }
    const strings = (field: string, x: unknown): readonly string[] | undefined => {
      if (x === undefined) return undefined;
      if (!Array.isArray(x) || !x.every((s) => typeof s === "string"))
        bad(`${at}.${field}`, "expected a list of strings");
      return x as string[];
    };
    const map = (field: string, x: unknown): Record<string, string> | undefined => {
      if (x === undefined) return undefined;
      if (
        typeof x !== "object" ||
        x === null ||
        Array.isArray(x) ||
        !Object.values(x).every((s) => typeof s === "string")
      ) {
        bad(`${at}.${field}`, "expected a mapping of strings");
      }
      return x as Record<string, string>;
    };
    if ((v.command === undefined) === (v.url === undefined))
      bad(at, "give exactly one of `command` and `url`");
    if (v.command !== undefined && typeof v.command !== "string") bad(`${at}.command`, "expected a string");
    if (v.url !== undefined && typeof v.url !== "string") bad(`${at}.url`, "expected a string");
    const args = strings("args", v.args);
    const env = map("env", v.env);
    const headers = map("headers", v.headers);
    specs.push({
      name,
      ...(typeof v.command === "string" ? { command: v.command } : {}),
      ...(args === undefined ? {} : { args }),
      ...(env === undefined ? {} : { env }),
      ...(typeof v.cwd === "string" ? { cwd: v.cwd } : {}),
      ...(typeof v.url === "string" ? { url: v.url } : {}),
      ...(headers === undefined ? {} : { headers }),
    });
  }
  return specs;
}

function readJwks(path: string): { keys: JWK[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(`--token-keys ${path}: ${(error as Error).message}`, EXIT.noInput);
  }
  const keys =
    (doc as { keys?: unknown } | null)?.keys ?? (doc !== null && typeof doc === "object" ? [doc] : undefined);
  if (!Array.isArray(keys) || keys.length === 0)
    throw new CliError(`--token-keys ${path}: expected a JWK or a JWK Set`, EXIT.dataError);
  for (const k of keys as Record<string, unknown>[]) {
    if (k.d !== undefined)
      throw new CliError(
        `--token-keys ${path}: holds a private key; give the public keys only`,
        EXIT.dataError,
      );
  }
  return { keys: keys as JWK[] };
}

function hostPort(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  if (match === null)
    throw new CliError(`--listen: expected HOST:PORT or PORT, got \`${listen}\``, EXIT.usage);
  const port = Number(match[3]);
  if (!(port >= 0 && port <= 65535)) throw new CliError(`--listen: bad port ${match[3]}`, EXIT.usage);
  return { host: match[1] || match[2] || "127.0.0.1", port };
}

/** The monitors file, with breakers in the gateway's SQLite audit file (so `mandate monitor reset --db` finds them). */
async function openMonitors(
  file: string,
  audit: AuditLog,
  auditLocation: string,
  log: (line: string) => void,
): Promise<GuardMonitor> {
  const { loadMonitors, createMonitors, notifiersFor, MemoryBreakerStore, MonitorConfigError } =
    await import("../../monitor/index.js");
  let config: MonitorConfig;
  try {
    config = loadMonitors(readText(file, "monitors"), { file });
  } catch (error) {
    if (error instanceof MonitorConfigError) throw new CliError(error.message, EXIT.dataError);
    throw error;
  }
  const onDisk = !/^[a-z][a-z0-9+.-]*:\/\//i.test(auditLocation);
  const breakers = onDisk
    ? (await import("../../monitor/sqlite-breaker-store.js")).SqliteBreakerStore.open(auditLocation)
    : new MemoryBreakerStore();
  if (!onDisk) log("monitors: breakers are kept in memory (the audit log is not a SQLite file)");
  const reader = audit as Partial<AuditReader>;
  return createMonitors({
    rules: config,
    audit,
    ...(typeof reader.entries === "function" ? { reader: audit as AuditLog & AuditReader } : {}),
    breakers,
    notifiers: notifiersFor(config.webhooks),
    onError: (error, stage) => log(`monitors (${stage}): ${error.message}`),
  });
}
