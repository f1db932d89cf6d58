//! 标准地: the list (status, transfer dates, flagged, text; the 亩 transferred per year, each
//! linking to its parcels), its XLSX, the parcel page with the promised and achieved indicators
//! side by side, and the new/edit form that keeps the input and shows each error beside its field.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::land::{Indicator, ParcelStatus};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::StoreError;
use kaifaqu_store::land_parcels::{self, Parcel, ParcelFilter, ParcelForm, YearTotal};
use serde::Deserialize;

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
        .route("/land/parcels", get(Need::READ, list))
        .route("/land/parcels.xlsx", get(Need::READ, export))
        .route("/land/parcels/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/land/parcels/{id}", get(Need::READ, show))
        .route("/land/parcels/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
}

fn base(path: &str, f: &ParcelFilter) -> String {
    let pairs = f.pairs();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query_base(path, &refs)
}

/// A value ×100 with its unit, or "—".
fn ind(i: Indicator, v: Option<i64>) -> String {
    v.map(|v| i.show(v)).unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "land_parcels.html")]
struct ListPage {
    shell: Shell,
    f: ParcelFilter,
    statuses: Vec<(&'static str, &'static str)>,
    years: Vec<YearTotal>,
    can_write: bool,
    export_href: String,
    rows: Vec<Parcel>,
    /// The 亩 of the listed page's rows (of the whole filter: `filter_area`).
    filter_area: String,
    filter_m2: i64,
    pager: Pager,
}

impl ListPage {
    fn intensity(&self, p: &Parcel) -> String {
        ind(Indicator::Intensity, p.promised.investment_intensity_x100)
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ParcelFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all = land_parcels::list(
        &state.db,
        &scope,
        zone,
        &ParcelFilter { page: Some(1), per_page: Some(10_000), ..f.clone() },
    )
    .await?;
    let area = kaifaqu_domain::money::Mu100(all.rows.iter().map(|p| p.area.0).sum());
    let page = land_parcels::list(&state.db, &scope, zone, &ParcelFilter { per_page: Some(50), ..f.clone() }).await?;
    html(&ListPage {
        shell: Shell::load(&state, &user, "/land/parcels", None).await?,
        statuses: ParcelStatus::options(),
        years: land_parcels::per_year(&state.db, &scope, zone).await?,
        can_write: user.user.role.has(Permission::Write),
        export_href: base("/land/parcels.xlsx", &f),
        pager: Pager::new(&page, &base("/land/parcels", &f)),
        filter_area: area.mu_2(),
        filter_m2: area.square_metres(),
        rows: page.rows,
        f,
    })
}

const HEADERS: [&str; 17] = [
    "序号",
    "地块编号",
    "位置",
    "面积（亩）",
    "面积（平方米）",
    "状态",
    "出让日期",
    "出让价格（万元）",
    "竞得项目",
    "竞得企业",
    "固定资产投资强度（万元/亩）",
    "容积率",
    "亩均税收（万元/亩）",
    "单位能耗（吨标准煤/万元）",
    "环境标准",
    "实际值年度",
    "未达承诺指标",
];

/// The filtered list (all pages) as XLSX.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(f): AppQuery<ParcelFilter>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let all = land_parcels::list(&state.db, &scope, zone, &ParcelFilter { page: Some(1), per_page: Some(10_000), ..f })
        .await?;
    let x = |v: Option<i64>| v.map(|v| Cell::Text(kaifaqu_domain::land::x100_2(v))).unwrap_or(Cell::Empty);
    let rows: Vec<Vec<Cell>> = all
        .rows
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Cell::Int(i as i64 + 1),
                p.code.clone().into(),
                p.location.clone().into(),
                Cell::Text(p.area.mu_2()),
                Cell::Int(p.area_m2),
                p.status.label().into(),
                p.transfer_date.map(|d| d.to_string()).into(),
                p.price.map(|w| Cell::Int(w.0)).unwrap_or(Cell::Empty),
                p.project.clone().into(),
                p.enterprise.clone().into(),
                x(p.promised.investment_intensity_x100),
                x(p.promised.plot_ratio_x100),
                x(p.promised.tax_per_mu_x100),
                x(p.promised.energy_x100),
                p.environment.clone().into(),
                p.achieved_year.map(|y| Cell::Int(y as i64)).unwrap_or(Cell::Empty),
                p.shortfall_text().into(),
            ]
        })
        .collect();
    let zone_name = kaifaqu_store::zones::get(&state.db, &scope, zone).await?.name;
    let bytes = table::export("标准地", &format!("{zone_name}标准地清单（{} 宗）", rows.len()), &HEADERS, &rows)
        .map_err(AppError::Internal)?;
    Ok(file_download("land-parcels.xlsx", "标准地清单.xlsx", XLSX, bytes))
}

/// One indicator line of the parcel page.
struct IndicatorRow {
    label: &'static str,
    unit: &'static str,
    promised: String,
    achieved: String,
    short: bool,
}

#[derive(Template)]
#[template(path = "land_parcel.html")]
struct ShowPage {
    shell: Shell,
    p: Parcel,
    indicators: Vec<IndicatorRow>,
    can_write: bool,
    history: Vec<HistoryRow>,
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
    user.zone_id()?;
    let scope = user.actor().scope();
    let p = land_parcels::get(&state.db, &scope, id).await?;
    let indicators = Indicator::ALL
        .iter()
        .map(|i| IndicatorRow {
            label: i.label(),
            unit: i.unit(),
            promised: p.promised.get(*i).map(kaifaqu_domain::land::x100_2).unwrap_or_else(|| "—".into()),
            achieved: p.achieved.get(*i).map(kaifaqu_domain::land::x100_2).unwrap_or_else(|| "—".into()),
            short: p.shortfalls.contains(i),
        })
        .collect();
    html(&ShowPage {
        shell: Shell::load(&state, &user, "/land/parcels", d.done.as_deref()).await?,
        can_write: user.user.role.has(Permission::Write),
        history: history(&state, &scope, "land_parcel", id).await?,
        indicators,
        p,
    })
}

#[derive(Template)]
#[template(path = "land_parcel_form.html")]
struct FormPage {
    shell: Shell,
    /// None: a new parcel.
    id: Option<i64>,
    form: ParcelForm,
    errors: Invalid,
    statuses: Vec<(&'static str, &'static str)>,
    projects: Options,
    enterprises: Options,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/land/parcels/{id}/edit"),
            None => "/land/parcels/new".into(),
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
    form: ParcelForm,
    errors: Invalid,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/land/parcels", None).await?,
        statuses: ParcelStatus::options(),
        projects: project_options(state, user).await?,
        enterprises: enterprise_options(state, user).await?,
        id,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = ParcelForm { status: ParcelStatus::Reserve.code().into(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<ParcelForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match land_parcels::create(&state.db, &user.actor(), &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/land/parcels/{}?done=created", p.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let p = land_parcels::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), ParcelForm::from_parcel(&p), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<ParcelForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    // another zone's parcel is a 404 before the role is looked at
    land_parcels::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    match land_parcels::update(&state.db, &user.actor(), id, &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/land/parcels/{}?done=saved", p.id)).into_response()),
        Err(e) => {
            // bad fields (422) or a stale version (409): the form again, with the input kept
            let (status, errors) = form_errors(e)?;
            with_status(form_page(&state, &user, Some(id), f, errors).await, status)
        }
    }
}
