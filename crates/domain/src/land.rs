//! Standard parcels (标准地) and idle plants (闲置厂房): their statuses, the parsing of areas
//! (亩 with 2 decimals, m² with 2 decimals) and of the control indicators (固定资产投资强度,
//! 容积率, 亩均税收, 单位能耗 — scaled ×100 integers, refused when given in an obviously wrong
//! unit), the shortfall rule (a transferred parcel whose achieved values fall short of the
//! promised ones is flagged) and the matching rule (which parcels and plants fit a land need).

use serde::{Deserialize, Serialize};

use crate::money::Mu100;

code_enum!(
    /// 标准地状态.
    ParcelStatus {
        Reserve = "reserve", "储备";
        Transferring = "transferring", "出让中";
        Transferred = "transferred", "已出让";
    }
);

code_enum!(
    /// 闲置厂房状态.
    PlantStatus {
        Idle = "idle", "闲置";
        Negotiating = "negotiating", "洽谈中";
        Revitalised = "revitalised", "已盘活";
    }
);

/// The largest parcel or plant land area accepted: 100,000 亩 (in 0.01 亩).
pub const MAX_MU100: i64 = 10_000_000;
/// The largest building area accepted: 10,000,000 m² (in 0.01 m²).
pub const MAX_M2_X100: i64 = 1_000_000_000;

/// Parses a land area in 亩 (at most 2 decimals), > 0 and ≤ 100,000 亩.
pub fn parse_area_mu(label: &str, input: &str) -> Result<Mu100, String> {
    if input.trim().is_empty() {
        return Err(format!("{label}不能为空"));
    }
    let a = Mu100::parse(input).map_err(|m| format!("{label}：{m}"))?;
    if a.0 <= 0 {
        return Err(format!("{label}必须大于 0 亩"));
    }
    if a.0 > MAX_MU100 {
        return Err(format!("{label}“{}”超过 100000 亩，请核对单位（应以亩计，不是平方米）", input.trim()));
    }
    Ok(a)
}

/// Parses a non-negative decimal with at most 2 decimals into hundredths: "2.5" → 250.
/// `unit` is the suffix a user may type after the number ("平方米", "万元/亩", …).
pub fn parse_x100(label: &str, input: &str, units: &[&str]) -> Result<i64, String> {
    let raw = input.trim();
    let mut s = raw.replace([',', '，', ' '], "");
    for u in units {
        if let Some(n) = s.strip_suffix(u) {
            s = n.to_string();
            break;
        }
    }
    if s.starts_with('-') {
        return Err(format!("{label}“{raw}”不能为负数"));
    }
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{label}“{raw}”不是数字"));
    }
    let frac = frac_part.trim_end_matches('0');
    if frac.len() > 2 {
        return Err(format!("{label}“{raw}”最多保留 2 位小数"));
    }
    if int_part.trim_start_matches('0').len() > 12 {
        return Err(format!("{label}“{raw}”过大"));
    }
    let int: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| format!("{label}不是数字"))? };
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(int * 100 + f)
}

/// Parses a building area in m² (at most 2 decimals), > 0 and ≤ 10,000,000 m²; in 0.01 m².
pub fn parse_m2(label: &str, input: &str) -> Result<i64, String> {
    if input.trim().is_empty() {
        return Err(format!("{label}不能为空"));
    }
    let v = parse_x100(label, input, &["平方米", "㎡", "m²", "m2"])?;
    if v <= 0 {
        return Err(format!("{label}必须大于 0 平方米"));
    }
    if v > MAX_M2_X100 {
        return Err(format!("{label}“{}”超过 1000 万平方米，请核对单位", input.trim()));
    }
    Ok(v)
}

/// A scaled ×100 value with 2 decimals: 250 → "2.50".
pub fn x100_2(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A scaled ×100 value with trailing zeros trimmed: 250 → "2.5", 300 → "3" (for forms).
pub fn x100_trimmed(v: i64) -> String {
    let s = x100_2(v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// 0.01 m² as whole square metres with thousands separators: 620000 → "6,200".
pub fn m2_text(m2_x100: i64) -> String {
    let whole = (m2_x100 + 50) / 100;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether a building of `m2_x100` covers `need` (1 亩 = 10000/15 m²).
pub fn m2_covers(m2_x100: i64, need: Mu100) -> bool {
    // need in 0.01 m² = need.0 × (10000/15) → compare 3 × m2_x100 ≥ 2000 × need.0
    (m2_x100 as i128) * 3 >= (need.0 as i128) * 2000
}

code_enum!(
    /// A control indicator of a standard parcel.
    #[schema(as = LandIndicator)]
    Indicator {
        Intensity = "investment_intensity", "固定资产投资强度";
        PlotRatio = "plot_ratio", "容积率";
        TaxPerMu = "tax_per_mu", "亩均税收";
        Energy = "energy", "单位能耗";
    }
);

impl Indicator {
    /// The unit the value is entered in.
    pub fn unit(self) -> &'static str {
        match self {
            Indicator::Intensity => "万元/亩",
            Indicator::PlotRatio => "",
            Indicator::TaxPerMu => "万元/亩",
            Indicator::Energy => "吨标准煤/万元",
        }
    }

    /// Whether a higher achieved value is better (energy: lower is better).
    pub fn higher_is_better(self) -> bool {
        self != Indicator::Energy
    }

    /// The largest plausible value (×100) and the reason given when it is exceeded.
    fn ceiling(self) -> (i64, &'static str) {
        match self {
            // 10,000 万元/亩 = 1.5 亿元 per 亩: far beyond any industrial parcel
            Indicator::Intensity => (1_000_000, "超过 10000 万元/亩，像是以元/亩填写的，请换算为万元/亩"),
            Indicator::PlotRatio => (2_000, "容积率不应超过 20，请核对（容积率是建筑面积与用地面积之比，不是面积）"),
            Indicator::TaxPerMu => (100_000, "超过 1000 万元/亩，像是以元/亩填写的，请换算为万元/亩"),
            Indicator::Energy => (5_000, "超过 50 吨标准煤/万元，像是以千克标准煤/万元填写的，请换算为吨标准煤/万元"),
        }
    }

    /// Parses a value in the indicator's unit into ×100, refusing values in an obviously
    /// wrong unit. `what` prefixes the label ("承诺" / "实际").
    pub fn parse_value(self, what: &str, input: &str) -> Result<i64, String> {
        let label = format!("{what}{}", self.label());
        let units: &[&str] = match self {
            Indicator::Intensity | Indicator::TaxPerMu => &["万元/亩"],
            Indicator::PlotRatio => &[],
            Indicator::Energy => &["吨标准煤/万元", "tce/万元"],
        };
        let v = parse_x100(&label, input, units)?;
        if self == Indicator::PlotRatio && v == 0 {
            return Err(format!("{label}必须大于 0"));
        }
        let (max, why) = self.ceiling();
        if v > max {
            return Err(format!("{label}“{}”{why}", input.trim()));
        }
        Ok(v)
    }

    /// A value (×100) with its unit: "350.00 万元/亩", "1.20".
    pub fn show(self, v: i64) -> String {
        let u = self.unit();
        if u.is_empty() { x100_2(v) } else { format!("{} {u}", x100_2(v)) }
    }
}

/// The four control indicators, each ×100 and optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicators {
    /// 固定资产投资强度, 0.01 万元/亩.
    pub investment_intensity_x100: Option<i64>,
    /// 容积率 ×100.
    pub plot_ratio_x100: Option<i64>,
    /// 亩均税收, 0.01 万元/亩.
    pub tax_per_mu_x100: Option<i64>,
    /// 单位能耗, 0.01 吨标准煤/万元.
    pub energy_x100: Option<i64>,
}

impl Indicators {
    pub fn get(&self, i: Indicator) -> Option<i64> {
        match i {
            Indicator::Intensity => self.investment_intensity_x100,
            Indicator::PlotRatio => self.plot_ratio_x100,
            Indicator::TaxPerMu => self.tax_per_mu_x100,
            Indicator::Energy => self.energy_x100,
        }
    }

    pub fn is_empty(&self) -> bool {
        Indicator::ALL.iter().all(|i| self.get(*i).is_none())
    }
}

/// The indicators in which a parcel falls short: only a transferred parcel, only where both
/// the promised and the achieved value are known; intensity, plot ratio and tax below the
/// promise, energy above it.
pub fn shortfalls(status: ParcelStatus, promised: &Indicators, achieved: &Indicators) -> Vec<Indicator> {
    if status != ParcelStatus::Transferred {
        return Vec::new();
    }
    Indicator::ALL
        .iter()
        .copied()
        .filter(|i| match (promised.get(*i), achieved.get(*i)) {
            (Some(p), Some(a)) => {
                if i.higher_is_better() {
                    a < p
                } else {
                    a > p
                }
            }
            _ => false,
        })
        .collect()
}

/// How much larger than the need a parcel may be and still fit: up to 1.5 × the need.
pub const FIT_MAX_NUM: i64 = 3;
pub const FIT_MAX_DEN: i64 = 2;

/// A parcel fits a need of `need` 亩 when it is not transferred and its area lies between the
/// need and 1.5 × the need.
pub fn parcel_fits(need: Mu100, area: Mu100, status: ParcelStatus) -> bool {
    status != ParcelStatus::Transferred
        && need.0 > 0
        && area.0 >= need.0
        && (area.0 as i128) * (FIT_MAX_DEN as i128) <= (need.0 as i128) * (FIT_MAX_NUM as i128)
}

/// An idle plant fits a need of `need` 亩 when it is not revitalised yet and its land area
/// covers the need, or its building area does (in m²).
pub fn plant_fits(need: Mu100, land: Option<Mu100>, building_m2_x100: i64, status: PlantStatus) -> bool {
    status != PlantStatus::Revitalised
        && need.0 > 0
        && (land.is_some_and(|l| l.0 >= need.0) || m2_covers(building_m2_x100, need))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn areas() {
        assert_eq!(parse_area_mu("面积", "220.41").unwrap(), Mu100(22_041));
        assert_eq!(parse_area_mu("面积", "100000").unwrap(), Mu100(MAX_MU100));
        assert!(parse_area_mu("面积", "0").unwrap_err().contains("大于 0"));
        assert!(parse_area_mu("面积", "0.00").unwrap_err().contains("大于 0"));
        assert!(parse_area_mu("面积", "100000.01").unwrap_err().contains("100000 亩"));
        assert!(parse_area_mu("面积", "-3").is_err());
        assert!(parse_area_mu("面积", "1.234").unwrap_err().contains("2 位小数"));
        assert!(parse_area_mu("面积", " ").unwrap_err().contains("不能为空"));
        assert_eq!(parse_m2("建筑面积", "6,200.5平方米").unwrap(), 620_050);
        assert!(parse_m2("建筑面积", "0").unwrap_err().contains("大于 0"));
        assert!(parse_m2("建筑面积", "12.345").is_err());
        assert_eq!(m2_text(620_050), "6,201");
        assert_eq!(m2_text(100_000_000), "1,000,000");
        assert_eq!(x100_2(5), "0.05");
        assert_eq!(x100_trimmed(250), "2.5");
        assert_eq!(x100_trimmed(300), "3");
    }

    #[test]
    fn indicators_in_the_wrong_unit_are_refused() {
        assert_eq!(Indicator::Intensity.parse_value("承诺", "350").unwrap(), 35_000);
        assert_eq!(Indicator::Intensity.parse_value("承诺", "350万元/亩").unwrap(), 35_000);
        let e = Indicator::Intensity.parse_value("承诺", "3500000").unwrap_err();
        assert!(e.contains("元/亩") && e.contains("承诺固定资产投资强度"), "{e}");
        assert_eq!(Indicator::PlotRatio.parse_value("承诺", "1.2").unwrap(), 120);
        assert!(Indicator::PlotRatio.parse_value("承诺", "25").unwrap_err().contains("不应超过 20"));
        assert!(Indicator::PlotRatio.parse_value("承诺", "0").is_err());
        assert!(Indicator::TaxPerMu.parse_value("实际", "150000").unwrap_err().contains("元/亩"));
        assert_eq!(Indicator::TaxPerMu.parse_value("实际", "15").unwrap(), 1_500);
        assert!(Indicator::Energy.parse_value("实际", "800").unwrap_err().contains("千克标准煤"));
        assert_eq!(Indicator::Energy.parse_value("实际", "0.85").unwrap(), 85);
        assert!(Indicator::Energy.parse_value("实际", "abc").unwrap_err().contains("不是数字"));
        assert_eq!(Indicator::Intensity.show(35_000), "350.00 万元/亩");
        assert_eq!(Indicator::PlotRatio.show(120), "1.20");
    }

    #[test]
    fn shortfall_lists_what_falls_short() {
        let promised = Indicators {
            investment_intensity_x100: Some(35_000),
            plot_ratio_x100: Some(120),
            tax_per_mu_x100: Some(1_500),
            energy_x100: Some(80),
        };
        let achieved = Indicators {
            investment_intensity_x100: Some(28_000),
            plot_ratio_x100: Some(130),
            tax_per_mu_x100: Some(1_500),
            energy_x100: Some(95),
        };
        assert_eq!(
            shortfalls(ParcelStatus::Transferred, &promised, &achieved),
            vec![Indicator::Intensity, Indicator::Energy]
        );
        assert!(shortfalls(ParcelStatus::Transferring, &promised, &achieved).is_empty());
        assert!(shortfalls(ParcelStatus::Transferred, &promised, &Indicators::default()).is_empty());
        assert!(shortfalls(ParcelStatus::Transferred, &Indicators::default(), &achieved).is_empty());
    }

    #[test]
    fn matching() {
        let need = Mu100(5_000);
        assert!(parcel_fits(need, Mu100(5_000), ParcelStatus::Reserve));
        assert!(parcel_fits(need, Mu100(7_500), ParcelStatus::Transferring));
        assert!(!parcel_fits(need, Mu100(7_501), ParcelStatus::Reserve));
        assert!(!parcel_fits(need, Mu100(4_999), ParcelStatus::Reserve));
        assert!(!parcel_fits(need, Mu100(6_000), ParcelStatus::Transferred));
        // 15 亩 = 10,000 m²
        assert!(plant_fits(Mu100(1_500), None, 1_000_000, PlantStatus::Idle));
        assert!(!plant_fits(Mu100(1_500), None, 999_999, PlantStatus::Idle));
        assert!(plant_fits(Mu100(1_500), Some(Mu100(1_500)), 100, PlantStatus::Negotiating));
        assert!(!plant_fits(Mu100(1_500), Some(Mu100(9_000)), 1_000_000, PlantStatus::Revitalised));
    }

    #[test]
    fn statuses_parse_by_code_or_label() {
        assert_eq!(ParcelStatus::parse("已出让"), Some(ParcelStatus::Transferred));
        assert_eq!(PlantStatus::parse("revitalised"), Some(PlantStatus::Revitalised));
        assert_eq!(PlantStatus::parse("盘活"), None);
    }

    proptest! {
        #[test]
        fn x100_round_trips(v in 0i64..1_000_000_000) {
            prop_assert_eq!(parse_x100("值", &x100_2(v), &[]).unwrap(), v);
            prop_assert_eq!(parse_x100("值", &x100_trimmed(v), &[]).unwrap(), v);
        }

        #[test]
        fn a_fitting_parcel_is_between_need_and_one_and_a_half(need in 1i64..1_000_000, area in 1i64..2_000_000) {
            let fits = parcel_fits(Mu100(need), Mu100(area), ParcelStatus::Reserve);
            prop_assert_eq!(fits, area >= need && area * 2 <= need * 3);
        }
    }
}
