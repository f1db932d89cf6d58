-- kaifaqu schema 17: indexes from the profile of the home cockpit at province scale (issue 11,
-- third pass; docs/BENCHMARKS.md "Third pass (cockpit)").

-- 我的待办 (store::todo::for_user): the open hazards a user found,
-- WHERE zone_id = ? AND status <> 'closed' AND found_by = ?. With only the zone's indexes SQLite
-- read all of the zone's 20,000 hazards (about 40 ms) for every member of staff's home page.
CREATE INDEX hazards_zone_finder ON hazards (zone_id, found_by, status);
