-- kaifaqu schema 5: approval services and land — the zone's working-day calendar, the delegated
-- approval powers (审批权限清单), approval and agency cases (承诺制, 全代办) with their
-- commitments, standard parcels (标准地), idle plants (闲置厂房) and the per-mu evaluation
-- (亩均效益评价). Placeholders as in 0001. Money is integer 万元 (*_wan) or 0.01 万元 (*_wan100),
-- land 0.01 亩 (*_mu100), other decimals are scaled integers named by their scale (*_x100).

-- The zone's calendar: the days that differ from Monday–Friday. A year with no rows here uses
-- the official arrangement built into the program; once a year has rows, they are the calendar.
CREATE TABLE calendar_days (
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (zone_id, day),
    CONSTRAINT calendar_days_kind CHECK (kind IN ('holiday', 'workday'))
);

CREATE TABLE approval_powers (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    source_department TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    statutory_days INTEGER NOT NULL,
    promised_days INTEGER NOT NULL,
    commitment BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT approval_powers_name UNIQUE (zone_id, name),
    CONSTRAINT approval_powers_days CHECK (statutory_days > 0 AND promised_days > 0 AND promised_days <= statutory_days)
);

CREATE TABLE approval_cases (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    project_id BIGINT,
    power_id BIGINT NOT NULL,
    applicant TEXT NOT NULL,
    enterprise_id BIGINT,
    commitment BOOLEAN NOT NULL DEFAULT FALSE,
    agency BOOLEAN NOT NULL DEFAULT FALSE,
    agent_id BIGINT REFERENCES users (id),
    leader_id BIGINT REFERENCES users (id),
    received_date DATE NOT NULL,
    accepted_date DATE,
    approved_date DATE,
    promised_days INTEGER NOT NULL,
    due_date DATE NOT NULL,
    status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    {zpk},
    CONSTRAINT approval_cases_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT approval_cases_power_fk FOREIGN KEY (zone_id, power_id) REFERENCES approval_powers (zone_id, id),
    CONSTRAINT approval_cases_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT approval_cases_dates CHECK (
        (accepted_date IS NULL OR accepted_date >= received_date)
        AND (approved_date IS NULL OR approved_date >= received_date)
        AND (approved_date IS NULL OR accepted_date IS NULL OR approved_date >= accepted_date)
    ),
    CONSTRAINT approval_cases_days CHECK (promised_days > 0)
);
CREATE INDEX approval_cases_received ON approval_cases (zone_id, received_date);
CREATE INDEX approval_cases_status ON approval_cases (zone_id, status, due_date);
CREATE INDEX approval_cases_project ON approval_cases (zone_id, project_id);

-- What a commitment-based applicant promised, by when, and what the verification (核查) found.
CREATE TABLE approval_commitments (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    case_id BIGINT NOT NULL,
    content TEXT NOT NULL,
    deadline DATE NOT NULL,
    status TEXT NOT NULL,
    verified_date DATE,
    verified_by BIGINT REFERENCES users (id),
    verification TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT approval_commitments_case_fk FOREIGN KEY (zone_id, case_id) REFERENCES approval_cases (zone_id, id)
);
CREATE INDEX approval_commitments_status ON approval_commitments (zone_id, status, deadline);
CREATE INDEX approval_commitments_case ON approval_commitments (zone_id, case_id);

-- 标准地: the control indicators promised at transfer and, later, the values achieved.
CREATE TABLE land_parcels (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    code TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    area_mu100 BIGINT NOT NULL,
    investment_intensity_x100 BIGINT,
    plot_ratio_x100 BIGINT,
    tax_per_mu_x100 BIGINT,
    energy_x100 BIGINT,
    environment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    transfer_date DATE,
    price_wan BIGINT,
    project_id BIGINT,
    enterprise_id BIGINT,
    achieved_year INTEGER,
    achieved_investment_intensity_x100 BIGINT,
    achieved_plot_ratio_x100 BIGINT,
    achieved_tax_per_mu_x100 BIGINT,
    achieved_energy_x100 BIGINT,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT land_parcels_code UNIQUE (zone_id, code),
    CONSTRAINT land_parcels_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT land_parcels_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT land_parcels_area CHECK (area_mu100 > 0 AND area_mu100 <= 10000000)
);
CREATE INDEX land_parcels_transfer ON land_parcels (zone_id, transfer_date);

CREATE TABLE idle_plants (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    name TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    owner_enterprise_id BIGINT,
    building_m2_x100 BIGINT NOT NULL,
    land_mu100 BIGINT,
    condition TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    revitalised_date DATE,
    project_id BIGINT,
    enterprise_id BIGINT,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT idle_plants_owner_fk FOREIGN KEY (zone_id, owner_enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT idle_plants_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT idle_plants_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT idle_plants_area CHECK (building_m2_x100 > 0 AND (land_mu100 IS NULL OR land_mu100 > 0))
);
CREATE INDEX idle_plants_revitalised ON idle_plants (zone_id, revitalised_date);

-- A zone's per-mu scheme for a year: weights, benchmarks, grade bands and scope thresholds as a
-- JSON document validated by the domain (kaifaqu_domain::per_mu::Scheme).
CREATE TABLE per_mu_schemes (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT per_mu_schemes_year UNIQUE (zone_id, year)
);

-- An enterprise's figures for the per-mu evaluation of a year.
CREATE TABLE per_mu_records (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    year INTEGER NOT NULL,
    enterprise_id BIGINT NOT NULL,
    land_mu100 BIGINT NOT NULL,
    tax_wan100 BIGINT NOT NULL,
    revenue_wan100 BIGINT NOT NULL,
    value_added_wan100 BIGINT NOT NULL,
    energy_tce100 BIGINT NOT NULL,
    rd_wan100 BIGINT NOT NULL,
    employees INTEGER NOT NULL,
    production_year INTEGER,
    exempt BOOLEAN NOT NULL DEFAULT FALSE,
    exempt_reason TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT per_mu_records_enterprise UNIQUE (zone_id, year, enterprise_id),
    CONSTRAINT per_mu_records_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT per_mu_records_values CHECK (
        land_mu100 > 0 AND tax_wan100 >= 0 AND revenue_wan100 >= 0 AND energy_tce100 >= 0
        AND rd_wan100 >= 0 AND employees >= 0
    )
);
