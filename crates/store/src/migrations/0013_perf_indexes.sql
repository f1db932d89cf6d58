-- kaifaqu schema 14: indexes from the province-scale profile (issue 11, second pass).

-- One project's contacts (store::contacts::list with ?project=, on the project's page):
-- WHERE zone_id = ? AND project_id = ? ORDER BY contact_date DESC, id DESC. With only
-- contacts_project (zone_id, project_id) SQLite chose contacts_zone_date_id to avoid the sort and
-- read all of the zone's 10,000 contacts to find the project's ten.
CREATE INDEX contacts_zone_project_date ON contacts (zone_id, project_id, contact_date DESC, id DESC);
