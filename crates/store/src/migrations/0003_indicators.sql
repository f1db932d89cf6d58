-- kaifaqu schema 3: economic indicators. The catalog is shared by all zones (a city ranks its
-- zones on the same indicators); values and targets belong to a zone. Values are exact
-- integers: `value` in 1/10,000 of the indicator's unit, growth in 1/100 of a percent.

CREATE TABLE indicators (
    {id},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    january_alone BOOLEAN NOT NULL DEFAULT FALSE,
    growth_reported BOOLEAN NOT NULL DEFAULT TRUE,
    decimals INTEGER NOT NULL DEFAULT 2,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
    {pk},
    CONSTRAINT indicators_code_key UNIQUE (code)
);

-- One official (统计局快报 or 正式) and one estimate (预计) value per zone, indicator and period:
-- an estimate never overwrites the official figure.
CREATE TABLE indicator_values (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    is_estimate BOOLEAN NOT NULL,
    value BIGINT NOT NULL,
    growth BIGINT,
    base_value BIGINT,
    source TEXT NOT NULL,
    entered_by BIGINT REFERENCES users (id),
    entered_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT indicator_values_key UNIQUE (zone_id, indicator_id, year, month, is_estimate),
    CONSTRAINT indicator_values_month CHECK (month BETWEEN 1 AND 12)
);
CREATE INDEX indicator_values_period ON indicator_values (indicator_id, year, month, zone_id);

CREATE TABLE indicator_targets (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    year INTEGER NOT NULL,
    value_target BIGINT,
    growth_target BIGINT,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT indicator_targets_key UNIQUE (zone_id, indicator_id, year)
);
