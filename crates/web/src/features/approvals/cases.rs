//! 审批代办事项: the ledger (filters incl. overdue, working days used against the limit, XLSX),
//! the register/edit form, and one case with its steps, commitments (with the verify form) and
//! documents (attachments linked to the case).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::approval::{self, CaseAction, CaseStatus, CommitmentStatus};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::approval_cases::{
    self, Case, CaseFilter, CaseForm, Commitment, CommitmentForm, StepForm, VerifyForm,
};
use kaifaqu_store::attachments::{self, Attachment};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::CaseOptions;
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, Pager, history, query_base};
use crate::features::common::{XLSX, file_download};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/approvals/cases", get(Need::READ, list))
        .route("/approvals/cases.xlsx", get(Need::READ, export))
        .route("/approvals/cases/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/approvals/cases/{id}", get(Need::READ, show))
        .route("/approvals/cases/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
        .route("/approvals/cases/{id}/steps", post(Need::WRITE, add_step))
        .route("/approvals/cases/{id}/commitments", post(Need::WRITE, add_commitment))
        .route("/approvals/commitments/{id}/verify", post(Need::WRITE, verify))
        .route(
            "/approvals/cases/{id}/attachments",
            post(Need::WRITE, upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
}

/// The ledger's query: the store's filter as text (pages come as text too).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Query {
    status: String,
    power: String,
    project: String,
    commitment: String,
    agency: String,
    agent: String,
    leader: String,
    from: String,
    to: String,
    overdue: String,
    on_time: String,
    q: String,
    page: String,
}

impl Query {
    fn filter(&self) -> CaseFilter {
        CaseFilter {
            status: self.status.clone(),
            power: self.power.clone(),
            project: self.project.clone(),
            commitment: self.commitment.clone(),
            agency: self.agency.clone(),
            agent: self.agent.clone(),
            leader: self.leader.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            overdue: self.overdue.clone(),
            on_time: self.on_time.clone(),
            q: self.q.clone(),
            page: self.page.parse().ok(),
            per_page: None,
        }
    }
}

fn base(path: &str, f: &CaseFilter) -> String {
    query_base(path, &f.pairs())
}

#[derive(Template)]
#[template(path = "approval_cases.html")]
struct ListPage {
    shell: Shell,
    f: CaseFilter,
    o: CaseOptions,
    statuses: Vec<(&'static str, &'static str)>,
    can_write: bool,
    export_href: String,
    rows: Vec<Case>,
    pager: Pager,
}

fn bad_filter(e: StoreError) -> AppError {
    match e {
        StoreError::Invalid(i) => AppError::BadRequest(i.to_string()),
        e => e.into(),
    }
}

async fn list(State(state): State<AppState>, user: CurrentUser, AppQuery(q): AppQuery<Query>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let f = q.filter();
    let page =
        approval_cases::list(&state.db, &user.actor().scope(), zone, &CaseFilter { per_page: Some(50), ..f.clone() })
            .await
            .map_err(bad_filter)?;
    let mut statuses = vec![("open", "未办结")];
    statuses.extend(CaseStatus::options());
    html(&ListPage {
        shell: Shell::load(&state, &user, "/approvals/cases", None).await?,
        o: CaseOptions::load(&state, &user).await?,
        statuses,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/approvals/cases.xlsx", &f),
        pager: Pager::new(&page, &base("/approvals/cases", &f)),
        rows: page.rows,
        f,
    })
}

const HEADERS: [&str; 15] = [
    "序号",
    "审批事项",
    "项目",
    "申请人",
    "承诺制",
    "全代办",
    "代办员",
    "包保领导",
    "收件日期",
    "受理日期",
    "办结日期",
    "承诺时限（工作日）",
    "已用工作日",
    "办理状态",
    "是否逾期",
];

async fn export(State(state): State<AppState>, user: CurrentUser, AppQuery(q): AppQuery<Query>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let f = CaseFilter { page: Some(1), per_page: Some(10_000), ..q.filter() };
    let all = approval_cases::list(&state.db, &scope, zone, &f).await.map_err(bad_filter)?;
    let yes = |b: bool| Cell::from(if b { "是" } else { "否" });
    let rows: Vec<Vec<Cell>> = all
        .rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                Cell::Int(i as i64 + 1),
                c.power.clone().into(),
                c.project.clone().into(),
                c.applicant.clone().into(),
                yes(c.commitment),
                yes(c.agency),
                c.agent.clone().into(),
                c.leader.clone().into(),
                c.received_date.to_string().into(),
                c.accepted_date.map(|d| d.to_string()).into(),
                c.approved_date.map(|d| d.to_string()).into(),
                Cell::Int(c.promised_days.into()),
                Cell::Int(c.days_used.into()),
                c.status.label().into(),
                if c.overdue { "已逾期" } else { "" }.into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes =
        table::export("审批代办事项", &format!("{zone_name}审批代办事项台账（{} 件）", rows.len()), &HEADERS, &rows)
            .map_err(AppError::Internal)?;
    Ok(file_download("approval-cases.xlsx", "审批代办事项台账.xlsx", XLSX, bytes))
}

#[derive(Template)]
#[template(path = "approval_case_form.html")]
struct FormPage {
    shell: Shell,
    /// The case being edited.
    id: Option<i64>,
    form: CaseForm,
    errors: Invalid,
    o: CaseOptions,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: CaseForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/approvals/cases", None).await?,
        o: CaseOptions::load(state, user).await?,
        id,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    project: String,
    power: String,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<NewQuery>,
) -> AppResult<Response> {
    user.zone_id()?;
    let form = CaseForm {
        project_id: q.project,
        power_id: q.power,
        received_date: lookups::today().to_string(),
        agent_id: user.user.id.to_string(),
        ..Default::default()
    };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<CaseForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_cases::create(&state.db, &user.actor(), &f).await {
        Ok(c) => Ok(Redirect::to(&format!("/approvals/cases/{}?done=created", c.id)).into_response()),
        Err(StoreError::Invalid(e)) => form_page(&state, &user, None, f, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let (c, _) = approval_cases::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), c.form(), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CaseForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    approval_cases::get(&state.db, &user.actor().scope(), id).await?;
    match approval_cases::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/cases/{id}?done=saved")).into_response()),
        Err(e) => {
            // bad fields (422) or a stale version (409): the form again, with the input kept
            let (status, e) = crate::error::form_errors(e)?;
            crate::error::with_status(form_page(&state, &user, Some(id), f, e).await, status)
        }
    }
}

/// One line of the case's steps.
struct StepRow {
    label: &'static str,
    date: String,
}

#[derive(Template)]
#[template(path = "approval_case.html")]
struct CasePage {
    shell: Shell,
    c: Case,
    steps: Vec<StepRow>,
    commitments: Vec<Commitment>,
    documents: Vec<Attachment>,
    can_write: bool,
    actions: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    step: StepForm,
    commitment: CommitmentForm,
    verify: VerifyForm,
    /// The commitment the verify form was for, when refused.
    verify_id: i64,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

struct Forms {
    step: StepForm,
    commitment: CommitmentForm,
    verify: VerifyForm,
    verify_id: i64,
    errors: Invalid,
}

impl Forms {
    fn blank() -> Forms {
        let today = lookups::today().to_string();
        Forms {
            step: StepForm { date: today.clone(), ..Default::default() },
            commitment: CommitmentForm::default(),
            verify: VerifyForm { date: today, ..Default::default() },
            verify_id: 0,
            errors: Invalid::new(),
        }
    }
}

async fn page(state: &AppState, user: &CurrentUser, id: i64, forms: Forms, done: Option<&str>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let (c, commitments) = approval_cases::get(&state.db, &scope, id).await?;
    let documents = attachments::linked(&state.db, &scope, zone, &[("approval_case", id.to_string())]).await?;
    let mut steps = vec![StepRow { label: "收件", date: c.received_date.to_string() }];
    if let Some(d) = c.accepted_date {
        steps.push(StepRow { label: "受理", date: d.to_string() });
    }
    if let Some(d) = c.approved_date {
        steps.push(StepRow { label: c.status.label(), date: d.to_string() });
    }
    let actions = CaseAction::ALL
        .iter()
        .filter(|a| approval::transition(c.status, **a).is_ok())
        .map(|a| (a.code(), a.label()))
        .collect();
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let p = CasePage {
        shell: Shell::load(state, user, "/approvals/cases", done).await?,
        steps,
        commitments,
        documents,
        can_write: user.user.role.has(Permission::Write),
        actions,
        results: vec![
            (CommitmentStatus::Fulfilled.code(), CommitmentStatus::Fulfilled.label()),
            (CommitmentStatus::Unfulfilled.code(), CommitmentStatus::Unfulfilled.label()),
        ],
        step: forms.step,
        commitment: forms.commitment,
        verify: forms.verify,
        verify_id: forms.verify_id,
        errors: forms.errors,
        history: history(state, &scope, "approval_case", id).await?,
        c,
    };
    Ok((status, html(&p)?).into_response())
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    page(&state, &user, id, Forms::blank(), d.done.as_deref()).await
}

async fn add_step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<StepForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_cases::step(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/cases/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            page(&state, &user, id, Forms { step: f, errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_commitment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<CommitmentForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_cases::add_commitment(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/cases/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            page(&state, &user, id, Forms { commitment: f, errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<VerifyForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match approval_cases::verify(&state.db, &user.actor(), id, &f).await {
        Ok(k) => Ok(Redirect::to(&format!("/approvals/cases/{}?done=saved", k.case_id)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let case_id = approval_cases::list_commitments(
                &state.db,
                &user.actor().scope(),
                user.zone_id()?,
                &approval_cases::CommitmentFilter { per_page: Some(10_000), ..Default::default() },
            )
            .await?
            .rows
            .into_iter()
            .find(|k| k.id == id)
            .map(|k| k.case_id)
            .ok_or(AppError::NotFound)?;
            page(&state, &user, case_id, Forms { verify: f, verify_id: id, errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A document of the case (批文, 承诺书, 申请材料).
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    approval_cases::get(&state.db, &user.actor().scope(), id).await?;
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("附件").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge("上传的文件过大".into())
                } else {
                    AppError::BadRequest(e.body_text())
                }
            })?;
            file = Some((name, bytes));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let errors = Invalid::one("file", "请选择要上传的文件");
        return page(&state, &user, id, Forms { errors, ..Forms::blank() }, None).await;
    };
    let sid = id.to_string();
    match attachments::upload(&state.db, &state.storage, &user.actor(), &name, bytes, Some(("approval_case", &sid)))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/approvals/cases/{id}?done=uploaded")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let errors = Invalid::one("file", e.to_string());
            page(&state, &user, id, Forms { errors, ..Forms::blank() }, None).await
        }
        Err(e) => Err(e.into()),
    }
}
