-- Row-level security on the tables with a nullable zone (issue 10, C6; PostgreSQL only).
--
-- Migration 0014 forced a policy on every table with `zone_id NOT NULL` (dictionary_items is one
-- of them). Two tables hold rows of a zone and rows of none, so `kaifaqu_rls_protect_all()` skips
-- them and they get their own policies here, under the same setting `kaifaqu.zones`:
--
-- users: a zone account (zone_id set) passes as a zone-owned row does; a city account (zone_id
--   NULL, city_code set; the CHECK users_home forbids both NULL) passes when the setting names a
--   zone of its city. So a zone user sees its zone's accounts and its city's accounts, a city
--   user its city's zones' and its city's accounts, nobody another zone's or another city's;
--   unscoped work (empty setting) sees none. Login, the session and token lookup run as '*'.
-- audit_log: a zone's record passes as a zone-owned row does; a record of no zone (the system's
--   chain: login failures under unknown names, city users' actions, the purge) is read only as
--   '*' (the command line's verify and purge; no web page lists them), but any scoped session
--   may append one (a city user's own actions are recorded with no zone); unscoped work may
--   append nothing. The app role keeps INSERT and SELECT only (no UPDATE/DELETE: `rls::grant`),
--   and the append does not read the row back (no RETURNING, which would need the read policy).
--   The purge runs as the owner with '*', which FORCE holds to these policies too.
--
-- `kaifaqu_rls_any()` and `kaifaqu_rls_cities()` are read in uncorrelated sub-selects, once per
-- statement, as in 0014.

-- Whether the setting names at least one zone (any scoped work; not unscoped, not '*').
CREATE OR REPLACE FUNCTION kaifaqu_rls_any() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT cardinality(kaifaqu_rls_zones()) > 0 $$;

-- The cities of the zones the setting names.
CREATE OR REPLACE FUNCTION kaifaqu_rls_cities() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT z.city_code), ARRAY[]::text[]) FROM zones z WHERE z.id = ANY (kaifaqu_rls_zones()) $$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS kaifaqu_zone ON users;
CREATE POLICY kaifaqu_zone ON users
    USING ((SELECT kaifaqu_rls_all())
        OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[]))
        OR (zone_id IS NULL AND city_code = ANY (CAST((SELECT kaifaqu_rls_cities()) AS text[]))))
    WITH CHECK ((SELECT kaifaqu_rls_all())
        OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[]))
        OR (zone_id IS NULL AND city_code = ANY (CAST((SELECT kaifaqu_rls_cities()) AS text[]))));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS kaifaqu_zone ON audit_log;
CREATE POLICY kaifaqu_zone ON audit_log
    USING ((SELECT kaifaqu_rls_all()) OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[])))
    WITH CHECK ((SELECT kaifaqu_rls_all()) OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[])));
DROP POLICY IF EXISTS kaifaqu_unzoned_append ON audit_log;
CREATE POLICY kaifaqu_unzoned_append ON audit_log FOR INSERT
    WITH CHECK (zone_id IS NULL AND (SELECT kaifaqu_rls_any()));
