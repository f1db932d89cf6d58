//! 审批权限清单: the catalogue with its filters, the add/edit form, deactivation, and the list as
//! XLSX out and back in (all rows or none; refused rows listed with row and column).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::approval::PowerCategory;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::plan_table::CellError;
use kaifaqu_reports::powers_table::{self, PowerRow};
use kaifaqu_store::StoreError;
use kaifaqu_store::approval_powers::{self, ImportOutcome, ImportRow, Power, PowerFilter, PowerForm};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, Pager, history, query_base};
use crate::features::common::{XLSX, file_download};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/approvals/powers", get(Need::READ, list))
        .route("/approvals/powers.xlsx", get(Need::READ, export))
        .route("/approvals/powers/import", post(Need::WRITE, import).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/approvals/powers/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/approvals/powers/{id}", get(Need::READ, edit_form).post(Need::WRITE, update))
        .route("/approvals/powers/{id}/active", post(Need::WRITE, set_active))
}

fn base(path: &str, f: &PowerFilter) -> String {
    query_base(
        path,
        &[
            ("category", &f.category),
            ("commitment", &f.commitment),
            ("q", &f.q),
            ("department", &f.department),
            ("active", &f.active),
        ],
    )
}

#[derive(Template)]
#[template(path = "approval_powers.html")]
struct ListPage {
    shell: Shell,
    f: PowerFilter,
    categories: Vec<(&'static str, &'static str)>,
    departments: Vec<String>,
    can_write: bool,
    export_href: String,
    rows: Vec<Power>,
    pager: Pager,
    /// Refused import rows ("第 3 行“承诺时限（工作日）”：…").
    import_errors: Vec<String>,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    f: PowerFilter,
    done: Option<&str>,
    import_errors: Vec<String>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let page =
        approval_powers::list(&state.db, &scope, zone, &PowerFilter { per_page: Some(100), ..f.clone() }).await?;
    let status = if import_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = ListPage {
        shell: Shell::load(state, user, "/approvals/powers", done).await?,
        categories: PowerCategory::options(),
        departments: approval_powers::departments(&state.db, &scope, zone).await?,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/approvals/powers.xlsx", &f),
        pager: Pager::new(&page, &base("/approvals/powers", &f)),
        rows: page.rows,
        import_errors,
        f,
    };
    Ok((status, html(&p)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    #[serde(flatten)]
    f: PowerFilterQuery,
    done: Option<String>,
}

/// The filter as the page's query string (the store's filter plus `page`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct PowerFilterQuery {
    category: String,
    commitment: String,
    q: String,
    department: String,
    active: String,
    page: Option<String>,
}

impl PowerFilterQuery {
    fn filter(self) -> PowerFilter {
        PowerFilter {
            category: self.category,
            commitment: self.commitment,
            q: self.q,
            department: self.department,
            active: self.active,
            page: self.page.and_then(|p| p.parse().ok()),
            per_page: None,
        }
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    list_page(&state, &user, q.f.filter(), q.done.as_deref(), Vec::new()).await
}

fn row_of(p: &Power) -> PowerRow {
    PowerRow {
        seq: p.seq.to_string(),
        name: p.name.clone(),
        category: p.category.label().to_string(),
        department: p.source_department.clone(),
        legal_basis: p.legal_basis.clone(),
        statutory_days: p.statutory_days.to_string(),
        promised_days: p.promised_days.to_string(),
        commitment: if p.commitment { "是" } else { "否" }.to_string(),
    }
}

/// The filtered catalogue (all pages) as XLSX.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let f = PowerFilter { page: Some(1), per_page: Some(10_000), ..q.f.filter() };
    let rows: Vec<PowerRow> =
        approval_powers::list(&state.db, &scope, zone, &f).await?.rows.iter().map(row_of).collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = powers_table::export(&format!("{zone_name}审批权限清单（{} 项）", rows.len()), &rows)
        .map_err(AppError::Internal)?;
    Ok(file_download("approval-powers.xlsx", "审批权限清单.xlsx", XLSX, bytes))
}

fn located(e: &CellError) -> String {
    e.to_string()
}

/// The uploaded sheet (`file`; `replace=1` deactivates the powers missing from it).
async fn import(State(state): State<AppState>, user: CurrentUser, mut mp: Multipart) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let mut file = None;
    let mut replace = false;
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?),
            Some("replace") => replace = kaifaqu_domain::approval::flag(&field.text().await.unwrap_or_default()),
            _ => {}
        }
    }
    let errors = |list: Vec<String>| list_page(&state, &user, PowerFilter::default(), None, list);
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return errors(vec!["请选择要导入的 Excel 文件".into()]).await;
    };
    let rows = match powers_table::import(&bytes) {
        Ok(r) => r,
        Err(list) => return errors(list.iter().map(located).collect()).await,
    };
    let rows: Vec<ImportRow> = rows
        .into_iter()
        .map(|(line, r)| ImportRow {
            line,
            form: PowerForm {
                seq: r.seq,
                name: r.name,
                category: r.category,
                source_department: r.department,
                legal_basis: r.legal_basis,
                statutory_days: r.statutory_days,
                promised_days: r.promised_days,
                commitment: r.commitment,
                version: String::new(),
            },
        })
        .collect();
    match approval_powers::import(&state.db, &user.actor(), zone, &rows, replace).await? {
        ImportOutcome::Imported { .. } => Ok(Redirect::to("/approvals/powers?done=imported").into_response()),
        ImportOutcome::Rejected(list) => {
            let list = list
                .into_iter()
                .map(|e| located(&CellError { row: e.line, column: e.column, reason: e.reason }))
                .collect();
            errors(list).await
        }
    }
}

#[derive(Template)]
#[template(path = "approval_power_form.html")]
struct FormPage {
    shell: Shell,
    /// None for a new power.
    power: Option<Power>,
    form: PowerForm,
    errors: Invalid,
    categories: Vec<(&'static str, &'static str)>,
    history: Vec<HistoryRow>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    power: Option<Power>,
    form: PowerForm,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    let history = match &power {
        Some(p) => history(state, &user.actor().scope(), "approval_power", p.id).await?,
        None => Vec::new(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/approvals/powers", done).await?,
        power,
        form,
        errors,
        categories: PowerCategory::options(),
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let form = PowerForm { category: PowerCategory::Licence.code().into(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new(), None).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<PowerForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_powers::create(&state.db, &user.actor(), &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/approvals/powers/{}?done=created", p.id)).into_response()),
        Err(StoreError::Invalid(e)) => form_page(&state, &user, None, f, e, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    user.zone_id()?;
    let p = approval_powers::get(&state.db, &user.actor().scope(), id).await?;
    let form = p.form();
    form_page(&state, &user, Some(p), form, Invalid::new(), d.done.as_deref()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<PowerForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let p = approval_powers::get(&state.db, &user.actor().scope(), id).await?;
    match approval_powers::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/powers/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => form_page(&state, &user, Some(p), f, e, None).await,
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = approval_powers::get(&state.db, &scope, id).await?;
            let errors = crate::features::common::stale_errors(&state, &scope, "approval_power", id).await?;
            let f = PowerForm { version: current.version.to_string(), ..f };
            let page = form_page(&state, &user, Some(current), f, errors, None).await;
            crate::error::with_status(page, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActiveForm {
    active: String,
    /// The power's version the button was shown with (a stale one: 409, nothing changed).
    version: String,
}

async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ActiveForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_powers::set_active(&state.db, &user.actor(), id, f.active == "1", &f.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/powers/{id}?done=saved")).into_response()),
        Err(StoreError::Stale) => {
            // 409: the record as it is now, what changed, and its current version on the button
            let scope = user.actor().scope();
            let current = approval_powers::get(&state.db, &scope, id).await?;
            let errors = crate::features::common::stale_button_errors(&state, &scope, "approval_power", id).await?;
            let form = current.form();
            let page = form_page(&state, &user, Some(current), form, errors, None).await;
            crate::error::with_status(page, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
