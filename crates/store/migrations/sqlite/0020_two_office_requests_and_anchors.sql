-- The two offices (三员分立): besides the auditor's grant, granting the office role and
-- resetting, disabling, enabling or ending the role of an administrator, office or auditor
-- account take the administrator and the campaign office together. One table of requests,
-- named for what it now holds, with the action asked for (and the grant, to end one).
ALTER TABLE auditor_requests RENAME TO account_requests;
ALTER TABLE account_requests ADD COLUMN action TEXT NOT NULL DEFAULT 'grant_auditor';
ALTER TABLE account_requests ADD COLUMN grant_id INTEGER REFERENCES role_grants(id);
DROP INDEX auditor_requests_pending;
CREATE UNIQUE INDEX account_requests_pending ON account_requests(account_id, action) WHERE state = 'pending';

-- An address on record for accounts without a person (the administrator and the auditor made
-- by `pacesetter init`): a reset's code goes there, to the holder only. The holder sets it.
ALTER TABLE accounts ADD COLUMN email TEXT;

-- Anchors of the audit chain: the auditor records the latest entry's number and hash (and keeps
-- a copy off the server); a chain that no longer reaches an anchor was cut. Append-only too.
CREATE TABLE audit_anchors (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN
    SELECT RAISE(ABORT, 'audit_anchors is append-only');
END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN
    SELECT RAISE(ABORT, 'audit_anchors is append-only');
END;
