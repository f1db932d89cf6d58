//! 全市开发区对比 (`/city`): all zones of the city side by side for a period — the key
//! indicators with both city ranks, pipeline counts by stage, targets' completion and overdue
//! items — sortable by any column (`?sort=…&dir=…`), exported as XLSX (`/city/export.xlsx`), and
//! on the wall display (`/city/wall`). City users see it as their home page; a zone's leaders and
//! admins read it for their own city. Read-only: nothing here changes a record.

use std::cmp::Ordering;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::cockpit::{self, CityRow, CityView, OVERDUE_LABELS, PIPELINE_LABELS};
use kaifaqu_store::lookups;

use super::common::xlsx_download;
use super::home::{PeriodQuery, period_choices, period_of};
use crate::charts::{self, Panel};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/city", get(Need::READ, city))
        .route("/city/export.xlsx", get(Need::READ, export))
        .route("/city/wall", get(Need::READ, wall))
}

/// A sortable column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Zone,
    Value(usize),
    Growth(usize),
    Pipeline(usize),
    Targets,
    Overdue(usize),
    OverdueTotal,
}

impl Col {
    fn parse(s: &str, n_ind: usize) -> Option<Col> {
        let num = |p: &str| s.strip_prefix(p).and_then(|r| r.parse::<usize>().ok());
        Some(match s {
            "zone" => Col::Zone,
            "targets" => Col::Targets,
            "overdue" => Col::OverdueTotal,
            _ => {
                if let Some(i) = num("v").filter(|i| *i < n_ind) {
                    Col::Value(i)
                } else if let Some(i) = num("g").filter(|i| *i < n_ind) {
                    Col::Growth(i)
                } else if let Some(i) = num("p").filter(|i| *i < PIPELINE_LABELS.len()) {
                    Col::Pipeline(i)
                } else if let Some(i) = num("o").filter(|i| *i < OVERDUE_LABELS.len()) {
                    Col::Overdue(i)
                } else {
                    return None;
                }
            }
        })
    }

    fn key(self) -> String {
        match self {
            Col::Zone => "zone".into(),
            Col::Value(i) => format!("v{i}"),
            Col::Growth(i) => format!("g{i}"),
            Col::Pipeline(i) => format!("p{i}"),
            Col::Targets => "targets".into(),
            Col::Overdue(i) => format!("o{i}"),
            Col::OverdueTotal => "overdue".into(),
        }
    }

    /// The number a row is sorted by (None: no data, always last).
    fn value(self, r: &CityRow) -> Option<i64> {
        let n = |v: u64| i64::try_from(v).ok();
        match self {
            Col::Zone => None,
            Col::Value(i) => r.cells.get(i).and_then(|c| c.value),
            Col::Growth(i) => r.cells.get(i).and_then(|c| c.growth),
            Col::Pipeline(i) => r.pipeline.get(i).copied().and_then(n),
            // share of targets on track, in 0.01 %
            Col::Targets => (r.targets > 0).then(|| n(r.targets_on_track * 10_000 / r.targets)).flatten(),
            Col::Overdue(i) => r.overdue.get(i).copied().and_then(n),
            Col::OverdueTotal => n(r.overdue_total()),
        }
    }
}

/// Sorts the rows by `col` (`desc`: largest first); rows without data last, ties by zone id.
fn sort_rows(rows: &mut [CityRow], col: Col, desc: bool) {
    rows.sort_by(|a, b| {
        let ord = if col == Col::Zone {
            a.zone_name.cmp(&b.zone_name)
        } else {
            match (col.value(a), col.value(b)) {
                (Some(x), Some(y)) => {
                    if desc {
                        y.cmp(&x)
                    } else {
                        x.cmp(&y)
                    }
                }
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        let ord = if col == Col::Zone && desc { ord.reverse() } else { ord };
        ord.then(a.zone_id.cmp(&b.zone_id))
    });
}

/// A column header: its label and the link that sorts by it (toggling the direction).
pub struct Head {
    pub label: String,
    pub href: String,
    /// "▲" / "▼" on the current sort column.
    pub mark: &'static str,
    pub aria: &'static str,
}

/// The view, sorted as asked, with its headers.
struct Sorted {
    view: CityView,
    heads: Vec<Head>,
    sort: String,
    dir: &'static str,
}

async fn load(state: &AppState, user: &CurrentUser, q: &PeriodQuery) -> AppResult<Sorted> {
    let today = lookups::today();
    let p = period_of(&q.period, today)?;
    let actor = user.actor();
    let (scope, city) = cockpit::city_scope(&actor)?;
    let as_of = cockpit::as_of(&p, today);
    let mut view = cockpit::city_view(&state.db, &scope, &city, user.user.zone_id, &p, as_of).await?;
    let n = view.indicators.len();
    let default = if n > 0 { Col::Value(0) } else { Col::Pipeline(1) };
    let col = if q.sort.trim().is_empty() {
        default
    } else {
        Col::parse(q.sort.trim(), n).ok_or_else(|| AppError::BadRequest(format!("排序列“{}”不存在", q.sort.trim())))?
    };
    let desc = match q.dir.trim() {
        "" => col != Col::Zone,
        "desc" => true,
        "asc" => false,
        d => return Err(AppError::BadRequest(format!("排序方向“{d}”无效：应为 asc 或 desc"))),
    };
    sort_rows(&mut view.rows, col, desc);
    let period = if q.period.trim().is_empty() { String::new() } else { format!("period={}&", q.period.trim()) };
    let mut cols = vec![(Col::Zone, "开发区".to_string())];
    for (i, ind) in view.indicators.iter().enumerate() {
        cols.push((Col::Value(i), format!("{}（{}）", ind.name, ind.unit)));
        cols.push((Col::Growth(i), format!("{}增速", ind.name)));
    }
    for (i, l) in PIPELINE_LABELS.iter().enumerate() {
        cols.push((Col::Pipeline(i), (*l).to_string()));
    }
    cols.push((Col::Targets, "目标完成".into()));
    for (i, l) in OVERDUE_LABELS.iter().enumerate() {
        cols.push((Col::Overdue(i), (*l).to_string()));
    }
    cols.push((Col::OverdueTotal, "逾期合计".into()));
    let heads = cols
        .into_iter()
        .map(|(c, label)| {
            let current = c == col;
            let next_dir = if current {
                if desc { "asc" } else { "desc" }
            } else if c == Col::Zone {
                "asc"
            } else {
                "desc"
            };
            Head {
                label,
                href: format!("?{period}sort={}&dir={next_dir}", c.key()),
                mark: if !current {
                    ""
                } else if desc {
                    "▼"
                } else {
                    "▲"
                },
                aria: if !current {
                    "none"
                } else if desc {
                    "descending"
                } else {
                    "ascending"
                },
            }
        })
        .collect();
    Ok(Sorted { view, heads, sort: col.key(), dir: if desc { "desc" } else { "asc" } })
}

/// Small multiples: one panel per indicator (value by zone) and one of 签约 by zone.
fn multiples(v: &CityView, own: Option<i64>) -> String {
    let labels: Vec<String> = v.rows.iter().map(|r| r.zone_name.clone()).collect();
    let highlight = v.rows.iter().position(|r| Some(r.zone_id) == own);
    let mut panels: Vec<Panel> = v
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| Panel {
            title: ind.name.clone(),
            unit: ind.unit.clone(),
            scale: 10_000,
            labels: labels.clone(),
            values: v.rows.iter().map(|r| r.cells.get(i).and_then(|c| c.value)).collect(),
            highlight,
        })
        .collect();
    panels.push(Panel {
        title: format!("{}签约项目", v.period.label),
        unit: "个".into(),
        scale: 1,
        labels,
        values: v.rows.iter().map(|r| r.pipeline.get(1).and_then(|c| i64::try_from(*c).ok())).collect(),
        highlight,
    });
    let title = format!("{}各开发区对比", v.city_name);
    charts::figure(&charts::small_multiples(&title, &panels, 3), &charts::small_multiples_table(&title, &panels))
}

#[derive(Template)]
#[template(path = "city.html")]
struct CityPage {
    shell: Shell,
    v: CityView,
    heads: Vec<Head>,
    sort: String,
    dir: &'static str,
    period_key: String,
    choices: Vec<(String, String)>,
    chart: String,
    /// Figures of the viewer's own zone link to its lists.
    links: bool,
    sortable: bool,
    pipeline_hrefs: Vec<String>,
    overdue_hrefs: Vec<String>,
}

/// The lists behind the own zone's pipeline and overdue cells.
fn hrefs(v: &CityView) -> (Vec<String>, Vec<String>) {
    let range = format!("from={}&to={}", v.period.from, v.period.to);
    let mut pipeline = vec![format!("/contacts?{range}")];
    pipeline.extend(cockpit::FUNNEL_STAGES.iter().map(|s| format!("/figures/stage?stage={}&{range}", s.code())));
    let overdue =
        ["/problems?overdue=1", "/safety/hazards?overdue=1", "/tasks?overdue=1", "/approvals/cases?overdue=1"]
            .map(String::from)
            .to_vec();
    (pipeline, overdue)
}

/// The city view for `/city` (and `/` for city users).
pub(super) async fn page(state: &AppState, user: &CurrentUser, q: &PeriodQuery, active: &str) -> AppResult<Response> {
    let s = load(state, user, q).await?;
    let shell = Shell::load(state, user, active, None).await?;
    let today = lookups::today();
    let period_key = q.period.trim().to_string();
    let mut choices = period_choices(today);
    if !choices.iter().any(|c| c.0 == period_key) {
        choices.push((period_key.clone(), s.view.period.label.clone()));
    }
    let chart = multiples(&s.view, user.user.zone_id);
    let (pipeline_hrefs, overdue_hrefs) = hrefs(&s.view);
    html(&CityPage {
        shell,
        chart,
        v: s.view,
        heads: s.heads,
        sort: s.sort,
        dir: s.dir,
        period_key,
        choices,
        links: user.user.zone_id.is_some(),
        sortable: true,
        pipeline_hrefs,
        overdue_hrefs,
    })
}

async fn city(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    page(&state, &user, &q, "/city").await
}

/// The rows of the export and of the page, as cells (the same order as the page).
fn cells(v: &CityView) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut headers = vec!["开发区".to_string()];
    for ind in &v.indicators {
        headers.push(format!("{}（{}）", ind.name, ind.unit));
        headers.push(format!("{}增速（%）", ind.name));
        headers.push(format!("{}绝对量排名", ind.name));
        headers.push(format!("{}增速排名", ind.name));
    }
    headers.extend(PIPELINE_LABELS.iter().map(|l| format!("{l}（{}）", if *l == "对接" { "次" } else { "个" })));
    headers.extend(["年度目标（项）", "符合路线图（项）", "滞后或预警（项）"].map(String::from));
    headers.extend(OVERDUE_LABELS.iter().map(|l| l.to_string()));
    let int = |v: u64| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX));
    let rows = v
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![Cell::Text(r.zone_name.clone())];
            for c in &r.cells {
                row.push(c.value_text.clone().into());
                row.push(
                    c.growth_text.clone().map(|g| g.trim_start_matches('+').trim_end_matches('%').to_string()).into(),
                );
                row.push(c.rank_value.map(|x| Cell::Int(i64::from(x))).unwrap_or_else(|| "缺报".into()));
                row.push(c.rank_growth.map(|x| Cell::Int(i64::from(x))).unwrap_or_else(|| "缺报".into()));
            }
            row.extend(r.pipeline.iter().map(|x| int(*x)));
            row.extend([int(r.targets), int(r.targets_on_track), int(r.targets_behind)]);
            row.extend(r.overdue.iter().map(|x| int(*x)));
            row
        })
        .collect();
    (headers, rows)
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let s = load(&state, &user, &q).await?;
    let (headers, rows) = cells(&s.view);
    let heads: Vec<&str> = headers.iter().map(String::as_str).collect();
    let title = format!("{}开发区对比 · {}（截至 {}）", s.view.city_name, s.view.period.label, s.view.as_of);
    let bytes = table::export("全市对比", &title, &heads, &rows).map_err(AppError::Internal)?;
    Ok(xlsx_download(&format!("{}开发区对比-{}.xlsx", s.view.city_name, s.view.period.label), bytes))
}

#[derive(Template)]
#[template(path = "city_wall.html")]
struct CityWall {
    css: &'static str,
    v: CityView,
    heads: Vec<Head>,
    chart: String,
    now: String,
    links: bool,
    sortable: bool,
    pipeline_hrefs: Vec<String>,
    overdue_hrefs: Vec<String>,
}

async fn wall(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    wall_page(&state, &user, &q).await
}

/// The city view on the wall display (also `/wall` for city users).
pub(super) async fn wall_page(state: &AppState, user: &CurrentUser, q: &PeriodQuery) -> AppResult<Response> {
    let s = load(state, user, q).await?;
    let chart = multiples(&s.view, user.user.zone_id);
    html(&CityWall {
        css: crate::assets::css_path(),
        chart,
        v: s.view,
        heads: s.heads,
        now: kaifaqu_domain::time::local_display(chrono::Utc::now()),
        links: false,
        sortable: false,
        pipeline_hrefs: Vec::new(),
        overdue_hrefs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaifaqu_store::cockpit::CityCell;

    fn row(id: i64, name: &str, value: Option<i64>, signed: u64) -> CityRow {
        CityRow {
            zone_id: id,
            zone_name: name.into(),
            own: false,
            cells: vec![CityCell {
                value,
                value_text: None,
                growth: None,
                growth_text: None,
                rank_value: None,
                rank_growth: None,
            }],
            pipeline: vec![0, signed, 0, 0, 0],
            targets: 0,
            targets_on_track: 0,
            targets_behind: 0,
            overdue: vec![0, 0, 0, 0],
        }
    }

    #[test]
    fn columns_parse_and_sort_with_missing_last() {
        assert_eq!(Col::parse("v0", 1), Some(Col::Value(0)));
        assert_eq!(Col::parse("v1", 1), None);
        assert_eq!(Col::parse("p4", 0), Some(Col::Pipeline(4)));
        assert_eq!(Col::parse("o9", 0), None);
        assert_eq!(Col::parse("x", 0), None);
        let mut rows = vec![row(1, "乙", Some(5), 3), row(2, "甲", None, 9), row(3, "丙", Some(7), 3)];
        sort_rows(&mut rows, Col::Value(0), true);
        assert_eq!(rows.iter().map(|r| r.zone_id).collect::<Vec<_>>(), [3, 1, 2]);
        sort_rows(&mut rows, Col::Value(0), false);
        assert_eq!(rows.iter().map(|r| r.zone_id).collect::<Vec<_>>(), [1, 3, 2], "no data stays last");
        sort_rows(&mut rows, Col::Pipeline(1), true);
        assert_eq!(rows.iter().map(|r| r.zone_id).collect::<Vec<_>>(), [2, 1, 3], "ties by id");
    }
}
