-- kaifaqu schema 4: safety — enterprise safety profiles, inspections, the hazard loop and its
-- steps, and in-app notifications (shared by every module's reminders).

CREATE TABLE safety_profiles (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    enterprise_id BIGINT NOT NULL,
    chemical BOOLEAN NOT NULL DEFAULT FALSE,
    risk_colour TEXT,
    notes TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT safety_profiles_enterprise_key UNIQUE (zone_id, enterprise_id),
    CONSTRAINT safety_profiles_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id)
);

-- 重大危险源, 特殊作业报备 and contractors on site: one table of dated profile entries by kind.
CREATE TABLE safety_entries (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    enterprise_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    grade TEXT,
    entry_date DATE,
    official_id BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT safety_entries_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id)
);
CREATE INDEX safety_entries_enterprise ON safety_entries (zone_id, enterprise_id, kind);

CREATE TABLE inspections (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    enterprise_id BIGINT NOT NULL,
    inspection_date DATE NOT NULL,
    kind TEXT NOT NULL,
    inspectors TEXT NOT NULL,
    experts TEXT NOT NULL DEFAULT '',
    guidance BOOLEAN NOT NULL DEFAULT FALSE,
    findings TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT inspections_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id)
);
CREATE INDEX inspections_date ON inspections (zone_id, inspection_date);

CREATE TABLE hazards (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    enterprise_id BIGINT NOT NULL,
    inspection_id BIGINT,
    description TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    category_id BIGINT,
    level TEXT NOT NULL,
    found_date DATE NOT NULL,
    found_by BIGINT REFERENCES users (id),
    deadline DATE NOT NULL,
    original_deadline DATE NOT NULL,
    responsible_person TEXT NOT NULL DEFAULT '',
    measures TEXT NOT NULL DEFAULT '',
    plan_responsibility TEXT,
    plan_measures TEXT,
    plan_funds TEXT,
    plan_deadline DATE,
    plan_contingency TEXT,
    supervisor TEXT,
    status TEXT NOT NULL,
    fixer_id BIGINT REFERENCES users (id),
    closed_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT hazards_enterprise_fk FOREIGN KEY (zone_id, enterprise_id) REFERENCES enterprises (zone_id, id),
    CONSTRAINT hazards_inspection_fk FOREIGN KEY (zone_id, inspection_id) REFERENCES inspections (zone_id, id),
    CONSTRAINT hazards_category_fk FOREIGN KEY (zone_id, category_id) REFERENCES dictionary_items (zone_id, id),
    CONSTRAINT hazards_deadline CHECK (deadline >= found_date)
);
CREATE INDEX hazards_status ON hazards (zone_id, status, deadline);
CREATE INDEX hazards_found ON hazards (zone_id, found_date);
CREATE INDEX hazards_enterprise ON hazards (zone_id, enterprise_id);

CREATE TABLE hazard_steps (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    hazard_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    step_date DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    new_deadline DATE,
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT hazard_steps_hazard_fk FOREIGN KEY (zone_id, hazard_id) REFERENCES hazards (zone_id, id)
);
CREATE INDEX hazard_steps_hazard ON hazard_steps (zone_id, hazard_id);

-- Zone settings of the safety module: the weekly inspection target (每周两次入企) and after how
-- many overdue days the leaders are told.
CREATE TABLE safety_settings (
    zone_id BIGINT NOT NULL PRIMARY KEY REFERENCES zones (id),
    weekly_inspection_days INTEGER NOT NULL DEFAULT 2,
    escalate_after_days INTEGER NOT NULL DEFAULT 3
);

-- In-app notifications. (user_id, entity, entity_id, step) is unique: the same item is never
-- notified twice for the same step, however often the scheduler runs.
CREATE TABLE notifications (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    step TEXT NOT NULL,
    message TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    {zpk},
    CONSTRAINT notifications_once UNIQUE (user_id, entity, entity_id, step)
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at);
