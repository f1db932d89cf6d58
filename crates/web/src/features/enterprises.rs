//! 招商与项目 → 企业: the zone's enterprises (统一社会信用代码 checked, legacy codes only by
//! administrators), searched by name or code.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::enterprises::{self, Enterprise, EnterpriseForm};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/enterprises", get(Need::READ, list))
        .route("/enterprises/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/enterprises/{id}", get(Need::READ, edit).post(Need::WRITE, update))
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListPage {
    shell: Shell,
    q: String,
    can_write: bool,
    rows: Vec<Enterprise>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let page = enterprises::list(&state.db, &user.actor().scope(), zone, &q.q, q.page.unwrap_or(1), 50).await?;
    let base = query_base("/enterprises", &[("q", &q.q)]);
    html(&ListPage {
        shell: Shell::load(&state, &user, "/enterprises", q.done.as_deref()).await?,
        q: q.q,
        can_write: user.user.role.has(Permission::Write),
        pager: Pager::new(&page, &base),
        rows: page.rows,
    })
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "enterprise_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    /// The name as saved (the heading of the edit page).
    name: String,
    /// The saved record carries a legacy code.
    saved_legacy: bool,
    industry_name: String,
    is_admin: bool,
    can_write: bool,
    form: EnterpriseForm,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

fn on(b: bool) -> Option<String> {
    b.then(|| "on".to_string())
}

fn form_of(e: &Enterprise) -> EnterpriseForm {
    EnterpriseForm {
        name: e.name.clone(),
        credit_code: e.credit_code.clone(),
        legacy: on(e.credit_code_legacy),
        region_code: e.region_code.clone().unwrap_or_default(),
        industry_code: e.industry_code.clone().unwrap_or_default(),
        above_scale: on(e.above_scale),
        contact_person: e.contact_person.clone().unwrap_or_default(),
        contact_phone: e.contact_phone.clone().unwrap_or_default(),
        address: e.address.clone().unwrap_or_default(),
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: Option<EnterpriseForm>,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let (form, name, saved_legacy, industry_name, history) = match id {
        Some(id) => {
            let e = enterprises::get(&state.db, &scope, id).await?;
            let form = form.unwrap_or_else(|| form_of(&e));
            let industry = match (&e.industry_code, &e.industry_name) {
                (Some(c), Some(n)) => format!("{c} {n}"),
                _ => String::new(),
            };
            (form, e.name, e.credit_code_legacy, industry, history(state, &scope, "enterprise", id).await?)
        }
        None => {
            user.require(Permission::Write)?;
            (form.unwrap_or_default(), String::new(), false, String::new(), Vec::new())
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/enterprises", done).await?,
        id,
        name,
        saved_legacy,
        industry_name,
        is_admin: user.user.role.has(Permission::Administer),
        can_write: user.user.role.has(Permission::Write),
        form,
        errors,
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    form_page(&state, &user, None, None, Invalid::new(), None).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<EnterpriseForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match enterprises::create(&state.db, &user.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/enterprises?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, Some(f), errors, None).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    form_page(&state, &user, Some(id), None, Invalid::new(), d.done.as_deref()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<EnterpriseForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match enterprises::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), Some(f), errors, None).await,
        Err(e) => Err(e.into()),
    }
}
