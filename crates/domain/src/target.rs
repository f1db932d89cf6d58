//! Annual targets (年度目标) bound to a figure the system computes, never to a typed "actual":
//! the metrics a target may be bound to, their units (how a person types a target and how a
//! value is shown), the monthly route (路线图) and the judgement of a date.
//!
//! Rules (each tested below):
//! - **Shape.** Counts and sums (projects, investment, contacts, parcels, 亩, m², inspections, a
//!   flow indicator's year-to-date value) are *cumulative*: the route is a cumulative milestone
//!   per month end, non-decreasing, month 12 equal to the target, and the year-end is projected
//!   by run-rate. Growth rates and the rectification rate (and a stock indicator's value) are
//!   *levels*: the milestone is the level aimed at each month (by default the target), and the
//!   projection is the current level.
//! - **Even route.** Month m of a cumulative target T is ⌊T × m ÷ 12⌋ (rounded down, so no month
//!   asks for more than 序时进度 and month 12 is T exactly): 签约 52 → 4, 8, 13, 17, 21, 26, 30,
//!   34, 39, 43, 47, 52.
//! - **Milestone due on a date.** 序时进度 is judged at month ends: on a date the milestone due
//!   for a cumulative target is that of the last month that has ended by that date (a month ends
//!   on its last day, so on 30 June month 6 is due; on 15 June month 5; before 31 January
//!   nothing). A level is judged against the milestone of the date's own month.
//! - **Projection** of a cumulative target: actual × (days in the year) ÷ (days elapsed, 1
//!   January = 1), in exact integer arithmetic rounded half up. Of a level: the current level.
//! - **Status.** 预警 when the projection falls short of the target by more than
//!   [`WARN_SHORTFALL_PCT`] % (for a cumulative target only once its first month has ended), or
//!   when the actual is behind the route now and was at the previous month end too (two
//!   consecutive months); otherwise 滞后 when behind the route; otherwise 正常. Each with its
//!   reason in Chinese. Without a figure (an indicator not yet published) a target is 滞后 only
//!   once a figure is due (the caller says so), else 正常.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::indicator::{Fixed, Pct};
use crate::money::{Mu100, Wan};
use crate::stage::Stage;
use crate::validate::Invalid;

code_enum! {
    /// What a target is bound to (`param` names the stage or the indicator where needed).
    Metric {
        StageCount = "stage_count", "项目个数（按阶段）";
        StageInvestment = "stage_investment", "项目投资额（按阶段）";
        Contacts = "contacts", "对接项目（次）";
        IndicatorValue = "indicator_value", "统计指标累计值";
        IndicatorGrowth = "indicator_growth", "统计指标增速";
        Parcels = "parcels", "出让标准地（宗）";
        ParcelArea = "parcel_area", "出让标准地面积（亩）";
        PlantArea = "plant_area", "盘活闲置厂房面积（万平方米）";
        CommitmentProjects = "commitment_projects", "承诺制审批项目（个）";
        AgencyProjects = "agency_projects", "全程代办项目（个）";
        Inspections = "inspections", "入企检查（家次）";
        RectificationRate = "rectification_rate", "隐患整改率（%）";
    }
}

code_enum! {
    /// The judgement of a target on a date.
    #[schema(as = TargetJudgement)]
    Status {
        Normal = "normal", "正常";
        Behind = "behind", "滞后";
        Warning = "warning", "预警";
    }
}

/// The stages a target may count (签约 / 落地 / 开工 / 投产).
pub const TARGET_STAGES: [Stage; 4] = [Stage::Signed, Stage::Landed, Stage::Started, Stage::Producing];

/// 预警 when the projected year-end is below the target by more than this many percent.
pub const WARN_SHORTFALL_PCT: i64 = 10;

/// The largest target or milestone accepted, in the unit's integer (guards the arithmetic).
pub const MAX_VALUE: i64 = 1_000_000_000_000_000;

/// What the metric's `param` must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    None,
    Stage,
    Indicator,
}

/// A metric with its parameter, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub metric: Metric,
    /// The stage of a stage metric.
    pub stage: Option<Stage>,
    /// The indicator id of an indicator metric.
    pub indicator_id: Option<i64>,
}

impl Metric {
    pub fn param_kind(self) -> ParamKind {
        match self {
            Metric::StageCount | Metric::StageInvestment => ParamKind::Stage,
            Metric::IndicatorValue | Metric::IndicatorGrowth => ParamKind::Indicator,
            _ => ParamKind::None,
        }
    }
}

impl Binding {
    /// Reads a metric (code or label) and its param (a stage code or label for the stage
    /// metrics, an indicator id for the indicator metrics, empty otherwise). Errors name the
    /// field (`metric` or `param`). Whether the indicator exists is the store's check.
    pub fn parse(metric: &str, param: &str) -> Result<Binding, Invalid> {
        let Some(m) = Metric::parse(metric) else {
            return Err(if metric.trim().is_empty() {
                Invalid::one("metric", "请选择目标绑定的统计口径（目标必须绑定系统计算的数字）")
            } else {
                Invalid::one("metric", format!("不认识的统计口径“{}”", metric.trim()))
            });
        };
        let p = param.trim();
        let mut b = Binding { metric: m, stage: None, indicator_id: None };
        match m.param_kind() {
            ParamKind::None if p.is_empty() => {}
            ParamKind::None => return Err(Invalid::one("param", format!("“{}”不需要选择阶段或指标", m.label()))),
            ParamKind::Stage => match Stage::parse(p) {
                Some(s) if TARGET_STAGES.contains(&s) => b.stage = Some(s),
                _ if p.is_empty() => return Err(Invalid::one("param", "请选择项目阶段（签约、落地、开工或投产）")),
                _ => return Err(Invalid::one("param", format!("项目阶段“{p}”不可用：应为签约、落地、开工或投产"))),
            },
            ParamKind::Indicator => match p.parse::<i64>() {
                Ok(id) if id > 0 => b.indicator_id = Some(id),
                _ if p.is_empty() => return Err(Invalid::one("param", "请选择统计指标")),
                _ => return Err(Invalid::one("param", format!("不认识的统计指标“{p}”"))),
            },
        }
        Ok(b)
    }

    /// The stored param: the stage code, the indicator id, or "".
    pub fn param(&self) -> String {
        match (self.stage, self.indicator_id) {
            (Some(s), _) => s.code().to_string(),
            (_, Some(i)) => i.to_string(),
            _ => String::new(),
        }
    }
}

/// An indicator as a target needs it: its unit, decimals and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorUnit {
    pub name: String,
    pub unit: String,
    pub decimals: u32,
    /// Year-to-date cumulative ("flow"); otherwise a point-in-time level.
    pub flow: bool,
}

/// How a metric's values are stored (all integers), typed and shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A count, with its measure word: 个, 次, 宗, 家次.
    Count(&'static str),
    /// 万元, typed and shown in 亿元.
    Wan,
    /// 0.01 亩.
    Mu100,
    /// 0.01 m², typed and shown in 万平方米 (a typed "平方米" suffix is read as m²).
    M2x100,
    /// An indicator value: 1/10,000 of `unit`, typed with at most `decimals` decimals.
    Fixed { unit: String, decimals: u32 },
    /// Hundredths of a percent.
    Pct,
}

/// Whether a metric accumulates over the year or is a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Cumulative,
    Level,
}

/// A metric's unit and shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub unit: Unit,
    pub shape: Shape,
}

impl Binding {
    /// The unit and shape; an indicator metric needs its indicator.
    pub fn measure(&self, indicator: Option<&IndicatorUnit>) -> Measure {
        use Shape::*;
        let (unit, shape) = match self.metric {
            Metric::StageCount | Metric::CommitmentProjects | Metric::AgencyProjects => (Unit::Count("个"), Cumulative),
            Metric::StageInvestment => (Unit::Wan, Cumulative),
            Metric::Contacts => (Unit::Count("次"), Cumulative),
            Metric::Parcels => (Unit::Count("宗"), Cumulative),
            Metric::ParcelArea => (Unit::Mu100, Cumulative),
            Metric::PlantArea => (Unit::M2x100, Cumulative),
            Metric::Inspections => (Unit::Count("家次"), Cumulative),
            Metric::RectificationRate | Metric::IndicatorGrowth => (Unit::Pct, Level),
            Metric::IndicatorValue => match indicator {
                Some(i) => (
                    Unit::Fixed { unit: i.unit.clone(), decimals: i.decimals.min(4) },
                    if i.flow { Cumulative } else { Level },
                ),
                None => (Unit::Fixed { unit: String::new(), decimals: 4 }, Cumulative),
            },
        };
        Measure { unit, shape }
    }

    /// What the target counts, in words: "签约项目个数", "开工项目投资额", "规上工业增加值累计值".
    pub fn describe(&self, indicator: Option<&IndicatorUnit>) -> String {
        let stage = self.stage.map(|s| s.label()).unwrap_or("");
        let ind = indicator.map(|i| i.name.as_str()).unwrap_or("（指标）");
        match self.metric {
            Metric::StageCount => format!("{stage}项目个数"),
            Metric::StageInvestment => format!("{stage}项目投资额"),
            Metric::IndicatorValue if indicator.is_some_and(|i| !i.flow) => format!("{ind}（时点值）"),
            Metric::IndicatorValue => format!("{ind}累计值"),
            Metric::IndicatorGrowth => format!("{ind}增速"),
            Metric::Contacts => "对接项目次数".into(),
            Metric::Parcels => "出让标准地宗数".into(),
            Metric::ParcelArea => "出让标准地面积".into(),
            Metric::PlantArea => "盘活闲置厂房面积".into(),
            Metric::CommitmentProjects => "承诺制审批项目个数".into(),
            Metric::AgencyProjects => "全程代办项目个数".into(),
            Metric::Inspections => "入企检查家次".into(),
            Metric::RectificationRate => "隐患整改率".into(),
        }
    }
}

/// Parses a non-negative decimal with at most `max_decimals` decimals into units of
/// 10^-`scale_decimals` (`scale_decimals` ≥ `max_decimals`).
fn parse_scaled(raw: &str, max_decimals: usize, scale_decimals: usize) -> Result<i64, &'static str> {
    if raw.starts_with('-') {
        return Err("不能为负数");
    }
    let (int_part, frac_part) = raw.split_once('.').unwrap_or((raw, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("不是数字");
    }
    let frac = frac_part.trim_end_matches('0');
    if frac.len() > max_decimals {
        return Err("小数位数过多");
    }
    if int_part.trim_start_matches('0').len() > 12 {
        return Err("数值过大");
    }
    let int: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| "不是数字")? };
    let mut f = frac.to_string();
    while f.len() < scale_decimals {
        f.push('0');
    }
    let f: i64 = if f.is_empty() { 0 } else { f.parse().map_err(|_| "不是数字")? };
    Ok(int * 10_i64.pow(scale_decimals as u32) + f)
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// `v` ÷ 10^`d` with exactly `keep` decimals, rounded half away from zero.
fn decimal(v: i64, d: u32, keep: u32) -> String {
    let drop = 10_i128.pow(d - keep.min(d));
    let v = i128::from(v);
    let r = if v >= 0 { (v + drop / 2) / drop } else { (v - drop / 2) / drop };
    let sign = if r < 0 { "-" } else { "" };
    let a = r.abs();
    let unit = 10_i128.pow(keep.min(d));
    if keep.min(d) == 0 {
        format!("{sign}{a}")
    } else {
        format!("{sign}{}.{:0w$}", a / unit, a % unit, w = keep.min(d) as usize)
    }
}

impl Unit {
    /// The unit as shown after a value: 个, 亿元, 亩, 万平方米, %, the indicator's unit.
    pub fn label(&self) -> String {
        match self {
            Unit::Count(w) => (*w).to_string(),
            Unit::Wan => "亿元".into(),
            Unit::Mu100 => "亩".into(),
            Unit::M2x100 => "万平方米".into(),
            Unit::Fixed { unit, .. } => unit.clone(),
            Unit::Pct => "%".into(),
        }
    }

    /// Parses a value typed by a person (a target or a milestone), not negative: "52",
    /// "24" 亿元 (or "9500万元"), "220.41" 亩, "1" 万平方米 (or "6200平方米"), "66" in the
    /// indicator's unit, "20" or "20%". The message says why, in Chinese.
    pub fn parse(&self, label: &str, input: &str) -> Result<i64, String> {
        let raw = input.trim();
        if raw.is_empty() {
            return Err(format!("{label}不能为空"));
        }
        let s = raw.replace([',', '，', ' '], "");
        if s.starts_with('-') {
            return Err(format!("{label}“{raw}”不能为负数"));
        }
        let v = match self {
            Unit::Count(w) => {
                let n = s.strip_suffix(*w).unwrap_or(&s);
                match parse_scaled(n, 0, 0) {
                    Ok(v) => v,
                    Err("小数位数过多") => return Err(format!("{label}“{raw}”应为整数（{w}）")),
                    Err(why) => return Err(format!("{label}“{raw}”{why}")),
                }
            }
            Unit::Wan => Wan::parse_yi(&s).map_err(|m| format!("{label}：{m}"))?.0,
            Unit::Mu100 => Mu100::parse(&s).map_err(|m| format!("{label}：{m}"))?.0,
            Unit::M2x100 => {
                let wan = s.strip_suffix("万平方米").or_else(|| s.strip_suffix("万㎡"));
                let m2 = ["平方米", "㎡", "m²", "m2"].iter().find_map(|u| s.strip_suffix(u));
                let r = match (wan, m2) {
                    (Some(n), _) => parse_scaled(n, 6, 6),
                    (None, Some(n)) => parse_scaled(n, 2, 2),
                    (None, None) => parse_scaled(&s, 6, 6),
                };
                match r {
                    Ok(v) => v,
                    Err("小数位数过多") => {
                        return Err(format!("{label}“{raw}”小数位数过多（精确到 0.01 平方米）"));
                    }
                    Err(why) => return Err(format!("{label}“{raw}”{why}")),
                }
            }
            Unit::Fixed { unit, decimals } => {
                let n = s.strip_suffix(unit.as_str()).filter(|_| !unit.is_empty()).unwrap_or(&s);
                Fixed::parse(n, *decimals).map_err(|m| format!("{label}：{m}"))?.0
            }
            Unit::Pct => {
                let n = s.strip_suffix(['%', '％']).unwrap_or(&s);
                match parse_scaled(n, 2, 2) {
                    Ok(v) if v <= 1_000_000 => v,
                    Ok(_) => return Err(format!("{label}“{raw}”超过 10000%")),
                    Err("小数位数过多") => return Err(format!("{label}“{raw}”最多 2 位小数")),
                    Err(why) => return Err(format!("{label}“{raw}”{why}")),
                }
            }
        };
        if v > MAX_VALUE {
            return Err(format!("{label}“{raw}”数值过大"));
        }
        // a sign behind other whitespace ("\u{b}-2") reaches the number parsers (found by fuzzing)
        if v < 0 {
            return Err(format!("{label}“{raw}”不能为负数"));
        }
        Ok(v)
    }

    /// Parses a target: as [`Unit::parse`], and greater than 0.
    pub fn parse_target(&self, input: &str) -> Result<i64, String> {
        let v = self.parse("目标值", input)?;
        if v <= 0 {
            return Err(format!("目标值必须大于 0（{}）", self.label()));
        }
        Ok(v)
    }

    /// The number as shown (no unit): 52; 24.00 (亿元); 220.41; 1.05 (万平方米); 27.97; 22.9.
    pub fn show(&self, v: i64) -> String {
        match self {
            Unit::Count(_) => v.to_string(),
            Unit::Wan => {
                if v < 0 {
                    format!("-{}", Wan(-v).yi_2())
                } else {
                    Wan(v).yi_2()
                }
            }
            Unit::Mu100 => decimal(v, 2, 2),
            Unit::M2x100 => decimal(v, 6, 2),
            Unit::Fixed { decimals, .. } => Fixed(v).display(*decimals),
            Unit::Pct => Pct(v).display(),
        }
    }

    /// With the unit: "52 个", "24.00 亿元", "220.41 亩", "1.05 万平方米", "22.9%".
    pub fn show_with_unit(&self, v: i64) -> String {
        match self {
            Unit::Pct => format!("{}%", self.show(v)),
            Unit::Fixed { unit, .. } if unit == "%" => format!("{}%", self.show(v)),
            _ => format!("{} {}", self.show(v), self.label()),
        }
    }

    /// A signed difference: "+4 个", "-12 个", "−2.1 个百分点" for percentages.
    pub fn show_gap(&self, v: i64) -> String {
        let sign = if v > 0 { "+" } else { "" };
        match self {
            Unit::Pct => format!("{sign}{} 个百分点", Pct(v).display()),
            _ => format!("{sign}{} {}", self.show(v), self.label()),
        }
    }

    /// An unsigned difference: "12 个", "0.47 亿元", "2.9 个百分点" for percentages.
    pub fn show_diff(&self, v: i64) -> String {
        match self {
            Unit::Pct => format!("{} 个百分点", Pct(v).display()),
            _ => self.show_with_unit(v),
        }
    }

    /// The exact value as a person would type it again (for forms): 52, 24, 2.6, 220.41, 1, 20.
    pub fn input(&self, v: i64) -> String {
        match self {
            Unit::Count(_) => v.to_string(),
            Unit::Wan => Wan(v).yi_trimmed(),
            Unit::Mu100 => trim_zeros(decimal(v, 2, 2)),
            Unit::M2x100 => trim_zeros(decimal(v, 6, 6)),
            Unit::Fixed { .. } => Fixed(v).display_trim(4),
            Unit::Pct => Pct(v).display(),
        }
    }

    /// How many stored units make one displayed unit (for charts): 1, 10,000 (亿元), 100, …
    pub fn scale(&self) -> i64 {
        match self {
            Unit::Count(_) => 1,
            Unit::Wan | Unit::Fixed { .. } => 10_000,
            Unit::Mu100 | Unit::Pct => 100,
            Unit::M2x100 => 1_000_000,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The route
// ---------------------------------------------------------------------------------------------

/// The last day of `month` of `year`.
pub fn month_end(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month >= 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
}

/// The even route: cumulative ⌊target × m ÷ 12⌋ for each month m (month 12 = target); a level
/// is the target every month.
pub fn even_route(shape: Shape, target: i64) -> [i64; 12] {
    let mut r = [target; 12];
    if shape == Shape::Cumulative {
        for (i, v) in r.iter_mut().enumerate() {
            *v = (i128::from(target) * (i as i128 + 1) / 12) as i64;
        }
    }
    r
}

/// The form field of month `m` (1-based): m1 … m12.
pub fn month_field(m: usize) -> String {
    format!("m{m}")
}

/// Checks a route: 12 months, none negative; for a cumulative target never decreasing and
/// month 12 equal to the target; for a level month 12 equal to the target. Each error names the
/// month's field (`m1` … `m12`) and says why.
pub fn check_route(unit: &Unit, shape: Shape, target: i64, route: &[i64]) -> Result<(), Invalid> {
    let mut e = Invalid::new();
    if route.len() != 12 {
        e.add("route", format!("路线图应有 12 个月的节点，实际为 {} 个", route.len()));
        return e.into_result();
    }
    for (i, v) in route.iter().enumerate() {
        if *v < 0 {
            e.add(&month_field(i + 1), format!("{}月的节点不能为负数", i + 1));
        } else if shape == Shape::Cumulative && i > 0 && *v < route[i - 1] && route[i - 1] >= 0 {
            e.add(
                &month_field(i + 1),
                format!(
                    "{}月的累计节点为 {}，少于{}月的 {}：累计路线图不能下降",
                    i + 1,
                    unit.show_with_unit(*v),
                    i,
                    unit.show_with_unit(route[i - 1])
                ),
            );
        }
    }
    if route[11] != target && e.message_for("m12").is_none() {
        let what = if shape == Shape::Cumulative { "12月的累计节点" } else { "12月的节点" };
        e.add(
            "m12",
            format!(
                "{what}应等于全年目标 {}，现为 {}：路线图必须达到目标",
                unit.show_with_unit(target),
                unit.show_with_unit(route[11])
            ),
        );
    }
    e.into_result()
}

/// Parses a route typed month by month (`raw[0]` is January) and checks it.
pub fn parse_route(unit: &Unit, shape: Shape, target: i64, raw: &[String]) -> Result<[i64; 12], Invalid> {
    let mut e = Invalid::new();
    if raw.len() != 12 {
        return Err(Invalid::one("route", format!("路线图应有 12 个月的节点，实际为 {} 个", raw.len())));
    }
    let mut out = [0_i64; 12];
    for (i, s) in raw.iter().enumerate() {
        match unit.parse(&format!("{}月的节点", i + 1), s) {
            Ok(v) => out[i] = v,
            Err(m) => e.add(&month_field(i + 1), m),
        }
    }
    e.into_result()?;
    check_route(unit, shape, target, &out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The judgement
// ---------------------------------------------------------------------------------------------

/// The month whose milestone is due on `d` (see the module rules): for a cumulative target the
/// last month ended by `d` (0 = none yet), for a level `d`'s own month.
pub fn milestone_month(shape: Shape, d: NaiveDate) -> u32 {
    match shape {
        Shape::Level => d.month(),
        Shape::Cumulative if month_end(d.year(), d.month()) == d => d.month(),
        Shape::Cumulative => d.month() - 1,
    }
}

/// The number of days of `year`.
pub fn days_in_year(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 }
}

/// Year-end by run-rate: `actual` × days in the year ÷ days elapsed by `through` (1 January
/// counts 1), rounded half up (half away from zero for a negative actual).
pub fn project_run_rate(actual: i64, through: NaiveDate) -> i64 {
    let num = i128::from(actual) * i128::from(days_in_year(through.year()));
    let den = i128::from(through.ordinal());
    let r = if num >= 0 { (num + den / 2) / den } else { (num - den / 2) / den };
    r.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// A target's position on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The month whose milestone is due (0: none yet).
    pub milestone_month: u32,
    /// That milestone (0 before the first month end of a cumulative target).
    pub milestone: i64,
    /// actual ÷ target.
    pub completion: Option<Pct>,
    /// actual − milestone (negative: behind).
    pub gap: Option<i64>,
    /// The projected year-end (run-rate for cumulative targets, the current level for levels).
    pub projection: Option<i64>,
    pub status: Status,
    pub reason: String,
}

/// What [`judge`] needs.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub unit: &'a Unit,
    pub shape: Shape,
    pub target: i64,
    pub route: &'a [i64; 12],
    /// The date the actual covers: the evaluation date, or for an indicator the end of its
    /// latest published period.
    pub through: NaiveDate,
    /// The actual to `through` (None: no figure yet, e.g. an indicator not yet published).
    pub actual: Option<i64>,
    /// The actual at the end of the month before the milestone month (for the two-month rule).
    pub previous: Option<i64>,
    /// Whether a figure should exist by now (an indicator period past its entry date); without
    /// an actual this decides between 滞后 (missing) and 正常 (not yet published).
    pub data_due: bool,
}

fn cn_month_point(shape: Shape, m: u32) -> String {
    match shape {
        Shape::Cumulative => format!("{m}月底"),
        Shape::Level => format!("{m}月"),
    }
}

/// Judges a target on `f.through` (see the module rules).
pub fn judge(f: &Facts) -> Judgement {
    let u = f.unit;
    let m = milestone_month(f.shape, f.through);
    let milestone = if m == 0 { 0 } else { f.route[(m - 1) as usize] };
    let Some(actual) = f.actual else {
        let (status, reason) = if f.data_due && m > 0 {
            (
                Status::Behind,
                format!(
                    "尚无统计数据（应已填报），无法判断是否达到{}的 {}",
                    cn_month_point(f.shape, m),
                    u.show_with_unit(milestone)
                ),
            )
        } else {
            (Status::Normal, "尚无统计数据，尚未到首次发布或填报的时间".to_string())
        };
        return Judgement {
            milestone_month: m,
            milestone,
            completion: None,
            gap: None,
            projection: None,
            status,
            reason,
        };
    };
    let completion = Pct::ratio(actual, f.target);
    let gap = actual - milestone;
    let projection = match f.shape {
        Shape::Cumulative => project_run_rate(actual, f.through),
        Shape::Level => actual,
    };
    let behind = m > 0 && gap < 0;
    let short = (m > 0 || f.shape == Shape::Level)
        && i128::from(projection) * 100 < i128::from(f.target) * i128::from(100 - WARN_SHORTFALL_PCT);
    let prev_m = m.saturating_sub(1);
    let prev_behind = match (f.previous, prev_m) {
        (Some(p), pm) if pm >= 1 => (p < f.route[(pm - 1) as usize]).then_some((pm, p)),
        _ => None,
    };
    let now_text = format!(
        "{}应达到 {}，实际 {}",
        cn_month_point(f.shape, m),
        u.show_with_unit(milestone),
        u.show_with_unit(actual)
    );
    let (status, reason) = if behind && let Some((pm, p)) = prev_behind {
        (
            Status::Warning,
            format!(
                "连续两个月落后路线图：{}应达到 {}，实际 {}；{}（落后 {}）",
                cn_month_point(f.shape, pm),
                u.show_with_unit(f.route[(pm - 1) as usize]),
                u.show_with_unit(p),
                now_text,
                u.show_diff(-gap)
            ),
        )
    } else if short {
        let basis = if f.shape == Shape::Cumulative { "按当前进度推算全年约" } else { "当前水平" };
        let mut r = format!(
            "{basis} {}，不足全年目标 {}的 {}%",
            u.show_with_unit(projection),
            u.show_with_unit(f.target),
            100 - WARN_SHORTFALL_PCT
        );
        if behind {
            r.push_str(&format!("；{now_text}"));
        }
        (Status::Warning, r)
    } else if behind {
        (Status::Behind, format!("落后路线图 {}：{now_text}", u.show_diff(-gap)))
    } else if m == 0 {
        (Status::Normal, format!("尚未到首个月度节点，已完成 {}", u.show_with_unit(actual)))
    } else if gap > 0 {
        (Status::Normal, format!("超前路线图 {}：{now_text}", u.show_diff(gap)))
    } else {
        (Status::Normal, format!("符合路线图：{now_text}"))
    };
    Judgement {
        milestone_month: m,
        milestone,
        completion,
        gap: Some(gap),
        projection: Some(projection),
        status,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_sign_behind_other_whitespace_is_still_negative() {
        let u = Unit::Fixed { unit: "亿元".into(), decimals: 2 };
        assert!(u.parse("目标值", ",\u{b}-2").unwrap_err().contains("负数"));
        assert_eq!(u.parse("目标值", "2"), Ok(20_000));
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn count() -> Unit {
        Unit::Count("个")
    }

    #[test]
    fn binding_needs_the_right_param() {
        let b = Binding::parse("stage_count", "signed").unwrap();
        assert_eq!((b.metric, b.stage), (Metric::StageCount, Some(Stage::Signed)));
        assert_eq!(b.param(), "signed");
        assert_eq!(Binding::parse("项目个数（按阶段）", "开工").unwrap().stage, Some(Stage::Started));
        assert_eq!(Binding::parse("indicator_value", "7").unwrap().indicator_id, Some(7));
        assert_eq!(Binding::parse("contacts", "").unwrap().param(), "");
        let e = Binding::parse("", "").unwrap_err();
        assert_eq!(e.errors[0].field, "metric");
        assert!(e.errors[0].message.contains("必须绑定"));
        assert!(Binding::parse("typed_actual", "").unwrap_err().errors[0].message.contains("不认识的统计口径"));
        let e = Binding::parse("stage_count", "").unwrap_err();
        assert_eq!(e.errors[0].field, "param");
        assert!(Binding::parse("stage_count", "planning").unwrap_err().errors[0].message.contains("不可用"));
        assert!(Binding::parse("indicator_growth", "x").unwrap_err().errors[0].message.contains("不认识的统计指标"));
        assert!(Binding::parse("inspections", "signed").unwrap_err().errors[0].message.contains("不需要"));
    }

    #[test]
    fn units_parse_and_show() {
        assert_eq!(count().parse_target("52").unwrap(), 52);
        assert_eq!(count().parse_target("52个").unwrap(), 52);
        assert!(count().parse_target("5.5").unwrap_err().contains("应为整数"));
        assert!(count().parse_target("0").unwrap_err().contains("必须大于 0"));
        assert!(count().parse_target("-3").unwrap_err().contains("不能为负数"));
        assert!(count().parse_target("").unwrap_err().contains("不能为空"));
        assert!(count().parse_target("abc").unwrap_err().contains("不是数字"));
        assert_eq!(Unit::Wan.parse_target("24").unwrap(), 240_000);
        assert_eq!(Unit::Wan.parse_target("9500万元").unwrap(), 9_500);
        assert_eq!(Unit::Wan.show_with_unit(240_000), "24.00 亿元");
        assert_eq!(Unit::Wan.input(26_000), "2.6");
        assert_eq!(Unit::Mu100.parse_target("220.41").unwrap(), 22_041);
        assert_eq!(Unit::Mu100.show_with_unit(22_041), "220.41 亩");
        assert_eq!(Unit::M2x100.parse_target("1").unwrap(), 1_000_000);
        assert_eq!(Unit::M2x100.parse_target("6200平方米").unwrap(), 620_000);
        assert_eq!(Unit::M2x100.show_with_unit(1_050_000), "1.05 万平方米");
        assert_eq!(Unit::M2x100.input(1_050_000), "1.05");
        let f = Unit::Fixed { unit: "亿元".into(), decimals: 2 };
        assert_eq!(f.parse_target("66").unwrap(), 660_000);
        assert_eq!(f.show_with_unit(279_700), "27.97 亿元");
        assert!(f.parse_target("1.234").unwrap_err().contains("最多 2 位小数"));
        assert_eq!(Unit::Pct.parse_target("20").unwrap(), 2_000);
        assert_eq!(Unit::Pct.parse_target("95.5%").unwrap(), 9_550);
        assert_eq!(Unit::Pct.show_with_unit(2_290), "22.9%");
        assert_eq!(Unit::Pct.show_gap(-210), "-2.1 个百分点");
        assert_eq!(count().show_gap(4), "+4 个");
        assert_eq!(count().show_gap(-12), "-12 个");
    }

    #[test]
    fn even_route_of_the_seed() {
        assert_eq!(even_route(Shape::Cumulative, 52), [4, 8, 13, 17, 21, 26, 30, 34, 39, 43, 47, 52]);
        assert_eq!(even_route(Shape::Cumulative, 42), [3, 7, 10, 14, 17, 21, 24, 28, 31, 35, 38, 42]);
        assert_eq!(even_route(Shape::Cumulative, 5), [0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5]);
        assert_eq!(even_route(Shape::Level, 2_000), [2_000; 12]);
        assert!(check_route(&count(), Shape::Cumulative, 52, &even_route(Shape::Cumulative, 52)).is_ok());
    }

    #[test]
    fn edited_routes_are_checked() {
        let u = count();
        let mut r = even_route(Shape::Cumulative, 52).to_vec();
        r[11] = 50;
        let e = check_route(&u, Shape::Cumulative, 52, &r).unwrap_err();
        assert_eq!(e.errors[0].field, "m12");
        assert!(e.errors[0].message.contains("应等于全年目标 52 个，现为 50 个"), "{e}");
        let mut r = even_route(Shape::Cumulative, 52).to_vec();
        r[4] = 10;
        let e = check_route(&u, Shape::Cumulative, 52, &r).unwrap_err();
        assert_eq!(e.errors[0].field, "m5");
        assert!(e.errors[0].message.contains("5月的累计节点为 10 个，少于4月的 17 个"), "{e}");
        let mut r = even_route(Shape::Cumulative, 52).to_vec();
        r[0] = -1;
        assert_eq!(check_route(&u, Shape::Cumulative, 52, &r).unwrap_err().errors[0].field, "m1");
        assert!(check_route(&u, Shape::Cumulative, 52, &r[..11]).is_err());
        // a level may rise and fall, but ends at the target
        let lv = [1_500, 1_800, 1_700, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000];
        assert!(check_route(&Unit::Pct, Shape::Level, 2_000, &lv).is_ok());
        let raw: Vec<String> = ["4", "8", "x", "17", "21", "26", "30", "34", "39", "43", "47", "52"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = parse_route(&u, Shape::Cumulative, 52, &raw).unwrap_err();
        assert_eq!(e.errors[0].field, "m3");
        assert!(e.errors[0].message.contains("3月的节点“x”不是数字"), "{e}");
    }

    #[test]
    fn milestone_is_due_at_month_ends() {
        assert_eq!(milestone_month(Shape::Cumulative, d("2025-06-30")), 6);
        assert_eq!(milestone_month(Shape::Cumulative, d("2025-06-29")), 5);
        assert_eq!(milestone_month(Shape::Cumulative, d("2025-01-15")), 0);
        assert_eq!(milestone_month(Shape::Cumulative, d("2024-02-29")), 2);
        assert_eq!(milestone_month(Shape::Level, d("2025-06-15")), 6);
        assert_eq!(month_end(2025, 2), d("2025-02-28"));
        assert_eq!(month_end(2025, 12), d("2025-12-31"));
    }

    #[test]
    fn run_rate_projection() {
        // 14 signed by 30 June (day 181 of 365): 14 × 365 ÷ 181 = 28.23 → 28
        assert_eq!(project_run_rate(14, d("2025-06-30")), 28);
        // half up: 1 × 365 ÷ 2 = 182.5 → 183
        assert_eq!(project_run_rate(1, d("2025-01-02")), 183);
        assert_eq!(project_run_rate(10, d("2025-12-31")), 10);
        assert_eq!(project_run_rate(10, d("2024-12-31")), 10, "leap year: 366 ÷ 366");
        assert_eq!(project_run_rate(0, d("2025-03-01")), 0);
    }

    fn facts<'a>(route: &'a [i64; 12], unit: &'a Unit, through: &str, actual: i64, previous: Option<i64>) -> Facts<'a> {
        Facts {
            unit,
            shape: Shape::Cumulative,
            target: route[11],
            route,
            through: d(through),
            actual: Some(actual),
            previous,
            data_due: true,
        }
    }

    #[test]
    fn status_rules() {
        let u = count();
        let r = even_route(Shape::Cumulative, 52);
        // the seed: 14 signed by 30 June against 26 due, and behind at the end of May too
        let j = judge(&facts(&r, &u, "2025-06-30", 14, Some(12)));
        assert_eq!((j.milestone_month, j.milestone, j.gap, j.projection), (6, 26, Some(-12), Some(28)));
        assert_eq!(j.completion, Some(Pct(2_692)));
        assert_eq!(j.status, Status::Warning);
        assert!(
            j.reason.starts_with("连续两个月落后路线图：5月底应达到 21 个，实际 12 个；6月底应达到 26 个，实际 14 个"),
            "{}",
            j.reason
        );
        // behind now only, projection within 10 %: 滞后
        let j = judge(&facts(&r, &u, "2025-06-30", 25, Some(21)));
        assert_eq!(j.status, Status::Behind);
        assert_eq!(j.reason, "落后路线图 1 个：6月底应达到 26 个，实际 25 个");
        // not behind, but the run-rate falls short by more than 10 % (a back-loaded route)
        let back = [0, 0, 0, 0, 0, 5, 10, 20, 30, 40, 46, 52];
        let j = judge(&facts(&back, &u, "2025-06-30", 20, Some(0)));
        assert_eq!(j.status, Status::Warning);
        assert!(j.reason.contains("按当前进度推算全年约 40 个，不足全年目标 52 个的 90%"), "{}", j.reason);
        // exactly on the route
        let j = judge(&facts(&r, &u, "2025-06-30", 26, Some(21)));
        assert_eq!((j.status, j.reason.as_str()), (Status::Normal, "符合路线图：6月底应达到 26 个，实际 26 个"));
        // ahead
        let j = judge(&facts(&r, &u, "2025-06-15", 30, None));
        assert_eq!(j.milestone_month, 5);
        assert!(j.reason.starts_with("超前路线图 9 个"), "{}", j.reason);
        // before the first month end nothing is due and no projection warns
        let j = judge(&facts(&r, &u, "2025-01-10", 0, None));
        assert_eq!((j.status, j.milestone), (Status::Normal, 0));
        // a level: the growth now against the month's milestone
        let lv = even_route(Shape::Level, 2_000);
        let f = |actual| Facts {
            unit: &Unit::Pct,
            shape: Shape::Level,
            target: 2_000,
            route: &lv,
            through: d("2025-05-31"),
            actual: Some(actual),
            previous: None,
            data_due: true,
        };
        let j = judge(&f(2_290));
        assert_eq!((j.status, j.projection, j.gap), (Status::Normal, Some(2_290), Some(290)));
        assert_eq!(j.reason, "超前路线图 2.9 个百分点：5月应达到 20%，实际 22.9%");
        assert_eq!(judge(&f(1_900)).status, Status::Behind);
        let j = judge(&f(1_700));
        assert_eq!(j.status, Status::Warning);
        assert!(j.reason.starts_with("当前水平 17%，不足全年目标 20%的 90%"), "{}", j.reason);
        // no figure: missing once one is due, otherwise not yet published
        let j = judge(&Facts { actual: None, ..f(0) });
        assert_eq!((j.status, j.completion), (Status::Behind, None));
        assert!(j.reason.contains("尚无统计数据（应已填报）"));
        let j = judge(&Facts { actual: None, data_due: false, ..f(0) });
        assert_eq!((j.status, j.gap), (Status::Normal, None));
    }

    proptest! {
        #[test]
        fn even_routes_are_valid(target in 1i64..10_000_000_000) {
            let r = even_route(Shape::Cumulative, target);
            prop_assert_eq!(r[11], target);
            prop_assert!(r.windows(2).all(|w| w[0] <= w[1]));
            for (i, v) in r.iter().enumerate() {
                // never more than 序时进度, and less by under one unit
                let exact = i128::from(target) * (i as i128 + 1);
                prop_assert!(i128::from(*v) * 12 <= exact && exact < (i128::from(*v) + 1) * 12);
            }
            prop_assert!(check_route(&Unit::Count("个"), Shape::Cumulative, target, &r).is_ok());
        }

        #[test]
        fn projection_is_exact(actual in 0i64..1_000_000_000, day in 1u32..=365) {
            let through = NaiveDate::from_yo_opt(2025, day).unwrap();
            let p = project_run_rate(actual, through);
            // |p × day − actual × 365| ≤ day / 2
            let err = (i128::from(p) * i128::from(day) - i128::from(actual) * 365).abs();
            prop_assert!(err * 2 <= i128::from(day));
        }

        #[test]
        fn units_round_trip(v in 1i64..1_000_000_000) {
            for u in [Unit::Count("个"), Unit::Wan, Unit::Mu100, Unit::M2x100, Unit::Pct,
                      Unit::Fixed { unit: "亿元".into(), decimals: 4 }] {
                if u == Unit::Wan && v > 100_000_000 { continue; }
                if u == Unit::Mu100 && v > 100_000_000 { continue; }
                if u == Unit::Pct && v > 1_000_000 { continue; }
                prop_assert_eq!(u.parse_target(&u.input(v)).unwrap(), v);
            }
        }
    }
}
