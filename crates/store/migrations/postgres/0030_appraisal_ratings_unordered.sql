-- A rating no longer carries its day: beside the audit log's entry of who rated that day it named
-- a lone rater. (SQLite also loses its hidden rowids here; PostgreSQL has none. Rows written in
-- one transaction share a transaction id on PostgreSQL, as a ballot and its voter's mark do: a
-- reading of the database files is outside the promise, as docs/architecture.md says.)
ALTER TABLE appraisal_ratings DROP COLUMN day;
