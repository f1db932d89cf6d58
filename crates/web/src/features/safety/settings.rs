//! 系统管理 → 安全检查设置: how many inspection days a week the zone aims at, and after how many
//! overdue days the leaders are told.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::{StoreError, notifications};
use serde::Deserialize;

use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/admin/safety", get(Need::ADMIN, show).post(Need::ADMIN, save))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    weekly_inspection_days: String,
    escalate_after_days: String,
}

#[derive(Template)]
#[template(path = "safety_settings.html")]
struct SettingsPage {
    shell: Shell,
    form: SettingsForm,
    errors: Invalid,
    history: Vec<HistoryRow>,
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: Option<SettingsForm>,
    errors: Invalid,
    done: Option<&str>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    let form = match form {
        Some(f) => f,
        None => {
            let (weekly, escalate) = notifications::safety_settings(&state.db, zone).await?;
            SettingsForm { weekly_inspection_days: weekly.to_string(), escalate_after_days: escalate.to_string() }
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SettingsPage {
        shell: Shell::load(state, user, "/admin/safety", done).await?,
        history: history(state, &user.actor().scope(), "safety_settings", zone).await?,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn show(State(state): State<AppState>, user: CurrentUser, AppQuery(d): AppQuery<Done>) -> AppResult<Response> {
    page(&state, &user, None, Invalid::new(), d.done.as_deref()).await
}

/// A whole number of days, or a message beside the field.
fn days(e: &mut Invalid, field: &str, label: &str, s: &str) -> i32 {
    s.trim().parse::<i32>().unwrap_or_else(|_| {
        e.add(field, format!("{label}应为整数"));
        0
    })
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<SettingsForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    let mut e = Invalid::new();
    let weekly = days(&mut e, "weekly_inspection_days", "每周入企检查天数", &f.weekly_inspection_days);
    let escalate = days(&mut e, "escalate_after_days", "逾期多少天后报告领导", &f.escalate_after_days);
    if !e.is_empty() {
        return page(&state, &user, Some(f), e, None).await;
    }
    match notifications::save_safety_settings(&state.db, &user.actor(), zone, weekly, escalate).await {
        Ok(()) => Ok(Redirect::to("/admin/safety?done=saved").into_response()),
        Err(StoreError::Invalid(errors)) => page(&state, &user, Some(f), errors, None).await,
        Err(e) => Err(e.into()),
    }
}
