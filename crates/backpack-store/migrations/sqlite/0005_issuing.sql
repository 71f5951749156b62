-- Issuing: issuers (awarding bodies) and their staff, signing keys (sealed
-- with the operator's key), achievements with the EU standard elements,
-- Bitstring Status Lists, issued credentials, claim links, the audit log.

CREATE TABLE issuers (
    id          TEXT PRIMARY KEY,
    -- The last segment of the issuer's did:web (and of its public URLs).
    slug        TEXT NOT NULL UNIQUE,
    did         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    -- The profile (backpack_credentials::eu::IssuerProfile) as JSON.
    profile     TEXT NOT NULL,
    logo_key    TEXT UNIQUE,
    logo_type   TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Who may act for an issuer.
CREATE TABLE issuer_members (
    issuer_id   TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (issuer_id, user_id)
);
CREATE INDEX issuer_members_user ON issuer_members (user_id);

-- Ed25519 keys. The newest unretired key signs; retired keys stay in the DID
-- document so earlier credentials still verify. The secret is sealed
-- (XChaCha20-Poly1305, bound to issuer and key id) with the configured key.
CREATE TABLE issuer_keys (
    id             TEXT PRIMARY KEY,
    issuer_id      TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    fragment       TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    sealed_secret  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    retired_at     INTEGER,
    UNIQUE (issuer_id, fragment)
);

-- Achievement definitions (backpack_credentials::eu::AchievementSpec as JSON).
CREATE TABLE achievements (
    id          TEXT PRIMARY KEY,
    issuer_id   TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    spec        TEXT NOT NULL,
    image_key   TEXT UNIQUE,
    image_type  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX achievements_issuer ON achievements (issuer_id, name);

-- A pair of Bitstring Status Lists (revocation, suspension) of one issuer:
-- a credential gets the same index in both. Bits as the encodedList form;
-- the signed list credentials as served. `version` guards concurrent updates.
CREATE TABLE status_lists (
    id             TEXT PRIMARY KEY,
    issuer_id      TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    size           INTEGER NOT NULL,
    used           INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    revocation     TEXT NOT NULL,
    suspension     TEXT NOT NULL,
    revocation_vc  TEXT NOT NULL,
    suspension_vc  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX status_lists_issuer ON status_lists (issuer_id, created_at);

-- Every credential an issuer signed. recipient: the address (lower-case) or
-- DID; user_id: the account it was delivered to, if any.
CREATE TABLE issued (
    id                TEXT PRIMARY KEY,
    issuer_id         TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    achievement_id    TEXT NOT NULL REFERENCES achievements (id),
    achievement_name  TEXT NOT NULL,
    recipient_kind    TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    recipient_name    TEXT,
    user_id           TEXT REFERENCES users (id) ON DELETE SET NULL,
    format            TEXT NOT NULL,
    credential        TEXT NOT NULL,
    list_id           TEXT NOT NULL REFERENCES status_lists (id),
    list_index        INTEGER NOT NULL,
    state             TEXT NOT NULL,
    reason            TEXT,
    state_at          INTEGER,
    issued_at         INTEGER NOT NULL,
    actor_name        TEXT NOT NULL,
    source            TEXT NOT NULL,
    batch_id          TEXT,
    batch_row         INTEGER,
    UNIQUE (list_id, list_index),
    UNIQUE (batch_id, batch_row)
);
CREATE INDEX issued_issuer_at ON issued (issuer_id, issued_at, id);
CREATE INDEX issued_issuer_recipient ON issued (issuer_id, recipient);
CREATE INDEX issued_user ON issued (user_id);

-- Claim links for recipients without an account (token stored hashed).
CREATE TABLE claims (
    token_hash  TEXT PRIMARY KEY,
    issued_id   TEXT NOT NULL REFERENCES issued (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    claimed_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    claimed_at  INTEGER
);
CREATE INDEX claims_issued ON claims (issued_id);

-- Every issue, revoke, suspend, reinstate, key and profile change.
CREATE TABLE issuer_audit (
    id          TEXT PRIMARY KEY,
    issuer_id   TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX issuer_audit_at ON issuer_audit (issuer_id, at);

-- A batch award from a CSV file (kept as a blob until done): checked at
-- upload, then issued in chunks by a background job that resumes after a
-- crash from next_row. The same file for the same achievement is one batch.
CREATE TABLE batches (
    id              TEXT PRIMARY KEY,
    issuer_id       TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    achievement_id  TEXT NOT NULL REFERENCES achievements (id),
    filename        TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    blob_key        TEXT NOT NULL,
    format          TEXT NOT NULL,
    total           INTEGER NOT NULL,
    valid           INTEGER NOT NULL,
    state           TEXT NOT NULL,
    next_row        INTEGER NOT NULL,
    issued          INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL,
    actor_id        TEXT REFERENCES users (id) ON DELETE SET NULL,
    actor_name      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (issuer_id, achievement_id, sha256)
);
CREATE INDEX batches_issuer ON batches (issuer_id, created_at);
CREATE INDEX batches_state ON batches (state);

-- One line per CSV row that was not issued as is (invalid at upload, or
-- failed) and per issued row: the per-row report.
CREATE TABLE batch_rows (
    batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    recipient   TEXT NOT NULL,
    status      TEXT NOT NULL,
    code        TEXT NOT NULL,
    issued_id   TEXT,
    PRIMARY KEY (batch_id, row_number)
);
