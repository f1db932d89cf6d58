-- kaifaqu schema 8: report templates — a zone's edited copy of a built-in report template
-- (Markdown with minijinja placeholders). The copy replaces the built-in of the same name for
-- the zone; deleting it restores the built-in. `version` guards against lost updates.
-- Placeholders as in 0001.

CREATE TABLE report_templates (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT report_templates_name UNIQUE (zone_id, name)
);
