-- A member's task counts under the member's deepest current organization; kept on the task
-- (refreshed when memberships change) so the dashboard need not look it up for every member.
ALTER TABLE tasks ADD COLUMN member_org_id BIGINT REFERENCES orgs(id);
