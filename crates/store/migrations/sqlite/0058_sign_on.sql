-- Campus sign-on (CAS, OpenID Connect). An account is tied to the provider's subject at its
-- first sign-on, matched by staff or student number then; later sign-ons must bring the same
-- subject. An OpenID request waits here between the redirect and the callback (its state, by
-- hash, its nonce and PKCE verifier), and is spent by the callback. A session remembers what
-- the provider's single logout will name: a CAS ticket's hash, or an OpenID subject and sid.
CREATE TABLE external_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    number TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    PRIMARY KEY (provider, subject),
    UNIQUE (provider, account_id)
);

CREATE TABLE sign_on_requests (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

ALTER TABLE sessions ADD COLUMN sso TEXT;
CREATE INDEX sessions_sso ON sessions(sso);
