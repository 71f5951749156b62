-- Issuing security (issue 13): revoked signing keys, and issuers' consent
-- to their achievements being used as stacking components by others.

-- A revoked key stays in the DID document's verificationMethod with its
-- "revoked" date (Multikey / Controlled Identifiers) but leaves
-- assertionMethod: what it signed no longer verifies. Only a retired key
-- (one that a rotation replaced) can be revoked.
ALTER TABLE issuer_keys ADD COLUMN revoked_at BIGINT;

-- The issuers whose stacking rules may use an achievement as a component
-- (granted by the achievement's issuer's staff; none by default). Checked
-- when a rule is made and every time it is applied.
CREATE TABLE stack_consents (
    achievement_id  TEXT NOT NULL REFERENCES achievements (id) ON DELETE CASCADE,
    issuer_id       TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
    granted_at      BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, issuer_id)
);
CREATE INDEX stack_consents_issuer ON stack_consents (issuer_id);
