-- Account security (issue 13).
-- 1. An address is unique only once confirmed: an unconfirmed row claims
--    nothing (someone else may register or confirm the same address), and it
--    expires after a day (the sweep deletes it). Rows unconfirmed at upgrade
--    get a day from now. SQLite cannot drop a column's UNIQUE, so the table is
--    rebuilt.
CREATE TABLE emails_new (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address      TEXT NOT NULL,
    confirmed_at INTEGER,
    is_primary   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
INSERT INTO emails_new (id, user_id, address, confirmed_at, is_primary, created_at)
SELECT id, user_id, address, confirmed_at, is_primary,
       CASE WHEN confirmed_at IS NULL THEN CAST(strftime('%s', 'now') AS INTEGER) ELSE created_at END
FROM emails;
DROP TABLE emails;
ALTER TABLE emails_new RENAME TO emails;
CREATE INDEX emails_user ON emails (user_id);
CREATE INDEX emails_address ON emails (address);
CREATE UNIQUE INDEX emails_confirmed_address ON emails (address) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX emails_user_address ON emails (user_id, address);

-- 2. Account mail (confirmation, reset, "someone tried to register") is
--    written here, in the transaction that makes its token, and delivered by
--    a background task: leased (`lease_until`) so several servers never send
--    one row twice, retried with a growing delay until it is sent.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    message         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
