/**
 * Migrations of the Mandate SQLite schema; `user_version` counts how many have run. Append, never edit: a
 * file created by an older version is brought up to date by running the ones it lacks. One list for every
 * store, so that the audit log and the budget store can share a file.
 */
export const SCHEMA_MIGRATIONS: readonly string[] = [
  `
  -- The audit chain. \`record\` is the canonical JSON that \`hash\` is computed over (it holds seq and prevHash
  -- too); the other columns are copies of its fields for filtering, and verify checks they still agree.
  CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    time_ms    INTEGER,
    mandate_id TEXT NOT NULL,
    agent      TEXT,
    subject    TEXT,
    session    TEXT,
    tool       TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    effect     TEXT NOT NULL,
    record     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
  );
  CREATE INDEX audit_mandate ON audit (mandate_id);
  CREATE INDEX audit_agent ON audit (agent);
  CREATE INDEX audit_session ON audit (session);
  CREATE INDEX audit_time ON audit (time_ms);

  -- Committed budget usage per key, counted while its window is open.
  CREATE TABLE budget_usage (
    key         TEXT PRIMARY KEY,
    used        REAL NOT NULL,
    window_ends REAL
  );
  -- A reservation holds its charges until it is committed, released or expires.
  CREATE TABLE budget_reservation (
    id         TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
  );
  CREATE INDEX budget_reservation_expiry ON budget_reservation (expires_at);
  CREATE TABLE budget_hold (
    reservation TEXT NOT NULL,
    key         TEXT NOT NULL,
    amount      REAL NOT NULL,
    window_ends REAL
  );
  CREATE INDEX budget_hold_reservation ON budget_hold (reservation);
  CREATE INDEX budget_hold_key ON budget_hold (key);
  `,
];
