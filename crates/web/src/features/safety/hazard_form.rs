//! 安全生产 → 登记隐患: the register form (from an inspection or on its own); a 重大隐患 needs
//! its rectification plan and the 挂牌督办 authority, refused beside the fields otherwise.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::safety::HazardLevel;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::hazards::{self, HazardForm};
use kaifaqu_store::inspections::{self, Inspection};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::{Options, category_options, enterprise_options};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/safety/hazards/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
}

#[derive(Template)]
#[template(path = "safety_hazard_form.html")]
struct FormPage {
    shell: Shell,
    form: HazardForm,
    errors: Invalid,
    enterprises: Options,
    categories: Options,
    levels: Vec<(&'static str, &'static str)>,
    /// The inspection the hazard was found on, when registered from one.
    inspection: Option<Inspection>,
}

impl FormPage {
    /// Whether any field of the 重大隐患 plan was refused (the plan is then shown open).
    fn plan_refused(&self) -> bool {
        self.errors.errors.iter().any(|e| e.field.starts_with("plan_") || e.field == "supervisor")
    }
}

async fn form_page(state: &AppState, user: &CurrentUser, form: HazardForm, errors: Invalid) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let inspection = match form.inspection_id.trim().parse::<i64>() {
        Ok(id) => inspections::get(&state.db, &user.actor().scope(), id).await.ok(),
        Err(_) => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/safety/hazards", None).await?,
        enterprises: enterprise_options(state, user).await?,
        categories: category_options(state, user).await?,
        levels: HazardLevel::options(),
        inspection,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    enterprise: String,
    inspection: String,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<NewQuery>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let mut form = HazardForm {
        enterprise_id: q.enterprise.trim().parse::<i64>().map(|e| e.to_string()).unwrap_or_default(),
        level: HazardLevel::General.code().to_string(),
        found_date: lookups::today().to_string(),
        ..Default::default()
    };
    if let Ok(id) = q.inspection.trim().parse::<i64>() {
        // another zone's inspection is a 404, as on its own page
        let i = inspections::get(&state.db, &user.actor().scope(), id).await?;
        form.inspection_id = i.id.to_string();
        form.found_date = i.date.to_string();
        if form.enterprise_id.is_empty() {
            form.enterprise_id = i.enterprise_id.to_string();
        }
    }
    form_page(&state, &user, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<HazardForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match hazards::create(&state.db, &user.actor(), &f).await {
        Ok(h) => Ok(Redirect::to(&format!("/safety/hazards/{}?done=created", h.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, f, errors).await,
        Err(e) => Err(e.into()),
    }
}
