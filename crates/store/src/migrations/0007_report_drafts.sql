-- kaifaqu schema 7: report drafts — the narrative paragraphs staff write for a report (a zone, a
-- template, a period), kept as numbered versions: saving adds a version, nothing is overwritten.
-- Placeholders as in 0001.

CREATE TABLE report_drafts (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    template TEXT NOT NULL,
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    narratives TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT report_drafts_version UNIQUE (zone_id, template, period, version)
);
