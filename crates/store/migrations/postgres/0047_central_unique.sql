-- The central groups' rules the code checks, kept by the database too (two keepers adding at
-- once): a person has one current term in a group, and a group one current leader.

CREATE UNIQUE INDEX central_members_current ON central_members(group_id, person_id) WHERE end_date IS NULL;
CREATE UNIQUE INDEX central_members_leader ON central_members(group_id) WHERE end_date IS NULL AND role = 'leader';
