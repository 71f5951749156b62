-- Personal notes (Markdown) with tags, searchable.
CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    -- Normalised tags, comma-separated, with a comma at each end: ",a,b,".
    tags       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notes_user ON notes (user_id, updated_at);
