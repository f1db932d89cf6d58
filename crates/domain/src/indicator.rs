//! Monthly statistical indicators (规上工业增加值, 工业投资, …), exact.
//!
//! * Values are year-to-date cumulative (累计) and published per period 1-N月; January and
//!   February usually come together as 1-2月, so for such indicators there is no 1月 period and
//!   no month-own value for January alone.
//! * Growth (同比) is *reported* by the statistics bureau at comparable prices. A growth computed
//!   from nominal values ([`computed_growth`]) is only for indicators where none is reported, and
//!   callers label it 计算值.
//! * Rankings among a city's zones: ties share a rank, a zone without data is 缺报 (not ranked).
//! * Pace: progress against 序时进度 N/12, plus projections to year-end that warn early.
//!
//! Every number is an integer: [`Fixed`] is 1/10,000 of the indicator's unit, [`Pct`] is 1/100 of
//! a percent. Rounding is half away from zero throughout.

use std::fmt;
use std::ops::{Add, Neg, Sub};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// Decimal places of [`Fixed`]: a value is stored in units of 1/10,000 of the indicator's unit.
pub const FIXED_DECIMALS: u32 = 4;
const FIXED_SCALE: i64 = 10_000;

/// Decimal places of [`Pct`]: hundredths of a percent.
pub const PCT_DECIMALS: u32 = 2;
/// The lowest growth accepted on input: −100%.
pub const PCT_MIN: Pct = Pct(-10_000);
/// The highest growth accepted on input: +10,000%.
pub const PCT_MAX: Pct = Pct(1_000_000);

/// Divides rounding half away from zero. `d` must be positive.
fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let q = n.abs() / d;
    let r = n.abs() % d;
    let q = if r * 2 >= d { q + 1 } else { q };
    if n < 0 { -q } else { q }
}

/// `n × num ÷ den`, rounded half away from zero; `None` when `den ≤ 0` or the result leaves i64.
fn mul_div_round(n: i64, num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    i64::try_from(div_round(i128::from(n) * i128::from(num), i128::from(den))).ok()
}

fn pow10(n: u32) -> i128 {
    10_i128.pow(n)
}

#[derive(Debug, PartialEq, Eq)]
enum NumError {
    Empty,
    NotNumber,
    TooManyDecimals,
    TooLarge,
}

/// Parses a plain decimal into an integer scaled by 10^`scale`. At most `allowed` decimals
/// (trailing zeros beyond are fine); `allow_plus` accepts a leading '+'; `allow_commas` accepts
/// thousands separators (',' or '，') in groups of three.
fn parse_scaled(s: &str, scale: u32, allowed: u32, allow_plus: bool, allow_commas: bool) -> Result<i64, NumError> {
    if s.is_empty() {
        return Err(NumError::Empty);
    }
    let (neg, body) = if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if allow_plus && let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(NumError::NotNumber);
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumError::NotNumber);
    }
    let int_digits: String = if allow_commas && int_part.contains([',', '，']) {
        let groups: Vec<&str> = int_part.split([',', '，']).collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(NumError::NotNumber);
        }
        groups.concat()
    } else {
        int_part.to_string()
    };
    if !int_digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumError::NotNumber);
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > allowed.min(scale) as usize {
        return Err(NumError::TooManyDecimals);
    }
    let int_significant = int_digits.trim_start_matches('0');
    if int_significant.len() > 20 {
        return Err(NumError::TooLarge);
    }
    let int: i128 =
        if int_significant.is_empty() { 0 } else { int_significant.parse().map_err(|_| NumError::TooLarge)? };
    let frac: i128 = if frac_trimmed.is_empty() {
        0
    } else {
        let digits = u32::try_from(frac_trimmed.len()).map_err(|_| NumError::TooManyDecimals)?;
        frac_trimmed.parse::<i128>().map_err(|_| NumError::NotNumber)? * pow10(scale - digits)
    };
    let magnitude = int.checked_mul(pow10(scale)).and_then(|v| v.checked_add(frac)).ok_or(NumError::TooLarge)?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| NumError::TooLarge)
}

/// Formats a value scaled by 10^`scale` with exactly `decimals` decimals (`decimals ≤ scale`),
/// rounding half away from zero. A value that rounds to zero has no sign.
fn format_scaled(value: i64, scale: u32, decimals: u32) -> String {
    let q = div_round(i128::from(value), pow10(scale - decimals));
    let sign = if q < 0 { "-" } else { "" };
    let a = q.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{a}");
    }
    let unit = pow10(decimals).unsigned_abs();
    format!("{sign}{}.{:0width$}", a / unit, a % unit, width = decimals as usize)
}

fn trim_decimals(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// An exact indicator value in units of 1/10,000 of the indicator's unit: 27.97 亿元 is
/// `Fixed(279_700)`. Negative values exist (profits can be negative).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Fixed(pub i64);

impl Fixed {
    pub const ZERO: Fixed = Fixed(0);

    /// A whole number of units: `Fixed::from_units(80)` is 80 亿元.
    pub fn from_units(units: i64) -> Option<Fixed> {
        units.checked_mul(FIXED_SCALE).map(Fixed)
    }

    /// Parses "27.97", "1,234.5", " 16.9 ", "-3.2" with at most `decimals_allowed` decimals
    /// (and never more than 4). Only a leading '-' makes a value negative. Errors are in Chinese.
    pub fn parse(text: &str, decimals_allowed: u32) -> Result<Fixed, String> {
        let s = text.trim();
        let allowed = decimals_allowed.min(FIXED_DECIMALS);
        parse_scaled(s, FIXED_DECIMALS, allowed, false, true).map(Fixed).map_err(|e| match e {
            NumError::Empty => "数值不能为空".to_string(),
            NumError::NotNumber => format!("“{s}”不是数字"),
            NumError::TooManyDecimals if allowed == 0 => format!("“{s}”应为整数"),
            NumError::TooManyDecimals => format!("“{s}”最多 {allowed} 位小数"),
            NumError::TooLarge => format!("“{s}”数值过大"),
        })
    }

    /// With exactly `decimals` decimals, rounded half away from zero: `display(2)` → "27.97",
    /// `display(0)` → "28". More than 4 decimals pad with zeros.
    pub fn display(self, decimals: u32) -> String {
        let mut s = format_scaled(self.0, FIXED_DECIMALS, decimals.min(FIXED_DECIMALS));
        if decimals > FIXED_DECIMALS {
            s.extend(std::iter::repeat_n('0', (decimals - FIXED_DECIMALS) as usize));
        }
        s
    }

    /// Rounded to at most `max_decimals` decimals, trailing zeros trimmed: "80", "67.13".
    pub fn display_trim(self, max_decimals: u32) -> String {
        trim_decimals(self.display(max_decimals.min(FIXED_DECIMALS)))
    }

    pub fn checked_add(self, other: Fixed) -> Option<Fixed> {
        self.0.checked_add(other.0).map(Fixed)
    }

    pub fn checked_sub(self, other: Fixed) -> Option<Fixed> {
        self.0.checked_sub(other.0).map(Fixed)
    }

    /// `self × num ÷ den`, rounded half away from zero; `None` when `den ≤ 0` or on overflow.
    pub fn mul_div(self, num: i64, den: i64) -> Option<Fixed> {
        mul_div_round(self.0, num, den).map(Fixed)
    }

    /// The sum of `values`, `None` on overflow.
    pub fn checked_sum(values: impl IntoIterator<Item = Fixed>) -> Option<Fixed> {
        values.into_iter().try_fold(Fixed::ZERO, Fixed::checked_add)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl Add for Fixed {
    type Output = Fixed;
    fn add(self, rhs: Fixed) -> Fixed {
        Fixed(self.0 + rhs.0)
    }
}

impl Sub for Fixed {
    type Output = Fixed;
    fn sub(self, rhs: Fixed) -> Fixed {
        Fixed(self.0 - rhs.0)
    }
}

impl Neg for Fixed {
    type Output = Fixed;
    fn neg(self) -> Fixed {
        Fixed(-self.0)
    }
}

/// Up to 4 decimals, trailing zeros trimmed.
impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_trim(FIXED_DECIMALS))
    }
}

/// A percentage (or a difference of percentages, in 百分点) in hundredths of a percent:
/// 22.9% is `Pct(2_290)`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Pct(pub i64);

impl Pct {
    pub const ZERO: Pct = Pct(0);

    /// Parses a reported growth: "22.9", "22.9%", "-3.5", "+1.4". At most 2 decimals; the
    /// value must lie in −100% … +10,000% inclusive. Errors are in Chinese.
    pub fn parse(text: &str) -> Result<Pct, String> {
        let trimmed = text.trim();
        let s = trimmed.strip_suffix(['%', '％']).unwrap_or(trimmed).trim_end();
        let range_error = || "增速应在 -100% 到 10000% 之间".to_string();
        let v = parse_scaled(s, PCT_DECIMALS, PCT_DECIMALS, true, false).map_err(|e| match e {
            NumError::Empty => "增速不能为空".to_string(),
            NumError::NotNumber => format!("增速“{trimmed}”不是数字"),
            NumError::TooManyDecimals => format!("增速“{trimmed}”最多 2 位小数"),
            NumError::TooLarge => range_error(),
        })?;
        if !(PCT_MIN.0..=PCT_MAX.0).contains(&v) {
            return Err(range_error());
        }
        Ok(Pct(v))
    }

    /// Without the percent sign, trailing zeros trimmed: "22.9", "25", "-3.05", "0".
    pub fn display(self) -> String {
        trim_decimals(format_scaled(self.0, PCT_DECIMALS, PCT_DECIMALS))
    }

    /// With the percent sign: "22.9%".
    pub fn display_percent(self) -> String {
        format!("{}%", self.display())
    }

    /// `num ÷ den` as a percentage, rounded to 0.01%; `None` when `den ≤ 0` or on overflow.
    pub fn ratio(num: i64, den: i64) -> Option<Pct> {
        mul_div_round(num, 10_000, den).map(Pct)
    }

    pub fn abs(self) -> Pct {
        Pct(self.0.saturating_abs())
    }
}

/// Same as [`Pct::display`] (no percent sign).
impl fmt::Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// The change from `prev` to `now` in 百分点 (percentage points).
pub fn points_change(prev: Pct, now: Pct) -> Pct {
    Pct(now.0.saturating_sub(prev.0))
}

/// "提高 2.1 个百分点", "回落 0.5 个百分点", "持平".
pub fn points_label(d: Pct) -> String {
    match d.0.cmp(&0) {
        std::cmp::Ordering::Greater => format!("提高 {} 个百分点", d.display()),
        std::cmp::Ordering::Less => format!("回落 {} 个百分点", d.abs().display()),
        std::cmp::Ordering::Equal => "持平".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

/// A year-to-date range 1月..`month`月 of `year` (`month` in 1..=12). Orders by year, then month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    /// A period 1-`month`月 of `year`; `month` must be 1..=12.
    pub fn new(year: i32, month: u32) -> Result<Period, String> {
        if (1..=12).contains(&month) {
            Ok(Period { year, month })
        } else {
            Err(format!("月份应在 1 到 12 之间，实际为 {month}"))
        }
    }

    /// "1-5月"; "1月" for month 1.
    pub fn label(self) -> String {
        if self.month == 1 { "1月".to_string() } else { format!("1-{}月", self.month) }
    }

    /// "2025年1-5月".
    pub fn full_label(self) -> String {
        format!("{}年{}", self.year, self.label())
    }

    /// "2025-05": the form [`Period::parse`] reads.
    pub fn key(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }

    /// Parses "2025-05" (or "2025-5").
    pub fn parse(text: &str) -> Result<Period, String> {
        let s = text.trim();
        let bad = || format!("期间“{s}”格式应为 2025-05");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.is_empty() || !y.bytes().all(|b| b.is_ascii_digit()) || m.is_empty() || m.len() > 2 {
            return Err(bad());
        }
        if !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Period::new(year, month)
    }

    /// Parses a label of `year`: "1-5月", "1～5月", "1-12月累计", "1月".
    pub fn parse_label(year: i32, label: &str) -> Result<Period, String> {
        let s = label.trim();
        let bad = || format!("期间“{s}”应为“1-N月”累计，如 1-5月");
        let body = s.strip_suffix("累计").unwrap_or(s).trim_end();
        let body = body.strip_suffix('月').unwrap_or(body).trim();
        let is_number = |t: &str| !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit());
        match body.split_once(['-', '－', '—', '–', '~', '～', '至']) {
            Some((from, to)) => {
                let (from, to) = (from.trim().trim_end_matches('月').trim_end(), to.trim());
                if from != "1" || !is_number(to) {
                    return Err(bad());
                }
                let month: u32 = to.parse().map_err(|_| bad())?;
                if !(2..=12).contains(&month) {
                    return Err(bad());
                }
                Ok(Period { year, month })
            }
            None if body == "1" => Ok(Period { year, month: 1 }),
            None => Err(bad()),
        }
    }
}

/// The periods of `year` in order: 1-2, 1-3, …, 1-12, preceded by 1 when `january_alone`.
pub fn periods_of_year(year: i32, january_alone: bool) -> Vec<Period> {
    let first = if january_alone { 1 } else { 2 };
    (first..=12).map(|month| Period { year, month }).collect()
}

/// Whether `p` exists for an indicator: a 1月 value for an indicator published only as 1-2月 is
/// refused.
pub fn check_period(p: Period, january_alone: bool) -> Result<(), String> {
    if !(1..=12).contains(&p.month) {
        return Err(format!("月份应在 1 到 12 之间，实际为 {}", p.month));
    }
    if p.month == 1 && !january_alone {
        return Err("该指标 1 月不单独发布，请填报 1-2 月累计".to_string());
    }
    Ok(())
}

/// The period before `p` within the same year: 1-3 → 1-2; 1-2 → 1 when `january_alone`, else
/// none; 1 → none.
pub fn previous(p: Period, january_alone: bool) -> Option<Period> {
    match p.month {
        3..=12 => Some(Period { year: p.year, month: p.month - 1 }),
        2 if january_alone => Some(Period { year: p.year, month: 1 }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Cumulative ↔ month-own
// ---------------------------------------------------------------------------------------------

fn lookup(cum: &[(Period, Fixed)], p: Period) -> Option<Fixed> {
    cum.iter().find(|(q, _)| *q == p).map(|&(_, v)| v)
}

/// The value of the months covered by `p` alone: cum(p) − cum(previous(p)). For 1-2月 of an
/// indicator without a January-alone figure it is the 1-2月 value itself (the caller labels it
/// "1-2月合计"); for 1月 it is the 1月 value. `None` when a needed value is missing, when `p` does
/// not exist for the indicator, or on overflow. Of duplicate entries the first counts.
pub fn month_own(cum: &[(Period, Fixed)], p: Period, january_alone: bool) -> Option<Fixed> {
    check_period(p, january_alone).ok()?;
    let now = lookup(cum, p)?;
    match previous(p, january_alone) {
        Some(prev) => now.checked_sub(lookup(cum, prev)?),
        None => Some(now),
    }
}

/// (now ÷ base − 1) as a percentage rounded to 0.01 percentage points; `None` when base ≤ 0 or on
/// overflow. Reported growth always wins: use this only where none is reported and label the
/// result 计算值.
pub fn computed_growth(now: Fixed, last_year_same_period: Fixed) -> Option<Pct> {
    let diff = now.0.checked_sub(last_year_same_period.0)?;
    Pct::ratio(diff, last_year_same_period.0)
}

// ---------------------------------------------------------------------------------------------
// Rankings
// ---------------------------------------------------------------------------------------------

/// Ranks entries descending by value (use it for values and for growth). Ties share a rank
/// (1, 2, 2, 4). Entries without a value (缺报) get `None` and follow the ranked ones in input
/// order; ranked entries with equal values keep their input order.
pub fn rank<K: Clone, V: Ord>(entries: &[(K, Option<V>)]) -> Vec<(K, Option<u32>)> {
    let mut ranked: Vec<(usize, &V)> =
        entries.iter().enumerate().filter_map(|(i, (_, v))| v.as_ref().map(|v| (i, v))).collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1));
    let mut out = Vec::with_capacity(entries.len());
    let mut current: Option<(&V, u32)> = None;
    for (pos, &(i, v)) in ranked.iter().enumerate() {
        let r = match current {
            Some((prev, r)) if prev == v => r,
            _ => u32::try_from(pos + 1).unwrap_or(u32::MAX),
        };
        current = Some((v, r));
        out.push((entries[i].0.clone(), Some(r)));
    }
    out.extend(entries.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| (k.clone(), None)));
    out
}

const CN_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A number below 10,000 in Chinese: 一, 十, 十一, 二十三, 一百零五, 一千零一十.
pub fn cn_number(n: u32) -> String {
    if n == 0 {
        return CN_DIGITS[0].to_string();
    }
    let units = ["千", "百", "十", ""];
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut s = String::new();
    let mut pending_zero = false;
    for (d, unit) in digits.into_iter().zip(units) {
        if d == 0 {
            pending_zero = !s.is_empty();
            continue;
        }
        if pending_zero {
            s.push_str(CN_DIGITS[0]);
            pending_zero = false;
        }
        // 10–19 read 十, 十一, … rather than 一十, 一十一.
        if !(n < 20 && unit == "十" && d == 1) {
            s.push_str(CN_DIGITS[d as usize]);
        }
        s.push_str(unit);
    }
    s
}

/// A rank in words: 第一, 第二, …, 第十, 第十一, 第二十三, 第一百零五. From 10,000 on, digits.
pub fn rank_cn(r: u32) -> String {
    if r < 10_000 { format!("第{}", cn_number(r)) } else { format!("第{r}") }
}

// ---------------------------------------------------------------------------------------------
// Pace and projections
// ---------------------------------------------------------------------------------------------

/// 序时进度 of `p`: (months covered, 12).
pub fn expected_share(p: Period) -> (u32, u32) {
    (p.month, 12)
}

/// Progress of a cumulative value against its annual target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pace {
    /// The annual target.
    pub target: Fixed,
    /// What 序时进度 expects by now: target × N/12.
    pub expected: Fixed,
    /// actual ÷ target.
    pub completion: Pct,
    /// 序时进度 N/12 as a percentage (5/12 → 41.67%).
    pub schedule: Pct,
    /// completion − schedule in 百分点 (of the rounded figures, so the three always agree);
    /// negative = behind.
    pub gap_points: Pct,
    /// Year-end at the current run rate: actual × 12/N.
    pub projected_linear: Fixed,
    /// Year-end at last year's seasonal pattern: actual ÷ (last year's same-period cumulative ÷
    /// last year's full-year value). `None` without both figures positive.
    pub projected_seasonal: Option<Fixed>,
}

/// The pace of `actual` (cumulative to `p`) against the annual `target`. `None` when target ≤ 0,
/// when `p.month` is not 1..=12, or when a figure would overflow.
pub fn pace(
    actual: Fixed,
    target: Fixed,
    p: Period,
    last_year_same: Option<Fixed>,
    last_year_full: Option<Fixed>,
) -> Option<Pace> {
    if !target.is_positive() || !(1..=12).contains(&p.month) {
        return None;
    }
    let (n, d) = expected_share(p);
    let (n, d) = (i64::from(n), i64::from(d));
    let completion = Pct::ratio(actual.0, target.0)?;
    let schedule = Pct::ratio(n, d)?;
    let projected_seasonal = match (last_year_same, last_year_full) {
        (Some(same), Some(full)) if same.is_positive() && full.is_positive() => actual.mul_div(full.0, same.0),
        _ => None,
    };
    Some(Pace {
        target,
        expected: target.mul_div(n, d)?,
        completion,
        schedule,
        gap_points: points_change(schedule, completion),
        projected_linear: actual.mul_div(d, n)?,
        projected_seasonal,
    })
}

// ---------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------

/// Why an indicator needs attention (及时解决趋势性苗头性问题).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// 落后序时进度.
    BehindPace,
    /// 增速连续回落.
    GrowthFalling,
    /// 增速排名下滑.
    RankDropped,
    /// 预计完不成全年目标.
    ProjectedBelowTarget,
    /// 逾期未填报.
    NotEntered,
}

impl WarningKind {
    pub const ALL: [WarningKind; 5] = [
        WarningKind::BehindPace,
        WarningKind::GrowthFalling,
        WarningKind::RankDropped,
        WarningKind::ProjectedBelowTarget,
        WarningKind::NotEntered,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WarningKind::BehindPace => "落后序时进度",
            WarningKind::GrowthFalling => "增速连续回落",
            WarningKind::RankDropped => "增速排名下滑",
            WarningKind::ProjectedBelowTarget => "预计完不成全年目标",
            WarningKind::NotEntered => "逾期未填报",
        }
    }
}

/// A warning with its reason in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Warning {
    pub kind: WarningKind,
    pub reason: String,
}

/// "落后序时进度：完成全年目标的 …".
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.kind.label(), self.reason)
    }
}

/// Fires when completion is behind 序时进度.
pub fn behind_pace(p: &Pace) -> Option<Warning> {
    (p.gap_points.0 < 0).then(|| Warning {
        kind: WarningKind::BehindPace,
        reason: format!(
            "完成全年目标的 {}%，落后序时进度（{}%）{} 个百分点",
            p.completion.display(),
            p.schedule.display(),
            p.gap_points.abs().display()
        ),
    })
}

/// Fires when the 4 latest growth figures (in period order, whatever the input order) fall three
/// times in a row, each strictly lower than the one before. Of duplicate periods the last counts.
pub fn growth_falling(growths: &[(Period, Pct)]) -> Option<Warning> {
    let mut sorted: Vec<(Period, Pct)> = growths.to_vec();
    sorted.sort_by_key(|&(p, _)| p);
    let mut series: Vec<(Period, Pct)> = Vec::with_capacity(sorted.len());
    for (p, g) in sorted {
        match series.last_mut() {
            Some(last) if last.0 == p => last.1 = g,
            _ => series.push((p, g)),
        }
    }
    let latest = series.get(series.len().checked_sub(4)?..)?;
    if !latest.windows(2).all(|w| w[1].1 < w[0].1) {
        return None;
    }
    let one_year = latest.iter().all(|(p, _)| p.year == latest[0].0.year);
    let steps: Vec<String> = latest
        .iter()
        .map(|(p, g)| format!("{} {}%", if one_year { p.label() } else { p.full_label() }, g.display()))
        .collect();
    Some(Warning {
        kind: WarningKind::GrowthFalling, reason: format!("增速连续 3 期回落：{}", steps.join("、"))
    })
}

/// Fires when a rank fell by 2 places or more (a larger number is worse). Needs both ranks.
pub fn rank_dropped(prev_rank: Option<u32>, now_rank: Option<u32>) -> Option<Warning> {
    let (prev, now) = (prev_rank?, now_rank?);
    let fell = now.checked_sub(prev)?;
    (fell >= 2).then(|| Warning {
        kind: WarningKind::RankDropped,
        reason: format!("增速排名由{}降至{}，下滑 {fell} 位", rank_cn(prev), rank_cn(now)),
    })
}

/// Fires when the smaller available projection to year-end is below the target.
pub fn projected_below(p: &Pace) -> Option<Warning> {
    let (basis, projected) = match p.projected_seasonal {
        Some(s) if s < p.projected_linear => ("按去年同期进度", s),
        _ => ("按当前进度", p.projected_linear),
    };
    (projected < p.target).then(|| Warning {
        kind: WarningKind::ProjectedBelowTarget,
        reason: format!(
            "{basis}推算全年约 {}，低于全年目标 {}（差 {}）",
            projected.display_trim(2),
            p.target.display_trim(2),
            (p.target - projected).display_trim(2)
        ),
    })
}

/// The day by which period 1-N月 is due: the 10th of month N+1 (1-12月: 10 January next year).
pub fn due_date(p: Period) -> NaiveDate {
    let (year, month) = if p.month >= 12 { (p.year.saturating_add(1), 1) } else { (p.year, p.month + 1) };
    NaiveDate::from_ymd_opt(year, month, 10).unwrap_or(NaiveDate::MAX)
}

fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Fires when `expected` is not entered and `today` is after its due date.
pub fn not_entered(expected: Period, entered: bool, today: NaiveDate) -> Option<Warning> {
    let due = due_date(expected);
    (!entered && today > due).then(|| Warning {
        kind: WarningKind::NotEntered,
        reason: format!(
            "{}数据应于 {} 前填报，已逾期 {} 天",
            expected.full_label(),
            cn_date(due),
            (today - due).num_days()
        ),
    })
}

/// The latest period whose due date has passed by `today` (due date strictly before `today`,
/// as in [`not_entered`]): on 2025-06-11 → 2025年1-5月; on 2025-01-05 → 2024年1-11月.
pub fn latest_due_period(today: NaiveDate, january_alone: bool) -> Option<Period> {
    let year = today.year();
    [year, year.checked_sub(1)?]
        .into_iter()
        .flat_map(|y| periods_of_year(y, january_alone).into_iter().rev())
        .find(|&p| due_date(p) < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fx(s: &str) -> Fixed {
        Fixed::parse(s, 4).unwrap()
    }

    fn pct(s: &str) -> Pct {
        Pct::parse(s).unwrap()
    }

    fn per(year: i32, month: u32) -> Period {
        Period::new(year, month).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // --- Fixed ---

    #[test]
    fn seed_values_parse_exactly() {
        assert_eq!(Fixed::parse("27.97", 2), Ok(Fixed(279_700)));
        assert_eq!(Fixed::parse("16.9", 2), Ok(Fixed(169_000)));
        assert_eq!(Fixed::parse(" 16.9 ", 2), Ok(Fixed(169_000)));
        assert_eq!(Fixed::parse("39.8", 2), Ok(Fixed(398_000)));
        assert_eq!(Fixed::parse("24", 0), Ok(Fixed(240_000)));
        assert_eq!(Fixed::parse("1,234.5", 2), Ok(Fixed(12_345_000)));
        assert_eq!(Fixed::parse("1，234,567", 0), Ok(Fixed(12_345_670_000)));
        assert_eq!(Fixed::parse("0.95", 2), Ok(Fixed(9_500)));
        assert_eq!(Fixed::parse(".5", 2), Ok(Fixed(5_000)));
        assert_eq!(Fixed::parse("-3.25", 2), Ok(Fixed(-32_500)));
        assert_eq!(Fixed::parse("1.2345", 4), Ok(Fixed(12_345)));
        // trailing zeros beyond the allowed decimals are harmless
        assert_eq!(Fixed::parse("27.9700", 2), Ok(Fixed(279_700)));
    }

    #[test]
    fn fixed_parse_refusals_are_in_chinese() {
        assert_eq!(Fixed::parse("  ", 2), Err("数值不能为空".to_string()));
        assert_eq!(Fixed::parse("abc", 2), Err("“abc”不是数字".to_string()));
        assert_eq!(Fixed::parse("27.975", 2), Err("“27.975”最多 2 位小数".to_string()));
        assert_eq!(Fixed::parse("1.23456", 9), Err("“1.23456”最多 4 位小数".to_string()));
        assert_eq!(Fixed::parse("3.5", 0), Err("“3.5”应为整数".to_string()));
        assert_eq!(Fixed::parse("99999999999999999", 2), Err("“99999999999999999”数值过大".to_string()));
        for bad in ["+3", "--3", "3-", "1.2.3", ".", "-", "1,23.4", "12,3456", ",123", "1 000", "3亿元", "1e5"] {
            assert!(Fixed::parse(bad, 4).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn fixed_display_rounds_half_away_from_zero() {
        let v = Fixed(279_700);
        assert_eq!(v.display(2), "27.97");
        assert_eq!(v.display(1), "28.0");
        assert_eq!(v.display(0), "28");
        assert_eq!(v.display(4), "27.9700");
        assert_eq!(v.display(6), "27.970000");
        assert_eq!(Fixed(12_345).display(3), "1.235");
        assert_eq!(Fixed(-12_345).display(3), "-1.235");
        assert_eq!(Fixed(-12_344).display(3), "-1.234");
        assert_eq!(Fixed(25_000).display(0), "3");
        assert_eq!(Fixed(-25_000).display(0), "-3");
        assert_eq!(Fixed(-1).display(2), "0.00");
        assert_eq!(Fixed(-1).display(4), "-0.0001");
        assert_eq!(Fixed(800_000).display_trim(2), "80");
        assert_eq!(Fixed(671_280).display_trim(2), "67.13");
        assert_eq!(Fixed(169_000).to_string(), "16.9");
        assert_eq!(Fixed(i64::MIN).display(4), "-922337203685477.5808");
    }

    #[test]
    fn fixed_arithmetic_is_exact() {
        assert_eq!(Fixed(279_700) - Fixed(169_000), Fixed(110_700));
        assert_eq!(Fixed(1) + Fixed(2), Fixed(3));
        assert_eq!(-Fixed(5), Fixed(-5));
        assert_eq!(Fixed(i64::MAX).checked_add(Fixed(1)), None);
        assert_eq!(Fixed(i64::MIN).checked_sub(Fixed(1)), None);
        assert_eq!(Fixed::from_units(80), Some(Fixed(800_000)));
        assert_eq!(Fixed(10).mul_div(1, 3), Some(Fixed(3)));
        assert_eq!(Fixed(20).mul_div(1, 3), Some(Fixed(7)));
        assert_eq!(Fixed(-20).mul_div(1, 3), Some(Fixed(-7)));
        assert_eq!(Fixed(1).mul_div(1, 0), None);
        assert_eq!(Fixed::checked_sum([Fixed(1), Fixed(2), Fixed(3)]), Some(Fixed(6)));
        assert_eq!(Fixed::checked_sum([Fixed(i64::MAX), Fixed(1)]), None);
    }

    #[test]
    fn numbers_serialize_as_plain_integers() {
        assert_eq!(serde_json::to_string(&Fixed(279_700)).unwrap(), "279700");
        assert_eq!(serde_json::to_string(&Pct(2_290)).unwrap(), "2290");
        assert_eq!(serde_json::from_str::<Fixed>("279700").unwrap(), Fixed(279_700));
        assert_eq!(serde_json::to_string(&per(2025, 5)).unwrap(), r#"{"year":2025,"month":5}"#);
        assert_eq!(serde_json::to_string(&WarningKind::BehindPace).unwrap(), r#""behind_pace""#);
    }

    // --- Pct ---

    #[test]
    fn seed_growths_parse_exactly() {
        assert_eq!(Pct::parse("22.9"), Ok(Pct(2_290)));
        assert_eq!(Pct::parse("22.9%"), Ok(Pct(2_290)));
        assert_eq!(Pct::parse(" 22.9 ％ "), Ok(Pct(2_290)));
        assert_eq!(Pct::parse("+1.4"), Ok(Pct(140)));
        assert_eq!(Pct::parse("25%"), Ok(Pct(2_500)));
        assert_eq!(Pct::parse("-3.5"), Ok(Pct(-350)));
        assert_eq!(Pct::parse("-3.05"), Ok(Pct(-305)));
        assert_eq!(Pct::parse("-100"), Ok(PCT_MIN));
        assert_eq!(Pct::parse("10000"), Ok(PCT_MAX));
    }

    #[test]
    fn pct_parse_refusals() {
        let range = Err("增速应在 -100% 到 10000% 之间".to_string());
        assert_eq!(Pct::parse("-100.01"), range);
        assert_eq!(Pct::parse("10000.01"), range);
        assert_eq!(Pct::parse("123456789012345678901234"), range);
        assert_eq!(Pct::parse(""), Err("增速不能为空".to_string()));
        assert_eq!(Pct::parse("%"), Err("增速不能为空".to_string()));
        assert_eq!(Pct::parse("1.234"), Err("增速“1.234”最多 2 位小数".to_string()));
        assert_eq!(Pct::parse("abc"), Err("增速“abc”不是数字".to_string()));
        for bad in ["+-1", "1,000", "1.2.3", "--1", "1%%"] {
            assert!(Pct::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn pct_display_trims_trailing_zeros() {
        assert_eq!(Pct(2_290).display(), "22.9");
        assert_eq!(Pct(2_500).display(), "25");
        assert_eq!(Pct(-305).display(), "-3.05");
        assert_eq!(Pct(-5).display(), "-0.05");
        assert_eq!(Pct(0).display(), "0");
        assert_eq!(Pct(4_167).display_percent(), "41.67%");
        assert_eq!(Pct(140).to_string(), "1.4");
    }

    #[test]
    fn percentage_points() {
        assert_eq!(points_change(pct("20.8"), pct("22.9")), Pct(210));
        assert_eq!(points_label(points_change(pct("20.8"), pct("22.9"))), "提高 2.1 个百分点");
        assert_eq!(points_label(points_change(pct("1.9"), pct("1.4"))), "回落 0.5 个百分点");
        assert_eq!(points_label(points_change(pct("1.4"), pct("1.4"))), "持平");
        assert_eq!(points_label(points_change(pct("2"), pct("-1.05"))), "回落 3.05 个百分点");
    }

    // --- Periods ---

    #[test]
    fn period_labels() {
        assert_eq!(per(2025, 5).label(), "1-5月");
        assert_eq!(per(2025, 2).label(), "1-2月");
        assert_eq!(per(2025, 1).label(), "1月");
        assert_eq!(per(2025, 12).label(), "1-12月");
        assert_eq!(per(2025, 5).full_label(), "2025年1-5月");
        assert_eq!(per(2025, 5).key(), "2025-05");
        assert!(Period::new(2025, 0).is_err());
        assert!(Period::new(2025, 13).is_err());
        assert!(per(2024, 12) < per(2025, 1));
        assert!(per(2025, 2) < per(2025, 10));
    }

    #[test]
    fn period_parsing() {
        assert_eq!(Period::parse("2025-05"), Ok(per(2025, 5)));
        assert_eq!(Period::parse(" 2025-5 "), Ok(per(2025, 5)));
        assert_eq!(Period::parse("2025-12"), Ok(per(2025, 12)));
        for bad in ["2025-13", "2025-00", "2025", "2025-", "-05", "2025-005", "2025/05", "25-5a"] {
            assert!(Period::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(Period::parse_label(2025, "1-5月"), Ok(per(2025, 5)));
        assert_eq!(Period::parse_label(2025, "1月"), Ok(per(2025, 1)));
        assert_eq!(Period::parse_label(2025, "1-2月"), Ok(per(2025, 2)));
        assert_eq!(Period::parse_label(2025, "1～12月累计"), Ok(per(2025, 12)));
        assert_eq!(Period::parse_label(2025, "1—5"), Ok(per(2025, 5)));
        assert_eq!(Period::parse_label(2025, "1月-5月"), Ok(per(2025, 5)));
        for bad in ["5月", "2-5月", "1-13月", "1-1月", "1-0月", "", "上半年"] {
            assert!(Period::parse_label(2025, bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(Period::parse_label(2025, "5月"), Err("期间“5月”应为“1-N月”累计，如 1-5月".to_string()));
    }

    #[test]
    fn periods_of_a_year() {
        let without = periods_of_year(2025, false);
        assert_eq!(without.len(), 11);
        assert_eq!(without.first(), Some(&per(2025, 2)));
        assert_eq!(without.last(), Some(&per(2025, 12)));
        let with = periods_of_year(2025, true);
        assert_eq!(with.len(), 12);
        assert_eq!(with[0], per(2025, 1));
        assert!(with.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn january_alone_rules() {
        assert_eq!(check_period(per(2025, 1), false), Err("该指标 1 月不单独发布，请填报 1-2 月累计".to_string()));
        assert_eq!(check_period(per(2025, 1), true), Ok(()));
        assert_eq!(check_period(per(2025, 2), false), Ok(()));
        assert!(check_period(Period { year: 2025, month: 13 }, true).is_err());
        assert_eq!(previous(per(2025, 3), false), Some(per(2025, 2)));
        assert_eq!(previous(per(2025, 12), true), Some(per(2025, 11)));
        assert_eq!(previous(per(2025, 2), false), None);
        assert_eq!(previous(per(2025, 2), true), Some(per(2025, 1)));
        assert_eq!(previous(per(2025, 1), true), None);
    }

    // --- month-own and computed growth ---

    #[test]
    fn month_own_is_a_difference_of_cumulatives() {
        let cum = [
            (per(2025, 2), fx("10.5")),
            (per(2025, 3), fx("16.2")),
            (per(2025, 4), fx("22")),
            (per(2025, 5), fx("27.97")),
        ];
        assert_eq!(month_own(&cum, per(2025, 3), false), Some(fx("5.7")));
        assert_eq!(month_own(&cum, per(2025, 5), false), Some(fx("5.97")));
        // 1-2月 without January alone: the 1-2月 total itself
        assert_eq!(month_own(&cum, per(2025, 2), false), Some(fx("10.5")));
        // no 1月 for such an indicator
        assert_eq!(month_own(&cum, per(2025, 1), false), None);
        // missing values
        assert_eq!(month_own(&cum, per(2025, 6), false), None);
        assert_eq!(month_own(&cum[1..], per(2025, 3), false), None);
        // with January alone, 1-2月 needs 1月
        assert_eq!(month_own(&cum, per(2025, 2), true), None);
        let with_jan = [(per(2025, 1), fx("4")), (per(2025, 2), fx("10.5"))];
        assert_eq!(month_own(&with_jan, per(2025, 1), true), Some(fx("4")));
        assert_eq!(month_own(&with_jan, per(2025, 2), true), Some(fx("6.5")));
    }

    #[test]
    fn computed_growth_rounds_to_hundredths() {
        assert_eq!(computed_growth(fx("27.97"), fx("22.76")), Some(Pct(2_289))); // 22.8910…%
        assert_eq!(computed_growth(fx("12.5"), fx("10")), Some(Pct(2_500)));
        assert_eq!(computed_growth(fx("9"), fx("10")), Some(Pct(-1_000)));
        assert_eq!(computed_growth(fx("2"), fx("3")), Some(Pct(-3_333)));
        assert_eq!(computed_growth(fx("1"), fx("3")), Some(Pct(-6_667)));
        assert_eq!(computed_growth(fx("10"), fx("10")), Some(Pct(0)));
        assert_eq!(computed_growth(fx("10"), fx("0")), None);
        assert_eq!(computed_growth(fx("10"), fx("-2")), None);
        assert_eq!(computed_growth(Fixed(i64::MAX), Fixed(1)), None);
    }

    // --- rankings ---

    #[test]
    fn ties_share_a_rank() {
        let r = rank(&[("a", Some(5)), ("b", Some(3)), ("c", Some(3)), ("d", Some(1)), ("e", None)]);
        assert_eq!(r, vec![("a", Some(1)), ("b", Some(2)), ("c", Some(2)), ("d", Some(4)), ("e", None)]);
    }

    #[test]
    fn missing_zones_follow_in_input_order() {
        let entries =
            [("甲", None), ("乙", Some(fx("16.9"))), ("丙", None), ("襄垣", Some(fx("27.97"))), ("丁", Some(fx("3")))];
        let r = rank(&entries);
        assert_eq!(r, vec![("襄垣", Some(1)), ("乙", Some(2)), ("丁", Some(3)), ("甲", None), ("丙", None)]);
        // growth rank with Pct values
        let g = rank(&[("甲", Some(pct("30"))), ("乙", Some(pct("25.1"))), ("襄垣", Some(pct("22.9"))), ("丙", None)]);
        assert_eq!(g[2], ("襄垣", Some(3)));
        assert_eq!(g[3], ("丙", None));
        let empty: Vec<(&str, Option<i64>)> = Vec::new();
        assert!(rank(&empty).is_empty());
        assert_eq!(rank(&[("x", None::<i64>)]), vec![("x", None)]);
        assert_eq!(rank(&[(1, Some(2)), (2, Some(2)), (3, Some(2))]), vec![(1, Some(1)), (2, Some(1)), (3, Some(1))]);
    }

    #[test]
    fn ranks_in_words() {
        let expected = [
            (1, "第一"),
            (2, "第二"),
            (3, "第三"),
            (9, "第九"),
            (10, "第十"),
            (11, "第十一"),
            (19, "第十九"),
            (20, "第二十"),
            (23, "第二十三"),
            (99, "第九十九"),
            (100, "第一百"),
            (101, "第一百零一"),
            (110, "第一百一十"),
            (1_001, "第一千零一"),
            (1_010, "第一千零一十"),
            (1_100, "第一千一百"),
            (9_999, "第九千九百九十九"),
            (10_000, "第10000"),
        ];
        for (n, s) in expected {
            assert_eq!(rank_cn(n), s, "{n}");
        }
    }

    // --- pace ---

    fn seed_pace() -> Pace {
        pace(fx("27.97"), fx("80"), per(2025, 5), None, None).unwrap()
    }

    #[test]
    fn pace_of_the_seed_figure() {
        let p = seed_pace();
        assert_eq!(expected_share(per(2025, 5)), (5, 12));
        assert_eq!(p.target, fx("80"));
        assert_eq!(p.expected, fx("33.3333"));
        assert_eq!(p.schedule, pct("41.67"));
        assert_eq!(p.completion, pct("34.96")); // 34.9625%
        assert_eq!(p.gap_points, pct("-6.71"));
        assert_eq!(p.projected_linear, fx("67.128"));
        assert_eq!(p.projected_seasonal, None);
    }

    #[test]
    fn pace_projections() {
        // last year 25 of 62.5 by 1-5月 (40%): 27.97 / 0.4 = 69.925
        let p = pace(fx("27.97"), fx("80"), per(2025, 5), Some(fx("25")), Some(fx("62.5"))).unwrap();
        assert_eq!(p.projected_seasonal, Some(fx("69.925")));
        // rounding: 10 × 7 / 3 = 23.33333… → 23.3333
        let p = pace(fx("10"), fx("20"), per(2025, 6), Some(fx("3")), Some(fx("7"))).unwrap();
        assert_eq!(p.projected_seasonal, Some(fx("23.3333")));
        assert_eq!(p.projected_linear, fx("20"));
        assert_eq!(p.schedule, pct("50"));
        assert_eq!(p.completion, pct("50"));
        assert_eq!(p.gap_points, Pct(0));
        // seasonal needs both figures, positive
        for (same, full) in [(None, Some(fx("1"))), (Some(fx("1")), None), (Some(fx("0")), Some(fx("5")))] {
            assert_eq!(pace(fx("1"), fx("2"), per(2025, 3), same, full).unwrap().projected_seasonal, None);
        }
        // at 1-12月 the projection is the actual value
        let p = pace(fx("81.5"), fx("80"), per(2025, 12), Some(fx("70")), Some(fx("70"))).unwrap();
        assert_eq!((p.projected_linear, p.projected_seasonal), (fx("81.5"), Some(fx("81.5"))));
        assert_eq!(p.schedule, pct("100"));
        // 1月 (January alone): × 12
        assert_eq!(pace(fx("2"), fx("30"), per(2025, 1), None, None).unwrap().projected_linear, fx("24"));
        // no target, no pace
        assert_eq!(pace(fx("1"), fx("0"), per(2025, 5), None, None), None);
        assert_eq!(pace(fx("1"), fx("-1"), per(2025, 5), None, None), None);
        assert_eq!(pace(fx("1"), fx("1"), Period { year: 2025, month: 0 }, None, None), None);
    }

    // --- warnings ---

    #[test]
    fn warning_labels() {
        let labels: Vec<&str> = WarningKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels, ["落后序时进度", "增速连续回落", "增速排名下滑", "预计完不成全年目标", "逾期未填报"]);
    }

    #[test]
    fn behind_pace_fires_only_when_behind() {
        let w = behind_pace(&seed_pace()).unwrap();
        assert_eq!(w.kind, WarningKind::BehindPace);
        assert_eq!(w.reason, "完成全年目标的 34.96%，落后序时进度（41.67%）6.71 个百分点");
        assert_eq!(w.to_string(), format!("落后序时进度：{}", w.reason));
        let slightly_behind = pace(fx("39.8"), fx("80"), per(2025, 6), None, None).unwrap(); // 49.75% vs 50%
        assert_eq!(
            behind_pace(&slightly_behind).unwrap().reason,
            "完成全年目标的 49.75%，落后序时进度（50%）0.25 个百分点"
        );
        let on_time = pace(fx("40"), fx("80"), per(2025, 6), None, None).unwrap();
        assert_eq!(behind_pace(&on_time), None);
        let ahead = pace(fx("45"), fx("80"), per(2025, 6), None, None).unwrap();
        assert_eq!(behind_pace(&ahead), None);
    }

    #[test]
    fn growth_falling_needs_three_declines_in_a_row() {
        let g = |m: u32, v: &str| (per(2025, m), pct(v));
        let falling = [g(5, "20.5"), g(2, "25"), g(4, "22.9"), g(3, "23.1")]; // any input order
        let w = growth_falling(&falling).unwrap();
        assert_eq!(w.kind, WarningKind::GrowthFalling);
        assert_eq!(w.reason, "增速连续 3 期回落：1-2月 25%、1-3月 23.1%、1-4月 22.9%、1-5月 20.5%");
        // only the 4 latest count
        let older_rise = [g(2, "10"), g(3, "30"), g(4, "25"), g(5, "20"), g(6, "15")];
        assert!(growth_falling(&older_rise).is_some());
        // a flat step breaks the run
        assert_eq!(growth_falling(&[g(2, "25"), g(3, "23"), g(4, "23"), g(5, "20")]), None);
        // a rise at the end breaks it
        assert_eq!(growth_falling(&[g(3, "30"), g(4, "25"), g(5, "20"), g(6, "21")]), None);
        // two declines are not enough
        assert_eq!(growth_falling(&[g(2, "25"), g(3, "23"), g(4, "20")]), None);
        assert_eq!(growth_falling(&[]), None);
        // a duplicate period counts once (its last value)
        assert_eq!(growth_falling(&[g(2, "25"), g(3, "23"), g(3, "22"), g(4, "20")]), None);
        // across years the reason names the years
        let across = [(per(2024, 11), pct("8")), (per(2024, 12), pct("7")), g(2, "6"), g(3, "5.5")];
        let w = growth_falling(&across).unwrap();
        assert!(w.reason.contains("2024年1-12月 7%"), "{}", w.reason);
        assert!(w.reason.contains("2025年1-3月 5.5%"), "{}", w.reason);
    }

    #[test]
    fn rank_dropped_by_two_or_more() {
        let w = rank_dropped(Some(1), Some(3)).unwrap();
        assert_eq!(w.kind, WarningKind::RankDropped);
        assert_eq!(w.reason, "增速排名由第一降至第三，下滑 2 位");
        assert!(rank_dropped(Some(3), Some(8)).is_some());
        assert_eq!(rank_dropped(Some(3), Some(4)), None);
        assert_eq!(rank_dropped(Some(3), Some(3)), None);
        assert_eq!(rank_dropped(Some(5), Some(1)), None);
        assert_eq!(rank_dropped(None, Some(9)), None);
        assert_eq!(rank_dropped(Some(1), None), None);
    }

    #[test]
    fn projected_below_uses_the_smaller_projection() {
        // linear 67.128 < 80
        let w = projected_below(&seed_pace()).unwrap();
        assert_eq!(w.kind, WarningKind::ProjectedBelowTarget);
        assert_eq!(w.reason, "按当前进度推算全年约 67.13，低于全年目标 80（差 12.87）");
        // linear reaches the target but last year's pattern does not
        let p = pace(fx("35"), fx("80"), per(2025, 5), Some(fx("30")), Some(fx("60"))).unwrap();
        assert_eq!(p.projected_linear, fx("84"));
        assert_eq!(p.projected_seasonal, Some(fx("70")));
        let w = projected_below(&p).unwrap();
        assert_eq!(w.reason, "按去年同期进度推算全年约 70，低于全年目标 80（差 10）");
        // both reach it
        let p = pace(fx("35"), fx("80"), per(2025, 5), Some(fx("20")), Some(fx("60"))).unwrap();
        assert_eq!(projected_below(&p), None);
        // exactly on target is not below
        let p = pace(fx("40"), fx("80"), per(2025, 6), None, None).unwrap();
        assert_eq!(projected_below(&p), None);
    }

    #[test]
    fn due_dates() {
        assert_eq!(due_date(per(2025, 5)), date(2025, 6, 10));
        assert_eq!(due_date(per(2025, 1)), date(2025, 2, 10));
        assert_eq!(due_date(per(2025, 2)), date(2025, 3, 10));
        assert_eq!(due_date(per(2025, 11)), date(2025, 12, 10));
        assert_eq!(due_date(per(2025, 12)), date(2026, 1, 10));
    }

    #[test]
    fn not_entered_after_the_due_date() {
        let p = per(2025, 5);
        assert_eq!(not_entered(p, false, date(2025, 6, 10)), None);
        assert_eq!(not_entered(p, true, date(2025, 7, 1)), None);
        let w = not_entered(p, false, date(2025, 6, 11)).unwrap();
        assert_eq!(w.kind, WarningKind::NotEntered);
        assert_eq!(w.reason, "2025年1-5月数据应于 2025年6月10日 前填报，已逾期 1 天");
        let w = not_entered(per(2024, 12), false, date(2025, 1, 20)).unwrap();
        assert_eq!(w.reason, "2024年1-12月数据应于 2025年1月10日 前填报，已逾期 10 天");
        assert_eq!(not_entered(per(2024, 12), false, date(2025, 1, 10)), None);
    }

    #[test]
    fn latest_due_periods() {
        assert_eq!(latest_due_period(date(2025, 6, 11), false), Some(per(2025, 5)));
        assert_eq!(latest_due_period(date(2025, 6, 10), false), Some(per(2025, 4)));
        assert_eq!(latest_due_period(date(2025, 1, 5), false), Some(per(2024, 11)));
        assert_eq!(latest_due_period(date(2025, 1, 11), false), Some(per(2024, 12)));
        // 1月 is due 10 February, 1-2月 10 March
        assert_eq!(latest_due_period(date(2025, 2, 11), false), Some(per(2024, 12)));
        assert_eq!(latest_due_period(date(2025, 2, 11), true), Some(per(2025, 1)));
        assert_eq!(latest_due_period(date(2025, 3, 11), false), Some(per(2025, 2)));
        assert_eq!(latest_due_period(date(2025, 12, 31), true), Some(per(2025, 11)));
    }

    // --- properties ---

    fn cumulative_year() -> impl Strategy<Value = (bool, Vec<(Period, Fixed)>)> {
        (any::<bool>(), 2000i32..2100, proptest::collection::vec(-1_000_000_000_000i64..1_000_000_000_000, 12))
            .prop_map(|(january_alone, year, values)| {
                let cum =
                    periods_of_year(year, january_alone).into_iter().zip(values).map(|(p, v)| (p, Fixed(v))).collect();
                (january_alone, cum)
            })
    }

    proptest! {
        #[test]
        fn month_own_values_sum_to_the_year(
            (january_alone, cum) in cumulative_year()
        ) {
            let year = cum[0].0.year;
            let own: Vec<Fixed> = periods_of_year(year, january_alone)
                .into_iter()
                .map(|p| month_own(&cum, p, january_alone).unwrap())
                .collect();
            let total = Fixed::checked_sum(own).unwrap();
            prop_assert_eq!(Some(total), lookup(&cum, Period { year, month: 12 }));
        }

        #[test]
        fn rank_is_a_permutation_with_consistent_ranks(
            values in proptest::collection::vec(proptest::option::of(-5i64..5), 0..30)
        ) {
            let entries: Vec<(usize, Option<i64>)> = values.iter().copied().enumerate().collect();
            let out = rank(&entries);
            let mut keys: Vec<usize> = out.iter().map(|(k, _)| *k).collect();
            keys.sort_unstable();
            prop_assert_eq!(keys, (0..values.len()).collect::<Vec<_>>());

            let ranked_count = values.iter().filter(|v| v.is_some()).count();
            let (ranked, missing) = out.split_at(ranked_count);
            prop_assert!(ranked.iter().all(|(_, r)| r.is_some()));
            prop_assert!(missing.iter().all(|(_, r)| r.is_none()));
            // missing ones in input order
            prop_assert!(missing.windows(2).all(|w| w[0].0 < w[1].0));
            // ranks non-decreasing, values non-increasing
            prop_assert!(ranked.windows(2).all(|w| w[0].1 <= w[1].1));
            prop_assert!(ranked.windows(2).all(|w| values[w[0].0] >= values[w[1].0]));
            for (k, r) in ranked {
                let v = values[*k];
                // rank = 1 + number of strictly greater values; equal values share it
                let greater = values.iter().filter(|x| x.is_some() && **x > v).count();
                prop_assert_eq!(*r, Some(u32::try_from(greater + 1).unwrap()));
                for (k2, r2) in ranked {
                    if values[*k2] == v {
                        prop_assert_eq!(r, r2);
                    }
                }
            }
        }

        #[test]
        fn fixed_round_trips_at_4_decimals(v in any::<i64>()) {
            prop_assert_eq!(Fixed::parse(&Fixed(v).display(4), 4), Ok(Fixed(v)));
            prop_assert_eq!(Fixed::parse(&Fixed(v).to_string(), 4), Ok(Fixed(v)));
        }

        #[test]
        fn fixed_display_rounds_to_the_nearest(v in -1_000_000_000_000i64..1_000_000_000_000, d in 0u32..4) {
            let back = Fixed::parse(&Fixed(v).display(d), 4).unwrap();
            let half = 10i64.pow(4 - d) / 2;
            prop_assert!((back.0 - v).abs() <= half);
        }

        #[test]
        fn pct_round_trips(v in PCT_MIN.0..=PCT_MAX.0) {
            prop_assert_eq!(Pct::parse(&Pct(v).display()), Ok(Pct(v)));
            prop_assert_eq!(Pct::parse(&Pct(v).display_percent()), Ok(Pct(v)));
        }

        #[test]
        fn period_label_and_key_round_trip(year in 1990i32..2100, month in 1u32..=12) {
            let p = Period { year, month };
            prop_assert_eq!(Period::parse_label(year, &p.label()), Ok(p));
            prop_assert_eq!(Period::parse(&p.key()), Ok(p));
        }

        #[test]
        fn latest_due_period_is_due_and_the_next_is_not(
            days in 0i64..20_000, january_alone in any::<bool>()
        ) {
            let today = date(2000, 1, 1) + chrono::Duration::days(days);
            let p = latest_due_period(today, january_alone).unwrap();
            prop_assert!(due_date(p) < today);
            prop_assert!(check_period(p, january_alone).is_ok());
            let next = if p.month == 12 {
                Period { year: p.year + 1, month: if january_alone { 1 } else { 2 } }
            } else {
                Period { year: p.year, month: p.month + 1 }
            };
            prop_assert!(due_date(next) >= today);
        }
    }
}
