//! 招商与项目 → 企业: the zone's enterprises (统一社会信用代码 checked, legacy codes only by
//! administrators), searched by name, code or the exact contact phone (blind index), exported as
//! XLSX; the contact phone shown whole only to roles holding `ReadPersonal`, masked to the others
//! (the store decides, `enterprises::list_as/get_as`). Edits carry the optimistic version.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::enterprises::{self, Enterprise, EnterpriseForm};
use serde::Deserialize;

use super::common::{HistoryRow, Pager, history, query_base, stale_errors};
use crate::error::{AppError, AppResult, form_errors, with_status};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/enterprises", get(Need::READ, list))
        .route("/enterprises.xlsx", get(Need::READ, export))
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
    export_href: String,
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
    let page = enterprises::list_as(&state.db, &user.actor(), zone, &q.q, q.page.unwrap_or(1), 50).await?;
    let base = query_base("/enterprises", &[("q", &q.q)]);
    html(&ListPage {
        shell: Shell::load(&state, &user, "/enterprises", q.done.as_deref()).await?,
        export_href: query_base("/enterprises.xlsx", &[("q", &q.q)]),
        q: q.q,
        can_write: user.user.role.has(Permission::Write),
        pager: Pager::new(&page, &base),
        rows: page.rows,
    })
}

const HEADERS: [&str; 9] =
    ["序号", "企业名称", "统一社会信用代码", "行业代码", "行业", "规上", "联系人", "联系电话", "地址"];

/// The searched list (all pages) as XLSX; the phone as the reader may see it.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    // every page of the search, 10,000 rows at a time (the store's largest page)
    let mut all = Vec::new();
    for page in 1.. {
        let p = enterprises::list_as(&state.db, &user.actor(), zone, &q.q, page, 10_000).await?;
        let last = p.pages() <= page;
        all.extend(p.rows);
        if last {
            break;
        }
    }
    let rows: Vec<Vec<Cell>> = all
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                Cell::Int(i as i64 + 1),
                e.name.clone().into(),
                e.credit_code.clone().into(),
                e.industry_code.clone().into(),
                e.industry_name.clone().into(),
                if e.above_scale { "是" } else { "否" }.into(),
                e.contact_person.clone().into(),
                e.contact_phone.clone().into(),
                e.address.clone().into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &user.actor().scope(), zone).await?.name;
    let bytes = table::export("企业", &format!("{zone_name}企业名录（{} 家）", rows.len()), &HEADERS, &rows)
        .map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"enterprises.xlsx\"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
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
            let e = enterprises::get_as(&state.db, &user.actor(), id).await?;
            let form = form.unwrap_or_else(|| EnterpriseForm::from_enterprise(&e));
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
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            with_status(form_page(&state, &user, None, Some(f), errors, None).await, status)
        }
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
        Err(kaifaqu_store::StoreError::Stale) => {
            // 409: the input kept with what changed, and the current version in the hidden
            // field, so saving again overwrites knowingly
            let scope = user.actor().scope();
            let mut f = f;
            f.version = enterprises::get(&state.db, &scope, id).await?.version.to_string();
            let errors = stale_errors(&state, &scope, "enterprise", id).await?;
            with_status(form_page(&state, &user, Some(id), Some(f), errors, None).await, StatusCode::CONFLICT)
        }
        Err(e) => {
            let (status, errors) = form_errors(e)?;
            with_status(form_page(&state, &user, Some(id), Some(f), errors, None).await, status)
        }
    }
}
