//! 系统管理 → 开发区信息: the zone's own profile.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::zone::{RiskGrade, ZoneForm, ZoneLevel};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::{StoreError, zones};
use serde::Deserialize;

use super::common::{HistoryRow, history};
use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/admin/zone", get(Need::ADMIN, show).post(Need::ADMIN, save))
}

#[derive(Template)]
#[template(path = "zone.html")]
struct ZonePage {
    shell: Shell,
    form: ZoneForm,
    errors: Invalid,
    levels: Vec<(&'static str, &'static str)>,
    grades: Vec<(&'static str, &'static str)>,
    history: Vec<HistoryRow>,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    form: Option<ZoneForm>,
    errors: Invalid,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let scope = user.actor().scope();
    let z = zones::get(&state.db, &scope, user.zone_id()?).await?;
    let form = form.unwrap_or_else(|| ZoneForm {
        name: z.name.clone(),
        level: z.level.code().to_string(),
        region_code: z.region_code.clone(),
        city_name: z.city_name.clone(),
        risk_grade: z.risk_grade.map(|g| g.code().to_string()).unwrap_or_default(),
        staff_posts: z.staff_posts.to_string(),
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ZonePage {
        shell: Shell::load(state, user, "/admin/zone", done).await?,
        form,
        errors,
        levels: ZoneLevel::ALL.iter().map(|l| (l.code(), l.label())).collect(),
        grades: RiskGrade::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        history: history(state, &scope, "zone", z.id).await?,
    };
    Ok((status, html(&page)?).into_response())
}

async fn show(State(state): State<AppState>, user: CurrentUser, Query(d): Query<Done>) -> AppResult<Response> {
    page(&state, &user, d.done.as_deref(), None, Invalid::new()).await
}

async fn save(State(state): State<AppState>, user: CurrentUser, AppForm(f): AppForm<ZoneForm>) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    match zones::update(&state.db, &user.actor(), user.zone_id()?, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/zone?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => page(&state, &user, None, Some(f), errors).await,
        Err(e) => Err(e.into()),
    }
}
