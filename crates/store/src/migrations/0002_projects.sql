-- kaifaqu schema 2: enterprises, projects and their dated stage events, contacts, the problem
-- ledger, dispatch meetings. Placeholders as in 0001. Money is integer 万元 (*_wan), land is
-- integer hundredths of a 亩 (*_mu100), dates are calendar dates (Asia/Shanghai).

CREATE TABLE enterprises (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    credit_code_legacy BOOLEAN NOT NULL DEFAULT FALSE,
    region_code TEXT,
    industry_code TEXT,
    industry_name TEXT,
    above_scale BOOLEAN NOT NULL DEFAULT FALSE,
    contact_person TEXT,
    contact_phone TEXT,
    address TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT enterprises_credit_code_key UNIQUE (zone_id, credit_code)
);
CREATE INDEX enterprises_name ON enterprises (zone_id, name);

CREATE TABLE projects (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    name TEXT NOT NULL,
    enterprise_id BIGINT,
    investor_name TEXT,
    content TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    chain_id BIGINT,
    total_wan BIGINT NOT NULL,
    planned_wan BIGINT,
    key_level TEXT NOT NULL DEFAULT '',
    channel_id BIGINT,
    team_id BIGINT,
    leader_id BIGINT REFERENCES users (id),
    department_id BIGINT,
    site TEXT,
    land_mu100 BIGINT,
    plan_year INTEGER NOT NULL,
    start_year INTEGER,
    end_year INTEGER,
    project_code TEXT,
    progress TEXT NOT NULL DEFAULT '',
    stage TEXT,
    stage_date DATE,
    status TEXT NOT NULL DEFAULT 'active',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT projects_name_key UNIQUE (zone_id, plan_year, name),
    CONSTRAINT projects_money CHECK (total_wan >= 0 AND (planned_wan IS NULL OR planned_wan >= 0)),
    CONSTRAINT projects_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT projects_chain_fk FOREIGN KEY (zone_id, chain_id) REFERENCES dictionary_items (zone_id, id),
    CONSTRAINT projects_channel_fk FOREIGN KEY (zone_id, channel_id) REFERENCES dictionary_items (zone_id, id),
    CONSTRAINT projects_team_fk FOREIGN KEY (zone_id, team_id) REFERENCES dictionary_items (zone_id, id),
    CONSTRAINT projects_department_fk FOREIGN KEY (zone_id, department_id) REFERENCES departments (zone_id, id)
);
CREATE INDEX projects_year ON projects (zone_id, plan_year, id);
CREATE INDEX projects_stage ON projects (zone_id, stage, id);
CREATE INDEX projects_leader ON projects (zone_id, leader_id);
CREATE INDEX projects_department ON projects (zone_id, department_id);

CREATE TABLE project_events (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    project_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    event_date DATE NOT NULL,
    note TEXT,
    recorded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT project_events_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id)
);
CREATE INDEX project_events_period ON project_events (zone_id, kind, event_date);
CREATE INDEX project_events_project ON project_events (zone_id, project_id, event_date);

CREATE TABLE contacts (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    contact_date DATE NOT NULL,
    project_id BIGINT,
    lead_name TEXT,
    team_id BIGINT,
    form TEXT NOT NULL,
    place TEXT,
    participants TEXT,
    summary TEXT NOT NULL,
    next_step TEXT,
    next_date DATE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT contacts_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT contacts_team_fk FOREIGN KEY (zone_id, team_id) REFERENCES dictionary_items (zone_id, id)
);
CREATE INDEX contacts_date ON contacts (zone_id, contact_date);
CREATE INDEX contacts_project ON contacts (zone_id, project_id);

CREATE TABLE meetings (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    meeting_date DATE NOT NULL,
    title TEXT NOT NULL,
    chair_id BIGINT REFERENCES users (id),
    attendees TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk}
);
CREATE INDEX meetings_date ON meetings (zone_id, meeting_date);

CREATE TABLE meeting_projects (
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    meeting_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    PRIMARY KEY (zone_id, meeting_id, project_id),
    CONSTRAINT meeting_projects_meeting_fk FOREIGN KEY (zone_id, meeting_id) REFERENCES meetings (zone_id, id),
    CONSTRAINT meeting_projects_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id)
);
CREATE INDEX meeting_projects_project ON meeting_projects (zone_id, project_id);

CREATE TABLE problems (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    project_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    raised_date DATE NOT NULL,
    department_id BIGINT,
    person TEXT,
    deadline DATE,
    status TEXT NOT NULL DEFAULT 'open',
    reason TEXT,
    resolution TEXT,
    resolved_date DATE,
    meeting_id BIGINT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT problems_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT problems_department_fk FOREIGN KEY (zone_id, department_id) REFERENCES departments (zone_id, id),
    CONSTRAINT problems_meeting_fk FOREIGN KEY (zone_id, meeting_id) REFERENCES meetings (zone_id, id)
);
CREATE INDEX problems_status ON problems (zone_id, status, deadline);
CREATE INDEX problems_project ON problems (zone_id, project_id);

-- A decision of a meeting; it may open or take over a problem (problem_id).
CREATE TABLE meeting_decisions (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    meeting_id BIGINT NOT NULL,
    project_id BIGINT,
    decision TEXT NOT NULL,
    problem_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT meeting_decisions_meeting_fk FOREIGN KEY (zone_id, meeting_id) REFERENCES meetings (zone_id, id),
    CONSTRAINT meeting_decisions_project_fk FOREIGN KEY (zone_id, project_id) REFERENCES projects (zone_id, id),
    CONSTRAINT meeting_decisions_problem_fk FOREIGN KEY (zone_id, problem_id) REFERENCES problems (zone_id, id)
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (zone_id, meeting_id);
