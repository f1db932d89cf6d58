//! 经济运行 → 指标: the zone's overview for a period (value, reported growth, the two city ranks,
//! target, 序时进度, warnings), an indicator's page (charts, every number of the last 24 periods,
//! the city's ranking table), the city comparison (with the grid for peer zones whose figures the
//! zone keeps on their behalf) and 系统管理 → 指标目录.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Datelike;
use kaifaqu_domain::indicator::{Fixed, Pct, Period, check_period, periods_of_year, rank_cn};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::indicator_values::{self, EntryLine, SOURCES, Value};
use kaifaqu_store::indicator_views::{self, Figure, RankedZone};
use kaifaqu_store::indicators::{self, Indicator, IndicatorForm, UNITS};
use kaifaqu_store::{Scope, StoreError, lookups, zones};
use serde::Deserialize;

use super::common::{HistoryRow, history, query_base};
use super::indicator_entry::{Cell, parse_grid};
use crate::charts::{self, Series};
use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, AppQuery, CurrentUser};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(overview))
        .route("/indicators/city", get(city).post(city_save))
        .route("/indicators/{id}", get(show))
        .route("/admin/indicators", get(admin_list))
        .route("/admin/indicators/new", get(admin_new).post(admin_create))
        .route("/admin/indicators/{id}", get(admin_edit).post(admin_update))
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the entry grid and the targets page)
// ---------------------------------------------------------------------------------------------

/// The period of a query ("2025-05"); `None` when absent, 400 when malformed.
pub(super) fn parse_period(text: Option<&str>) -> AppResult<Option<Period>> {
    let Some(s) = text.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let p = Period::parse(s).map_err(AppError::BadRequest)?;
    if !(2000..=2099).contains(&p.year) {
        return Err(AppError::BadRequest("年度应在 2000 到 2099 之间".into()));
    }
    Ok(Some(p))
}

/// The period of last month (1-N月 with N = this month − 1; in January, last year's 1-12月).
pub(super) fn last_month() -> Period {
    let t = lookups::today();
    if t.month() == 1 {
        Period { year: t.year() - 1, month: 12 }
    } else {
        Period { year: t.year(), month: t.month() - 1 }
    }
}

fn latest_official(values: &[Value]) -> Option<Period> {
    values.iter().filter(|v| !v.is_estimate).map(|v| v.period).max()
}

/// The zone's latest period with an official value of any of `inds`.
async fn zone_latest(state: &AppState, scope: &Scope, zone: i64, inds: &[Indicator]) -> AppResult<Option<Period>> {
    let y = lookups::today().year();
    let mut best = None;
    for i in inds {
        let values = indicator_values::series(&state.db, scope, zone, i.id, (y - 5, y + 1)).await?;
        best = best.max(latest_official(&values));
    }
    Ok(best)
}

pub struct PeriodOption {
    pub key: String,
    pub label: String,
    pub selected: bool,
}

/// The periods of one year in a `<select>`'s `<optgroup>`.
pub struct PeriodGroup {
    pub year: i32,
    pub options: Vec<PeriodOption>,
}

/// The period choices around `selected` and up to this year, newest year first.
pub(super) fn period_groups(selected: Period, january_alone: bool) -> Vec<PeriodGroup> {
    let this_year = lookups::today().year();
    let mut years: Vec<i32> = (selected.year - 2..=selected.year + 1).chain([this_year - 1, this_year]).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
        .into_iter()
        .map(|year| {
            let mut ps = periods_of_year(year, january_alone);
            if selected.year == year && !ps.contains(&selected) {
                ps.insert(0, selected);
            }
            PeriodGroup {
                year,
                options: ps
                    .into_iter()
                    .map(|p| PeriodOption { key: p.key(), label: p.label(), selected: p == selected })
                    .collect(),
            }
        })
        .collect()
}

fn decimals(ind: &Indicator) -> u32 {
    u32::try_from(ind.decimals.clamp(0, 4)).unwrap_or(2)
}

/// A value as published: with the indicator's decimals ("27.97", "16.90").
pub(super) fn value_text(v: Fixed, ind: &Indicator) -> String {
    v.display(decimals(ind))
}

pub(super) fn growth_text(g: Pct) -> String {
    g.display_percent()
}

/// "绝对量第一 / 增速第三（共 8 个开发区）"; "缺报" without a value.
fn rank_text(by_value: Option<u32>, by_growth: Option<u32>, ranked: usize) -> String {
    let Some(v) = by_value else {
        return "缺报".into();
    };
    let g = by_growth.map(|g| format!("增速{}", rank_cn(g))).unwrap_or_else(|| "增速未排名".into());
    format!("绝对量{} / {g}（共 {ranked} 个开发区）", rank_cn(v))
}

/// "快 0.71 个百分点" / "慢 4.11 个百分点" against 序时进度; `true` when behind.
fn gap_text(gap: Pct) -> (String, bool) {
    match gap.0.cmp(&0) {
        std::cmp::Ordering::Greater => (format!("快 {} 个百分点", gap.display()), false),
        std::cmp::Ordering::Less => (format!("慢 {} 个百分点", gap.abs().display()), true),
        std::cmp::Ordering::Equal => ("与序时进度持平".into(), false),
    }
}

/// A figure as the tables show it: the official value (or the estimate, marked), and the
/// estimate beside an official value.
struct FigureText {
    value: String,
    estimate_only: bool,
    estimate: Option<String>,
    growth: String,
    growth_computed: bool,
}

fn figure_text(f: &Figure, ind: &Indicator) -> FigureText {
    match (f.value, f.estimate) {
        (Some(v), est) => FigureText {
            value: value_text(v, ind),
            estimate_only: false,
            estimate: est.map(|e| match f.estimate_growth {
                Some(g) => format!("{}，{}", value_text(e, ind), growth_text(g)),
                None => value_text(e, ind),
            }),
            growth: f.growth.map(growth_text).unwrap_or_default(),
            growth_computed: f.growth_computed,
        },
        (None, Some(e)) => FigureText {
            value: value_text(e, ind),
            estimate_only: true,
            estimate: None,
            growth: f.estimate_growth.map(growth_text).unwrap_or_default(),
            growth_computed: false,
        },
        (None, None) => FigureText {
            value: String::new(),
            estimate_only: false,
            estimate: None,
            growth: String::new(),
            growth_computed: false,
        },
    }
}

fn indicator_id(text: Option<&str>) -> AppResult<Option<i64>> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::BadRequest(format!("指标编号“{s}”有误"))),
    }
}

// ---------------------------------------------------------------------------------------------
// GET /indicators: the zone's overview
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodQuery {
    period: Option<String>,
    done: Option<String>,
}

struct OverviewLine {
    id: i64,
    name: String,
    unit: String,
    kind: &'static str,
    fig: FigureText,
    note: Option<String>,
    rank: String,
    target: String,
    target_growth: String,
    completion: String,
    schedule: String,
    gap: String,
    behind: bool,
    warnings: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "indicator_overview.html")]
struct OverviewPage {
    shell: Shell,
    period: Period,
    periods: Vec<PeriodGroup>,
    rows: Vec<OverviewLine>,
    can_write: bool,
}

async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let period = match parse_period(q.period.as_deref())? {
        Some(p) => p,
        None => {
            let active = indicators::list(&state.db, true).await?;
            zone_latest(&state, &scope, zone, &active).await?.unwrap_or_else(last_month)
        }
    };
    let rows = indicator_views::overview(&state.db, &scope, zone, period)
        .await?
        .into_iter()
        .map(|r| {
            let ind = &r.indicator;
            let (gap, behind) = r.pace.map(|p| gap_text(p.gap_points)).unwrap_or_default();
            OverviewLine {
                id: ind.id,
                name: ind.name.clone(),
                unit: ind.unit.clone(),
                kind: ind.kind_label(),
                fig: figure_text(&r.figure, ind),
                note: check_period(period, ind.january_alone).err(),
                rank: if r.figure.value.is_some() {
                    rank_text(r.rank_value, r.rank_growth, r.ranked)
                } else {
                    "缺报".into()
                },
                target: r.target.as_ref().and_then(|t| t.value).map(|v| ind_value_trim(v, ind)).unwrap_or_default(),
                target_growth: r.target.as_ref().and_then(|t| t.growth).map(growth_text).unwrap_or_default(),
                completion: r.pace.map(|p| growth_text(p.completion)).unwrap_or_default(),
                schedule: r.pace.map(|p| growth_text(p.schedule)).unwrap_or_default(),
                gap,
                behind,
                warnings: r.warnings.iter().map(|w| (w.kind.label(), w.reason.clone())).collect(),
            }
        })
        .collect();
    html(&OverviewPage {
        shell: Shell::load(&state, &user, "/indicators", q.done.as_deref()).await?,
        periods: period_groups(period, true),
        period,
        rows,
        can_write: user.user.role.has(Permission::Write),
    })
}

/// A target as typed: trailing zeros trimmed ("45", "66.5").
fn ind_value_trim(v: Fixed, ind: &Indicator) -> String {
    v.display_trim(decimals(ind).max(2))
}

// ---------------------------------------------------------------------------------------------
// GET /indicators/{id}: one indicator
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct UntilQuery {
    until: Option<String>,
}

struct SeriesLine {
    period: String,
    value: String,
    month_own: String,
    month_own_note: &'static str,
    growth: String,
    growth_computed: bool,
    estimate: String,
    rank_value: String,
    rank_growth: String,
    expected: String,
}

struct CityLine {
    zone: String,
    mine: bool,
    missing: bool,
    rank_value: String,
    rank_growth: String,
    fig: FigureText,
}

fn city_lines(rows: &[RankedZone], ind: &Indicator, mine: Option<i64>) -> Vec<CityLine> {
    rows.iter()
        .map(|r| CityLine {
            zone: r.zone_name.clone(),
            mine: Some(r.zone_id) == mine,
            missing: r.figure.value.is_none(),
            rank_value: r.rank_value.map(rank_cn).unwrap_or_else(|| "缺报".into()),
            rank_growth: match (r.figure.value, r.rank_growth) {
                (None, _) => "缺报".into(),
                (Some(_), Some(g)) => rank_cn(g),
                (Some(_), None) => "—".into(),
            },
            fig: figure_text(&r.figure, ind),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "indicator_show.html")]
struct ShowPage {
    shell: Shell,
    ind: Indicator,
    until: Period,
    periods: Vec<PeriodGroup>,
    chart_value: String,
    chart_growth: String,
    rows: Vec<SeriesLine>,
    city: Vec<CityLine>,
    ranked: usize,
}

/// "25年1-5月": short enough for a chart's axis.
fn short_label(p: Period) -> String {
    format!("{:02}年{}", p.year.rem_euclid(100), p.label())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(q): AppQuery<UntilQuery>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let ind = indicators::get(&state.db, id).await?;
    let until = match parse_period(q.until.as_deref())? {
        Some(p) => p,
        None => zone_latest(&state, &scope, zone, std::slice::from_ref(&ind)).await?.unwrap_or_else(last_month),
    };
    let mut series = indicator_views::series(&state.db, &scope, zone, &ind, until, 24).await?;
    // periods before the zone's first figure are left out (all are kept when it has none)
    let first = series.iter().position(|r| r.figure.value.is_some() || r.figure.estimate.is_some());
    series.drain(..first.unwrap_or(0));
    // the growth targets of the years shown (a dashed line on the growth chart)
    let mut growth_targets: HashMap<i32, Option<Pct>> = HashMap::new();
    for y in series.iter().map(|r| r.period.year).collect::<HashSet<_>>() {
        let t = indicator_values::targets(&state.db, &scope, zone, y).await?;
        growth_targets.insert(y, t.into_iter().find(|t| t.indicator_id == ind.id).and_then(|t| t.growth));
    }
    let labels: Vec<String> = series.iter().map(|r| short_label(r.period)).collect();
    let bars =
        Series { name: "累计值".into(), points: series.iter().map(|r| r.figure.value.map(|v| v.0)).collect() };
    let pace =
        Series { name: "序时进度目标".into(), points: series.iter().map(|r| r.expected.map(|v| v.0)).collect() };
    let has_pace = ind.is_flow() && pace.points.iter().any(Option::is_some);
    let chart_value = charts::bar_line(
        &format!("{}（{}）", ind.name, ind.kind_label()),
        &labels,
        &bars,
        &ind.unit,
        has_pace.then_some(&pace),
        &ind.unit,
        10_000,
    );
    let growth =
        Series { name: "同比增长".into(), points: series.iter().map(|r| r.figure.growth.map(|g| g.0)).collect() };
    let target = Series {
        name: "年度增速目标".into(),
        points: series.iter().map(|r| growth_targets.get(&r.period.year).copied().flatten().map(|g| g.0)).collect(),
    };
    let has_target = target.points.iter().any(Option::is_some);
    let chart_growth =
        charts::line(&format!("{}同比增长", ind.name), &labels, &growth, "%", has_target.then_some(&target), 100);
    let rows = series
        .iter()
        .rev()
        .map(|r| {
            let fig = &r.figure;
            SeriesLine {
                period: r.period.full_label(),
                value: fig.value.map(|v| value_text(v, &ind)).unwrap_or_default(),
                month_own: r.month_own.map(|v| value_text(v, &ind)).unwrap_or_default(),
                month_own_note: if r.month_own.is_some() && r.period.month == 2 && !ind.january_alone {
                    "1-2月合计"
                } else {
                    ""
                },
                growth: fig.growth.map(growth_text).unwrap_or_default(),
                growth_computed: fig.growth_computed,
                estimate: match (fig.estimate, fig.estimate_growth) {
                    (Some(e), Some(g)) => format!("{}（{}）", value_text(e, &ind), growth_text(g)),
                    (Some(e), None) => value_text(e, &ind),
                    _ => String::new(),
                },
                rank_value: if fig.value.is_some() {
                    r.rank_value.map(rank_cn).unwrap_or_default()
                } else {
                    String::new()
                },
                rank_growth: if fig.value.is_some() {
                    r.rank_growth.map(rank_cn).unwrap_or_default()
                } else {
                    String::new()
                },
                expected: r.expected.map(|v| value_text(v, &ind)).unwrap_or_default(),
            }
        })
        .collect();
    let table = indicator_views::city_table(&state.db, &scope, zone, ind.id, until).await?;
    let ranked = table.iter().filter(|r| r.rank_value.is_some()).count();
    html(&ShowPage {
        shell: Shell::load(&state, &user, "/indicators", None).await?,
        periods: period_groups(until, ind.january_alone),
        city: city_lines(&table, &ind, Some(zone)),
        ranked,
        ind,
        until,
        chart_value,
        chart_growth,
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// GET/POST /indicators/city: all zones of the city side by side
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CityQuery {
    indicator: Option<String>,
    period: Option<String>,
    sort: String,
    done: Option<String>,
}

/// One zone's row of the city grid.
struct CityFormRow {
    zone: String,
    mine: bool,
    writable: bool,
    refused: Option<String>,
    value: Cell,
    growth: Cell,
    source: Cell,
    confirm: Cell,
}

#[derive(Template)]
#[template(path = "indicator_city.html")]
struct CityPage {
    shell: Shell,
    indicators: Vec<Indicator>,
    ind: Indicator,
    period: Period,
    periods: Vec<PeriodGroup>,
    sort: String,
    city: Vec<CityLine>,
    ranked: usize,
    city_level: bool,
    can_write: bool,
    period_note: Option<String>,
    form: Vec<CityFormRow>,
    sources: &'static [(&'static str, &'static str)],
    general: Vec<String>,
    failed: bool,
    sort_base: String,
}

/// What a failed save leaves for the page: the typed lines, the errors, the refused zones.
#[derive(Default)]
struct Typed {
    lines: Vec<EntryLine>,
    errors: Invalid,
    /// zone id → why the user may not enter its figures.
    refused: HashMap<i64, String>,
    /// refusals of zones not in the table.
    other: Vec<String>,
}

async fn city(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<CityQuery>,
) -> AppResult<Response> {
    city_page(&state, &user, &q, None, StatusCode::OK).await
}

async fn city_page(
    state: &AppState,
    user: &CurrentUser,
    q: &CityQuery,
    typed: Option<Typed>,
    status: StatusCode,
) -> AppResult<Response> {
    let actor = user.actor();
    let scope = actor.scope();
    let all = indicators::list(&state.db, true).await?;
    let ind = match indicator_id(q.indicator.as_deref())? {
        Some(id) => indicators::get(&state.db, id).await?,
        None => all.first().cloned().ok_or(AppError::NotFound)?,
    };
    let city_level = user.user.zone_id.is_none();
    let period = match parse_period(q.period.as_deref())? {
        Some(p) => p,
        None => match user.user.zone_id {
            Some(zone) => zone_latest(state, &scope, zone, std::slice::from_ref(&ind)).await?,
            None => {
                let ids: Vec<i64> = zones::list(&state.db, &scope).await?.into_iter().map(|z| z.id).collect();
                let y = lookups::today().year();
                let values = indicator_values::of_zones(&state.db, &ids, ind.id, (y - 5, y + 1)).await?;
                latest_official(&values)
            }
        }
        .unwrap_or_else(last_month),
    };
    let mut table = match user.user.zone_id {
        Some(zone) => indicator_views::city_table(&state.db, &scope, zone, ind.id, period).await?,
        None => {
            let city = user
                .user
                .city_code
                .clone()
                .ok_or_else(|| AppError::Forbidden("该账号既无所属开发区也无所属城市".into()))?;
            indicator_views::city_table_of(&state.db, &scope, &city, ind.id, period).await?
        }
    };
    let ranked = table.iter().filter(|r| r.rank_value.is_some()).count();
    let sort = if q.sort == "growth" { "growth" } else { "value" };
    if sort == "growth" {
        table
            .sort_by_key(|r| (r.rank_growth.is_none(), r.rank_growth, r.rank_value.is_none(), r.rank_value, r.zone_id));
    }
    let can_write = !city_level && user.user.role.has(Permission::Write);
    let period_note = check_period(period, ind.january_alone).err();
    let typed = typed.unwrap_or_default();
    let mut form = Vec::new();
    let mut shown: HashSet<String> = HashSet::new();
    if can_write {
        let by_key: HashMap<(String, String), &EntryLine> = typed
            .lines
            .iter()
            .map(|l| ((l.zone_id.trim().to_string(), l.indicator_id.trim().to_string()), l))
            .collect();
        let mut zones_in_order: Vec<&RankedZone> = table.iter().collect();
        zones_in_order.sort_by_key(|r| (Some(r.zone_id) != user.user.zone_id, r.zone_id));
        for r in zones_in_order {
            let writable = match indicator_values::writable_zone(&state.db, &actor, r.zone_id).await {
                Ok(_) => true,
                Err(StoreError::NotFound | StoreError::Forbidden(_)) => false,
                Err(e) => return Err(e.into()),
            };
            let key = format!("{}_{}", r.zone_id, ind.id);
            let line = by_key.get(&(r.zone_id.to_string(), ind.id.to_string())).copied();
            let fig = &r.figure;
            let cell = |field: &str, stored: String| {
                let name = format!("{field}_{key}");
                let value = match line {
                    Some(l) => match field {
                        "value" => l.value.clone(),
                        "growth" => l.growth.clone(),
                        "source" => l.source.clone(),
                        _ => l.confirm.clone().unwrap_or_default(),
                    },
                    None if typed.lines.is_empty() => stored,
                    None => String::new(),
                };
                Cell { error: typed.errors.message_for(&name).map(str::to_string), name, value }
            };
            let value = cell("value", fig.value.map(|v| v.to_string()).unwrap_or_default());
            let growth = cell(
                "growth",
                if fig.growth_computed { String::new() } else { fig.growth.map(|g| g.display()).unwrap_or_default() },
            );
            let source = cell("source", fig.source.clone().unwrap_or_else(|| "flash".into()));
            let confirm = cell("confirm", String::new());
            for c in [&value, &growth, &source, &confirm] {
                shown.insert(c.name.clone());
            }
            form.push(CityFormRow {
                zone: r.zone_name.clone(),
                mine: Some(r.zone_id) == user.user.zone_id,
                writable,
                refused: typed.refused.get(&r.zone_id).cloned(),
                value,
                growth,
                source,
                confirm,
            });
        }
    }
    let mut general = typed.other.clone();
    general.extend(typed.errors.errors.iter().filter(|e| !shown.contains(&e.field)).map(|e| e.message.clone()));
    let failed = !typed.errors.is_empty() || !typed.refused.is_empty() || !typed.other.is_empty();
    let sort_base = query_base("/indicators/city", &[("indicator", &ind.id.to_string()), ("period", &period.key())]);
    let page = CityPage {
        shell: Shell::load(state, user, "/indicators/city", q.done.as_deref()).await?,
        indicators: all,
        periods: period_groups(period, ind.january_alone),
        city: city_lines(&table, &ind, user.user.zone_id),
        ranked,
        ind,
        period,
        sort: sort.to_string(),
        city_level,
        can_write,
        period_note,
        form,
        sources: SOURCES,
        general,
        failed,
        sort_base,
    };
    Ok((status, html(&page)?).into_response())
}

async fn city_save(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<CityQuery>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let ind_id = indicator_id(q.indicator.as_deref())?.ok_or_else(|| AppError::BadRequest("缺少指标".into()))?;
    let period = parse_period(q.period.as_deref())?.ok_or_else(|| AppError::BadRequest("缺少期间".into()))?;
    let actor = user.actor();
    let scope = actor.scope();
    indicators::get(&state.db, ind_id).await?;
    let lines = parse_grid(&body);
    // zones whose figures this user may not enter: say so in plain words, save nothing
    let names: HashMap<i64, String> = indicator_views::city_table(&state.db, &scope, zone, ind_id, period)
        .await?
        .into_iter()
        .map(|r| (r.zone_id, r.zone_name))
        .collect();
    let mut typed = Typed::default();
    for l in lines.iter().filter(|l| !l.value.trim().is_empty() || !l.growth.trim().is_empty()) {
        let zid = l.zone_id.trim().parse::<i64>().unwrap_or(zone);
        match indicator_values::writable_zone(&state.db, &actor, zid).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => match names.get(&zid) {
                Some(name) => {
                    typed
                        .refused
                        .insert(zid, format!("“{name}”有自己的系统账号，其数据由该开发区自行填报，您不能代为填报。"));
                }
                None => typed.other.push(format!("编号为 {} 的开发区不存在或不在本市，不能填报。", l.zone_id.trim())),
            },
            Err(e) => return Err(e.into()),
        }
    }
    if !typed.refused.is_empty() || !typed.other.is_empty() {
        typed.lines = lines;
        return city_page(&state, &user, &q, Some(typed), StatusCode::NOT_FOUND).await;
    }
    match indicator_values::save(&state.db, &actor, zone, period, &lines).await {
        Ok(_) => {
            let to = format!("/indicators/city?indicator={ind_id}&period={}&done=saved", period.key());
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let typed = Typed { lines, errors, ..Default::default() };
            city_page(&state, &user, &q, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
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
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
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
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_gaps_in_words() {
        assert_eq!(rank_text(Some(1), Some(3), 8), "绝对量第一 / 增速第三（共 8 个开发区）");
        assert_eq!(rank_text(Some(2), None, 7), "绝对量第二 / 增速未排名（共 7 个开发区）");
        assert_eq!(rank_text(None, Some(1), 8), "缺报");
        assert_eq!(gap_text(Pct(71)), ("快 0.71 个百分点".to_string(), false));
        assert_eq!(gap_text(Pct(-411)), ("慢 4.11 个百分点".to_string(), true));
        assert_eq!(gap_text(Pct(0)).0, "与序时进度持平");
        assert_eq!(short_label(Period { year: 2025, month: 5 }), "25年1-5月");
        assert_eq!(short_label(Period { year: 2009, month: 1 }), "09年1月");
    }

    #[test]
    fn period_choices_contain_the_selected_period() {
        let p = Period { year: 2025, month: 1 };
        let groups = period_groups(p, false);
        let selected: Vec<&str> =
            groups.iter().flat_map(|g| g.options.iter().filter(|o| o.selected).map(|o| o.key.as_str())).collect();
        assert_eq!(selected, ["2025-01"]);
        assert!(groups.windows(2).all(|w| w[0].year > w[1].year));
        assert!(matches!(parse_period(Some("2025-13")), Err(AppError::BadRequest(_))));
        assert!(matches!(parse_period(Some("1999-05")), Err(AppError::BadRequest(_))));
        assert_eq!(parse_period(Some(" ")).unwrap(), None);
    }
}
