//! 系统管理 → 工作日历: a year of the zone's working-day calendar as twelve month grids and the
//! list of marked days (放假, 调休上班). Every user of the zone can look; admins change a day,
//! load the official arrangement, or import/export the year as a sheet (all or nothing).

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Weekday};
use kaifaqu_domain::calendar::{Calendar, DayKind};
use kaifaqu_domain::time::weekday_cn;
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_reports::calendar_table::{self, DayRow};
use kaifaqu_store::calendar::{self, DayForm, Year};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::attachments::read_file;
use super::common::{HistoryRow, xlsx_download};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/admin/calendar", get(Need::READ, show))
        .route("/admin/calendar/day", post(Need::ADMIN, set_day))
        .route("/admin/calendar/clear", post(Need::ADMIN, clear_day))
        .route("/admin/calendar/official", post(Need::ADMIN, load_official))
        .route("/admin/calendar.xlsx", get(Need::READ, export))
        .route("/admin/calendar/import", post(Need::ADMIN, import).layer(DefaultBodyLimit::max(upload_limit)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: String,
    done: Option<String>,
}

fn year_of(s: &str) -> AppResult<i32> {
    if s.trim().is_empty() {
        return Ok(lookups::today().year());
    }
    match s.trim().parse::<i32>() {
        Ok(y) if calendar::YEARS.contains(&y) => Ok(y),
        _ => Err(AppError::BadRequest(format!(
            "年份应为 {} 到 {} 之间的整数",
            calendar::YEARS.start(),
            calendar::YEARS.end()
        ))),
    }
}

/// One cell of a month grid.
struct Cell {
    day: u32,
    /// "" (ordinary working day), "weekend", "holiday" or "workday" (调休上班).
    class: &'static str,
    title: String,
}

struct Month {
    month: u32,
    /// Leading blanks (Monday first), then the days.
    blanks: u32,
    cells: Vec<Cell>,
    working: u32,
}

fn months(cal: &Calendar, year: i32) -> Vec<Month> {
    (1..=12)
        .filter_map(|m| {
            let first = NaiveDate::from_ymd_opt(year, m, 1)?;
            let mut cells = Vec::new();
            let mut d = first;
            while d.month() == m {
                let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                let (class, title) = match cal.kind(d) {
                    Some((DayKind::Holiday, n)) => ("holiday", format!("{d} 放假 {n}")),
                    Some((DayKind::Workday, n)) => ("workday", format!("{d} 调休上班 {n}")),
                    None if weekend => ("weekend", format!("{d} 周末")),
                    None => ("", format!("{d} 工作日")),
                };
                cells.push(Cell { day: d.day(), class, title });
                d = d.succ_opt()?;
            }
            let working = cells.iter().filter(|c| matches!(c.class, "" | "workday")).count() as u32;
            Some(Month { month: m, blanks: first.weekday().num_days_from_monday(), cells, working })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    year: Year,
    /// The marked days with their weekday.
    days: Vec<(calendar::Day, &'static str)>,
    months: Vec<Month>,
    can_admin: bool,
    form: DayForm,
    errors: Invalid,
    import_errors: Vec<String>,
    history: Vec<HistoryRow>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    form: Option<DayForm>,
    errors: Invalid,
    import_errors: Vec<String>,
    done: Option<&str>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let y = calendar::year(&state.db, &scope, zone, year).await?;
    let cal = calendar::load(&state.db, &scope, zone).await?;
    let history = kaifaqu_store::audit::history(&state.db, &scope, "calendar", &format!("{zone}:{year}"))
        .await?
        .into_iter()
        .map(super::common::history_row)
        .collect();
    let status =
        if errors.is_empty() && import_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CalendarPage {
        shell: Shell::load(state, user, "/admin/calendar", done).await?,
        months: months(&cal, year),
        days: y.days.iter().map(|d| (d.clone(), weekday_cn(d.date))).collect(),
        year: y,
        can_admin: user.user.role.has(Permission::Administer),
        form: form.unwrap_or_default(),
        errors,
        import_errors,
        history,
    };
    Ok((status, html(&page)?).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let year = year_of(&q.year)?;
    page(&state, &user, year, None, Invalid::new(), Vec::new(), q.done.as_deref()).await
}

async fn set_day(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<DayForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    match calendar::set_day(&state.db, &user.actor(), zone, &f).await {
        Ok(d) => Ok(Redirect::to(&format!("/admin/calendar?year={}&done=saved", d.date.year())).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let year = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
                .map(|d| d.year())
                .ok()
                .filter(|y| calendar::YEARS.contains(y))
                .unwrap_or_else(|| lookups::today().year());
            page(&state, &user, year, Some(f), errors, Vec::new(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DateForm {
    date: String,
}

async fn clear_day(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<DateForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest("日期应为 YYYY-MM-DD 格式".into()))?;
    match calendar::clear_day(&state.db, &user.actor(), zone, date).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={}&done=saved", date.year())).into_response()),
        Err(StoreError::Invalid(errors)) => page(&state, &user, date.year(), None, errors, Vec::new(), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearForm {
    year: String,
}

async fn load_official(
    State(state): State<AppState>,
    user: CurrentUser,
    AppForm(f): AppForm<YearForm>,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    let year = year_of(&f.year)?;
    match calendar::load_official(&state.db, &user.actor(), zone, year).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => page(&state, &user, year, None, errors, Vec::new(), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let year = year_of(&q.year)?;
    let y = calendar::year(&state.db, &user.actor().scope(), user.zone_id()?, year).await?;
    let rows: Vec<DayRow> = y
        .days
        .iter()
        .map(|d| DayRow { date: d.date.to_string(), kind: d.kind_label.clone(), name: d.name.clone() })
        .collect();
    let bytes = calendar_table::export(year, &rows).map_err(AppError::Internal)?;
    Ok(xlsx_download(&format!("{year}年工作日历.xlsx"), bytes))
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
    mp: Multipart,
) -> AppResult<Response> {
    user.require(Permission::Administer)?;
    let zone = user.zone_id()?;
    let year = year_of(&q.year)?;
    let (_, bytes) = read_file(mp).await?;
    let rows = match calendar_table::import(&bytes) {
        Ok(rows) => rows,
        Err(cell_errors) => {
            let msgs = cell_errors.iter().map(|e| e.to_string()).collect();
            return page(&state, &user, year, None, Invalid::new(), msgs, None).await;
        }
    };
    let forms: Vec<(usize, DayForm)> =
        rows.into_iter().map(|(r, d)| (r as usize, DayForm { date: d.date, kind: d.kind, name: d.name })).collect();
    match calendar::import_year(&state.db, &user.actor(), zone, year, &forms).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&done=imported")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let msgs = errors.errors.into_iter().map(|e| e.message).collect();
            page(&state, &user, year, None, Invalid::new(), msgs, None).await
        }
        Err(e) => Err(e.into()),
    }
}
