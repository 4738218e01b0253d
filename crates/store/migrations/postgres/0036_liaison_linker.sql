-- The unit whose staff link cadres to classes beside the office (item 8: in practice 学工部),
-- as the office names it; none until it does.

ALTER TABLE liaison_rules ADD COLUMN linker_unit_id BIGINT REFERENCES units(id);
