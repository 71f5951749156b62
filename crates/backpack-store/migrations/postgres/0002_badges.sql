-- Digital badges a learner imported: the original bytes are a blob; the row
-- keeps what the list and search need and the last verification.
CREATE TABLE badges (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blob_key       TEXT NOT NULL UNIQUE,
    sha256         TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    filename       TEXT NOT NULL,
    credential_id  TEXT,
    name           TEXT NOT NULL,
    issuer_name    TEXT,
    issuer_id      TEXT,
    description    TEXT,
    valid_from     TEXT,
    valid_until    TEXT,
    verdict        TEXT NOT NULL,
    report         TEXT NOT NULL,
    checked_at     BIGINT NOT NULL,
    imported_at    BIGINT NOT NULL,
    UNIQUE (user_id, sha256)
);
CREATE INDEX badges_user ON badges (user_id, imported_at);
CREATE INDEX badges_content ON badges (user_id, content_sha256);
