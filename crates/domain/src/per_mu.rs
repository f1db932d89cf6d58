//! 亩均效益评价 (per-mu evaluation): the scheme a locality sets (indicators with weights and
//! benchmarks, a cap, grade bands by percentile, scope thresholds, exemptions), two presets, and
//! the pure, exact scoring and grading of a year's enterprise figures.
//!
//! Inputs are integers: land in 0.01 亩 ([`Mu100`](crate::money::Mu100)), money in 0.01 万元,
//! energy in 0.01 吨标准煤, employees in persons. Derived values are exact fractions
//! ([`Ratio`]) and are shown rounded half up to 2 decimals; nothing is a float.
//!
//! **Score of one indicator** (in 0.01 points):
//! `score = weight × clamp(value ÷ benchmark, 0, cap)`, rounded half up to 0.01 point; the
//! total is the exact sum of the rounded indicator scores. A derived value whose denominator is
//! zero (no energy use, no revenue, no employees) is "—" and scores 0, with the reason shown.
//!
//! **Grades**: enterprises in scope and not exempt are ranked by total score, descending; equal
//! totals share a rank (1, 2, 2, 4 …). With `n` ranked enterprises and bands A, B, C, D (percent,
//! summing to 100), the cumulative cut-offs are `cut_A = round(n × A%)`, `cut_B = round(n × (A +
//! B)%)`, `cut_C = round(n × (A + B + C)%)`, each rounded half up to a whole enterprise; an
//! enterprise of rank `r` is A when `r ≤ cut_A`, else B when `r ≤ cut_B`, else C when
//! `r ≤ cut_C`, else D. Because tied enterprises share the smaller rank, a tie straddling a
//! boundary gets the better grade. Exempt and out-of-scope enterprises are 不定等级 with the
//! reason, and are not counted in `n`.

use serde::{Deserialize, Serialize};

use crate::validate::{Invalid, NAME_MAX};

code_enum!(
    /// The five indicators of the evaluation.
    #[schema(as = PerMuIndicator)]
    Indicator {
        TaxPerMu = "tax_per_mu", "亩均税收";
        RevenuePerMu = "revenue_per_mu", "亩均营业收入";
        ValueAddedPerEnergy = "value_added_per_energy", "单位能耗增加值";
        RdIntensity = "rd_intensity", "研发经费投入强度";
        LabourProductivity = "labour_productivity", "全员劳动生产率";
    }
);

impl Indicator {
    /// The unit of the derived value (and of the benchmark).
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::TaxPerMu | Indicator::RevenuePerMu => "万元/亩",
            Indicator::ValueAddedPerEnergy => "万元/吨标准煤",
            Indicator::RdIntensity => "%",
            Indicator::LabourProductivity => "万元/人",
        }
    }

    /// How the value is derived, for the page.
    pub fn formula(self) -> &'static str {
        match self {
            Indicator::TaxPerMu => "税收 ÷ 用地面积",
            Indicator::RevenuePerMu => "营业收入 ÷ 用地面积",
            Indicator::ValueAddedPerEnergy => "工业增加值 ÷ 综合能耗",
            Indicator::RdIntensity => "研发经费 ÷ 营业收入 × 100%",
            Indicator::LabourProductivity => "工业增加值 ÷ 从业人员",
        }
    }

    fn position(self) -> usize {
        Indicator::ALL.iter().position(|i| *i == self).unwrap_or(0)
    }
}

code_enum!(
    /// A grade; `Ungraded` is 不定等级 (exempt or out of scope).
    Grade {
        A = "A", "A类";
        B = "B", "B类";
        C = "C", "C类";
        D = "D", "D类";
        Ungraded = "none", "不定等级";
    }
);

/// One indicator of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorRule {
    pub indicator: Indicator,
    /// Weight in 0.01 points (40 分 = 4000); the weights of a scheme sum to 100 分 (10000).
    pub weight_x100: i64,
    /// The value earning full marks, in 0.01 of the indicator's unit (15 万元/亩 = 1500).
    pub benchmark_x100: i64,
}

/// Grade bands in 0.01 percent of the ranked enterprises (20 % = 2000); they sum to 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bands {
    pub a_x100: i64,
    pub b_x100: i64,
    pub c_x100: i64,
    pub d_x100: i64,
}

/// A locality's evaluation scheme (stored per zone and year as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scheme {
    pub name: String,
    pub indicators: Vec<IndicatorRule>,
    /// The cap of value ÷ benchmark in 0.01 (1.2 = 120): beyond it an indicator earns no more.
    pub cap_x100: i64,
    pub bands: Bands,
    /// Enterprises using less land are not graded (3 亩 = 300).
    pub min_land_mu100: i64,
    /// Only industrial enterprises above designated size (规上) are graded.
    pub above_scale_only: bool,
    /// Enterprises put into production less than this many years before the evaluated year are
    /// not graded (0: no such exemption).
    pub exempt_years: i32,
}

/// The presets (code, name).
pub const PRESETS: &[(&str, &str)] = &[
    ("zhejiang", "浙江省“亩均论英雄”工业企业综合评价（参照）"),
    ("shanxi", "山西省/长治市开发区亩均效益评价（参照）"),
];

fn rule(indicator: Indicator, weight: i64, benchmark_x100: i64) -> IndicatorRule {
    IndicatorRule { indicator, weight_x100: weight * 100, benchmark_x100 }
}

impl Scheme {
    /// A preset by code.
    ///
    /// `zhejiang` is modelled on the county schemes of Zhejiang's “亩均论英雄” reform: the
    /// published 临海市 scheme (2014–2016, as quoted at wenda.zhifure.com/a/37713.html) weights
    /// 亩均税收 40, 亩均销售收入 10, 单位能耗工业增加值 20, 单位 COD 排放增加值 15, 单位用水量
    /// 增加值 5, 全员劳动生产率 10, with benchmarks 15 万元/亩, 300 万元/亩, 3 万元/吨标准煤 and
    /// 15 万元/人, for enterprises using ≥ 3 亩; 景宁县's 2022 notice lists R&D spending ÷ revenue
    /// among the indicators of 规上 enterprises. Our records hold no emission or water figures,
    /// so their 20 points go to 研发经费投入强度 (15, benchmark 3 %, our assumption) and
    /// 全员劳动生产率 (+5). The cap 1.2, the bands A 20 % / B 50 % / C 20 % / D 10 % and the
    /// 2-year exemption for new enterprises are our assumptions, not from the source.
    ///
    /// `shanxi` is "modelled on" the per-mu evaluations of Shanxi's development zones (山西省/
    /// 长治市-style); no published weights were found, so all figures are assumptions: 规上 only,
    /// ≥ 3 亩, 亩均税收 35 (10 万元/亩), 亩均营业收入 25 (200 万元/亩), 单位能耗增加值 15
    /// (2 万元/吨标准煤), 研发经费投入强度 10 (2 %), 全员劳动生产率 15 (30 万元/人), cap 1.5, bands
    /// A 15 % / B 55 % / C 20 % / D 10 %, new enterprises exempt for 3 years.
    pub fn preset(code: &str) -> Option<Scheme> {
        match code {
            "zhejiang" => Some(Scheme {
                name: PRESETS[0].1.to_string(),
                indicators: vec![
                    rule(Indicator::TaxPerMu, 40, 1500),
                    rule(Indicator::RevenuePerMu, 10, 30_000),
                    rule(Indicator::ValueAddedPerEnergy, 20, 300),
                    rule(Indicator::RdIntensity, 15, 300),
                    rule(Indicator::LabourProductivity, 15, 1500),
                ],
                cap_x100: 120,
                bands: Bands { a_x100: 2000, b_x100: 5000, c_x100: 2000, d_x100: 1000 },
                min_land_mu100: 300,
                above_scale_only: false,
                exempt_years: 2,
            }),
            "shanxi" => Some(Scheme {
                name: PRESETS[1].1.to_string(),
                indicators: vec![
                    rule(Indicator::TaxPerMu, 35, 1000),
                    rule(Indicator::RevenuePerMu, 25, 20_000),
                    rule(Indicator::ValueAddedPerEnergy, 15, 200),
                    rule(Indicator::RdIntensity, 10, 200),
                    rule(Indicator::LabourProductivity, 15, 3000),
                ],
                cap_x100: 150,
                bands: Bands { a_x100: 1500, b_x100: 5500, c_x100: 2000, d_x100: 1000 },
                min_land_mu100: 300,
                above_scale_only: true,
                exempt_years: 3,
            }),
            _ => None,
        }
    }

    /// The rule of `indicator`, if the scheme uses it.
    pub fn rule(&self, indicator: Indicator) -> Option<&IndicatorRule> {
        self.indicators.iter().find(|r| r.indicator == indicator)
    }

    /// Checks the scheme; each message names the field (`weight_<code>`, `benchmark_<code>`,
    /// `weights`, `cap`, `band_a` …, `bands`, `min_land`, `exempt_years`, `name`).
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Invalid::new();
        e.required("name", "方案名称", &self.name, NAME_MAX);
        let mut total = 0i64;
        for (i, r) in self.indicators.iter().enumerate() {
            let code = r.indicator.code();
            let label = r.indicator.label();
            if self.indicators[..i].iter().any(|o| o.indicator == r.indicator) {
                e.add(&format!("weight_{code}"), format!("指标“{label}”重复出现"));
            }
            if r.weight_x100 < 0 {
                e.add(&format!("weight_{code}"), format!("“{label}”的权重不能为负数"));
            }
            if r.benchmark_x100 < 0 {
                e.add(&format!("benchmark_{code}"), format!("“{label}”的基准值不能为负数"));
            } else if r.benchmark_x100 == 0 && r.weight_x100 > 0 {
                e.add(&format!("benchmark_{code}"), format!("“{label}”的基准值必须大于 0（满分对应的数值）"));
            }
            total += r.weight_x100;
        }
        if total != 10_000 {
            e.add("weights", format!("各指标权重之和应为 100 分，现为 {} 分", x100_text(total)));
        }
        if self.cap_x100 < 100 || self.cap_x100 > 1000 {
            e.add("cap", "得分上限系数应在 1.00 到 10.00 之间（如 1.2 表示单项最多得权重的 120%）");
        }
        let b = self.bands;
        for (field, label, v) in [
            ("band_a", "A类", b.a_x100),
            ("band_b", "B类", b.b_x100),
            ("band_c", "C类", b.c_x100),
            ("band_d", "D类", b.d_x100),
        ] {
            if !(0..=10_000).contains(&v) {
                e.add(field, format!("{label}比例应在 0 到 100% 之间"));
            }
        }
        let sum = b.a_x100 + b.b_x100 + b.c_x100 + b.d_x100;
        if sum != 10_000 {
            e.add("bands", format!("A、B、C、D 四类比例之和应为 100%，现为 {}%", x100_text(sum)));
        }
        if self.min_land_mu100 < 0 || self.min_land_mu100 > 10_000_000 {
            e.add("min_land", "参评用地面积下限应在 0 到 100000 亩之间");
        }
        if !(0..=50).contains(&self.exempt_years) {
            e.add("exempt_years", "新投产企业免评年限应在 0 到 50 年之间");
        }
        e.into_result()
    }
}

/// An exact non-negative-denominator fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub num: i128,
    pub den: i128,
}

impl Ratio {
    /// `num ÷ den`, or `None` when `den` is 0.
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        match den {
            0 => None,
            d if d < 0 => Some(Ratio { num: -num, den: -d }),
            d => Some(Ratio { num, den: d }),
        }
    }

    /// The value in hundredths, rounded half up (away from zero for negatives).
    pub fn x100(self) -> i128 {
        round_div(self.num * 100, self.den)
    }

    /// Two decimals: "3.33", "-0.50".
    pub fn text(self) -> String {
        x100_text_i128(self.x100())
    }
}

/// `a ÷ b` (b > 0) rounded half away from zero.
fn round_div(a: i128, b: i128) -> i128 {
    if a >= 0 { (2 * a + b) / (2 * b) } else { -((-2 * a + b) / (2 * b)) }
}

fn x100_text_i128(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A value in hundredths as text with 2 decimals: 4000 → "40.00".
pub fn x100_text(v: i64) -> String {
    x100_text_i128(i128::from(v))
}

/// A value in hundredths as short text: 4000 → "40", 120 → "1.2", 1525 → "15.25".
pub fn x100_short(v: i64) -> String {
    let t = x100_text(v);
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Parses a decimal with at most 2 decimals into hundredths: "15", "15.5", "1,234.56".
/// Negative values only when `allow_negative`. The message names `label`.
pub fn parse_x100(input: &str, label: &str, allow_negative: bool) -> Result<i64, String> {
    let s = input.trim().replace([',', '，', ' '], "");
    if s.is_empty() {
        return Err(format!("{label}不能为空"));
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{label}“{}”不是数字", input.trim()));
    }
    if neg && !allow_negative {
        return Err(format!("{label}不能为负数"));
    }
    let frac = frac_part.trim_end_matches('0');
    if frac.len() > 2 {
        return Err(format!("{label}“{}”最多保留 2 位小数", input.trim()));
    }
    if int_part.len() > 13 {
        return Err(format!("{label}“{}”过大", input.trim()));
    }
    let int: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| format!("{label}不是数字"))? };
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    let v = int * 100 + f;
    Ok(if neg { -v } else { v })
}

/// One enterprise's figures for a year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Inputs {
    /// 用地面积, 0.01 亩.
    pub land_mu100: i64,
    /// 税收, 0.01 万元.
    pub tax_wan100: i64,
    /// 营业收入, 0.01 万元.
    pub revenue_wan100: i64,
    /// 工业增加值, 0.01 万元 (may be negative).
    pub value_added_wan100: i64,
    /// 综合能耗, 0.01 吨标准煤.
    pub energy_tce100: i64,
    /// 研发经费, 0.01 万元.
    pub rd_wan100: i64,
    /// 从业人员, persons.
    pub employees: i64,
    /// 规上工业企业.
    pub above_scale: bool,
    /// The year it was put into production, if known.
    pub production_year: Option<i32>,
    /// Marked 不定等级 by hand.
    pub exempt: bool,
    pub exempt_reason: String,
}

impl Inputs {
    /// The derived value of `indicator`, or the reason it cannot be computed.
    pub fn derived(&self, indicator: Indicator) -> Result<Ratio, &'static str> {
        let i = |v: i64| i128::from(v);
        match indicator {
            Indicator::TaxPerMu => Ratio::new(i(self.tax_wan100), i(self.land_mu100)).ok_or("用地面积为 0"),
            Indicator::RevenuePerMu => Ratio::new(i(self.revenue_wan100), i(self.land_mu100)).ok_or("用地面积为 0"),
            Indicator::ValueAddedPerEnergy => {
                Ratio::new(i(self.value_added_wan100), i(self.energy_tce100)).ok_or("综合能耗为 0，无法计算")
            }
            Indicator::RdIntensity => {
                Ratio::new(i(self.rd_wan100) * 100, i(self.revenue_wan100)).ok_or("营业收入为 0，无法计算")
            }
            Indicator::LabourProductivity => {
                Ratio::new(i(self.value_added_wan100), i(self.employees) * 100).ok_or("从业人员为 0，无法计算")
            }
        }
    }
}

/// One indicator of one enterprise: its value and score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    /// The value in 0.01 of the unit (rounded half up), `None` when not computable.
    pub value_x100: Option<i64>,
    /// "3.33", or "—".
    pub value_text: String,
    /// The score in 0.01 points.
    pub score_x100: i64,
    /// Why the value is "—" (the score is then 0).
    pub note: Option<String>,
}

/// The outcome for one enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The five indicators in [`Indicator::ALL`] order (an indicator the scheme leaves out
    /// scores 0).
    pub scores: Vec<IndicatorScore>,
    /// Total score in 0.01 points (also computed for ungraded enterprises, for reference).
    pub total_x100: i64,
    /// Rank among the graded enterprises (ties share a rank); `None` when ungraded.
    pub rank: Option<u32>,
    pub grade: Grade,
    /// Why 不定等级.
    pub reason: Option<String>,
}

/// The score of one indicator in 0.01 points: weight × clamp(value ÷ benchmark, 0, cap).
pub fn indicator_score(rule: &IndicatorRule, value: Ratio, cap_x100: i64) -> i64 {
    if rule.weight_x100 <= 0 || rule.benchmark_x100 <= 0 || value.num <= 0 {
        return 0;
    }
    let w = i128::from(rule.weight_x100);
    let b = i128::from(rule.benchmark_x100);
    // value ÷ benchmark = (num / den) ÷ (b / 100) = num × 100 / (den × b)
    let ratio_num = value.num * 100;
    let ratio_den = value.den * b;
    // capped when ratio ≥ cap_x100 / 100
    let score = if ratio_num * 100 >= i128::from(cap_x100) * ratio_den {
        round_div(w * i128::from(cap_x100), 100)
    } else {
        round_div(w * ratio_num, ratio_den)
    };
    i64::try_from(score).unwrap_or(i64::MAX)
}

/// Why an enterprise is not graded, if it is not.
pub fn ungraded_reason(scheme: &Scheme, year: i32, x: &Inputs) -> Option<String> {
    if x.exempt {
        let r = x.exempt_reason.trim();
        return Some(if r.is_empty() { "人工认定不定等级".to_string() } else { r.to_string() });
    }
    if scheme.exempt_years > 0
        && let Some(p) = x.production_year
        && year - p < scheme.exempt_years
    {
        return Some(format!("{p} 年投产，投产不满 {} 年", scheme.exempt_years));
    }
    if x.land_mu100 < scheme.min_land_mu100 {
        return Some(format!("用地面积 {} 亩，不足 {} 亩", x100_text(x.land_mu100), x100_text(scheme.min_land_mu100)));
    }
    if scheme.above_scale_only && !x.above_scale {
        return Some("非规上工业企业，本方案只评价规上企业".to_string());
    }
    None
}

/// Scores one enterprise (no rank or grade yet).
fn score(scheme: &Scheme, x: &Inputs) -> (Vec<IndicatorScore>, i64) {
    let mut out = Vec::new();
    let mut total = 0;
    for ind in Indicator::ALL.iter().copied() {
        let (value_x100, value_text, score_x100, note) = match x.derived(ind) {
            Ok(v) => {
                let s = scheme.rule(ind).map(|r| indicator_score(r, v, scheme.cap_x100)).unwrap_or(0);
                (Some(i64::try_from(v.x100()).unwrap_or(i64::MAX)), v.text(), s, None)
            }
            Err(why) => (None, "—".to_string(), 0, Some(why.to_string())),
        };
        total += score_x100;
        out.push(IndicatorScore { indicator: ind, value_x100, value_text, score_x100, note });
    }
    (out, total)
}

/// `n × pct_x100 / 10000` rounded half up.
fn cut(n: usize, pct_x100: i64) -> usize {
    let n = n as i128;
    usize::try_from((2 * n * i128::from(pct_x100) + 10_000) / 20_000).unwrap_or(0)
}

/// Evaluates a year's figures: one [`Outcome`] per input, in the same order.
pub fn evaluate(scheme: &Scheme, year: i32, inputs: &[Inputs]) -> Vec<Outcome> {
    let mut outs: Vec<Outcome> = inputs
        .iter()
        .map(|x| {
            let (scores, total_x100) = score(scheme, x);
            let reason = ungraded_reason(scheme, year, x);
            Outcome { scores, total_x100, rank: None, grade: Grade::Ungraded, reason }
        })
        .collect();
    let mut graded: Vec<usize> = (0..outs.len()).filter(|i| outs[*i].reason.is_none()).collect();
    graded.sort_by(|a, b| outs[*b].total_x100.cmp(&outs[*a].total_x100).then(a.cmp(b)));
    let n = graded.len();
    let b = scheme.bands;
    let cut_a = cut(n, b.a_x100);
    let cut_b = cut(n, b.a_x100 + b.b_x100);
    let cut_c = cut(n, b.a_x100 + b.b_x100 + b.c_x100);
    let mut rank = 0usize;
    let mut prev: Option<i64> = None;
    for (pos, i) in graded.iter().enumerate() {
        if prev != Some(outs[*i].total_x100) {
            rank = pos + 1;
            prev = Some(outs[*i].total_x100);
        }
        let grade = if rank <= cut_a {
            Grade::A
        } else if rank <= cut_b {
            Grade::B
        } else if rank <= cut_c {
            Grade::C
        } else {
            Grade::D
        };
        outs[*i].rank = Some(rank as u32);
        outs[*i].grade = grade;
    }
    outs
}

/// How many enterprises got each grade (A, B, C, D, 不定等级), in [`Grade::ALL`] order.
pub fn distribution(outcomes: &[Outcome]) -> Vec<(Grade, usize)> {
    Grade::ALL.iter().map(|g| (*g, outcomes.iter().filter(|o| o.grade == *g).count())).collect()
}

/// The position of `indicator` in [`Indicator::ALL`] (the order of [`Outcome::scores`]).
pub fn index_of(indicator: Indicator) -> usize {
    indicator.position()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scheme easy to compute by hand: 50/20/10/10/10 points, benchmarks 10 万元/亩,
    /// 100 万元/亩, 2 万元/吨标准煤, 2 %, 20 万元/人; cap 1.2; bands 20/50/20/10; ≥ 3 亩; all
    /// enterprises; new ones exempt for 2 years.
    pub(crate) fn hand_scheme() -> Scheme {
        Scheme {
            name: "手算示例".into(),
            indicators: vec![
                rule(Indicator::TaxPerMu, 50, 1000),
                rule(Indicator::RevenuePerMu, 20, 10_000),
                rule(Indicator::ValueAddedPerEnergy, 10, 200),
                rule(Indicator::RdIntensity, 10, 200),
                rule(Indicator::LabourProductivity, 10, 2000),
            ],
            cap_x100: 120,
            bands: Bands { a_x100: 2000, b_x100: 5000, c_x100: 2000, d_x100: 1000 },
            min_land_mu100: 300,
            above_scale_only: false,
            exempt_years: 2,
        }
    }

    /// (亩, 税收, 营收, 增加值, 能耗, 研发, 人) in whole units.
    fn x(land: i64, tax: i64, rev: i64, va: i64, energy: i64, rd: i64, people: i64) -> Inputs {
        Inputs {
            land_mu100: land * 100,
            tax_wan100: tax * 100,
            revenue_wan100: rev * 100,
            value_added_wan100: va * 100,
            energy_tce100: energy * 100,
            rd_wan100: rd * 100,
            employees: people,
            above_scale: true,
            ..Default::default()
        }
    }

    /// The hand-computed example (year 2024, [`hand_scheme`]):
    ///
    /// | | 亩 | 税 | 营收 | 增加值 | 能耗 | 研发 | 人 |
    /// |---|---|---|---|---|---|---|---|
    /// | E1 | 10 | 150 | 1500 | 300 | 100 | 45 | 10 |
    /// | E2 | 20 | 100 | 2000 | 400 | 400 | 20 | 40 |
    /// | E3 | 8 | 80 | 400 | 100 | 0 | 0 | 5 |
    /// | E4 | 5 | 20 | 300 | 60 | 60 | 3 | 6 |
    /// | E5 | 6 | 30 | 600 | 120 | 120 | 6 | 12 |
    /// | E6 | 2 | 50 | 500 | 100 | 50 | 5 | 5 | (under 3 亩)
    /// | E7 | 10 | 10 | 100 | 10 | 10 | 1 | 2 | (exempt by hand)
    /// | E8 | 3 | 10 | 100 | 10 | 30 | 1 | 3 |
    /// | E9 | 10 | 200 | 2000 | 400 | 100 | 60 | 10 | (投产 2023: under 2 years)
    ///
    /// E1: 15 万元/亩 (1.5 → cap 1.2: 50 × 1.2 = 60), 150 (1.5 → 24), 3 (1.5 → 12), 3 % (1.5 →
    /// 12), 30 (1.5 → 12) = 120.00.
    /// E2: 5 (0.5 → 25), 100 (1.0 → 20), 1 (0.5 → 5), 1 % (5), 10 (5) = 60.00.
    /// E3: 10 (1.0 → 50), 50 (0.5 → 10), energy 0 → "—" 0, 0 % → 0, 20 (1.0 → 10) = 70.00.
    /// E4: 4 (0.4 → 20), 60 (0.6 → 12), 1 (5), 1 % (5), 10 (5) = 47.00.
    /// E5: 5 (25), 100 (20), 1 (5), 1 % (5), 10 (5) = 60.00 (ties E2).
    /// E8: 3.33 (10/3 ÷ 10 × 50 = 16.666… → 16.67), 33.33 (→ 6.67), 0.33 (1/3 ÷ 2 × 10 = 1.666…
    /// → 1.67), 1 % (5.00), 3.33 (1/6 × 10 → 1.67) = 31.68.
    /// Ranked (n = 6): E1 120 (1), E3 70 (2), E2 60 (3), E5 60 (3), E4 47 (5), E8 31.68 (6).
    /// Cuts: A round(6 × 20 % = 1.2) = 1, B round(6 × 70 % = 4.2) = 4, C round(6 × 90 % = 5.4)
    /// = 5: E1 A; E3, E2, E5 B; E4 C; E8 D. E6, E7, E9 不定等级.
    pub(crate) fn hand_inputs() -> Vec<Inputs> {
        vec![
            x(10, 150, 1500, 300, 100, 45, 10),
            x(20, 100, 2000, 400, 400, 20, 40),
            x(8, 80, 400, 100, 0, 0, 5),
            x(5, 20, 300, 60, 60, 3, 6),
            x(6, 30, 600, 120, 120, 6, 12),
            x(2, 50, 500, 100, 50, 5, 5),
            Inputs { exempt: true, exempt_reason: "破产重整中".into(), ..x(10, 10, 100, 10, 10, 1, 2) },
            x(3, 10, 100, 10, 30, 1, 3),
            Inputs { production_year: Some(2023), ..x(10, 200, 2000, 400, 100, 60, 10) },
        ]
    }

    #[test]
    fn the_hand_computed_example() {
        let out = evaluate(&hand_scheme(), 2024, &hand_inputs());
        let totals: Vec<i64> = out.iter().map(|o| o.total_x100).collect();
        assert_eq!(&totals[..5], &[12_000, 6_000, 7_000, 4_700, 6_000]);
        assert_eq!(totals[7], 3_168);
        let e1: Vec<i64> = out[0].scores.iter().map(|s| s.score_x100).collect();
        assert_eq!(e1, vec![6000, 2400, 1200, 1200, 1200]);
        let e8: Vec<(String, i64)> = out[7].scores.iter().map(|s| (s.value_text.clone(), s.score_x100)).collect();
        assert_eq!(
            e8,
            vec![
                ("3.33".into(), 1667),
                ("33.33".into(), 667),
                ("0.33".into(), 167),
                ("1.00".into(), 500),
                ("3.33".into(), 167)
            ]
        );
        // E3 used no energy: "—", 0 points, the reason shown
        let e3 = &out[2].scores[index_of(Indicator::ValueAddedPerEnergy)];
        assert_eq!((e3.value_text.as_str(), e3.score_x100), ("—", 0));
        assert!(e3.note.as_deref().unwrap().contains("综合能耗为 0"));
        let ranks: Vec<Option<u32>> = out.iter().map(|o| o.rank).collect();
        assert_eq!(ranks, vec![Some(1), Some(3), Some(2), Some(5), Some(3), None, None, Some(6), None]);
        let grades: Vec<&str> = out.iter().map(|o| o.grade.code()).collect();
        assert_eq!(grades, vec!["A", "B", "B", "C", "B", "none", "none", "D", "none"]);
        assert!(out[5].reason.as_deref().unwrap().contains("不足 3.00 亩"));
        assert_eq!(out[6].reason.as_deref(), Some("破产重整中"));
        assert!(out[8].reason.as_deref().unwrap().contains("投产不满 2 年"));
        let dist: Vec<usize> = distribution(&out).into_iter().map(|(_, n)| n).collect();
        assert_eq!(dist, vec![1, 3, 1, 1, 3]);
    }

    #[test]
    fn a_tie_across_a_boundary_takes_the_better_grade() {
        // 5 enterprises, A 20 %: cut 1; the first two tie, both rank 1, both A
        let s = hand_scheme();
        let xs = vec![x(10, 100, 0, 0, 0, 0, 0), x(10, 100, 0, 0, 0, 0, 0), x(10, 50, 0, 0, 0, 0, 0)];
        let xs: Vec<Inputs> = xs.into_iter().chain([x(10, 40, 0, 0, 0, 0, 0), x(10, 10, 0, 0, 0, 0, 0)]).collect();
        let out = evaluate(&s, 2024, &xs);
        let grades: Vec<&str> = out.iter().map(|o| o.grade.code()).collect();
        // cuts: A 1, B round(3.5) = 4, C round(4.5) = 5
        assert_eq!(grades, vec!["A", "A", "B", "B", "C"]);
        assert_eq!(out.iter().map(|o| o.rank.unwrap()).collect::<Vec<_>>(), vec![1, 1, 3, 4, 5]);
    }

    #[test]
    fn above_scale_only_and_no_employees() {
        let s = Scheme { above_scale_only: true, ..hand_scheme() };
        let small = Inputs { above_scale: false, ..x(10, 100, 1000, 100, 10, 10, 0) };
        let out = evaluate(&s, 2024, &[small]);
        assert_eq!(out[0].grade, Grade::Ungraded);
        assert!(out[0].reason.as_deref().unwrap().contains("非规上"));
        let labour = &out[0].scores[index_of(Indicator::LabourProductivity)];
        assert_eq!((labour.value_text.as_str(), labour.score_x100), ("—", 0));
        assert!(labour.note.as_deref().unwrap().contains("从业人员为 0"));
        // negative value added scores 0, never below
        let loss = Inputs { value_added_wan100: -5000, ..x(10, 0, 100, 0, 10, 0, 5) };
        let out = evaluate(&hand_scheme(), 2024, &[loss]);
        assert_eq!(out[0].scores[index_of(Indicator::ValueAddedPerEnergy)].value_text, "-5.00");
        assert_eq!(out[0].total_x100, 200, "only 亩均营业收入 10 万元/亩 scores: 0.1 × 20");
    }

    #[test]
    fn validation_names_the_field() {
        assert!(hand_scheme().validate().is_ok());
        for code in ["zhejiang", "shanxi"] {
            assert!(Scheme::preset(code).unwrap().validate().is_ok(), "{code}");
        }
        let mut s = hand_scheme();
        s.indicators[0].weight_x100 = 4000;
        let e = s.validate().unwrap_err();
        assert_eq!(e.message_for("weights"), Some("各指标权重之和应为 100 分，现为 90.00 分"));
        let mut s = hand_scheme();
        s.indicators[1].benchmark_x100 = -1;
        assert!(s.validate().unwrap_err().message_for("benchmark_revenue_per_mu").unwrap().contains("负数"));
        let mut s = hand_scheme();
        s.bands.d_x100 = 2000;
        assert!(s.validate().unwrap_err().message_for("bands").unwrap().contains("110.00%"));
        let mut s = hand_scheme();
        s.cap_x100 = 90;
        assert!(s.validate().unwrap_err().message_for("cap").is_some());
    }

    #[test]
    fn numbers_parse_exactly() {
        assert_eq!(parse_x100("15", "x", false), Ok(1500));
        assert_eq!(parse_x100("1,234.5", "x", false), Ok(123_450));
        assert_eq!(parse_x100("0.05", "x", false), Ok(5));
        assert_eq!(parse_x100("-3.2", "增加值", true), Ok(-320));
        assert!(parse_x100("-3", "税收", false).unwrap_err().contains("税收不能为负数"));
        assert!(parse_x100("1.234", "税收", false).unwrap_err().contains("2 位小数"));
        assert!(parse_x100("abc", "税收", false).unwrap_err().contains("不是数字"));
        assert!(parse_x100("", "税收", false).unwrap_err().contains("不能为空"));
        assert_eq!(x100_short(120), "1.2");
        assert_eq!(x100_short(4000), "40");
        assert_eq!(x100_text(-5), "-0.05");
    }
}
