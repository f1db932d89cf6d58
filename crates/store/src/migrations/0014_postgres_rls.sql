-- Row-level security, the second layer of zone isolation (issue 10, C6; PostgreSQL only).
--
-- Every zone-owned table (a `zone_id NOT NULL` column, see store/tests/schema.rs) gets ENABLE and
-- FORCE ROW LEVEL SECURITY (FORCE: the tables' owner is held to it too) and one policy: a row
-- is visible and writable when the connection's setting `kaifaqu.zones` is '*' (everything) or
-- a list of zone ids ('1,7') holding its zone_id; empty or unset: nothing. The pool sets it
-- each time a connection is handed out (store/src/rls.rs, db.rs).
--
-- The setting is read through two functions in uncorrelated sub-selects, so it is evaluated
-- once per statement (an InitPlan), not once per row. A migration that adds a zone-owned table
-- ends with `SELECT kaifaqu_rls_protect_all();` (store/tests/rls.rs fails otherwise).

CREATE OR REPLACE FUNCTION kaifaqu_rls_all() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('kaifaqu.zones', true), '') = '*' $$;

CREATE OR REPLACE FUNCTION kaifaqu_rls_zones() RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    s text := coalesce(current_setting('kaifaqu.zones', true), '');
BEGIN
    IF s !~ '^-?[0-9]+(,-?[0-9]+)*$' THEN
        RETURN ARRAY[]::bigint[];
    END IF;
    RETURN string_to_array(s, ',')::bigint[];
END;
$$;

-- `kaifaqu.read_zones`: zones whose rows of a table shared within a city may also be read.
CREATE OR REPLACE FUNCTION kaifaqu_rls_read_zones() RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    s text := coalesce(current_setting('kaifaqu.read_zones', true), '');
BEGIN
    IF s !~ '^-?[0-9]+(,-?[0-9]+)*$' THEN
        RETURN ARRAY[]::bigint[];
    END IF;
    RETURN string_to_array(s, ',')::bigint[];
END;
$$;

-- For ad-hoc SQL: whether the current setting lets a row of zone `z` through.
CREATE OR REPLACE FUNCTION kaifaqu_zone_ok(z bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT kaifaqu_rls_all() OR z = ANY (kaifaqu_rls_zones()) $$;

CREATE OR REPLACE FUNCTION kaifaqu_rls_protect(t regclass) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS kaifaqu_zone ON %s', t);
    EXECUTE format(
        'CREATE POLICY kaifaqu_zone ON %s '
        'USING ((SELECT kaifaqu_rls_all()) OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[]))) '
        'WITH CHECK ((SELECT kaifaqu_rls_all()) OR zone_id = ANY (CAST((SELECT kaifaqu_rls_zones()) AS bigint[])))',
        t
    );
END;
$$;

-- Every table of the current schema with `zone_id NOT NULL`; returns how many it protected.
CREATE OR REPLACE FUNCTION kaifaqu_rls_protect_all() RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS t
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'zone_id' AND a.attnotnull AND NOT a.attisdropped
        WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
        ORDER BY c.relname
    LOOP
        PERFORM kaifaqu_rls_protect(r.t);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;

SELECT kaifaqu_rls_protect_all();

-- A zone reads the indicator values of its city's zones (the city ranking table, its rank and
-- the city's warnings: store/src/indicator_views.rs); it writes only its own (the policy above,
-- which UPDATE and DELETE need as well).
CREATE POLICY kaifaqu_city_read ON indicator_values FOR SELECT
    USING (zone_id = ANY (CAST((SELECT kaifaqu_rls_read_zones()) AS bigint[])));
