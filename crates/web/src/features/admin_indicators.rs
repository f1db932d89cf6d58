//! 系统管理 → 指标目录: the indicator catalog.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::indicators::{self, Indicator, IndicatorForm, UNITS};
use serde::Deserialize;

use super::common::{HistoryRow, history};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/admin/indicators", get(Need::ADMIN, admin_list))
        .route("/admin/indicators/new", get(Need::ADMIN, admin_new).post(Need::ADMIN, admin_create))
        .route("/admin/indicators/{id}", get(Need::ADMIN, admin_edit).post(Need::ADMIN, admin_update))
}

// ---------------------------------------------------------------------------------------------
// 系统管理 → 指标目录
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Done {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "indicator_admin.html")]
struct AdminListPage {
    shell: Shell,
    rows: Vec<Indicator>,
}

async fn admin_list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let rows = indicators::list(&state.db, false).await?;
    html(&AdminListPage { shell: Shell::load(&state, &user, "/admin/indicators", d.done.as_deref()).await?, rows })
}

#[derive(Template)]
#[template(path = "indicator_form.html")]
struct AdminFormPage {
    shell: Shell,
    id: Option<i64>,
    title: String,
    form: IndicatorForm,
    january_alone: bool,
    growth_reported: bool,
    active: bool,
    errors: Invalid,
    units: &'static [&'static str],
    kinds: [(&'static str, &'static str); 2],
    decimals: Vec<String>,
    history: Vec<HistoryRow>,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| matches!(s, "on" | "true" | "1"))
}

fn form_of(i: &Indicator) -> IndicatorForm {
    let flag = |b: bool| b.then(|| "on".to_string());
    IndicatorForm {
        code: i.code.clone(),
        name: i.name.clone(),
        unit: i.unit.clone(),
        kind: i.kind.clone(),
        january_alone: flag(i.january_alone),
        growth_reported: flag(i.growth_reported),
        decimals: i.decimals.to_string(),
        sort_order: i.sort_order.to_string(),
        active: flag(i.active),
        version: i.version.to_string(),
    }
}

async fn admin_form(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: IndicatorForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let scope = user.actor().scope();
    let (title, history) = match id {
        Some(id) => {
            let i = indicators::get(&state.db, id).await?;
            (format!("修改指标：{}", i.name), history(state, &scope, "indicator", id).await?)
        }
        None => ("新增指标".to_string(), Vec::new()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.message_for("version").is_some_and(|m| m.starts_with(kaifaqu_store::error::STALE_MESSAGE)) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AdminFormPage {
        shell: Shell::load(state, user, "/admin/indicators", None).await?,
        id,
        title,
        january_alone: on(&form.january_alone),
        growth_reported: on(&form.growth_reported),
        active: on(&form.active),
        form,
        errors,
        units: UNITS,
        kinds: [("flow", "累计值（1-N月累计）"), ("stock", "时点值（期末数）")],
        decimals: (0..=4).map(|d| d.to_string()).collect(),
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn admin_new(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = IndicatorForm {
        unit: "亿元".into(),
        kind: "flow".into(),
        growth_reported: Some("on".into()),
        decimals: "2".into(),
        active: Some("on".into()),
        ..Default::default()
    };
    admin_form(&state, &user, None, form, Invalid::new()).await
}

/// An unticked box sends nothing; the store reads a missing `active` as "on".
fn explicit_active(mut f: IndicatorForm) -> IndicatorForm {
    f.active = Some(if on(&f.active) { "on".into() } else { "off".into() });
    f
}

async fn admin_create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<IndicatorForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let f = explicit_active(f);
    match indicators::create(&state.db, &user.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/admin/indicators?done=created").into_response()),
        Err(StoreError::Invalid(errors)) => admin_form(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn admin_edit(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let i = indicators::get(&state.db, id).await?;
    admin_form(&state, &user, Some(id), form_of(&i), Invalid::new()).await
}

async fn admin_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<IndicatorForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let f = explicit_active(f);
    match indicators::update(&state.db, &user.actor(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/indicators?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => admin_form(&state, &user, Some(id), f, errors).await,
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let current = indicators::get(&state.db, id).await?;
            let errors = super::common::stale_errors(&state, &user.actor().scope(), "indicator", id).await?;
            let f = IndicatorForm { version: current.version.to_string(), ..f };
            admin_form(&state, &user, Some(id), f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
