//! 安全生产 → 入企检查: the list (by enterprise and date), the record form (inspectors chosen in a
//! multi-select of the zone's users) and one inspection with the hazards registered from it.

use askama::Template;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::safety::InspectionType;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::hazards::{self, Hazard, HazardFilter};
use kaifaqu_store::inspections::{self, Inspection, InspectionFilter, InspectionForm};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::{Options, deadline_text, enterprise_options, user_options};
use crate::error::AppResult;
use crate::extract::{AppQuery, CurrentUser};
use crate::features::common::{Pager, query_base};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/safety/inspections", get(Need::READ, list))
        .route("/safety/inspections/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/safety/inspections/{id}", get(Need::READ, show))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    enterprise: String,
    from: String,
    to: String,
    page: Option<u64>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "safety_inspections.html")]
struct ListPage {
    shell: Shell,
    q: ListQuery,
    enterprises: Options,
    can_write: bool,
    rows: Vec<Inspection>,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<ListQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let f = InspectionFilter {
        enterprise: q.enterprise.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        page: q.page,
        per_page: Some(50),
    };
    let page = inspections::list(&state.db, &user.actor().scope(), zone, &f).await?;
    let base = query_base("/safety/inspections", &[("enterprise", &q.enterprise), ("from", &q.from), ("to", &q.to)]);
    html(&ListPage {
        shell: Shell::load(&state, &user, "/safety/inspections", q.done.as_deref()).await?,
        enterprises: enterprise_options(&state, &user).await?,
        can_write: user.user.role.has(Permission::Write),
        pager: Pager::new(&page, &base),
        rows: page.rows,
        q,
    })
}

#[derive(Template)]
#[template(path = "safety_inspection_form.html")]
struct FormPage {
    shell: Shell,
    form: InspectionForm,
    errors: Invalid,
    enterprises: Options,
    kinds: Vec<(&'static str, &'static str)>,
    users: Options,
}

impl FormPage {
    fn chosen(&self, id: &str) -> bool {
        self.form.inspector_ids.iter().any(|i| i.trim() == id)
    }

    fn guidance(&self) -> bool {
        self.form.guidance.as_deref().is_some_and(|g| matches!(g, "on" | "true" | "1"))
    }
}

/// The form from a urlencoded body: `inspector_ids` repeats (a multi-select).
fn parse_form(body: &[u8]) -> InspectionForm {
    let mut f = InspectionForm::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "enterprise_id" => f.enterprise_id = v,
            "date" => f.date = v,
            "kind" => f.kind = v,
            "inspector_ids" => f.inspector_ids.push(v),
            "experts" => f.experts = v,
            "guidance" => f.guidance = Some(v),
            "findings" => f.findings = v,
            _ => {}
        }
    }
    f
}

async fn form_page(state: &AppState, user: &CurrentUser, form: InspectionForm, errors: Invalid) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/safety/inspections", None).await?,
        enterprises: enterprise_options(state, user).await?,
        kinds: InspectionType::options(),
        users: user_options(state, user, &form.inspector_ids).await?,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    enterprise: String,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<NewQuery>,
) -> AppResult<Response> {
    let form = InspectionForm {
        enterprise_id: q.enterprise.trim().parse::<i64>().map(|e| e.to_string()).unwrap_or_default(),
        date: lookups::today().to_string(),
        kind: InspectionType::Routine.code().to_string(),
        inspector_ids: vec![user.user.id.to_string()],
        ..Default::default()
    };
    form_page(&state, &user, form, Invalid::new()).await
}

async fn create(State(state): State<AppState>, user: CurrentUser, RawForm(body): RawForm) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let f = parse_form(&body);
    match inspections::create(&state.db, &user.actor(), &f).await {
        Ok(i) => Ok(Redirect::to(&format!("/safety/inspections/{}?done=created", i.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "safety_inspection.html")]
struct ShowPage {
    shell: Shell,
    i: Inspection,
    can_write: bool,
    hazards: Vec<(Hazard, String)>,
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
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let i = inspections::get(&state.db, &scope, id).await?;
    let f = HazardFilter { enterprise: i.enterprise_id.to_string(), per_page: Some(10_000), ..Default::default() };
    let hazards = hazards::list(&state.db, &scope, zone, &f)
        .await?
        .rows
        .into_iter()
        .filter(|h| h.inspection_id == Some(id))
        .map(|h| {
            let d = deadline_text(&h);
            (h, d)
        })
        .collect();
    html(&ShowPage {
        shell: Shell::load(&state, &user, "/safety/inspections", d.done.as_deref()).await?,
        can_write: user.user.role.has(Permission::Write),
        hazards,
        i,
    })
}
