import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServeDatabase } from "./database.js";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./passwords.js";

/** `viewer` reads the dashboard; `approver` also answers pending calls. */
export type Role = "viewer" | "approver";
export const ROLES: readonly Role[] = ["viewer", "approver"];

export interface Operator {
  readonly name: string;
  readonly role: Role;
}

export interface OperatorSession {
  readonly user: Operator;
  /** The synchronizer token every state-changing request of this session must carry. */
  readonly csrf: string;
}

export type SignInResult =
  | { readonly ok: true; readonly user: Operator; readonly sessionId: string; readonly csrf: string }
  | { readonly ok: false; readonly reason: string };

export interface SessionLimits {
  /** A session unused this long ends. Default 30 minutes. */
  readonly idleMs?: number;
  /** A session ends this long after sign-in, used or not. Default 12 hours. */
  readonly absoluteMs?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** What the agent API accepts as a bearer token, and long enough to be unguessable. */
const AGENT_TOKEN = /^[A-Za-z0-9_-]{32,200}$/;

/**
 * Operators, their sessions and the agents' tokens. Session ids and agent tokens are random 256-bit values,
 * stored only as SHA-256 (a stolen database does not yield a usable cookie or token); passwords use scrypt.
 */
export class OperatorStore {
  readonly #db: ServeDatabase;
  readonly #idleMs: number;
  readonly #absoluteMs: number;
  readonly #clock: () => number;
  #secret: Buffer | null = null;

  constructor(db: ServeDatabase, limits: SessionLimits = {}, clock: () => number = Date.now) {
    this.#db = db;
    this.#idleMs = limits.idleMs ?? 30 * 60_000;
    this.#absoluteMs = limits.absoluteMs ?? 12 * 3_600_000;
    this.#clock = clock;
  }

  async addUser(name: string, role: Role, password: string): Promise<void> {
    checkName(name, "user");
    checkRole(role);
    const hash = await hashPassword(password);
    const result = this.#db
      .prepare("INSERT OR IGNORE INTO users (name, role, password, created_ms) VALUES (?, ?, ?, ?)")
      .run(name, role, hash, this.#clock());
    if (result.changes === 0) throw new Error(`user \`${name}\` already exists`);
  }

  /** Sets a new password and ends every session of the user. */
  async setPassword(name: string, password: string, role?: Role): Promise<void> {
    if (role !== undefined) checkRole(role);
    const hash = await hashPassword(password);
    this.#db.transaction(() => {
      const result = this.#db
        .prepare("UPDATE users SET password = ?, role = coalesce(?, role) WHERE name = ?")
        .run(hash, role ?? null, name);
      if (result.changes === 0) throw new Error(`no user \`${name}\``);
      this.#db.prepare("DELETE FROM sessions WHERE user = ?").run(name);
    })();
  }

  removeUser(name: string): boolean {
    return this.#db.prepare("DELETE FROM users WHERE name = ?").run(name).changes > 0;
  }

  listUsers(): Operator[] {
    return this.#db.prepare("SELECT name, role FROM users ORDER BY name").all() as Operator[];
  }

  /** Checks the password and opens a new session (a new id every time: no session fixation). */
  async signIn(name: string, password: string): Promise<SignInResult> {
    const row = this.#db.prepare("SELECT name, role, password FROM users WHERE name = ?").get(name) as
      { name: string; role: Role; password: string } | undefined;
    if (row === undefined) {
      await burnPasswordCheck(password);
      return { ok: false, reason: "unknown user" };
    }
    if (!(await verifyPassword(password, row.password))) return { ok: false, reason: "wrong password" };
    const sessionId = randomToken();
    const csrf = randomToken();
    const now = this.#clock();
    this.#db
      .prepare("INSERT INTO sessions (id_hash, user, csrf, created_ms, seen_ms) VALUES (?, ?, ?, ?, ?)")
      .run(sha256(sessionId), row.name, csrf, now, now);
    return { ok: true, user: { name: row.name, role: row.role }, sessionId, csrf };
  }

  /** The live session for a cookie value, refreshing its idle timer; ended sessions are deleted. */
  session(sessionId: string | undefined): OperatorSession | null {
    if (sessionId === undefined || sessionId.length > 100) return null;
    const id = sha256(sessionId);
    const row = this.#db
      .prepare(
        `SELECT s.csrf, s.created_ms, s.seen_ms, u.name, u.role FROM sessions s JOIN users u ON u.name = s.user
         WHERE s.id_hash = ?`,
      )
      .get(id) as { csrf: string; created_ms: number; seen_ms: number; name: string; role: Role } | undefined;
    if (row === undefined) return null;
    const now = this.#clock();
    if (now - row.seen_ms > this.#idleMs || now - row.created_ms > this.#absoluteMs) {
      this.#db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(id);
      return null;
    }
    // Written at most once a minute: reading a page should not be a write each time.
    if (now - row.seen_ms > 60_000)
      this.#db.prepare("UPDATE sessions SET seen_ms = ? WHERE id_hash = ?").run(now, id);
    return { user: { name: row.name, role: row.role }, csrf: row.csrf };
  }

  signOut(sessionId: string): void {
    this.#db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(sha256(sessionId));
  }

  /**
   * Creates a token for an agent; the token is returned once and only its hash is kept. `given` installs a token
   * made elsewhere instead, so that every replica sharing an approvals queue knows the agent by the same token.
   */
  addAgentToken(name: string, given?: string): string {
    checkName(name, "agent");
    if (given !== undefined && !AGENT_TOKEN.test(given))
      throw new RangeError(
        "an agent token is 32 to 200 letters, digits, `-` and `_` (as `token add` prints them)",
      );
    const token = given ?? `mnd_${randomToken()}`;
    const result = this.#db
      .prepare("INSERT OR IGNORE INTO agent_tokens (name, token_hash, created_ms) VALUES (?, ?, ?)")
      .run(name, sha256(token), this.#clock());
    if (result.changes === 0) throw new Error(`agent token \`${name}\` already exists (revoke it first)`);
    return token;
  }

  revokeAgentToken(name: string): boolean {
    return this.#db.prepare("DELETE FROM agent_tokens WHERE name = ?").run(name).changes > 0;
  }

  listAgentTokens(): { name: string; created: string }[] {
    const rows = this.#db.prepare("SELECT name, created_ms FROM agent_tokens ORDER BY name").all() as {
      name: string;
      created_ms: number;
    }[];
    return rows.map((r) => ({ name: r.name, created: new Date(r.created_ms).toISOString() }));
  }

  /** The name of the agent token presented, or `null`. */
  agentFor(token: string | undefined): string | null {
    if (token === undefined || token.length > 200) return null;
    const row = this.#db.prepare("SELECT name FROM agent_tokens WHERE token_hash = ?").get(sha256(token)) as
      { name: string } | undefined;
    return row?.name ?? null;
  }

  /** A server secret, made on first use and kept in the database (for the sign-in form's CSRF token). */
  secret(): Buffer {
    if (this.#secret !== null) return this.#secret;
    this.#db
      .prepare("INSERT OR IGNORE INTO secrets (name, value) VALUES ('csrf', ?)")
      .run(randomBytes(32).toString("base64url"));
    const row = this.#db.prepare("SELECT value FROM secrets WHERE name = 'csrf'").get() as { value: string };
    this.#secret = Buffer.from(row.value, "base64url");
    return this.#secret;
  }

  /** The sign-in form's token, bound to the browser's pre-session cookie. */
  signInToken(preSession: string): string {
    return createHmac("sha256", this.secret()).update(`signin:${preSession}`).digest("base64url");
  }
}

export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Compares two secrets in constant time. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name))
    throw new RangeError(`invalid ${what} name \`${name}\`: letters, digits and . _ @ - (up to 64)`);
}

function checkRole(role: string): asserts role is Role {
  if (!ROLES.includes(role as Role))
    throw new RangeError(`invalid role \`${role}\`: expected viewer or approver`);
}
