-- kaifaqu schema 6: annual targets bound to computed metrics with their monthly route (路线图),
-- key-work task lists (重点工作任务) with milestones, progress updates and the review loop, and
-- the users' daily-digest preference. Placeholders as in 0001.

-- An annual target: a metric the system computes (`metric` + `param`, see
-- kaifaqu_domain::target::Metric) and the value aimed at, in the metric's integer unit.
CREATE TABLE targets (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    param TEXT NOT NULL DEFAULT '',
    target_value BIGINT NOT NULL,
    leader_id BIGINT REFERENCES users (id),
    department_id BIGINT,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT targets_name UNIQUE (zone_id, year, name),
    CONSTRAINT targets_department_fk FOREIGN KEY (zone_id, department_id) REFERENCES departments (zone_id, id),
    CONSTRAINT targets_value CHECK (target_value > 0)
);

-- The monthly route: the cumulative milestone due by the end of each month.
CREATE TABLE target_milestones (
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    target_id BIGINT NOT NULL,
    month INTEGER NOT NULL,
    cumulative BIGINT NOT NULL,
    PRIMARY KEY (target_id, month),
    CONSTRAINT target_milestones_target_fk FOREIGN KEY (zone_id, target_id) REFERENCES targets (zone_id, id),
    CONSTRAINT target_milestones_month CHECK (month BETWEEN 1 AND 12 AND cumulative >= 0)
);

CREATE TABLE tasks (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    source_note TEXT NOT NULL DEFAULT '',
    lead_leader_id BIGINT REFERENCES users (id),
    department_id BIGINT NOT NULL,
    assigned_date DATE NOT NULL,
    deadline DATE NOT NULL,
    deadline_working_days INTEGER,
    evidence TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    closed_date DATE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    {zpk},
    CONSTRAINT tasks_department_fk FOREIGN KEY (zone_id, department_id) REFERENCES departments (zone_id, id),
    CONSTRAINT tasks_deadline CHECK (deadline >= assigned_date)
);
CREATE INDEX tasks_status ON tasks (zone_id, status, deadline);
CREATE INDEX tasks_department ON tasks (zone_id, department_id);

-- Collaborating departments (协办单位).
CREATE TABLE task_departments (
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    task_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    PRIMARY KEY (task_id, department_id),
    CONSTRAINT task_departments_task_fk FOREIGN KEY (zone_id, task_id) REFERENCES tasks (zone_id, id),
    CONSTRAINT task_departments_department_fk FOREIGN KEY (zone_id, department_id) REFERENCES departments (zone_id, id)
);

-- The task's timetable (时间表): milestones with their own dates.
CREATE TABLE task_milestones (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    task_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    due_date DATE NOT NULL,
    done_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT task_milestones_task_fk FOREIGN KEY (zone_id, task_id) REFERENCES tasks (zone_id, id)
);
CREATE INDEX task_milestones_due ON task_milestones (zone_id, done_date, due_date);

-- Every step of a task: progress reports, 提交办结, 销号, 退回 (attachments link to the step).
CREATE TABLE task_steps (
    {id},
    zone_id BIGINT NOT NULL REFERENCES zones (id),
    task_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    step_date DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    {zpk},
    CONSTRAINT task_steps_task_fk FOREIGN KEY (zone_id, task_id) REFERENCES tasks (zone_id, id)
);
CREATE INDEX task_steps_task ON task_steps (zone_id, task_id);

-- A user's daily digest (每日待办提醒): off when they opted out.
ALTER TABLE users ADD COLUMN digest_opt_out BOOLEAN NOT NULL DEFAULT FALSE;
