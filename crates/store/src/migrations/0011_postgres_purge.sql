-- The audit log stays append-only, with one narrow exception: a DELETE inside a transaction that
-- set `kaifaqu.audit_purge` to 'on' with SET LOCAL (only `kaifaqu audit purge` does, after
-- checking the 180-day floor and the chain). UPDATE and TRUNCATE are always refused.
CREATE OR REPLACE FUNCTION kaifaqu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kaifaqu.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
