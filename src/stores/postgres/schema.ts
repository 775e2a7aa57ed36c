/**
 * Migrations of the Mandate PostgreSQL schema, in order; `schema_version` records how many have run. Append, never
 * edit. `S` stands for the (validated, quoted) schema name, so several deployments or test runs can share one
 * database.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  -- The audit chain, one row per entry. \`record\` is the canonical JSON that \`hash\` is computed over (with seq and
  -- prevHash); the other columns are copies for filtering, and verify checks that they still agree.
  CREATE TABLE S.audit (
    seq        bigint PRIMARY KEY,
    time_ms    bigint,
    mandate_id text NOT NULL,
    agent      text,
    subject    text,
    session    text,
    tool       text NOT NULL,
    verdict    text NOT NULL,
    effect     text NOT NULL,
    record     text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL
  );
  CREATE INDEX audit_mandate ON S.audit (mandate_id);
  CREATE INDEX audit_agent ON S.audit (agent);
  CREATE INDEX audit_session ON S.audit (session);
  CREATE INDEX audit_time ON S.audit (time_ms);

  -- The end of the chain. Every append locks this one row (SELECT … FOR UPDATE), so writers in any number of
  -- processes take turns and each continues from the entry before it.
  CREATE TABLE S.audit_head (
    id   int PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
  );
  INSERT INTO S.audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

  -- Committed usage per budget key, counted while its window is open. The row is also the key's lock.
  CREATE TABLE S.budget_usage (
    key         text PRIMARY KEY,
    used        double precision NOT NULL DEFAULT 0,
    window_ends double precision
  );
  -- A reservation holds its charges until it is committed, released or expires.
  CREATE TABLE S.budget_reservation (
    id         text PRIMARY KEY,
    expires_at double precision NOT NULL
  );
  CREATE INDEX budget_reservation_expiry ON S.budget_reservation (expires_at);
  CREATE TABLE S.budget_hold (
    reservation text NOT NULL,
    ord         int NOT NULL,
    key         text NOT NULL,
    amount      double precision NOT NULL,
    window_ends double precision,
    expires_at  double precision NOT NULL,
    PRIMARY KEY (reservation, ord)
  );
  CREATE INDEX budget_hold_key ON S.budget_hold (key);

  -- What one key has used at p_now: committed while its window is open, plus live holds in open windows.
  CREATE FUNCTION S.budget_used(p_key text, p_now double precision) RETURNS double precision
  LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT used FROM S.budget_usage
                     WHERE key = p_key AND (window_ends IS NULL OR p_now < window_ends)), 0)
         + coalesce((SELECT sum(amount) FROM S.budget_hold
                     WHERE key = p_key AND expires_at > p_now AND (window_ends IS NULL OR p_now < window_ends)), 0)
  $$;

  -- Reserves every charge or none, in one round trip. Locks the keys' usage rows in a fixed order (so two
  -- reservations over the same keys cannot deadlock), then checks and inserts under those locks. Returns an empty
  -- array when reserved, or {index of the first charge that does not fit (0-based), what its key had used}.
  CREATE FUNCTION S.budget_reserve(p_id text, p_now double precision, p_expires double precision, p_keys text[],
                                   p_amounts double precision[], p_limits double precision[],
                                   p_windows double precision[])
  RETURNS double precision[] LANGUAGE plpgsql AS $$
  DECLARE
    k text;
    n int := coalesce(array_length(p_keys, 1), 0);
    seen text[] := '{}';
    totals double precision[] := '{}';
    pos int;
    before double precision;
  BEGIN
    FOR k IN SELECT d.x FROM (SELECT DISTINCT unnest(p_keys) AS x) AS d ORDER BY d.x COLLATE "C" LOOP
      INSERT INTO S.budget_usage (key) VALUES (k) ON CONFLICT (key) DO NOTHING;
      PERFORM 1 FROM S.budget_usage WHERE key = k FOR UPDATE;
      DELETE FROM S.budget_hold WHERE key = k AND expires_at <= p_now;
    END LOOP;
    FOR i IN 1..n LOOP
      k := p_keys[i];
      pos := array_position(seen, k);
      IF pos IS NULL THEN
        before := S.budget_used(k, p_now);
        seen := seen || k;
        totals := totals || before;
        pos := array_length(seen, 1);
      ELSE
        before := totals[pos];
      END IF;
      IF before + p_amounts[i] > p_limits[i] THEN
        RETURN ARRAY[i - 1, before]::double precision[];
      END IF;
      totals[pos] := before + p_amounts[i];
    END LOOP;
    INSERT INTO S.budget_reservation (id, expires_at) VALUES (p_id, p_expires);
    INSERT INTO S.budget_hold (reservation, ord, key, amount, window_ends, expires_at)
      SELECT p_id, i, p_keys[i], p_amounts[i], p_windows[i], p_expires FROM generate_series(1, n) AS i;
    -- Forget a few abandoned reservations; SKIP LOCKED so that this never waits for anyone.
    DELETE FROM S.budget_reservation WHERE id IN (
      SELECT id FROM S.budget_reservation WHERE expires_at <= p_now LIMIT 16 FOR UPDATE SKIP LOCKED);
    RETURN '{}'::double precision[];
  END $$;

  -- Finishes a reservation: commits its holds into usage (p_commit) or drops them. False when it is unknown,
  -- already finished or expired; an expired one is removed all the same.
  CREATE FUNCTION S.budget_finish(p_id text, p_now double precision, p_commit boolean)
  RETURNS boolean LANGUAGE plpgsql AS $$
  DECLARE
    expires double precision;
    k text;
    h record;
  BEGIN
    SELECT expires_at INTO expires FROM S.budget_reservation WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
      RETURN false;
    END IF;
    FOR k IN SELECT d.key FROM (SELECT DISTINCT key FROM S.budget_hold WHERE reservation = p_id) AS d
                 ORDER BY d.key COLLATE "C" LOOP
      PERFORM 1 FROM S.budget_usage WHERE key = k FOR UPDATE;
    END LOOP;
    DELETE FROM S.budget_reservation WHERE id = p_id;
    IF p_now >= expires OR NOT p_commit THEN
      DELETE FROM S.budget_hold WHERE reservation = p_id;
      RETURN p_now < expires;
    END IF;
    FOR h IN SELECT key, amount, window_ends FROM S.budget_hold WHERE reservation = p_id ORDER BY ord LOOP
      IF h.window_ends IS NULL OR p_now < h.window_ends THEN
        UPDATE S.budget_usage
           SET used = CASE WHEN window_ends IS NULL OR p_now < window_ends THEN used ELSE 0 END + h.amount,
               window_ends = h.window_ends
         WHERE key = h.key;
      END IF;
    END LOOP;
    DELETE FROM S.budget_hold WHERE reservation = p_id;
    RETURN true;
  END $$;
  `,
  `
  -- The approvals queue of \`mandate serve\`, shared by its replicas: an agent asks on one, an operator answers on
  -- another. The same columns as the dashboard's SQLite table; times are epoch milliseconds.
  CREATE TABLE S.approvals (
    id               text PRIMARY KEY,
    agent_token      text NOT NULL,
    call_id          text NOT NULL,
    tool             text NOT NULL,
    args             text NOT NULL,
    args_hash        text NOT NULL,
    session          text,
    mandate_id       text NOT NULL,
    agent            text,
    subject          text,
    task             text,
    request          text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'cancelled')),
    created_ms       bigint NOT NULL,
    deadline_ms      bigint NOT NULL,
    decided_ms       bigint,
    decided_by       text,
    reason           text,
    narrowing        text,
    grant_expires_ms bigint,
    redeemed_ms      bigint,
    UNIQUE (agent_token, call_id)
  );
  CREATE INDEX approvals_status ON S.approvals (status, created_ms);

  -- Every change to a row is announced, with the row's id, on a channel of this schema (listeners in other
  -- deployments sharing the database hear nothing). Sent on commit, so a listener never reads ahead of the data.
  CREATE FUNCTION S.approvals_notify() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('mandate_approvals_' || left(md5(TG_TABLE_SCHEMA), 16), NEW.id);
    RETURN NULL;
  END $$;
  CREATE TRIGGER approvals_notify AFTER INSERT OR UPDATE ON S.approvals
    FOR EACH ROW EXECUTE FUNCTION S.approvals_notify();
  `,
];
