-- Several servers on one database: the limits on anonymous requests keep their state here (a
-- generic cell rate: one theoretical arrival time per key), and each outbox message is leased to
-- the one server sending it, so a message goes once (again only after its sender died mid-send,
-- with the same Message-ID).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat_ms BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits(tat_ms);

ALTER TABLE outbox ADD COLUMN lease_until_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
