-- Durable background jobs (issue 14): written in the same transaction as the
-- rows that cause them, claimed under a lease by any server sharing the
-- database, retried with backoff, kept with their error when they give up.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    -- At most one queued job per key (NULL: no deduplication).
    dedupe_key  TEXT UNIQUE,
    run_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    -- Set when the job gave up: it waits for an administrator's retry.
    failed_at   INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (failed_at, run_at);
CREATE INDEX jobs_owner ON jobs (lease_owner);

-- The account mail outbox becomes one kind of job.
INSERT INTO jobs (id, kind, payload, dedupe_key, run_at, attempts, lease_owner, lease_until, last_error, failed_at, created_at)
    SELECT id, 'send_mail', message, NULL, next_attempt_at, attempts, NULL, NULL, last_error, NULL, created_at
    FROM mail_outbox;
DROP TABLE mail_outbox;
