-- kaifaqu schema 16: optimistic versions on the remaining editable records (issue 10, G1).
--
-- `version` starts at 1 and grows by one with every saved edit; an edit names the version it
-- was made on and the save first claims it (`UPDATE … SET version = version + 1 WHERE id = ?
-- AND version = ?`, inside the transaction that writes the record and its audit record), so a
-- stale edit changes no row (HTTP 409). Problems have had the column since schema 2.

ALTER TABLE departments ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE dictionary_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE indicators ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE meetings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE targets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE safety_profiles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE approval_powers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
