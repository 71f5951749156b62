-- Automatic awards and the JSON API: per-issuer API tokens (stored hashed),
-- xAPI rules (activity IRI, optional minimum score -> achievement) and the
-- statements received, stacking rules (hold every component -> award the
-- target). An automatic award carries a unique award_key, so the same
-- learner never gets the same automatic award twice, even from two servers.

ALTER TABLE issued ADD COLUMN award_key TEXT;
CREATE UNIQUE INDEX issued_award_key ON issued (award_key);

-- A token acts with its creator's rights, on its issuer only; it dies with
-- the creator's account. scope: 'api' (the whole JSON API) or 'xapi'
-- (statements only). hint: the token's last four characters.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    issuer_id     TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    hint          TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_issuer ON api_tokens (issuer_id, created_at);
CREATE INDEX api_tokens_user ON api_tokens (created_by);

-- min_score: a percentage (0-100) of the statement's scaled score.
CREATE TABLE xapi_rules (
    id              TEXT PRIMARY KEY,
    issuer_id       TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    activity        TEXT NOT NULL,
    achievement_id  TEXT NOT NULL REFERENCES achievements (id) ON DELETE CASCADE,
    min_score       INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (issuer_id, activity)
);

-- Every statement accepted, once per statement id: what it said and what
-- came of it (awarded, already_awarded, score_too_low, not_successful).
CREATE TABLE xapi_statements (
    issuer_id     TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    statement_id  TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    verb          TEXT NOT NULL,
    actor         TEXT NOT NULL,
    activity      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    issued_id     TEXT REFERENCES issued (id) ON DELETE SET NULL,
    PRIMARY KEY (issuer_id, statement_id)
);
CREATE INDEX xapi_statements_at ON xapi_statements (issuer_id, received_at);

-- Award achievement_id to a learner who holds every component (achievements
-- of this instance, of this issuer or others).
CREATE TABLE stack_rules (
    id              TEXT PRIMARY KEY,
    issuer_id       TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    achievement_id  TEXT NOT NULL UNIQUE REFERENCES achievements (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL
);
CREATE TABLE stack_components (
    rule_id         TEXT NOT NULL REFERENCES stack_rules (id) ON DELETE CASCADE,
    achievement_id  TEXT NOT NULL REFERENCES achievements (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, achievement_id)
);
CREATE INDEX stack_components_achievement ON stack_components (achievement_id);
