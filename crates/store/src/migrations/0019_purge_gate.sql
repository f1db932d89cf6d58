-- kaifaqu schema 19 (PostgreSQL only): the audit log's purge gate under its own role check
-- (issue 10, J3). Migration 11 let a DELETE through in any transaction that set
-- `kaifaqu.audit_purge` to 'on', and any session of the application's role can set a custom
-- setting. Now the DELETE also has to run as the table's owner — the role that migrates the
-- database (`database_migrate_url`), which `kaifaqu audit purge` connects as — never as the
-- application's role (`kaifaqu_app`, which is also granted no DELETE on the table: this is the
-- second layer). UPDATE and TRUNCATE stay refused for everyone. Names are schema-qualified so a
-- session's `search_path` cannot swap in look-alike functions.
CREATE OR REPLACE FUNCTION kaifaqu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND pg_catalog.current_setting('kaifaqu.audit_purge', true) = 'on'
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
                           WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
