-- Selections (评选, issue 7): a selection of an award category, the quota of each secondary
-- organization, nominations and their supporters, the frozen electorate, who voted, the secret
-- ballots, objections during the public notice, and the award register.
--
-- A ballot has a random v4 id, its selection and its sorted choices: no person, no time, no
-- column shared with selection_voters but the selection; both tables are WITHOUT ROWID, so
-- neither the rows' order nor a hidden counter pairs a ballot with its voter.

CREATE TABLE selections (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    category_code TEXT NOT NULL,
    category_json TEXT NOT NULL,
    title TEXT NOT NULL,
    quota INTEGER NOT NULL,
    stage TEXT NOT NULL,
    electorate_org_id INTEGER NOT NULL REFERENCES orgs(id),
    nominate_until DATE NOT NULL,
    vote_from DATE NOT NULL,
    vote_until DATE NOT NULL,
    eligibility_hash TEXT,
    electorate_hash TEXT,
    electorate_size INTEGER NOT NULL DEFAULT 0,
    votes_json TEXT,
    tie_order TEXT,
    tie_reason TEXT,
    notice_from DATE,
    notice_until DATE,
    decision TEXT,
    approved_by TEXT,
    approved_ms INTEGER,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX selections_campaign ON selections(campaign_id);

-- 名额分配: how many candidates each secondary organization may put forward.
CREATE TABLE selection_quotas (
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    quota INTEGER NOT NULL,
    PRIMARY KEY (selection_id, org_id)
);

-- A candidate: a person, an organization, a unit or window, or an entry described by its
-- nominator; candidate_key (p12, o3, u7, e<n>) makes a candidate appear once per selection.
-- quota_org_id is the secondary organization whose quota it counts against.
CREATE TABLE selection_nominations (
    id INTEGER PRIMARY KEY,
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    candidate_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    name TEXT NOT NULL,
    detail TEXT,
    reasons TEXT NOT NULL,
    nominated_by_org_id INTEGER REFERENCES orgs(id),
    quota_org_id INTEGER REFERENCES orgs(id),
    state TEXT NOT NULL,
    review_note TEXT,
    reviewed_by TEXT,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (selection_id, candidate_key)
);
CREATE INDEX selection_nominations_selection ON selection_nominations(selection_id, state);

-- Mass nominations (群众推优): every person who put a candidate forward, once each, with reasons.
CREATE TABLE selection_supporters (
    nomination_id INTEGER NOT NULL REFERENCES selection_nominations(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    reasons TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (nomination_id, person_id)
);

-- The electorate, frozen when voting opens (its fingerprint is published then).
CREATE TABLE selection_electorate (
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (selection_id, person_id)
) WITHOUT ROWID;

-- Who took part: one row per voter (a second vote is refused by the key), the day only.
CREATE TABLE selection_voters (
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    day DATE NOT NULL,
    PRIMARY KEY (selection_id, person_id)
) WITHOUT ROWID;

CREATE TABLE selection_ballots (
    id TEXT NOT NULL PRIMARY KEY,
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    choices TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX selection_ballots_selection ON selection_ballots(selection_id);

-- Objections lodged during the notice; the objector is seen only by the office.
CREATE TABLE selection_objections (
    id INTEGER PRIMARY KEY,
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    nomination_id INTEGER NOT NULL REFERENCES selection_nominations(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    reasons TEXT NOT NULL,
    state TEXT NOT NULL,
    resolution TEXT,
    resolved_by TEXT,
    resolved_ms INTEGER,
    created_ms INTEGER NOT NULL
);
CREATE INDEX selection_objections_selection ON selection_objections(selection_id);

-- The award register: who, what, which period, by which decision.
CREATE TABLE awards (
    id INTEGER PRIMARY KEY,
    selection_id INTEGER NOT NULL REFERENCES selections(id),
    nomination_id INTEGER NOT NULL REFERENCES selection_nominations(id),
    award TEXT NOT NULL,
    period TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    rank INTEGER NOT NULL,
    decision TEXT NOT NULL,
    awarded_on DATE NOT NULL,
    certificate_no TEXT NOT NULL UNIQUE,
    UNIQUE (selection_id, nomination_id)
);
