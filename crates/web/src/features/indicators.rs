//! 经济运行 → 指标: the zone's overview for a period (value, reported growth, the two city ranks,
//! target, 序时进度, warnings), an indicator's page (charts, every number of the last 24 periods,
//! the city's ranking table), the city comparison (with the grid for peer zones whose figures the
//! zone keeps on their behalf) and 系统管理 → 指标目录.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Datelike;
use kaifaqu_domain::Permission;
use kaifaqu_domain::indicator::{Fixed, Pct, Period, check_period, periods_of_year, rank_cn};
use kaifaqu_store::indicator_values::{self, Value};
use kaifaqu_store::indicator_views::{self, Figure, RankedZone};
use kaifaqu_store::indicators::{self, Indicator};
use kaifaqu_store::{Scope, lookups};
use serde::Deserialize;

use crate::charts::{self, Series};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new().route("/indicators", get(Need::READ, overview)).route("/indicators/{id}", get(Need::READ, show))
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

pub(super) fn latest_official(values: &[Value]) -> Option<Period> {
    values.iter().filter(|v| !v.is_estimate).map(|v| v.period).max()
}

/// The zone's latest period with an official value of any of `inds`.
pub(super) async fn zone_latest(
    state: &AppState,
    scope: &Scope,
    zone: i64,
    inds: &[Indicator],
) -> AppResult<Option<Period>> {
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

pub(super) fn decimals(ind: &Indicator) -> u32 {
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
pub(super) fn rank_text(by_value: Option<u32>, by_growth: Option<u32>, ranked: usize) -> String {
    let Some(v) = by_value else {
        return "缺报".into();
    };
    let g = by_growth.map(|g| format!("增速{}", rank_cn(g))).unwrap_or_else(|| "增速未排名".into());
    format!("绝对量{} / {g}（共 {ranked} 个开发区）", rank_cn(v))
}

/// "快 0.71 个百分点" / "慢 4.11 个百分点" against 序时进度; `true` when behind.
pub(super) fn gap_text(gap: Pct) -> (String, bool) {
    match gap.0.cmp(&0) {
        std::cmp::Ordering::Greater => (format!("快 {} 个百分点", gap.display()), false),
        std::cmp::Ordering::Less => (format!("慢 {} 个百分点", gap.abs().display()), true),
        std::cmp::Ordering::Equal => ("与序时进度持平".into(), false),
    }
}

/// A figure as the tables show it: the official value (or the estimate, marked), and the
/// estimate beside an official value.
pub(super) struct FigureText {
    pub(super) value: String,
    pub(super) estimate_only: bool,
    pub(super) estimate: Option<String>,
    pub(super) growth: String,
    pub(super) growth_computed: bool,
}

pub(super) fn figure_text(f: &Figure, ind: &Indicator) -> FigureText {
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

pub(super) fn indicator_id(text: Option<&str>) -> AppResult<Option<i64>> {
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
pub(super) struct PeriodQuery {
    pub(super) period: Option<String>,
    pub(super) done: Option<String>,
}

pub(super) struct OverviewLine {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) unit: String,
    pub(super) kind: &'static str,
    pub(super) fig: FigureText,
    pub(super) note: Option<String>,
    pub(super) rank: String,
    pub(super) target: String,
    pub(super) target_growth: String,
    pub(super) completion: String,
    pub(super) schedule: String,
    pub(super) gap: String,
    pub(super) behind: bool,
    pub(super) warnings: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "indicator_overview.html")]
pub(super) struct OverviewPage {
    pub(super) shell: Shell,
    pub(super) period: Period,
    pub(super) periods: Vec<PeriodGroup>,
    pub(super) rows: Vec<OverviewLine>,
    pub(super) can_write: bool,
}

pub(super) async fn overview(
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
pub(super) fn ind_value_trim(v: Fixed, ind: &Indicator) -> String {
    v.display_trim(decimals(ind).max(2))
}

// ---------------------------------------------------------------------------------------------
// GET /indicators/{id}: one indicator
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UntilQuery {
    pub(super) until: Option<String>,
}

pub(super) struct SeriesLine {
    pub(super) period: String,
    pub(super) value: String,
    pub(super) month_own: String,
    pub(super) month_own_note: &'static str,
    pub(super) growth: String,
    pub(super) growth_computed: bool,
    pub(super) estimate: String,
    pub(super) rank_value: String,
    pub(super) rank_growth: String,
    pub(super) expected: String,
}

pub(super) struct CityLine {
    pub(super) zone: String,
    pub(super) mine: bool,
    pub(super) missing: bool,
    pub(super) rank_value: String,
    pub(super) rank_growth: String,
    pub(super) fig: FigureText,
}

pub(super) fn city_lines(rows: &[RankedZone], ind: &Indicator, mine: Option<i64>) -> Vec<CityLine> {
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
pub(super) struct ShowPage {
    pub(super) shell: Shell,
    pub(super) ind: Indicator,
    pub(super) until: Period,
    pub(super) periods: Vec<PeriodGroup>,
    pub(super) chart_value: String,
    pub(super) chart_growth: String,
    pub(super) rows: Vec<SeriesLine>,
    pub(super) city: Vec<CityLine>,
    pub(super) ranked: usize,
}

/// "25年1-5月": short enough for a chart's axis.
pub(super) fn short_label(p: Period) -> String {
    format!("{:02}年{}", p.year.rem_euclid(100), p.label())
}

pub(super) async fn show(
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
