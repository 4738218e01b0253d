-- Periodic work (reminders, the outbox, checkpoints) runs once however many servers share the
-- database: a server runs a job only after taking the job's lease, which lasts while the job
-- runs and is then set to the job's next turn. A server that dies mid-run loses the lease
-- when it lapses. Leases are the servers' business: backups do not copy them.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_ms BIGINT NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0,
    last_ms BIGINT,
    last_note TEXT
);
