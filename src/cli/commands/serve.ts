import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServeApp, type LoadedMandate } from "../../serve/app.js";
import { SqliteBreakerStore } from "../../monitor/sqlite-breaker-store.js";
import { openServeDatabase } from "../../serve/database.js";
import { OperatorStore, type Role } from "../../serve/operators.js";
import { listen, loopbackHosts } from "../../serve/server.js";
import type { ApprovalQueue } from "../../serve/approval-queue.js";
import { SqliteApprovalQueue } from "../../serve/sqlite-approval-queue.js";
import {
  type OpenedAuditLog,
  openAuditLog,
  type StoreLocation,
  storeLocation,
} from "../../stores/connect.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readMandate, readText } from "../io.js";

export const DEFAULT_SERVE_DB = ".mandate/serve.db";
export const DEFAULT_SERVE_AUDIT = ".mandate/audit.db";

export interface ServeCommandOptions {
  readonly listen?: string;
  readonly db?: string;
  readonly audit?: string;
  readonly queue?: string;
  readonly mandate?: string[];
  readonly reports?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly allowHost?: string[];
}

/** Runs the dashboard until SIGINT/SIGTERM. */
export async function serveCommand(o: ServeCommandOptions, io: Output, stop?: AbortSignal): Promise<number> {
  const [host, port] = parseListen(o.listen ?? "127.0.0.1:8080");
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
    throw new CliError("--tls-cert and --tls-key go together", EXIT.usage);
  const mandates: LoadedMandate[] = (o.mandate ?? []).map((file) => ({
    file,
    mandate: readMandate(file, io).mandate,
  }));
  // A file path (SQLite) or a shared server's URL: replicas behind a load balancer share one audit log and one
  // approvals queue on PostgreSQL, so a call asked on one replica can be answered on another.
  const auditAt = o.audit ?? process.env.MANDATE_AUDIT_URL ?? DEFAULT_SERVE_AUDIT;
  const queueAt = o.queue ?? process.env.MANDATE_QUEUE_URL;
  const auditKind = locate(auditAt, "--audit", ["sqlite", "postgres"]);
  if (queueAt !== undefined) locate(queueAt, "--queue", ["postgres"]);
  const db = openServeDatabase(o.db ?? DEFAULT_SERVE_DB);
  const operators = new OperatorStore(db);
  if (operators.listUsers().length === 0)
    io.err("mandate serve: no operator yet; add one with `mandate serve user add NAME --role approver`");
  let audit: OpenedAuditLog | undefined;
  let queue: ApprovalQueue;
  let breakers: SqliteBreakerStore | null = null;
  try {
    audit = await openAuditLog(auditAt);
    // The monitors keep their breakers beside a SQLite audit log (docs/monitors.md); there is no shared store
    // for a PostgreSQL one, so the dashboard shows none rather than a list it cannot vouch for.
    if (auditKind === "sqlite") breakers = SqliteBreakerStore.open(auditAt);
    queue =
      queueAt === undefined
        ? new SqliteApprovalQueue(db)
        : await (await import("../../serve/postgres-approval-queue.js")).PostgresApprovalQueue.open(queueAt);
  } catch (error) {
    breakers?.close();
    await audit?.close();
    db.close();
    throw error;
  }
  const tls =
    o.tlsCert === undefined
      ? undefined
      : { cert: readText(o.tlsCert, "certificate"), key: readText(o.tlsKey!, "key") };
  let allowed: string[] | null = null;
  const app = createServeApp({
    operators,
    queue,
    audit,
    ...(auditKind === "sqlite" ? { auditFiles: [auditAt, `${auditAt}-wal`] } : {}),
    breakers,
    breakersUnavailable:
      "the audit log is on PostgreSQL; breakers live in each Guard's own store (`mandate monitor list --db FILE`).",
    mandates,
    reportsDir: o.reports ?? null,
    get allowedHosts() {
      return allowed;
    },
    tls: tls !== undefined,
    log: (line) => io.err(line),
  });
  const server = await listen(app, { host, port, ...(tls === undefined ? {} : { tls }) });
  allowed = loopbackHosts(host, server.port);
  if (o.allowHost !== undefined) allowed = [...(allowed ?? []), ...o.allowHost];
  if (allowed === null)
    io.err(
      "mandate serve: not on loopback: put it behind TLS (--tls-cert) and name its hosts with --allow-host",
    );
  io.out(
    `mandate serve: ${server.url} (audit ${redact(auditAt)}, state ${o.db ?? DEFAULT_SERVE_DB}, approvals ${queueAt === undefined ? "in the state file" : redact(queueAt)})`,
  );
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    stop?.addEventListener("abort", done, { once: true });
  });
  await server.close();
  await queue.close();
  breakers?.close();
  await audit.close();
  db.close();
  return EXIT.ok;
}

export interface UserOptions {
  readonly db?: string;
  readonly role?: string;
  readonly passwordStdin?: boolean;
}

/** Adds an operator or sets a password: from stdin with --password-stdin, else a generated one printed once. */
export async function serveUserCommand(
  action: "add" | "passwd" | "remove" | "list",
  name: string | undefined,
  o: UserOptions,
  io: Output,
): Promise<number> {
  const db = openServeDatabase(o.db ?? DEFAULT_SERVE_DB);
  try {
    const operators = new OperatorStore(db);
    if (action === "list") {
      for (const u of operators.listUsers()) io.out(`${u.name}\t${u.role}`);
      return EXIT.ok;
    }
    if (name === undefined) throw new CliError("a user name is required", EXIT.usage);
    if (action === "remove") {
      if (!operators.removeUser(name)) throw new CliError(`no user \`${name}\``, EXIT.usage);
      io.err(`removed ${name} and ended their sessions`);
      return EXIT.ok;
    }
    const generated = o.passwordStdin !== true;
    const password = generated
      ? randomBytes(18).toString("base64url")
      : readFileSync(0, "utf8").replace(/\r?\n$/, "");
    const role = o.role as Role | undefined;
    try {
      if (action === "add") await operators.addUser(name, role ?? "viewer", password);
      else await operators.setPassword(name, password, role);
    } catch (error) {
      throw new CliError((error as Error).message, EXIT.usage);
    }
    if (generated) io.out(password);
    io.err(
      `${action === "add" ? "added" : "updated"} ${name}${generated ? " (the password above is shown once)" : ""}`,
    );
    return EXIT.ok;
  } finally {
    db.close();
  }
}

export interface TokenOptions {
  readonly db?: string;
  /** Install the token read from stdin (made by `token add` on another replica) instead of making one. */
  readonly tokenStdin?: boolean;
}

/** Agent tokens for the web approver: printed once, stored hashed. */
export function serveTokenCommand(
  action: "add" | "revoke" | "list",
  name: string | undefined,
  o: TokenOptions,
  io: Output,
): number {
  const db = openServeDatabase(o.db ?? DEFAULT_SERVE_DB);
  try {
    const operators = new OperatorStore(db);
    if (action === "list") {
      for (const t of operators.listAgentTokens()) io.out(`${t.name}\t${t.created}`);
      return EXIT.ok;
    }
    if (name === undefined) throw new CliError("an agent name is required", EXIT.usage);
    if (action === "revoke") {
      if (!operators.revokeAgentToken(name)) throw new CliError(`no token \`${name}\``, EXIT.usage);
      return EXIT.ok;
    }
    const given = o.tokenStdin === true ? readFileSync(0, "utf8").trim() : undefined;
    try {
      const token = operators.addAgentToken(name, given);
      if (given === undefined) io.out(token);
    } catch (error) {
      throw new CliError((error as Error).message, EXIT.usage);
    }
    io.err(
      given === undefined
        ? `token for ${name} (shown once): give it to the agent's web approver`
        : `installed the token for ${name}`,
    );
    return EXIT.ok;
  } finally {
    db.close();
  }
}

/** Where a store is, refused (as a usage error) when it is not a kind this option takes. */
function locate(
  location: string,
  option: string,
  kinds: readonly StoreLocation["kind"][],
): StoreLocation["kind"] {
  let kind: StoreLocation["kind"];
  try {
    kind = storeLocation(location).kind;
  } catch (error) {
    throw new CliError(`${option}: ${(error as Error).message}`, EXIT.usage);
  }
  if (!kinds.includes(kind)) {
    const expected = kinds.map((k) => (k === "sqlite" ? "a file path" : `${k}://…`)).join(" or ");
    throw new CliError(`${option}: expected ${expected}, got \`${redact(location)}\``, EXIT.usage);
  }
  return kind;
}

/** A URL as it may be printed: without a password. */
function redact(location: string): string {
  return location.replace(/\/\/([^@/:]*):[^@/]*@/, "//$1:…@");
}

function parseListen(text: string): [string, number] {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535)
    throw new CliError(`--listen: expected host:port, got \`${text}\``, EXIT.usage);
  return [m[1]!.replace(/^\[|\]$/g, ""), port];
}
