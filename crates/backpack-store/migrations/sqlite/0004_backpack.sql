-- My e-Backpack: external certificates, portal certificates (badges this
-- instance issued), note attachments and links, collections, the portfolio.

-- Where a badge came from: 'imported' by the learner, or 'portal' (issued by
-- this instance). Keywords: the credential's skills and tags, ",a,b,".
ALTER TABLE badges ADD COLUMN source TEXT NOT NULL DEFAULT 'imported';
ALTER TABLE badges ADD COLUMN keywords TEXT NOT NULL DEFAULT ',';

-- Certificates earned elsewhere, uploaded as PDF, PNG or JPEG, with metadata.
CREATE TABLE certificates (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blob_key         TEXT NOT NULL UNIQUE,
    -- A PNG of the first page or the image, made at upload (absent if it could not be made).
    preview_key      TEXT UNIQUE,
    sha256           TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    filename         TEXT NOT NULL,
    size             INTEGER NOT NULL,
    title            TEXT NOT NULL,
    platform         TEXT NOT NULL,
    issuer_name      TEXT,
    issued_on        TEXT,
    credential_id    TEXT,
    verification_url TEXT,
    description      TEXT,
    tags             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX certificates_user ON certificates (user_id, created_at);

-- Files attached to a note.
CREATE TABLE note_files (
    id           TEXT PRIMARY KEY,
    note_id      TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blob_key     TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX note_files_note ON note_files (note_id);

-- Backpack items a note is about ('certificate', 'badge', 'portal').
CREATE TABLE note_links (
    note_id  TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area     TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    PRIMARY KEY (note_id, area, item_id)
);
CREATE INDEX note_links_item ON note_links (user_id, item_id);

-- Collections group backpack items of any area.
CREATE TABLE collections (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX collections_user ON collections (user_id, name);

CREATE TABLE collection_items (
    collection_id TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area          TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, area, item_id)
);
CREATE INDEX collection_items_item ON collection_items (user_id, item_id);

-- The learner's CV (portfolio): one JSON document, checked by the domain.
CREATE TABLE portfolios (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    document   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The search index of every area: one row per certificate, badge and note,
-- written with it in the same transaction (the store keeps it; rows that
-- predate it are added when the store opens).
CREATE TABLE items (
    id       TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area     TEXT NOT NULL,
    title    TEXT NOT NULL,
    issuer   TEXT,
    tags     TEXT NOT NULL,
    day      TEXT,
    at       INTEGER NOT NULL,
    haystack TEXT NOT NULL
);
-- The timeline's order; with the haystack in the index, a search that
-- matches little reads the index alone (about twice as fast). PostgreSQL
-- keeps the haystack out: its index entries are size-limited.
CREATE INDEX items_user_at ON items (user_id, at, id, haystack);
-- The overview's counts and the search filters' choices, read from the index alone.
CREATE INDEX items_user_area ON items (user_id, area);
CREATE INDEX items_user_tags ON items (user_id, tags);
CREATE INDEX items_user_issuer ON items (user_id, issuer);
