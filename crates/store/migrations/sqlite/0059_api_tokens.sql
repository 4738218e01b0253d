-- Tokens for API clients: a person makes one for a client (a portal's server, a mini-program),
-- and it acts as that person, read only or read and write. Only the token's SHA-256 is kept;
-- `hint` is its last four characters, so its person can tell two tokens apart. A revoked or
-- lapsed token stays listed (with when it ended) until it is purged a month later; ids are never
-- reused (AUTOINCREMENT on SQLite), so the audit entries of two tokens never share an id.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('read', 'write')),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    last_used_ms BIGINT,
    revoked_ms BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
