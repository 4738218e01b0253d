-- Accounts: activation codes (one-time, stored hashed, expiring), the notice of a password
-- reset shown to the holder at the next login, and an outbox of e-mail delivered by the server.
ALTER TABLE accounts ADD COLUMN password_reset_ms INTEGER;
ALTER TABLE accounts ADD COLUMN password_reset_by TEXT;

CREATE TABLE activation_codes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    code_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER,
    revoked_ms INTEGER,
    sent_to TEXT
);
CREATE INDEX activation_codes_account ON activation_codes(account_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    sent_ms INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(sent_ms, next_attempt_ms);
