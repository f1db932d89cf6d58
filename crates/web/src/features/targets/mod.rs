//! 目标任务 → 年度目标: the year's targets judged on a date (actual from records with the link
//! to them, milestone due, completion with a small progress bar, ahead/behind, projected
//! year-end, 正常 / 滞后 / 预警 with the reason), a target's page (its 12-month route beside the
//! actual at each month end, a chart, the editable route form, history), and the new/edit forms.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::target::{Metric, Status};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::StoreError;
use kaifaqu_store::lookups::today;
use kaifaqu_store::targets::{self, MonthRow, RouteForm, Target, TargetDetail, TargetForm, TargetStatus};
use serde::Deserialize;

use crate::charts::{self, Series};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::features::common::{HistoryRow, history};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(_upload_limit: usize) -> Routes {
    Routes::new()
        .route("/targets", get(Need::READ, list))
        .route("/targets/new", get(Need::WRITE, new_form).post(Need::WRITE, create))
        .route("/targets/{id}", get(Need::READ, show))
        .route("/targets/{id}/edit", get(Need::WRITE, edit_form).post(Need::WRITE, update))
        .route("/targets/{id}/route", post(Need::WRITE, save_route))
        .route("/targets/{id}/delete", post(Need::WRITE, delete))
}

/// `?year=&as_of=` of the list and the page.
#[derive(Deserialize, Default)]
#[serde(default)]
struct When {
    year: String,
    as_of: String,
    done: Option<String>,
}

/// The year and evaluation date of a page (see `targets::year_and_date`); malformed is a 400.
fn year_and_date(w: &When, fixed_year: Option<i32>) -> AppResult<(i32, NaiveDate)> {
    targets::year_and_date(&w.year, &w.as_of, fixed_year).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// A small progress bar: completion (0–100) filled, the milestone due as a tick.
fn progress_svg(percent: i64, milestone: i64, label: &str) -> String {
    let w = percent.clamp(0, 100);
    let m = milestone.clamp(0, 100);
    format!(
        "<svg class=\"progress\" viewBox=\"0 0 100 10\" width=\"100\" height=\"10\" role=\"img\" aria-label=\"{}\">\
<rect width=\"100\" height=\"10\" fill=\"#e3e7ec\"/><rect width=\"{w}\" height=\"10\" fill=\"#3d6fa8\"/>\
<line x1=\"{m}\" x2=\"{m}\" y1=\"0\" y2=\"10\" stroke=\"#c0392b\" stroke-width=\"1.5\"/></svg>",
        charts::esc(label)
    )
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Normal => "ok",
        Status::Behind => "warn",
        Status::Warning => "bad",
    }
}

/// One row of the list, ready to show.
pub struct Row {
    pub s: TargetStatus,
    pub bar: String,
    pub class: &'static str,
}

// ---------------------------------------------------------------------------------------------
// GET /targets
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "target_list.html")]
struct ListPage {
    shell: Shell,
    year: i32,
    as_of: NaiveDate,
    rows: Vec<Row>,
    counts: Vec<(&'static str, &'static str, usize)>,
    can_write: bool,
}

async fn list(State(state): State<AppState>, user: CurrentUser, AppQuery(w): AppQuery<When>) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let (year, as_of) = year_and_date(&w, None)?;
    let rows = targets::evaluate(&state.db, &user.actor().scope(), zone, year, as_of).await?;
    let counts = Status::ALL
        .iter()
        .map(|s| (s.label(), status_class(*s), rows.iter().filter(|r| r.status == *s).count()))
        .collect();
    let rows = rows
        .into_iter()
        .map(|s| Row {
            bar: progress_svg(s.bar_percent(), s.milestone_percent(), &format!("完成 {}", s.completion_text)),
            class: status_class(s.status),
            s,
        })
        .collect();
    html(&ListPage {
        shell: Shell::load(&state, &user, "/targets", w.done.as_deref()).await?,
        year,
        as_of,
        rows,
        counts,
        can_write: user.user.role.has(Permission::Write),
    })
}

// ---------------------------------------------------------------------------------------------
// GET /targets/{id}: the route beside the actuals; POST /targets/{id}/route
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "target_show.html")]
struct ShowPage {
    shell: Shell,
    t: Target,
    d: TargetDetail,
    class: &'static str,
    bar: String,
    chart: String,
    /// The route form's values (as typed on an error).
    route: Vec<String>,
    /// The version in the route form's hidden field (the record's, or the one typed on).
    version: String,
    errors: Invalid,
    can_write: bool,
    history: Vec<HistoryRow>,
}

impl ShowPage {
    fn bad(&self, m: &usize) -> &'static str {
        if self.errors.message_for(&format!("m{m}")).is_some() { " class=\"bad\"" } else { "" }
    }

    fn err(&self, m: &usize) -> Option<&str> {
        self.errors.message_for(&format!("m{m}"))
    }

    fn month_row(&self, m: &usize) -> &MonthRow {
        &self.d.months[*m - 1]
    }
}

/// The 12 inputs of the route form (m1 … m12).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RouteFields {
    m1: String,
    m2: String,
    m3: String,
    m4: String,
    m5: String,
    m6: String,
    m7: String,
    m8: String,
    m9: String,
    m10: String,
    m11: String,
    m12: String,
    /// The target's version the route was edited on (the hidden field).
    version: String,
}

impl RouteFields {
    fn values(&self) -> Vec<String> {
        [
            &self.m1, &self.m2, &self.m3, &self.m4, &self.m5, &self.m6, &self.m7, &self.m8, &self.m9, &self.m10,
            &self.m11, &self.m12,
        ]
        .into_iter()
        .cloned()
        .collect()
    }
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    w: &When,
    route: Option<(Vec<String>, String)>,
    errors: Invalid,
) -> AppResult<Response> {
    user.zone_id()?;
    let scope = user.actor().scope();
    let t = targets::get(&state.db, &scope, id).await?;
    let (_, as_of) = year_and_date(w, Some(t.year))?;
    let d = targets::detail(&state.db, &scope, id, as_of).await?;
    let labels: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
    let actual = Series { name: "月末实际".into(), points: d.months.iter().map(|m| m.actual).collect() };
    let planned = Series { name: "路线图".into(), points: t.route.iter().map(|v| Some(*v)).collect() };
    let chart =
        charts::line(&format!("{}：路线图与实际", t.name), &labels, &actual, &t.unit, Some(&planned), t.scale());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (route, version) = match route {
        Some((r, v)) => (r, v),
        None => (t.route.iter().map(|v| t.input(*v)).collect(), t.version.to_string()),
    };
    let page = ShowPage {
        shell: Shell::load(state, user, "/targets", w.done.as_deref()).await?,
        route,
        version,
        class: status_class(d.status.status),
        bar: progress_svg(d.status.bar_percent(), d.status.milestone_percent(), &d.status.completion_text),
        can_write: user.user.role.has(Permission::Write),
        history: history(state, &scope, "target", id).await?,
        chart,
        errors,
        t,
        d,
    };
    Ok((status, html(&page)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(w): AppQuery<When>,
) -> AppResult<Response> {
    show_page(&state, &user, id, &w, None, Invalid::new()).await
}

async fn save_route(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<RouteFields>,
) -> AppResult<Response> {
    user.zone_id()?;
    targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    let route = f.values();
    match targets::set_route(
        &state.db,
        &user.actor(),
        id,
        &RouteForm { route: route.clone(), version: f.version.clone() },
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/targets/{id}?done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            show_page(&state, &user, id, &When::default(), Some((route, f.version)), errors).await
        }
        Err(StoreError::Stale) => {
            // 409: the route as typed, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = targets::get(&state.db, &scope, id).await?;
            let errors = crate::features::common::stale_errors(&state, &scope, "target", id).await?;
            let page =
                show_page(&state, &user, id, &When::default(), Some((route, current.version.to_string())), errors)
                    .await;
            crate::error::with_status(page, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The new/edit form and delete
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "target_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    form: TargetForm,
    errors: Invalid,
    metrics: Vec<(&'static str, &'static str)>,
    stages: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    leaders: Vec<(String, String)>,
    departments: Vec<(String, String)>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/targets/{id}/edit"),
            None => "/targets/new".into(),
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
    form: TargetForm,
    errors: Invalid,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let (stages, indicators) = targets::param_options(&state.db).await?;
    let l = kaifaqu_store::lookups::Lookups::load(&state.db, zone).await?;
    let mut leaders: Vec<(String, String)> = l
        .users
        .iter()
        .filter(|(uid, (_, role))| (role == "leader" || role == "admin") && !l.inactive.contains(uid))
        .map(|(uid, (n, _))| (uid.to_string(), n.clone()))
        .collect();
    leaders.sort_by(|a, b| a.1.cmp(&b.1));
    let depts = kaifaqu_store::departments::list(&state.db, &user.actor().scope(), zone).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        shell: Shell::load(state, user, "/targets", None).await?,
        metrics: Metric::options(),
        departments: depts.into_iter().map(|d| (d.id.to_string(), d.name)).collect(),
        stages,
        indicators,
        leaders,
        id,
        form,
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = TargetForm { year: today().year().to_string(), ..Default::default() };
    form_page(&state, &user, None, form, Invalid::new()).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<TargetForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    user.require(Permission::Write)?;
    match targets::create(&state.db, &user.actor(), &f).await {
        Ok(t) => Ok(Redirect::to(&format!("/targets/{}?done=created", t.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, None, f, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let t = targets::get(&state.db, &user.actor().scope(), id).await?;
    form_page(&state, &user, Some(id), TargetForm::from_target(&t), Invalid::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppForm(f): AppForm<TargetForm>,
) -> AppResult<Response> {
    user.zone_id()?;
    targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    match targets::update(&state.db, &user.actor(), id, &f).await {
        Ok(t) => Ok(Redirect::to(&format!("/targets/{}?done=saved", t.id)).into_response()),
        Err(StoreError::Invalid(errors)) => form_page(&state, &user, Some(id), f, errors).await,
        Err(StoreError::Stale) => {
            // 409: the input kept, the current version in the hidden field: saving again overwrites
            let scope = user.actor().scope();
            let current = targets::get(&state.db, &scope, id).await?;
            let errors = crate::features::common::stale_errors(&state, &scope, "target", id).await?;
            let f = TargetForm { version: current.version.to_string(), ..f };
            crate::error::with_status(form_page(&state, &user, Some(id), f, errors).await, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    user.zone_id()?;
    let t = targets::get(&state.db, &user.actor().scope(), id).await?;
    user.require(Permission::Write)?;
    targets::delete(&state.db, &user.actor(), id).await?;
    Ok(Redirect::to(&format!("/targets?year={}&done=deleted", t.year)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_and_date_default_and_stay_within_the_year() {
        let w = |y: &str, d: &str| When { year: y.into(), as_of: d.into(), done: None };
        assert_eq!(
            year_and_date(&w("2025", "2025-06-30"), None).unwrap(),
            (2025, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap())
        );
        assert_eq!(year_and_date(&w("", "2025-06-30"), None).unwrap().0, 2025);
        assert_eq!(
            year_and_date(&w("2024", "2025-06-30"), None).unwrap().1,
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
        );
        assert!(year_and_date(&w("abc", ""), None).is_err());
        assert!(year_and_date(&w("", "2025-02-30"), None).is_err());
    }

    #[test]
    fn the_progress_bar_marks_the_milestone() {
        let svg = progress_svg(27, 50, "完成 26.92%");
        assert!(svg.contains("<rect width=\"27\""));
        assert!(svg.contains("x1=\"50\""));
        assert!(svg.contains("aria-label=\"完成 26.92%\""));
        assert!(progress_svg(180, -3, "").contains("<rect width=\"100\" height=\"10\" fill=\"#3d6fa8\""));
    }
}
