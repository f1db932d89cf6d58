//! 经济运行 → 月度填报 and 年度目标: the monthly entry grid of the user's zone (saved all or
//! nothing; every message beside its cell) and the year's targets.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaifaqu_domain::indicator::{Period, check_period, previous};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::indicator_values::{self, EntryLine, SOURCES, TargetLine, Value};
use kaifaqu_store::indicators::{self, Indicator};
use kaifaqu_store::{StoreError, lookups};
use serde::Deserialize;

use super::indicators::{PeriodGroup, growth_text, last_month, parse_period, period_groups, value_text};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::routing::{Need, Routes, get};
use crate::shell::{Shell, html};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .route("/indicators/entry", get(Need::WRITE, entry).post(Need::WRITE, entry_save))
        .route("/indicators/targets", get(Need::READ, targets).post(Need::WRITE, targets_save))
}

/// One input of a grid: its field name, the text shown in it and the message beside it.
pub struct Cell {
    pub name: String,
    pub value: String,
    pub error: Option<String>,
}

impl Cell {
    fn new(name: String, value: String, errors: &Invalid) -> Cell {
        Cell { error: errors.message_for(&name).map(str::to_string), name, value }
    }

    /// A checkbox cell is ticked.
    pub fn checked(&self) -> bool {
        matches!(self.value.as_str(), "on" | "true" | "1")
    }
}

/// The lines of a grid from a urlencoded body with fields `value_{zone}_{indicator}`,
/// `growth_…`, `base_value_…`, `source_…` and `confirm_…`, in the order they first appear.
pub(super) fn parse_grid(body: &[u8]) -> Vec<EntryLine> {
    const FIELDS: [&str; 5] = ["base_value_", "value_", "growth_", "source_", "confirm_"];
    let mut lines: Vec<EntryLine> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        let Some((field, rest)) = FIELDS.iter().find_map(|p| k.strip_prefix(p).map(|r| (*p, r))) else {
            continue;
        };
        let Some((zone, ind)) = rest.rsplit_once('_') else {
            continue;
        };
        let i = *at.entry((zone.to_string(), ind.to_string())).or_insert_with(|| {
            lines.push(EntryLine { zone_id: zone.to_string(), indicator_id: ind.to_string(), ..Default::default() });
            lines.len() - 1
        });
        let line = &mut lines[i];
        let v = v.into_owned();
        match field {
            "value_" => line.value = v,
            "growth_" => line.growth = v,
            "base_value_" => line.base_value = v,
            "source_" => line.source = v,
            _ => line.confirm = Some(v),
        }
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// GET/POST /indicators/entry
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodQuery {
    period: Option<String>,
}

struct EntryRow {
    name: String,
    unit: String,
    kind: &'static str,
    /// Why the row cannot be entered for this period (1月 of an indicator published as 1-2月).
    disabled: Option<String>,
    prev_label: String,
    prev_value: String,
    prev_growth: String,
    /// An estimate kept beside the official figure.
    estimate: Option<String>,
    entered_by: Option<String>,
    value: Cell,
    growth: Cell,
    base: Cell,
    source: Cell,
    confirm: Cell,
    /// The last save was refused as implausible: the confirm box is what it needs.
    implausible: bool,
}

#[derive(Template)]
#[template(path = "indicator_entry.html")]
struct EntryPage {
    shell: Shell,
    period: Period,
    periods: Vec<PeriodGroup>,
    rows: Vec<EntryRow>,
    sources: &'static [(&'static str, &'static str)],
    general: Vec<String>,
    failed: bool,
}

fn at(values: &[Value], p: Period, estimate: bool) -> Option<&Value> {
    values.iter().find(|v| v.period == p && v.is_estimate == estimate)
}

async fn entry_page(
    state: &AppState,
    user: &CurrentUser,
    period: Period,
    typed: Option<&[EntryLine]>,
    errors: Invalid,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let scope = user.actor().scope();
    let by_key: HashMap<(String, String), &EntryLine> = typed
        .unwrap_or_default()
        .iter()
        .map(|l| ((l.zone_id.trim().to_string(), l.indicator_id.trim().to_string()), l))
        .collect();
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    for ind in indicators::list(&state.db, true).await? {
        let values = indicator_values::series(&state.db, &scope, zone, ind.id, (period.year - 1, period.year)).await?;
        let official = at(&values, period, false);
        let estimate = at(&values, period, true);
        let prev = previous(period, ind.january_alone).unwrap_or(Period { year: period.year - 1, month: 12 });
        let prev_official = at(&values, prev, false);
        let key = format!("{zone}_{}", ind.id);
        let line = by_key.get(&(zone.to_string(), ind.id.to_string())).copied();
        let stored = |f: &dyn Fn(&Value) -> String| official.map(f).unwrap_or_default();
        let (value, growth, base, source, confirm) = match line {
            Some(l) => (
                l.value.clone(),
                l.growth.clone(),
                l.base_value.clone(),
                l.source.clone(),
                l.confirm.clone().unwrap_or_default(),
            ),
            None if typed.is_some() => Default::default(),
            None => (
                stored(&|v| v.value.to_string()),
                stored(&|v| v.growth.map(|g| g.display()).unwrap_or_default()),
                stored(&|v| v.base_value.map(|b| b.to_string()).unwrap_or_default()),
                stored(&|v| v.source.clone()),
                String::new(),
            ),
        };
        let value = Cell::new(format!("value_{key}"), value, &errors);
        let implausible = value.error.as_deref().is_some_and(|m| m.contains("确认"));
        let row = EntryRow {
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            kind: ind.kind_label(),
            disabled: check_period(period, ind.january_alone).err(),
            prev_label: prev.full_label(),
            prev_value: prev_official.map(|v| value_text(v.value, &ind)).unwrap_or_default(),
            prev_growth: prev_official.and_then(|v| v.growth).map(growth_text).unwrap_or_default(),
            estimate: estimate.map(|e| match e.growth {
                Some(g) => format!("{}（{}）", value_text(e.value, &ind), growth_text(g)),
                None => value_text(e.value, &ind),
            }),
            entered_by: official.map(|v| {
                format!(
                    "{} {}",
                    v.entered_by.clone().unwrap_or_default(),
                    kaifaqu_domain::time::local_display(v.entered_at)
                )
            }),
            value,
            growth: Cell::new(format!("growth_{key}"), growth, &errors),
            base: Cell::new(format!("base_value_{key}"), base, &errors),
            source: Cell::new(
                format!("source_{key}"),
                if source.is_empty() { "flash".into() } else { source },
                &errors,
            ),
            confirm: Cell::new(format!("confirm_{key}"), confirm, &errors),
            implausible,
        };
        shown.extend([&row.value, &row.growth, &row.base, &row.source, &row.confirm].map(|c| c.name.clone()));
        rows.push(row);
    }
    let general: Vec<String> =
        errors.errors.iter().filter(|e| !shown.contains(&e.field)).map(|e| e.message.clone()).collect();
    let failed = !errors.is_empty();
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = EntryPage {
        shell: Shell::load(state, user, "/indicators/entry", None).await?,
        periods: period_groups(period, true),
        period,
        rows,
        sources: SOURCES,
        general,
        failed,
    };
    Ok((status, html(&page)?).into_response())
}

async fn entry(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> AppResult<Response> {
    let period = parse_period(q.period.as_deref())?.unwrap_or_else(last_month);
    entry_page(&state, &user, period, None, Invalid::new()).await
}

async fn entry_save(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<PeriodQuery>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let period = parse_period(q.period.as_deref())?.ok_or_else(|| AppError::BadRequest("缺少填报期间".into()))?;
    let lines = parse_grid(&body);
    match indicator_values::save(&state.db, &user.actor(), zone, period, &lines).await {
        Ok(_) => Ok(Redirect::to(&format!("/indicators?period={}&done=saved", period.key())).into_response()),
        Err(StoreError::Invalid(errors)) => entry_page(&state, &user, period, Some(&lines), errors).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// GET/POST /indicators/targets
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: Option<String>,
    done: Option<String>,
}

fn year_of(q: &YearQuery) -> AppResult<i32> {
    let Some(text) = q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(lookups::today().year());
    };
    text.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2099).contains(y))
        .ok_or_else(|| AppError::BadRequest("年度应在 2000 到 2099 之间".into()))
}

struct TargetRow {
    name: String,
    unit: String,
    last_year: String,
    value: Cell,
    growth: Cell,
}

#[derive(Template)]
#[template(path = "indicator_targets.html")]
struct TargetsPage {
    shell: Shell,
    year: i32,
    years: Vec<i32>,
    rows: Vec<TargetRow>,
    can_write: bool,
    general: Vec<String>,
    failed: bool,
}

/// The targets from a urlencoded body: `target_{indicator}` and `target_growth_{indicator}`.
fn parse_targets(body: &[u8]) -> Vec<TargetLine> {
    let mut lines: Vec<TargetLine> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        let (id, growth) = match k.strip_prefix("target_growth_") {
            Some(id) => (id, true),
            None => match k.strip_prefix("target_") {
                Some(id) => (id, false),
                None => continue,
            },
        };
        let i = match lines.iter().position(|l| l.indicator_id == id) {
            Some(i) => i,
            None => {
                lines.push(TargetLine { indicator_id: id.to_string(), ..Default::default() });
                lines.len() - 1
            }
        };
        if growth {
            lines[i].growth = v.into_owned();
        } else {
            lines[i].value = v.into_owned();
        }
    }
    lines
}

async fn targets_page(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    done: Option<&str>,
    typed: Option<&[TargetLine]>,
    errors: Invalid,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    let scope = user.actor().scope();
    let stored = indicator_values::targets(&state.db, &scope, zone, year).await?;
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    let list: Vec<Indicator> = indicators::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|i| i.active || stored.iter().any(|t| t.indicator_id == i.id))
        .collect();
    for ind in list {
        let t = stored.iter().find(|t| t.indicator_id == ind.id);
        let line = typed.and_then(|ls| ls.iter().find(|l| l.indicator_id.trim() == ind.id.to_string()));
        let (value, growth) = match (line, typed) {
            (Some(l), _) => (l.value.clone(), l.growth.clone()),
            (None, Some(_)) => Default::default(),
            (None, None) => (
                t.and_then(|t| t.value).map(|v| v.to_string()).unwrap_or_default(),
                t.and_then(|t| t.growth).map(|g| g.display()).unwrap_or_default(),
            ),
        };
        let last = indicator_values::series(&state.db, &scope, zone, ind.id, (year - 1, year - 1)).await?;
        let last_year = last
            .iter()
            .find(|v| !v.is_estimate && v.period.month == 12)
            .map(|v| match v.growth {
                Some(g) => format!("{}（{}）", value_text(v.value, &ind), growth_text(g)),
                None => value_text(v.value, &ind),
            })
            .unwrap_or_default();
        let row = TargetRow {
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            last_year,
            value: Cell::new(format!("target_{}", ind.id), value, &errors),
            growth: Cell::new(format!("target_growth_{}", ind.id), growth, &errors),
        };
        shown.push(row.value.name.clone());
        shown.push(row.growth.name.clone());
        rows.push(row);
    }
    let general: Vec<String> =
        errors.errors.iter().filter(|e| !shown.contains(&e.field)).map(|e| e.message.clone()).collect();
    let failed = !errors.is_empty();
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let this_year = lookups::today().year();
    let mut years: Vec<i32> = (this_year - 3..=this_year + 1).chain([year]).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let page = TargetsPage {
        shell: Shell::load(state, user, "/indicators/targets", done).await?,
        year,
        years,
        rows,
        can_write: user.user.role.has(Permission::Write),
        general,
        failed,
    };
    Ok((status, html(&page)?).into_response())
}

async fn targets(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
) -> AppResult<Response> {
    let year = year_of(&q)?;
    targets_page(&state, &user, year, q.done.as_deref(), None, Invalid::new()).await
}

async fn targets_save(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(q): AppQuery<YearQuery>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let zone = user.zone_id()?;
    user.require(Permission::Write)?;
    let year = year_of(&q)?;
    let lines = parse_targets(&body);
    match indicator_values::save_targets(&state.db, &user.actor(), zone, year, &lines).await {
        Ok(()) => Ok(Redirect::to(&format!("/indicators/targets?year={year}&done=saved")).into_response()),
        Err(StoreError::Invalid(errors)) => targets_page(&state, &user, year, None, Some(&lines), errors).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_fields_become_lines() {
        let body = b"_csrf=x&value_3_7=27.97&growth_3_7=22.9&base_value_3_7=22.76&source_3_7=flash&confirm_3_7=on\
                     &value_4_7=16.9&source_4_7=estimate&other=1&value_bad=1";
        let lines = parse_grid(body);
        assert_eq!(lines.len(), 2);
        let a = &lines[0];
        assert_eq!((a.zone_id.as_str(), a.indicator_id.as_str()), ("3", "7"));
        assert_eq!((a.value.as_str(), a.growth.as_str(), a.base_value.as_str()), ("27.97", "22.9", "22.76"));
        assert_eq!((a.source.as_str(), a.confirm.as_deref()), ("flash", Some("on")));
        let b = &lines[1];
        assert_eq!(
            (b.zone_id.as_str(), b.value.as_str(), b.source.as_str(), b.confirm.as_deref()),
            ("4", "16.9", "estimate", None)
        );
    }

    #[test]
    fn target_fields_become_lines() {
        let lines = parse_targets(b"target_5=66&target_growth_5=20&target_growth_6=5&_csrf=x");
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].indicator_id.as_str(), lines[0].value.as_str(), lines[0].growth.as_str()),
            ("5", "66", "20")
        );
        assert_eq!((lines[1].indicator_id.as_str(), lines[1].value.as_str(), lines[1].growth.as_str()), ("6", "", "5"));
    }
}
