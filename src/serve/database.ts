import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * The dashboard's own state — operators, their sessions, agent tokens and the approvals queue — kept apart from
 * the audit log (which Guards in other processes write) so that it can be backed up, reset or moved on its own.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'approver')),
     password TEXT NOT NULL,
     created_ms INTEGER NOT NULL
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     seen_ms INTEGER NOT NULL
   );
   CREATE TABLE agent_tokens (
     name TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     created_ms INTEGER NOT NULL
   );
   CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE approvals (
     id TEXT PRIMARY KEY,
     agent_token TEXT NOT NULL,
     call_id TEXT NOT NULL,
     tool TEXT NOT NULL,
     args TEXT NOT NULL,
     args_hash TEXT NOT NULL,
     session TEXT,
     mandate_id TEXT NOT NULL,
     agent TEXT,
     subject TEXT,
     task TEXT,
     request TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'cancelled')),
     created_ms INTEGER NOT NULL,
     deadline_ms INTEGER NOT NULL,
     decided_ms INTEGER,
     decided_by TEXT,
     reason TEXT,
     narrowing TEXT,
     grant_expires_ms INTEGER,
     redeemed_ms INTEGER,
     UNIQUE (agent_token, call_id)
   );
   CREATE INDEX approvals_status ON approvals (status, created_ms);`,
];

export type ServeDatabase = Database.Database;

/** Opens (creating and migrating) the dashboard database: WAL, a busy timeout, foreign keys on. */
export function openServeDatabase(path: string): ServeDatabase {
  if (path !== ":memory:" && path !== "") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    const latest = MIGRATIONS.length;
    db.transaction(() => {
      const version = Number(db.pragma("user_version", { simple: true }));
      if (version > latest) {
        throw new Error(
          `database \`${path}\` has schema version ${version}; this mandate reads up to ${latest}`,
        );
      }
      for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
      db.pragma(`user_version = ${latest}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
