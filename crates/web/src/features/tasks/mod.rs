//! 重点工作任务: the task list (filters by source, department, leader, status, overdue; counts
//! that link to their lists; XLSX export in the 台账 layout and import, all rows or none), the
//! assign/edit form, and one task with its timetable, steps with attachments and the step form
//! the user's rights allow.

mod form;
mod page;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::task::{TaskSource, TaskStatus};
use kaifaqu_domain::{Permission, Role};
use kaifaqu_reports::sheet::CellError;
use kaifaqu_reports::task_table::{self, TaskRow};
use kaifaqu_store::tasks::{self, ImportOutcome, ImportRow, Milestone, Task, TaskCounts, TaskFilter};
use kaifaqu_store::users::{self, UserFilter};
use kaifaqu_store::{StoreError, departments};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::{Pager, query_base, xlsx_download};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/tasks", get(Need::READ, list))
        .route("/tasks.xlsx", get(Need::READ, export))
        .route("/tasks/import", post(Need::WRITE, import).layer(DefaultBodyLimit::max(upload_limit)))
        .merge(form::routes())
        .merge(page::routes(upload_limit))
}

/// (id, label) pairs for select boxes.
pub(super) type Options = Vec<(String, String)>;

/// The choices of the task form and the list filters.
pub(super) struct TaskOptions {
    pub sources: Vec<(&'static str, &'static str)>,
    pub leaders: Options,
    pub departments: Options,
}

impl TaskOptions {
    /// `keep` is the leader already chosen (kept even if deactivated).
    pub async fn load(state: &AppState, user: &CurrentUser, keep: &str) -> AppResult<TaskOptions> {
        let zone = user.zone_id()?;
        let scope = user.actor().scope();
        let all = users::list(
            &state.db,
            &scope,
            &UserFilter { sort: "name".into(), per_page: Some(500), ..Default::default() },
        )
        .await?
        .rows;
        let leaders = all
            .into_iter()
            .filter(|u| matches!(u.role, Role::Leader | Role::Admin) && (u.active || u.id.to_string() == keep))
            .map(|u| (u.id.to_string(), u.display_name))
            .collect();
        let departments =
            departments::list(&state.db, &scope, zone).await?.into_iter().map(|d| (d.id.to_string(), d.name)).collect();
        Ok(TaskOptions { sources: TaskSource::options(), leaders, departments })
    }
}

/// The list's query: the store's filter as text (the page too).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Query {
    source: String,
    department: String,
    leader: String,
    status: String,
    overdue: String,
    q: String,
    page: String,
    done: Option<String>,
}

impl Query {
    fn filter(&self) -> TaskFilter {
        TaskFilter {
            source: self.source.clone(),
            department: self.department.clone(),
            leader: self.leader.clone(),
            status: self.status.clone(),
            overdue: self.overdue.clone(),
            q: self.q.clone(),
            page: self.page.parse().ok(),
            per_page: None,
        }
    }
}

fn base(path: &str, f: &TaskFilter) -> String {
    query_base(path, &f.pairs())
}

#[derive(Template)]
#[template(path = "task_list.html")]
struct ListPage {
    shell: Shell,
    f: TaskFilter,
    o: TaskOptions,
    statuses: Vec<(&'static str, &'static str)>,
    counts: TaskCounts,
    can_write: bool,
    export_href: String,
    rows: Vec<Task>,
    pager: Pager,
    /// Refused import rows ("第 3 行“完成时限”：…").
    import_errors: Vec<String>,
}

fn bad_filter(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(i) => AppError::BadRequest(i.to_string()),
        e => e.into(),
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    f: TaskFilter,
    done: Option<&str>,
    import_errors: Vec<String>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let page = tasks::list(&state.db, &scope, zone, &TaskFilter { per_page: Some(50), ..f.clone() })
        .await
        .map_err(bad_filter)?;
    let mut statuses = vec![("open", "未销号")];
    statuses.extend(TaskStatus::options());
    let status = if import_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = ListPage {
        shell: Shell::load(state, user, "/tasks", done).await?,
        o: TaskOptions::load(state, user, "").await?,
        statuses,
        counts: tasks::counts(&state.db, &scope, zone).await?,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/tasks.xlsx", &f),
        pager: Pager::new(&page, &base("/tasks", &f)),
        rows: page.rows,
        import_errors,
        f,
    };
    Ok((status, html(&p)?).into_response())
}

async fn list(State(state): State<AppState>, user: CurrentUser, AppQuery(q): AppQuery<Query>) -> AppResult<Response> {
    list_page(&state, &user, q.filter(), q.done.as_deref(), Vec::new()).await
}

/// A task as a row of the 台账.
fn row_of(t: &Task, milestones: &[Milestone]) -> TaskRow {
    TaskRow {
        title: t.title.clone(),
        source: t.source.label().to_string(),
        leader: t.lead_leader.clone().unwrap_or_default(),
        department: t.department.clone(),
        collaborating: t.collaborating.join("、"),
        assigned_date: t.assigned_date.to_string(),
        deadline: t.deadline.to_string(),
        milestones: milestones
            .iter()
            .map(|m| match m.done_date {
                Some(d) => format!("{} {}（已完成 {d}）", m.due_date, m.title),
                None => format!("{} {}", m.due_date, m.title),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        progress: t.latest.clone().unwrap_or_default(),
        status: t.status.label().to_string(),
        overdue: if t.overdue { "已逾期" } else { "" }.to_string(),
    }
}

/// The filtered list (all pages) as XLSX.
async fn export(State(state): State<AppState>, user: CurrentUser, AppQuery(q): AppQuery<Query>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let rows: Vec<TaskRow> = tasks::export_rows(&state.db, &scope, zone, &q.filter())
        .await
        .map_err(bad_filter)?
        .iter()
        .map(|(t, m)| row_of(t, m))
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = task_table::export(&format!("{zone_name}重点工作任务台账（{} 项）", rows.len()), &rows)
        .map_err(AppError::Internal)?;
    Ok(xlsx_download("重点工作任务台账.xlsx", bytes))
}

/// The uploaded task list (`file`): every row checked, all added or none.
async fn import(State(state): State<AppState>, user: CurrentUser, mut mp: Multipart) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge("上传的文件过大".into())
                } else {
                    AppError::BadRequest(e.body_text())
                }
            })?);
        }
    }
    let errors = |list: Vec<String>| list_page(&state, &user, TaskFilter::default(), None, list);
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return errors(vec!["请选择要导入的 Excel 文件".into()]).await;
    };
    let rows = match task_table::import(&bytes) {
        Ok(r) => r,
        Err(list) => return errors(list.iter().map(|e| e.to_string()).collect()).await,
    };
    let rows: Vec<ImportRow> = rows
        .into_iter()
        .map(|(line, r)| ImportRow {
            line,
            title: r.title,
            source: r.source,
            leader: r.leader,
            department: r.department,
            collaborating: r.collaborating,
            assigned_date: r.assigned_date,
            deadline: r.deadline,
            milestones: r.milestones,
        })
        .collect();
    match tasks::import(&state.db, &user.actor(), zone, &rows).await? {
        ImportOutcome::Imported { .. } => Ok(Redirect::to("/tasks?done=imported").into_response()),
        ImportOutcome::Rejected(list) => {
            let list = list
                .into_iter()
                .map(|e| CellError { row: e.line, column: e.column, reason: e.reason }.to_string())
                .collect();
            errors(list).await
        }
    }
}
