-- kaifaqu schema 18: indexes from the half-year report's profile (issue 11, third pass).

-- Open major hazards under 挂牌督办 of a zone (store::safety_figures::period, the reports'
-- "supervised" count): WHERE zone_id = ? AND level = 'major' AND status <> 'closed' AND
-- supervisor IS NOT NULL, counted from the index alone. Without it SQLite read all of the zone's
-- 20,000 hazards through hazards_enterprise (zone_id) at province scale.
CREATE INDEX hazards_zone_level_status ON hazards (zone_id, level, status, supervisor);
