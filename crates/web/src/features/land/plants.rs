//! 闲置厂房: the inventory (status, revitalised dates, text; the m² brought back into use per
//! half-year, each linking to its plants), its XLSX, a plant's page and the new/edit form.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::land::{self, PlantStatus};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::StoreError;
use kaifaqu_store::idle_plants::{self, IdlePlant, PeriodTotal, PlantFilter, PlantForm};

use super::{Options, enterprise_options, project_options};
use crate::error::{AppError, AppResult, form_errors, with_status};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, Pager, history, query_base};
use crate::features::common::{XLSX, file_download};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/land/idle-plants", get(Need::READ, list))
        .route("/land/idle-plants.xlsx", get(Need::READ, export))
        .route("/land/idle-plants/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/land/idle-plants/{id}", get(Need::READ, show))
        .route("/land/idle-plants/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
}

fn base(path: &str, f: &PlantFilter) -> String {
    let pairs = f.pairs();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query_base(path, &refs)
}

#[derive(Template)]
#[template(path = "land_plants.html")]
struct ListPage {
    shell: Shell,
    f: PlantFilter,
    statuses: Vec<(&'static str, &'static str)>,
    periods: Vec<PeriodTotal>,
    can_write: bool,
    export_href: String,
    rows: Vec<IdlePlant>,
    filter_m2: String,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<PlantFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all =
        idle_plants::list(&state.db, &scope, zone, &PlantFilter { page: Some(1), per_page: Some(10_000), ..f.clone() })
            .await?;
    let m2: i64 = all.rows.iter().map(|p| p.building_m2_x100).sum();
    let page = idle_plants::list(&state.db, &scope, zone, &PlantFilter { per_page: Some(50), ..f.clone() }).await?;
    let mut statuses = vec![("open", "未盘活（闲置、洽谈中）")];
    statuses.extend(PlantStatus::options());
    html(&ListPage {
        shell: Shell::load(&state, &user, "/land/idle-plants", None).await?,
        statuses,
        periods: idle_plants::per_period(&state.db, &scope, zone).await?,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/land/idle-plants.xlsx", &f),
        pager: Pager::new(&page, &base("/land/idle-plants", &f)),
        filter_m2: land::m2_text(m2),
        rows: page.rows,
        f,
    })
}

const HEADERS: [&str; 12] = [
    "序号",
    "厂房名称",
    "位置",
    "产权人",
    "建筑面积（平方米）",
    "占地面积（亩）",
    "厂房状况",
    "状态",
    "盘活日期",
    "承接项目",
    "承接企业",
    "备注",
];

/// The filtered inventory (all pages) as XLSX.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<PlantFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all =
        idle_plants::list(&state.db, &scope, zone, &PlantFilter { page: Some(1), per_page: Some(10_000), ..f }).await?;
    let rows: Vec<Vec<Cell>> = all
        .rows
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Cell::Int(i as i64 + 1),
                p.name.clone().into(),
                p.location.clone().into(),
                p.owner_text().into(),
                Cell::Text(land::x100_2(p.building_m2_x100)),
                p.land.map(|a| Cell::Text(a.mu_2())).unwrap_or(Cell::Empty),
                p.condition.clone().into(),
                p.status.label().into(),
                p.revitalised_date.map(|d| d.to_string()).into(),
                p.project.clone().into(),
                p.enterprise.clone().into(),
                p.notes.clone().into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = table::export("闲置厂房", &format!("{zone_name}闲置厂房清单（{} 处）", rows.len()), &HEADERS, &rows)
        .map_err(AppError::Internal)?;
    Ok(file_download("idle-plants.xlsx", "闲置厂房清单.xlsx", XLSX, bytes))
}

#[derive(Template)]
#[template(path = "land_plant.html")]
struct ShowPage {
    shell: Shell,
    p: IdlePlant,
    can_write: bool,
    history: Vec<HistoryRow>,
}

#[derive(serde::Deserialize, Default)]
struct Done {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(d): AppQuery<Done>,
) -> AppResult<Response> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let p = idle_plants::get(&state.db, &scope, id).await?;
    html(&ShowPage {
        shell: Shell::load(&state, &user, "/land/idle-plants", d.done.as_deref()).await?,
        can_write: user.user.role.has(Permission::Write),
        history: history(&state, &scope, "idle_plant", id).await?,
        p,
    })
}

#[derive(Template)]
#[template(path = "land_plant_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    form: PlantForm,
    errors: Invalid,
    statuses: Vec<(&'static str, &'static str)>,
    projects: Options,
    enterprises: Options,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/land/idle-plants/{id}/edit"),
            None => "/land/idle-plants/new".into(),
        }
    }

    fn bad(&self, field: &str) -> &'static str {
        if self.errors.message_for(field).is_some() { " class=\"bad\"" } else { "" }
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: PlantForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/land/idle-plants", None).await?,
        statuses: PlantStatus::options(),
        projects: project_options(state, user).await?,
        enterprises: enterprise_options(state, user).await?,
        id,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = PlantForm { status: PlantStatus::Idle.code().into(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<PlantForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match idle_plants::create(&state.db, &user.actor(), &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/land/idle-plants/{}?done=created", p.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let p = idle_plants::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), PlantForm::from_plant(&p), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<PlantForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    idle_plants::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    match idle_plants::update(&state.db, &user.actor(), id, &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/land/idle-plants/{}?done=saved", p.id)).into_response()),
        Err(e) => {
            // bad fields (422) or a stale version (409): the form again, with the input kept
            let (status, errors) = form_errors(e)?;
            with_status(form_page(&state, &user, Some(id), f, errors).await, status)
        }
    }
}
