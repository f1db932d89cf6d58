//! 安全生产 → 企业安全档案: the zone's enterprises with their chemical flag, risk colour and open /
//! overdue hazards; one enterprise's profile (notes, 重大危险源, 特殊作业报备, 承包商), its
//! inspections and hazards.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::safety::{RiskColour, SpecialWork};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::enterprises as ent_store;
use kaifaqu_store::hazards::{self, Hazard, HazardFilter};
use kaifaqu_store::inspections::{
    self, ENTRY_KINDS, EntryForm, Inspection, InspectionFilter, ProfileForm, SafetyProfile,
};
use serde::Deserialize;

use super::{Options, deadline_text, user_options};
use crate::error::AppResult;
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/safety/enterprises", get(Need::READ, list))
        .route("/safety/enterprises/{id}", get(Need::READ, show).post(Need::WRITE, save_profile))
        .route("/safety/enterprises/{id}/entries", post(Need::WRITE, add_entry))
}

pub struct EnterpriseRow {
    pub id: i64,
    pub name: String,
    pub chemical: bool,
    pub colour: Option<RiskColour>,
    pub open: u64,
    pub overdue: u64,
}

#[derive(Template)]
#[template(path = "safety_enterprises.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<EnterpriseRow>,
    open: u64,
    overdue: u64,
}

/// (open, overdue) hazards per enterprise, from one query.
async fn open_counts(state: &AppState, user: &CurrentUser) -> AppResult<HashMap<i64, (u64, u64)>> {
    let f = HazardFilter { status: "open".into(), per_page: Some(10_000), ..Default::default() };
    let rows = hazards::list(&state.db, &user.actor().scope(), user.zone_id()?, &f).await?.rows;
    let mut counts: HashMap<i64, (u64, u64)> = HashMap::new();
    for h in rows {
        let c = counts.entry(h.enterprise_id).or_default();
        c.0 += 1;
        c.1 += u64::from(h.overdue);
    }
    Ok(counts)
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let counts = open_counts(&state, &user).await?;
    let flags = inspections::profile_flags(&state.db, &scope, zone).await?;
    let mut rows = Vec::new();
    for (id, name) in ent_store::names(&state.db, &scope, zone).await? {
        let (chemical, colour) = flags.get(&id).copied().unwrap_or_default();
        let (open, overdue) = counts.get(&id).copied().unwrap_or_default();
        rows.push(EnterpriseRow { id, name, chemical, colour, open, overdue });
    }
    // chemical enterprises and those with open hazards first
    rows.sort_by(|a, b| b.chemical.cmp(&a.chemical).then(b.open.cmp(&a.open)).then(a.name.cmp(&b.name)));
    html(&ListPage {
        shell: Shell::load(&state, &user, "/safety/enterprises", None).await?,
        open: rows.iter().map(|r| r.open).sum(),
        overdue: rows.iter().map(|r| r.overdue).sum(),
        rows,
    })
}

/// An entry of the profile as the table shows it.
pub struct EntryRow {
    pub kind: &'static str,
    pub name: String,
    pub grade: String,
    pub date: String,
    pub official: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "safety_enterprise.html")]
struct ShowPage {
    shell: Shell,
    p: SafetyProfile,
    can_write: bool,
    colours: Vec<(&'static str, &'static str)>,
    profile: ProfileForm,
    profile_errors: Invalid,
    entries: Vec<EntryRow>,
    kinds: &'static [(&'static str, &'static str)],
    works: Vec<(&'static str, &'static str)>,
    grades: [&'static str; 4],
    users: Options,
    entry: EntryForm,
    entry_errors: Invalid,
    inspections: Vec<Inspection>,
    hazards: Vec<(Hazard, String)>,
    open: usize,
    overdue: usize,
}

impl ShowPage {
    fn chemical(&self) -> bool {
        self.profile.chemical.as_deref().is_some_and(|c| matches!(c, "on" | "true" | "1"))
    }
}

fn profile_form(p: &SafetyProfile) -> ProfileForm {
    ProfileForm {
        chemical: p.chemical.then(|| "1".to_string()),
        risk_colour: p.risk_colour.map(|c| c.code().to_string()).unwrap_or_default(),
        notes: p.notes.clone(),
        version: p.version.to_string(),
    }
}

fn entry_row(e: &inspections::SafetyEntry) -> EntryRow {
    let grade = e.grade.clone().unwrap_or_default();
    EntryRow {
        kind: ENTRY_KINDS.iter().find(|(k, _)| *k == e.kind).map(|(_, l)| *l).unwrap_or("其他"),
        grade: SpecialWork::parse(&grade).map(|w| w.label().to_string()).unwrap_or(grade),
        name: e.name.clone(),
        date: e.date.map(|d| d.to_string()).unwrap_or_default(),
        official: e.official.clone().unwrap_or_default(),
        detail: e.detail.clone(),
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    forms: (Option<ProfileForm>, Invalid, EntryForm, Invalid),
    done: Option<&str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let p = inspections::profile(&state.db, &scope, id).await?;
    let (profile, profile_errors, entry, entry_errors) = forms;
    let f = InspectionFilter { enterprise: id.to_string(), per_page: Some(100), ..Default::default() };
    let inspections = inspections::list(&state.db, &scope, zone, &f).await?.rows;
    let f = HazardFilter { enterprise: id.to_string(), per_page: Some(10_000), ..Default::default() };
    let hazards: Vec<(Hazard, String)> = hazards::list(&state.db, &scope, zone, &f)
        .await?
        .rows
        .into_iter()
        .map(|h| {
            let d = deadline_text(&h);
            (h, d)
        })
        .collect();
    let status = if profile_errors.is_empty() && entry_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let keep = [entry.official_id.clone()];
    let page = ShowPage {
        shell: Shell::load(state, user, "/safety/enterprises", done).await?,
        can_write: user.user.role.has(Permission::Write),
        colours: RiskColour::options(),
        profile: profile.unwrap_or_else(|| profile_form(&p)),
        profile_errors,
        entries: p.entries.iter().map(entry_row).collect(),
        kinds: ENTRY_KINDS,
        works: SpecialWork::options(),
        grades: ["一级", "二级", "三级", "四级"],
        users: user_options(state, user, &keep).await?,
        entry,
        entry_errors,
        inspections,
        open: hazards.iter().filter(|(h, _)| h.status.is_open()).count(),
        overdue: hazards.iter().filter(|(h, _)| h.overdue).count(),
        hazards,
        p,
    };
    Ok((status, html(&page)?).into_response())
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
    let forms = (None, Invalid::new(), EntryForm::default(), Invalid::new());
    page(&state, &user, id, forms, d.done.as_deref()).await
}

async fn save_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ProfileForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match inspections::save_profile(&state.db, &user.actor(), id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/safety/enterprises/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(e)) => {
            page(&state, &user, id, (Some(f), e, EntryForm::default(), Invalid::new()), None).await
        }
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = inspections::profile(&state.db, &scope, id).await?;
            let e = crate::features::common::stale_errors(&state, &scope, "safety_profile", id).await?;
            let f = ProfileForm { version: current.version.to_string(), ..f };
            let res = page(&state, &user, id, (Some(f), e, EntryForm::default(), Invalid::new()), None).await;
            crate::error::with_status(res, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<EntryForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match inspections::add_entry(&state.db, &user.actor(), id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/safety/enterprises/{id}?done=created")).into_response()),
        Err(StoreError::Invalid(e)) => page(&state, &user, id, (None, Invalid::new(), f, e), None).await,
        Err(e) => Err(e.into()),
    }
}
