-- Account security (issue 13).
-- 1. An address is unique only once confirmed: an unconfirmed row claims
--    nothing (someone else may register or confirm the same address), and it
--    expires after a day (the sweep deletes it). Rows unconfirmed at upgrade
--    get a day from now.
ALTER TABLE emails DROP CONSTRAINT emails_address_key;
UPDATE emails SET created_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) WHERE confirmed_at IS NULL;
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
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
