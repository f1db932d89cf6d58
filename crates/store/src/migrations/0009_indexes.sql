-- kaifaqu schema 9: composite indexes chosen from the queries of the lists that grow with the
-- data (issue 11). Each serves one query shape: the zone filter first, then the filter columns
-- compared with "=", then the sort columns in the query's own direction (so a page of 50 is read
-- in order from the index and stops, and the total is counted from the index alone).

-- Project ledger (store::projects::list): ORDER BY updated_at DESC, id ASC (the default),
-- total_wan DESC / ASC, name, stage_date DESC — each then id — with WHERE zone_id = ? and
-- optional equality filters; the most used filter (stage) gets its own sorted index.
CREATE INDEX projects_zone_updated ON projects (zone_id, updated_at DESC, id);
CREATE INDEX projects_zone_total ON projects (zone_id, total_wan DESC, id);
CREATE INDEX projects_zone_name ON projects (zone_id, name, id);
CREATE INDEX projects_zone_stage_date ON projects (zone_id, stage_date DESC, id);
CREATE INDEX projects_zone_stage_total ON projects (zone_id, stage, total_wan DESC, id);
CREATE INDEX projects_zone_stage_updated ON projects (zone_id, stage, updated_at DESC, id);

-- Hazard ledger (store::hazards::list): ORDER BY found_date DESC, id DESC; the open-hazard
-- view filters status and sorts the same way.
CREATE INDEX hazards_zone_found_id ON hazards (zone_id, found_date DESC, id DESC);
CREATE INDEX hazards_zone_status_found ON hazards (zone_id, status, found_date DESC, id DESC);

-- Contact list (store::contacts::list): ORDER BY contact_date DESC, id DESC.
CREATE INDEX contacts_zone_date_id ON contacts (zone_id, contact_date DESC, id DESC);

-- Tasks (store::tasks::list): by deadline within a zone.
CREATE INDEX tasks_zone_deadline ON tasks (zone_id, deadline, id);

-- Indicator rankings (store::indicator_views, national/province ranking of one indicator and
-- period): WHERE indicator_id = ? AND year = ? AND month = ? AND is_estimate = ? reads the
-- zones' values of that period only, with the value in the index.
CREATE INDEX indicator_values_rank ON indicator_values (indicator_id, year, month, is_estimate, zone_id, value);
