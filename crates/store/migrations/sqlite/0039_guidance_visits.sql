-- A branch's contact person (item 11) logs the visits in which they guide the branch: when,
-- what about, and what they advised.

CREATE TABLE guidance_visits (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES people(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    on_day DATE NOT NULL,
    topics TEXT NOT NULL,
    advice TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX guidance_visits_org ON guidance_visits(org_id, on_day);
