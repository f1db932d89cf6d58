//! Indicator tables as XLSX (the overview and the city ranking table, as shown) and the import
//! of a statistics table: rows of zones (the city's table for one indicator) or of indicators
//! (one zone's table) — mapped by name, all rows or none.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaifaqu_domain::Permission;
use kaifaqu_domain::indicator::{Fixed, Period, rank_cn};
use kaifaqu_reports::stats_table::{self, RowKind};
use kaifaqu_reports::table::{self, Cell};
use kaifaqu_store::indicator_values::{self, EntryLine};
use kaifaqu_store::indicators::{self, Indicator};
use kaifaqu_store::{StoreError, indicator_views, zones};
use serde::Deserialize;

use super::attachments::read_file;
use super::common::xlsx_download;
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get, post};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes(upload_limit: usize) -> Routes {
    Routes::new()
        .route("/indicators/overview.xlsx", get(Need::READ, overview_xlsx))
        .route("/indicators/{id}/city.xlsx", get(Need::READ, city_xlsx))
        .route("/indicators/import", post(Need::WRITE, import).layer(DefaultBodyLimit::max(upload_limit)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Q {
    period: String,
    indicator: String,
}

fn period_of(q: &Q) -> AppResult<Period> {
    Period::parse(&q.period).map_err(|m| AppError::BadRequest(format!("期间有误：{m}")))
}

fn rank_text(r: Option<u32>) -> Cell {
    r.map(|r| Cell::Text(rank_cn(r))).unwrap_or_else(|| Cell::Text("缺报".into()))
}

fn fixed(v: Option<Fixed>, ind: &Indicator) -> Cell {
    v.map(|v| Cell::Text(v.display(ind.decimals as u32))).unwrap_or(Cell::Empty)
}

async fn overview_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let p = period_of(&q)?;
    let scope = user.actor().scope();
    let rows = indicator_views::overview(&state.db, &scope, zone, p).await?;
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                r.indicator.name.clone().into(),
                r.indicator.unit.clone().into(),
                fixed(r.figure.value, &r.indicator),
                r.figure
                    .growth
                    .map(|g| {
                        Cell::Text(format!(
                            "{}{}",
                            g.display(),
                            if r.figure.growth_computed { "（计算值）" } else { "" }
                        ))
                    })
                    .unwrap_or(Cell::Empty),
                fixed(r.figure.estimate, &r.indicator),
                rank_text(r.rank_value),
                rank_text(r.rank_growth),
                fixed(r.target.as_ref().and_then(|t| t.value), &r.indicator),
                r.pace.as_ref().map(|p| Cell::Text(format!("{}%", p.completion.display()))).unwrap_or(Cell::Empty),
                r.pace.as_ref().map(|p| Cell::Text(p.gap_points.display())).unwrap_or(Cell::Empty),
                Cell::Text(r.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("；")),
            ]
        })
        .collect();
    let zone_name = zones::get(&state.db, &scope, zone).await?.name;
    let title = format!("{zone_name}主要经济指标（{}）", p.full_label());
    let headers = [
        "指标",
        "单位",
        "累计值",
        "同比增长（%）",
        "预计",
        "绝对量排名",
        "增速排名",
        "年度目标",
        "完成目标",
        "快慢序时进度（百分点）",
        "预警",
    ];
    let bytes = table::export("主要经济指标", &title, &headers, &cells).map_err(AppError::Internal)?;
    Ok(xlsx_download(&format!("{title}.xlsx"), bytes))
}

async fn city_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    AppQuery(q): AppQuery<Q>,
) -> AppResult<Response> {
    let p = period_of(&q)?;
    let ind = indicators::get(&state.db, id).await?;
    let scope = user.actor().scope();
    let rows = match (user.user.zone_id, user.user.city_code.as_deref()) {
        (Some(z), _) => indicator_views::city_table(&state.db, &scope, z, id, p).await?,
        (None, Some(city)) => indicator_views::city_table_of(&state.db, &scope, city, id, p).await?,
        _ => return Err(AppError::NotFound),
    };
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                rank_text(r.rank_value),
                r.zone_name.clone().into(),
                fixed(r.figure.value, &ind),
                r.figure.growth.map(|g| Cell::Text(g.display())).unwrap_or(Cell::Empty),
                rank_text(r.rank_growth),
            ]
        })
        .collect();
    let title = format!("全市开发区{}（{}，{}）", ind.name, p.full_label(), ind.unit);
    let headers = ["绝对量排名", "开发区", &format!("{}累计（{}）", p.label(), ind.unit), "同比增长（%）", "增速排名"];
    let bytes = table::export("全市对比", &title, &headers, &cells).map_err(AppError::Internal)?;
    Ok(xlsx_download(&format!("{title}.xlsx"), bytes))
}

pub struct ImportError {
    pub line: u32,
    pub column: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "indicator_import.html")]
struct ImportPage {
    shell: Shell,
    back: String,
    errors: Vec<ImportError>,
}

/// Converts a value written in `from` into the indicator's unit (亿元 ↔ 万元, 亿美元 ↔ 万美元).
fn convert(text: &str, from: Option<&str>, to: &str) -> Result<String, String> {
    let Some(from) = from.filter(|f| *f != to) else { return Ok(text.to_string()) };
    let factor = match (from, to) {
        ("亿元", "万元") | ("亿美元", "万美元") => (10_000, 1),
        ("万元", "亿元") | ("万美元", "亿美元") => (1, 10_000),
        _ => return Err(format!("表中单位为“{from}”，该指标的单位是“{to}”，无法换算")),
    };
    let v = Fixed::parse(text, 4)?;
    v.mul_div(factor.0, factor.1).map(|v| v.display(4)).ok_or_else(|| "数值过大".to_string())
}

async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<Q>,
    mp: Multipart,
) -> AppResult<Response> {
    user.require(Permission::Write)?;
    let zone = user.zone_id()?;
    let p = period_of(&q)?;
    let (_, bytes) = read_file(mp).await?;
    let scope = user.actor().scope();
    let back = match q.indicator.trim() {
        "" => format!("/indicators/entry?period={}", p.key()),
        id => format!("/indicators/city?indicator={id}&period={}", p.key()),
    };
    let fail = |errors: Vec<ImportError>| {
        let back = back.clone();
        let state = state.clone();
        let user = user.clone();
        async move {
            let page = ImportPage { shell: Shell::load(&state, &user, "/indicators", None).await?, back, errors };
            Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
    };
    let t = match stats_table::import(&bytes) {
        Ok(t) => t,
        Err(errs) => {
            return fail(
                errs.into_iter().map(|e| ImportError { line: e.row, column: e.column, reason: e.reason }).collect(),
            )
            .await;
        }
    };
    let catalog = indicators::list(&state.db, false).await?;
    let mut lines = Vec::new();
    let mut where_ = HashMap::new();
    let mut errors = Vec::new();
    match t.kind {
        RowKind::Zones => {
            let id: i64 = q.indicator.trim().parse().map_err(|_| AppError::BadRequest("请先选择指标".into()))?;
            let ind = catalog.iter().find(|i| i.id == id).ok_or(AppError::NotFound)?;
            let city: HashMap<String, i64> = indicator_views::city_table(&state.db, &scope, zone, id, p)
                .await?
                .into_iter()
                .map(|r| (r.zone_name, r.zone_id))
                .collect();
            for r in &t.rows {
                let Some(z) = city.get(r.name.trim()) else {
                    errors.push(ImportError {
                        line: r.line,
                        column: "开发区".into(),
                        reason: format!("“{}”不是本市的开发区", r.name),
                    });
                    continue;
                };
                match convert(&r.value, t.unit.as_deref(), &ind.unit) {
                    Ok(value) => {
                        where_.insert(format!("{z}_{id}"), r.line);
                        lines.push(EntryLine {
                            zone_id: z.to_string(),
                            indicator_id: id.to_string(),
                            value,
                            growth: r.growth.clone(),
                            source: "flash".into(),
                            ..Default::default()
                        });
                    }
                    Err(m) => errors.push(ImportError { line: r.line, column: t.value_header.clone(), reason: m }),
                }
            }
        }
        RowKind::Indicators => {
            for r in &t.rows {
                let Some(ind) = catalog.iter().find(|i| i.name == r.name.trim() || i.code == r.name.trim()) else {
                    errors.push(ImportError {
                        line: r.line,
                        column: "指标".into(),
                        reason: format!("指标目录中没有“{}”", r.name),
                    });
                    continue;
                };
                where_.insert(format!("{zone}_{}", ind.id), r.line);
                lines.push(EntryLine {
                    zone_id: zone.to_string(),
                    indicator_id: ind.id.to_string(),
                    value: r.value.clone(),
                    growth: r.growth.clone(),
                    source: "flash".into(),
                    ..Default::default()
                });
            }
        }
    }
    if !errors.is_empty() {
        return fail(errors).await;
    }
    match indicator_values::save(&state.db, &user.actor(), zone, p, &lines).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}&done=imported")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let errors = e
                .errors
                .into_iter()
                .map(|f| {
                    let key = ["base_value_", "value_", "growth_", "source_"]
                        .iter()
                        .find_map(|prefix| f.field.strip_prefix(prefix))
                        .unwrap_or("");
                    let line = where_.get(key).copied().unwrap_or(0);
                    let column = if f.field.starts_with("growth") {
                        t.growth_header.clone().unwrap_or_default()
                    } else {
                        t.value_header.clone()
                    };
                    ImportError { line, column, reason: f.message }
                })
                .collect();
            fail(errors).await
        }
        Err(StoreError::NotFound) => {
            fail(vec![ImportError {
                line: 0,
                column: String::new(),
                reason: "表中有不允许本账号填报的开发区（该开发区有自己的填报人员）".into(),
            }])
            .await
        }
        Err(e) => Err(e.into()),
    }
}
