//! Annual targets (年度目标) and their monthly route (路线图): create (with the even route),
//! edit, edit the route, delete — every write audited — and the evaluation of a year on a date.
//! A target's actual is never typed in: it is computed by the figures functions of the module
//! that owns the records (`figures` for projects and contacts, `indicator_views` for statistics,
//! `land_parcels`, `idle_plants`, `approval_cases`, `safety_figures`), from 1 January to the
//! date, with the link to the page listing the records behind it. The judgement (milestone
//! due, completion, ahead/behind, projection, 正常 / 滞后 / 预警 with the reason) is
//! `kaifaqu_domain::target::judge`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::indicator::{Pct, Period, latest_due_period};
use kaifaqu_domain::target::{
    self as tg, Binding, Facts, IndicatorUnit, Measure, Metric, Shape, Status, TARGET_STAGES, even_route,
    milestone_month, month_end,
};
use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{Invalid, Permission};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::approval_cases::{self, ApprovalFigures};
use crate::audit::{self, Change};
use crate::entities::{target, target_milestone};
use crate::figures::{self, PeriodFigures};
use crate::idle_plants::{self, PlantFigures};
use crate::indicator_views::{self, SeriesRow};
use crate::indicators::{self, Indicator};
use crate::land_parcels::{self, ParcelFigures};
use crate::lookups::{Lookups, opt_id};
use crate::safety_figures::{self, SafetyFigures};
use crate::{Actor, Db, Scope, StoreError};

/// An annual target with its route.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub id: i64,
    pub zone_id: i64,
    pub year: i32,
    pub name: String,
    pub metric: Metric,
    /// The stage code (stage metrics) or the indicator id (indicator metrics), else "".
    pub param: String,
    /// What the target counts, in words: "签约项目个数", "规上工业增加值累计值".
    pub measure: String,
    /// The unit values are shown in: 个, 亿元, 亩, 万平方米, %, the indicator's unit.
    pub unit: String,
    /// Cumulative over the year (counts, sums) or a level (growth, rates).
    pub cumulative: bool,
    /// The target in the metric's integer unit: a count, 万元, 0.01 亩, 0.01 m², 1/10,000 of
    /// the indicator's unit, 0.01 %.
    pub target_value: i64,
    /// The target as shown: "52 个", "24.00 亿元".
    pub target_text: String,
    /// The milestone due by the end of each month, January first (cumulative for cumulative
    /// targets).
    pub route: Vec<i64>,
    /// The route is the even split (not edited).
    pub route_even: bool,
    pub leader_id: Option<i64>,
    pub leader: Option<String>,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub notes: String,
    /// The optimistic version: send it back with an edit (a stale one is refused with 409).
    pub version: i32,
    #[serde(skip)]
    pub binding: Option<Binding>,
    #[serde(skip)]
    pub kind: Option<Measure>,
}

impl Target {
    fn unit(&self) -> &tg::Unit {
        static COUNT: tg::Unit = tg::Unit::Count("");
        self.kind.as_ref().map(|m| &m.unit).unwrap_or(&COUNT)
    }

    fn shape(&self) -> Shape {
        if self.cumulative { Shape::Cumulative } else { Shape::Level }
    }

    /// A value of this target's metric with its unit: "14 个", "27.97 亿元".
    pub fn show(&self, v: i64) -> String {
        self.unit().show_with_unit(v)
    }

    /// A value without the unit (table cells).
    pub fn show_plain(&self, v: i64) -> String {
        self.unit().show(v)
    }

    /// A value as typed in a form.
    pub fn input(&self, v: i64) -> String {
        self.unit().input(v)
    }

    /// Stored units per displayed unit (charts).
    pub fn scale(&self) -> i64 {
        self.unit().scale()
    }

    fn route_array(&self) -> [i64; 12] {
        let mut r = [0; 12];
        for (i, v) in self.route.iter().take(12).enumerate() {
            r[i] = *v;
        }
        r
    }
}

fn indicator_unit(i: &Indicator) -> IndicatorUnit {
    IndicatorUnit { name: i.name.clone(), unit: i.unit.clone(), decimals: i.decimals.max(0) as u32, flow: i.is_flow() }
}

fn to_target(m: target::Model, route: Option<Vec<i64>>, l: &Lookups, catalog: &HashMap<i64, Indicator>) -> Target {
    let binding = Binding::parse(&m.metric, &m.param).ok();
    let ind = binding.and_then(|b| b.indicator_id).and_then(|i| catalog.get(&i)).map(indicator_unit);
    let kind = binding.map(|b| b.measure(ind.as_ref()));
    let shape = kind.as_ref().map(|k| k.shape).unwrap_or(Shape::Cumulative);
    let even = even_route(shape, m.target_value).to_vec();
    let route = route.filter(|r| r.len() == 12).unwrap_or_else(|| even.clone());
    let unit = kind.as_ref().map(|k| k.unit.clone()).unwrap_or(tg::Unit::Count(""));
    Target {
        id: m.id,
        zone_id: m.zone_id,
        year: m.year,
        metric: binding.map(|b| b.metric).unwrap_or(Metric::Contacts),
        measure: binding.map(|b| b.describe(ind.as_ref())).unwrap_or_else(|| "（口径无效）".into()),
        unit: unit.label(),
        cumulative: shape == Shape::Cumulative,
        target_text: unit.show_with_unit(m.target_value),
        route_even: route == even,
        route,
        leader: l.user(m.leader_id),
        department: l.department(m.department_id),
        binding,
        kind,
        name: m.name,
        param: m.param,
        target_value: m.target_value,
        leader_id: m.leader_id,
        department_id: m.department_id,
        notes: m.notes,
        version: m.version,
    }
}

fn audit_view(m: &target::Model, route: &[i64]) -> serde_json::Value {
    json!({
        "year": m.year, "name": m.name, "metric": m.metric, "param": m.param, "target_value": m.target_value,
        "leader_id": m.leader_id, "department_id": m.department_id, "notes": m.notes,
        "route": route.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "),
    })
}

async fn catalog(db: &Db) -> Result<HashMap<i64, Indicator>, StoreError> {
    Ok(indicators::list(db, false).await?.into_iter().map(|i| (i.id, i)).collect())
}

async fn routes_of(db: &Db, zone_id: i64, ids: Vec<i64>) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let rows = target_milestone::Entity::find()
        .filter(target_milestone::Column::ZoneId.eq(zone_id))
        .filter(target_milestone::Column::TargetId.is_in(ids))
        .order_by_asc(target_milestone::Column::TargetId)
        .order_by_asc(target_milestone::Column::Month)
        .all(&db.conn)
        .await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        out.entry(r.target_id).or_default().push(r.cumulative);
    }
    Ok(out)
}

async fn write_route<C: ConnectionTrait>(conn: &C, zone_id: i64, id: i64, route: &[i64]) -> Result<(), StoreError> {
    target_milestone::Entity::delete_many()
        .filter(target_milestone::Column::ZoneId.eq(zone_id))
        .filter(target_milestone::Column::TargetId.eq(id))
        .exec(conn)
        .await?;
    let rows: Vec<target_milestone::ActiveModel> = route
        .iter()
        .enumerate()
        .map(|(i, v)| target_milestone::ActiveModel {
            zone_id: Set(zone_id),
            target_id: Set(id),
            month: Set(i as i32 + 1),
            cumulative: Set(*v),
        })
        .collect();
    target_milestone::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Forms and writes
// ---------------------------------------------------------------------------------------------

/// The raw fields of the target form (also the JSON input), as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TargetForm {
    pub name: String,
    pub year: String,
    /// A `Metric` code (stage_count, stage_investment, contacts, indicator_value,
    /// indicator_growth, parcels, parcel_area, plant_area, commitment_projects,
    /// agency_projects, inspections, rectification_rate) or its label.
    pub metric: String,
    /// The stage (signed / landed / started / producing) of a stage metric, the indicator id of
    /// an indicator metric, empty otherwise.
    pub param: String,
    /// The target in the metric's unit as a person types it: "52" (个), "24" (亿元),
    /// "220.41" (亩), "1" (万平方米), "66" (the indicator's unit), "20" (%).
    pub target_value: String,
    pub leader_id: String,
    pub department_id: String,
    pub notes: String,
    /// The version the edit was made on (edits; empty: the current one). A stale one is refused.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

impl TargetForm {
    pub fn from_target(t: &Target) -> TargetForm {
        let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
        TargetForm {
            name: t.name.clone(),
            year: t.year.to_string(),
            metric: t.metric.code().to_string(),
            param: t.param.clone(),
            target_value: t.input(t.target_value),
            leader_id: id(t.leader_id),
            department_id: id(t.department_id),
            notes: t.notes.clone(),
            version: t.version.to_string(),
        }
    }
}

/// A route typed month by month (January first), each in the target's unit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RouteForm {
    /// 12 values, e.g. ["4", "8", "13", …, "52"].
    pub route: Vec<String>,
    /// The target's version the route was edited on (empty: the current one). A stale one is
    /// refused ([`StoreError::Stale`], 409) and nothing is saved.
    #[serde(deserialize_with = "crate::error::de_version")]
    #[schema(value_type = Option<i32>)]
    pub version: String,
}

struct Valid {
    name: String,
    year: i32,
    binding: Binding,
    measure: Measure,
    target_value: i64,
    leader_id: Option<i64>,
    department_id: Option<i64>,
    notes: String,
}

fn validate(
    f: &TargetForm,
    l: &Lookups,
    catalog: &HashMap<i64, Indicator>,
    current_leader: Option<i64>,
) -> Result<Valid, Invalid> {
    let mut e = Invalid::new();
    let name = e.required("name", "目标名称", &f.name, NAME_MAX);
    let mut year = None;
    if f.year.trim().is_empty() {
        e.add("year", "年度不能为空");
    } else {
        year = crate::lookups::opt_year(&mut e, "year", "年度", &f.year);
    }
    let binding = match Binding::parse(&f.metric, &f.param) {
        Ok(b) => Some(b),
        Err(errs) => {
            e.errors.extend(errs.errors);
            None
        }
    };
    let ind = match binding.and_then(|b| b.indicator_id) {
        Some(id) => match catalog.get(&id) {
            Some(i) => Some(indicator_unit(i)),
            None => {
                e.add("param", "所选统计指标不存在");
                None
            }
        },
        None => None,
    };
    let measure = binding.map(|b| b.measure(ind.as_ref()));
    let mut target_value = None;
    if let Some(m) = &measure
        && e.message_for("param").is_none()
    {
        match m.unit.parse_target(&f.target_value) {
            Ok(v) => target_value = Some(v),
            Err(msg) => e.add("target_value", msg),
        }
    } else if f.target_value.trim().is_empty() {
        e.add("target_value", "目标值不能为空");
    }
    let leader_id = opt_id(&mut e, "leader_id", "责任领导", &f.leader_id);
    l.check_leader(&mut e, "leader_id", leader_id, current_leader);
    let department_id = opt_id(&mut e, "department_id", "责任科室", &f.department_id);
    l.check_department(&mut e, "department_id", department_id);
    let notes = e.optional("notes", "备注", &f.notes, TEXT_MAX).unwrap_or_default();
    e.into_result()?;
    Ok(Valid {
        name,
        year: year.expect("checked"),
        binding: binding.expect("checked"),
        measure: measure.expect("checked"),
        target_value: target_value.expect("checked"),
        leader_id,
        department_id,
        notes,
    })
}

fn apply(am: &mut target::ActiveModel, v: &Valid) {
    am.name = Set(v.name.clone());
    am.year = Set(v.year);
    am.metric = Set(v.binding.metric.code().to_string());
    am.param = Set(v.binding.param());
    am.target_value = Set(v.target_value);
    am.leader_id = Set(v.leader_id);
    am.department_id = Set(v.department_id);
    am.notes = Set(v.notes.clone());
    am.updated_at = Set(chrono::Utc::now());
}

const DUPLICATE: &str = "本年度已有同名的目标";

/// Creates a target in the actor's own zone, with the even route.
pub async fn create(db: &Db, actor: &Actor, f: &TargetForm) -> Result<Target, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    create_in(db, actor, zone_id, f).await
}

/// Creates a target in `zone_id` (the demo loader; others use `create`), with the even route.
pub async fn create_in(db: &Db, actor: &Actor, zone_id: i64, f: &TargetForm) -> Result<Target, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.write_zone(zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let cat = catalog(db).await?;
    let v = validate(f, &l, &cat, None)?;
    let route = even_route(v.measure.shape, v.target_value);
    let now = chrono::Utc::now();
    let mut am = target::ActiveModel { zone_id: Set(zone_id), created_at: Set(now), ..Default::default() };
    apply(&mut am, &v);
    let txn = db.conn.begin().await?;
    let m = am.insert(&txn).await.map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))?;
    write_route(&txn, zone_id, m.id, &route).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "target",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("新增{}年度目标 {}：{}", m.year, m.name, v.measure.unit.show_with_unit(m.target_value)),
            before: serde_json::Value::Null,
            after: audit_view(&m, &route),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_target(m, Some(route.to_vec()), &l, &cat))
}

async fn find(db: &Db, scope: &Scope, id: i64) -> Result<target::Model, StoreError> {
    let m = target::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Target, StoreError> {
    let m = find(db, scope, id).await?;
    let l = Lookups::load(db, m.zone_id).await?;
    let mut routes = routes_of(db, m.zone_id, vec![m.id]).await?;
    let route = routes.remove(&m.id);
    Ok(to_target(m, route, &l, &catalog(db).await?))
}

/// The targets of a zone's year, by name.
pub async fn list(db: &Db, scope: &Scope, zone_id: i64, year: i32) -> Result<Vec<Target>, StoreError> {
    crate::zones::get(db, scope, zone_id).await?;
    let rows = target::Entity::find()
        .filter(target::Column::ZoneId.eq(zone_id))
        .filter(target::Column::Year.eq(year))
        .order_by_asc(target::Column::Id)
        .all(&db.conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // the leaders' and departments' names (not the zone's enterprises: a target names none)
    let l = Lookups::for_rows(db, zone_id, std::iter::empty()).await?;
    let cat = catalog(db).await?;
    let mut routes = routes_of(db, zone_id, rows.iter().map(|m| m.id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let r = routes.remove(&m.id);
            to_target(m, r, &l, &cat)
        })
        .collect())
}

/// Saves an edit. When the metric, its param or the target value changes, the route is reset
/// to the even split (an edited route belonged to the old target); otherwise it is kept.
pub async fn update(db: &Db, actor: &Actor, id: i64, f: &TargetForm) -> Result<Target, StoreError> {
    actor.require(Permission::Write)?;
    let before = target::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let cat = catalog(db).await?;
    let v = validate(f, &l, &cat, before.leader_id)?;
    let old_route = routes_of(db, zone_id, vec![id]).await?.remove(&id).unwrap_or_default();
    let reset = before.metric != v.binding.metric.code()
        || before.param != v.binding.param()
        || before.target_value != v.target_value
        || old_route.len() != 12;
    let route = if reset { even_route(v.measure.shape, v.target_value).to_vec() } else { old_route.clone() };
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "targets", id, &f.version, before.version).await?;
    let mut am = before.clone().into_active_model();
    apply(&mut am, &v);
    am.version = Set(version);
    let after = am.update(&txn).await.map_err(|e| StoreError::unique_as(e, "name", DUPLICATE))?;
    if reset {
        write_route(&txn, zone_id, id, &route).await?;
    }
    let summary = if reset && !old_route.is_empty() {
        format!("修改年度目标 {}（目标值或口径已改，路线图按平均分解重置）", after.name)
    } else {
        format!("修改年度目标 {}", after.name)
    };
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "target",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary,
            before: audit_view(&before, &old_route),
            after: audit_view(&after, &route),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_target(after, Some(route), &l, &cat))
}

/// Replaces the route (12 monthly milestones in the target's unit), checked by
/// `kaifaqu_domain::target::parse_route`: refused with the month and the reason, nothing saved.
/// Claims the target's version (`f.version`, empty: the current one) like an edit of the target.
pub async fn set_route(db: &Db, actor: &Actor, id: i64, f: &RouteForm) -> Result<Target, StoreError> {
    actor.require(Permission::Write)?;
    let before = target::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let l = Lookups::load(db, zone_id).await?;
    let cat = catalog(db).await?;
    let old_route = routes_of(db, zone_id, vec![id]).await?.remove(&id).unwrap_or_default();
    let t = to_target(before.clone(), Some(old_route.clone()), &l, &cat);
    let Some(kind) = t.kind.clone() else {
        return Err(Invalid::one("metric", "目标的统计口径无效，请先修改目标").into());
    };
    let route = tg::parse_route(&kind.unit, kind.shape, before.target_value, &f.route)?;
    let txn = db.conn.begin().await?;
    let version = crate::versions::claim(&txn, "targets", id, &f.version, before.version).await?;
    write_route(&txn, zone_id, id, &route).await?;
    let mut am = before.clone().into_active_model();
    am.version = Set(version);
    am.updated_at = Set(chrono::Utc::now());
    let after = am.update(&txn).await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "target",
            entity_id: Some(id.to_string()),
            action: Action::Update,
            summary: format!("修改年度目标 {} 的路线图", after.name),
            before: audit_view(&before, &old_route),
            after: audit_view(&after, &route),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_target(after, Some(route.to_vec()), &l, &cat))
}

/// Deletes a target and its route.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<(), StoreError> {
    actor.require(Permission::Write)?;
    let before = target::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    let zone_id = actor.write_zone(before.zone_id)?;
    let old_route = routes_of(db, zone_id, vec![id]).await?.remove(&id).unwrap_or_default();
    let txn = db.conn.begin().await?;
    target_milestone::Entity::delete_many()
        .filter(target_milestone::Column::ZoneId.eq(zone_id))
        .filter(target_milestone::Column::TargetId.eq(id))
        .exec(&txn)
        .await?;
    target::Entity::delete_many()
        .filter(target::Column::ZoneId.eq(zone_id))
        .filter(target::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "target",
            entity_id: Some(id.to_string()),
            action: Action::Delete,
            summary: format!("删除{}年度目标 {}", before.year, before.name),
            before: audit_view(&before, &old_route),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Actuals
// ---------------------------------------------------------------------------------------------

/// An actual computed from records, with the page that lists them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Actual {
    pub value: Option<i64>,
    /// The date the value covers (an indicator: the end of its latest published period).
    pub through: NaiveDate,
    /// The records behind the value, e.g. `/figures/stage?stage=signed&from=…&to=…`.
    pub href: String,
}

/// The figures of one zone's year, fetched once per date from the modules that own them.
struct Sources<'a> {
    db: &'a Db,
    scope: &'a Scope,
    zone_id: i64,
    year: i32,
    catalog: HashMap<i64, Indicator>,
    figures: HashMap<NaiveDate, PeriodFigures>,
    safety: HashMap<NaiveDate, SafetyFigures>,
    approvals: HashMap<NaiveDate, ApprovalFigures>,
    parcels: HashMap<NaiveDate, ParcelFigures>,
    plants: HashMap<NaiveDate, PlantFigures>,
    series: HashMap<i64, Vec<SeriesRow>>,
}

impl<'a> Sources<'a> {
    async fn new(db: &'a Db, scope: &'a Scope, zone_id: i64, year: i32) -> Result<Sources<'a>, StoreError> {
        Ok(Sources {
            db,
            scope,
            zone_id,
            year,
            catalog: catalog(db).await?,
            figures: HashMap::new(),
            safety: HashMap::new(),
            approvals: HashMap::new(),
            parcels: HashMap::new(),
            plants: HashMap::new(),
            series: HashMap::new(),
        })
    }

    /// Whether a figure should exist on `d`: for an indicator, a period of the year past its
    /// entry date (the 10th of the next month); a record-based figure always exists (None only
    /// where it is undefined, e.g. a rectification rate with nothing due).
    fn data_due(&self, t: &Target, d: NaiveDate) -> bool {
        match t.binding.and_then(|b| b.indicator_id).and_then(|i| self.catalog.get(&i)) {
            Some(ind) => latest_due_period(d, ind.january_alone).is_some_and(|p| p.year == self.year),
            None => false,
        }
    }

    fn from(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).expect("valid year")
    }

    async fn actual(&mut self, t: &Target, d: NaiveDate) -> Result<Actual, StoreError> {
        let (db, scope, z, from) = (self.db, self.scope, self.zone_id, self.from());
        let Some(b) = t.binding else {
            return Ok(Actual { value: None, through: d, href: String::new() });
        };
        let range = format!("from={from}&to={d}");
        let found = |value: i64, href: String| Ok(Actual { value: Some(value), through: d, href });
        match b.metric {
            Metric::StageCount | Metric::StageInvestment => {
                // the period figures of 1 January to `d` count every stage at once (the same
                // projects `figures::projects_reaching` lists: each project once per stage), so
                // all stage targets judged on one date share one read
                let stage = b.stage.unwrap_or(TARGET_STAGES[0]);
                if let Entry::Vacant(e) = self.figures.entry(d) {
                    e.insert(figures::period(db, scope, z, from, d).await?);
                }
                let s = self.figures[&d].stage(stage);
                let v = if b.metric == Metric::StageCount { s.count as i64 } else { s.investment.0 };
                found(v, format!("/figures/stage?stage={}&{range}", stage.code()))
            }
            Metric::Contacts => {
                if let Entry::Vacant(e) = self.figures.entry(d) {
                    e.insert(figures::period(db, scope, z, from, d).await?);
                }
                found(self.figures[&d].contacts as i64, format!("/contacts?{range}"))
            }
            Metric::Parcels | Metric::ParcelArea => {
                if let Entry::Vacant(e) = self.parcels.entry(d) {
                    e.insert(land_parcels::figures(db, scope, z, from, d).await?);
                }
                let p = &self.parcels[&d];
                let v = if b.metric == Metric::Parcels { p.parcels as i64 } else { p.area.0 };
                found(v, format!("/land/parcels?{}", p.list_query))
            }
            Metric::PlantArea => {
                if let Entry::Vacant(e) = self.plants.entry(d) {
                    e.insert(idle_plants::figures(db, scope, z, from, d).await?);
                }
                let p = &self.plants[&d];
                found(p.m2_x100, format!("/land/idle-plants?{}", p.list_query))
            }
            Metric::CommitmentProjects | Metric::AgencyProjects => {
                if let Entry::Vacant(e) = self.approvals.entry(d) {
                    e.insert(approval_cases::figures(db, scope, z, from, d).await?);
                }
                let a = &self.approvals[&d];
                let f =
                    if b.metric == Metric::CommitmentProjects { &a.commitment_projects } else { &a.agency_projects };
                found(f.value as i64, f.href.clone())
            }
            Metric::Inspections | Metric::RectificationRate => {
                if let Entry::Vacant(e) = self.safety.entry(d) {
                    e.insert(safety_figures::period(db, scope, z, from, d).await?);
                }
                let s = &self.safety[&d];
                if b.metric == Metric::Inspections {
                    found(s.inspections as i64, format!("/safety/inspections?{range}"))
                } else {
                    Ok(Actual { value: s.rectification_rate, through: d, href: format!("/safety/figures?{range}") })
                }
            }
            Metric::IndicatorValue | Metric::IndicatorGrowth => {
                let id = b.indicator_id.unwrap_or(-1);
                let Some(ind) = self.catalog.get(&id).cloned() else {
                    return Ok(Actual { value: None, through: d, href: String::new() });
                };
                if !self.series.contains_key(&id) {
                    let until = Period { year: self.year, month: 12 };
                    let rows = indicator_views::series(db, scope, z, &ind, until, 12).await?;
                    self.series.insert(id, rows.into_iter().filter(|r| r.period.year == self.year).collect());
                }
                // the latest published period of the year that has ended by `d`
                let latest = self.series[&id]
                    .iter()
                    .filter(|r| month_end(r.period.year, r.period.month) <= d)
                    .filter_map(|r| {
                        let v = if b.metric == Metric::IndicatorValue {
                            r.figure.value.map(|v| v.0)
                        } else {
                            r.figure.growth.map(|g| g.0)
                        };
                        v.map(|v| (r.period, v))
                    })
                    .max_by_key(|(p, _)| *p);
                Ok(match latest {
                    Some((p, v)) => Actual {
                        value: Some(v),
                        through: month_end(p.year, p.month),
                        href: format!("/indicators/{id}?until={}", p.key()),
                    },
                    None => Actual { value: None, through: d, href: format!("/indicators/{id}") },
                })
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// A target judged on a date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetStatus {
    pub target: Target,
    pub as_of: NaiveDate,
    /// The date the actual covers (`as_of`, or an indicator's latest period end).
    pub through: NaiveDate,
    /// Computed from records (None: no figure yet).
    pub actual: Option<i64>,
    pub actual_text: String,
    /// The page listing the records behind the actual.
    pub href: String,
    /// The month whose milestone is due (0: none yet).
    pub milestone_month: u32,
    pub milestone: i64,
    pub milestone_text: String,
    /// actual ÷ target, 0.01 %.
    pub completion: Option<Pct>,
    pub completion_text: String,
    /// actual − milestone (negative: behind).
    pub gap: Option<i64>,
    pub gap_text: String,
    /// Projected year-end: run-rate for cumulative targets, the current level otherwise.
    pub projection: Option<i64>,
    pub projection_text: String,
    pub status: Status,
    pub status_label: String,
    pub reason: String,
}

impl TargetStatus {
    /// The completion for a progress bar, 0–100 (whole percent, capped).
    pub fn bar_percent(&self) -> i64 {
        self.completion.map(|c| (c.0 / 100).clamp(0, 100)).unwrap_or(0)
    }

    /// Where the milestone due sits on the bar, 0–100.
    pub fn milestone_percent(&self) -> i64 {
        if self.target.target_value <= 0 {
            return 0;
        }
        (i128::from(self.milestone) * 100 / i128::from(self.target.target_value)).clamp(0, 100) as i64
    }
}

/// The date an evaluation of `year` looks at: `as_of`, or 31 December when later; a date before
/// the year is refused.
fn eval_date(year: i32, as_of: NaiveDate) -> Result<NaiveDate, StoreError> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| Invalid::one("year", "年度无效"))?;
    if as_of < first {
        return Err(Invalid::one("as_of", format!("评估日期 {as_of} 早于 {year} 年，无法评估该年度目标")).into());
    }
    Ok(as_of.min(month_end(year, 12)))
}

async fn status_of(src: &mut Sources<'_>, t: &Target, as_of: NaiveDate) -> Result<TargetStatus, StoreError> {
    let a = src.actual(t, as_of).await?;
    let shape = t.shape();
    let m = milestone_month(shape, a.through);
    let previous = if m >= 2 { src.actual(t, month_end(t.year, m - 1)).await?.value } else { None };
    let route = t.route_array();
    let data_due = src.data_due(t, as_of);
    let j = tg::judge(&Facts {
        unit: t.unit(),
        shape,
        target: t.target_value,
        route: &route,
        through: a.through,
        actual: a.value,
        previous,
        data_due,
    });
    let dash = || "—".to_string();
    Ok(TargetStatus {
        as_of,
        through: a.through,
        actual: a.value,
        actual_text: a.value.map(|v| t.show(v)).unwrap_or_else(|| "尚无数据".into()),
        href: a.href,
        milestone_month: j.milestone_month,
        milestone: j.milestone,
        milestone_text: if j.milestone_month == 0 { "尚未到节点".into() } else { t.show(j.milestone) },
        completion: j.completion,
        completion_text: j.completion.map(|c| c.display_percent()).unwrap_or_else(dash),
        gap: j.gap,
        gap_text: j.gap.map(|g| t.unit().show_gap(g)).unwrap_or_else(dash),
        projection: j.projection,
        projection_text: j.projection.map(|p| t.show(p)).unwrap_or_else(dash),
        status: j.status,
        status_label: j.status.label().to_string(),
        reason: j.reason,
        target: t.clone(),
    })
}

/// Every target of a zone's year judged on `as_of` (a later date counts as 31 December).
pub async fn evaluate(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    year: i32,
    as_of: NaiveDate,
) -> Result<Vec<TargetStatus>, StoreError> {
    let as_of = eval_date(year, as_of)?;
    let targets = list(db, scope, zone_id, year).await?;
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let mut src = Sources::new(db, scope, zone_id, year).await?;
    let mut out = Vec::with_capacity(targets.len());
    for t in &targets {
        out.push(status_of(&mut src, t, as_of).await?);
    }
    Ok(out)
}

/// One month of a target's route beside its actual at the month end.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthRow {
    pub month: u32,
    pub end: NaiveDate,
    pub milestone: i64,
    pub milestone_text: String,
    /// The actual at the month end (None for months not yet ended by the evaluation date).
    pub actual: Option<i64>,
    pub actual_text: String,
    pub href: String,
    pub gap_text: String,
    pub behind: bool,
}

/// A target's status and its 12-month route with the actual at each month end.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetDetail {
    pub status: TargetStatus,
    pub months: Vec<MonthRow>,
}

pub async fn detail(db: &Db, scope: &Scope, id: i64, as_of: NaiveDate) -> Result<TargetDetail, StoreError> {
    let t = get(db, scope, id).await?;
    let as_of = eval_date(t.year, as_of)?;
    let mut src = Sources::new(db, scope, t.zone_id, t.year).await?;
    let status = status_of(&mut src, &t, as_of).await?;
    let mut months = Vec::with_capacity(12);
    for m in 1..=12u32 {
        let end = month_end(t.year, m);
        let milestone = t.route[(m - 1) as usize];
        let a = if end <= as_of { Some(src.actual(&t, end).await?) } else { None };
        let value = a.as_ref().and_then(|a| a.value);
        months.push(MonthRow {
            month: m,
            end,
            milestone,
            milestone_text: t.show(milestone),
            actual: value,
            actual_text: match (&a, value) {
                (_, Some(v)) => t.show(v),
                (Some(_), None) => "尚无数据".into(),
                (None, _) => String::new(),
            },
            href: a.map(|a| a.href).unwrap_or_default(),
            gap_text: value.map(|v| t.unit().show_gap(v - milestone)).unwrap_or_default(),
            behind: value.is_some_and(|v| v < milestone),
        });
    }
    Ok(TargetDetail { status, months })
}

/// The stage and indicator choices of the form's `param` select: (value, label).
pub async fn param_options(db: &Db) -> Result<(Vec<(String, String)>, Vec<(String, String)>), StoreError> {
    let stages = TARGET_STAGES.iter().map(|s| (s.code().to_string(), s.label().to_string())).collect();
    let inds = indicators::list(db, true)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), format!("{}（{}）", i.name, i.unit)))
        .collect();
    Ok((stages, inds))
}

/// Reads a page's or an endpoint's `year` and `as_of`: the year defaults to that of `as_of`,
/// else this year; the date defaults to today and is kept within the year. A malformed value
/// is a field error naming `year` or `as_of`.
pub fn year_and_date(year: &str, as_of: &str, fixed_year: Option<i32>) -> Result<(i32, NaiveDate), Invalid> {
    use chrono::Datelike;
    let mut e = Invalid::new();
    let y = crate::lookups::opt_year(&mut e, "year", "年度", year);
    let d = crate::lookups::opt_date(&mut e, "as_of", "评估日期", as_of);
    e.into_result()?;
    let t = crate::lookups::today();
    let year = fixed_year.or(y).or(d.map(|d| d.year())).unwrap_or(t.year());
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(t);
    Ok((year, d.unwrap_or(t).clamp(first, month_end(year, 12))))
}
