//! 经济运行 → 全市对比: all zones of the city side by side for an indicator and period, with the
//! grid for peer zones whose figures the zone keeps on their behalf.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaifaqu_domain::indicator::{Period, check_period};
use kaifaqu_domain::{Invalid, Permission};
use kaifaqu_store::indicator_values::{self, EntryLine, SOURCES};
use kaifaqu_store::indicator_views::{self, RankedZone};
use kaifaqu_store::indicators::{self, Indicator};
use kaifaqu_store::{StoreError, lookups, zones};
use serde::Deserialize;

use super::common::query_base;
use super::indicator_entry::{Cell, parse_grid};
use crate::error::{AppError, AppResult};
use crate::extract::{AppQuery, CurrentUser};
use crate::shell::{Shell, html};
use crate::state::AppState;

use super::indicators::*;
use crate::routing::{Need, Routes, get};

pub fn routes() -> Routes {
    Routes::new().route("/indicators/city", get(Need::READ, city).post(Need::WRITE, city_save))
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
