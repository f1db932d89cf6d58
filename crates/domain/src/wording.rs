//! How figures are worded in the committee's documents: amounts in 亿元 or 万元 with trailing zeros
//! trimmed ("27.97 亿元", "0.95 亿元", "2.2 亿元"), percentages ("22.9%"), changes in 百分点,
//! ranks in Chinese ("第一"), dates in Chinese ("2025年5月28日"), and approximate counts with 余
//! ("300 余项" for 300–399, "10 余个" for 10–19). These are the report templates' filters; each
//! is exact on the integers it is given.

use chrono::{Datelike, NaiveDate};

use crate::indicator::{Pct, cn_number, points_label};
use crate::money::Wan;

/// An amount in 亿元, trailing zeros trimmed: 279,700 万元 → "27.97 亿元"; 22,000 → "2.2 亿元".
pub fn yi(w: Wan) -> String {
    format!("{} 亿元", w.yi_trimmed())
}

/// An amount in 亿元 rounded to `decimals` places (half away from zero), zeros trimmed: 9,500 万元
/// with 0 decimals → "1 亿元" (the seed rounds 0.95 亿元 to "1 亿元" in its summary).
pub fn yi_rounded(w: Wan, decimals: u32) -> String {
    let decimals = decimals.min(4);
    let step = 10_i64.pow(4 - decimals);
    let half = step / 2;
    let rounded = if w.0 >= 0 { (w.0 + half) / step * step } else { (w.0 - half) / step * step };
    yi(Wan(rounded))
}

/// An amount in 万元 with thousands left as they are: 9,500 → "9500 万元".
pub fn wan(w: Wan) -> String {
    format!("{} 万元", w.0)
}

/// A percentage without trailing zeros: 2,290 → "22.9%".
pub fn percent(p: Pct) -> String {
    p.display_percent()
}

/// A change in percentage points: "提高 2.1 个百分点", "回落 0.5 个百分点", "持平".
pub fn points(p: Pct) -> String {
    points_label(p)
}

/// A rank in Chinese: 1 → "第一", 3 → "第三", 12 → "第十二".
pub fn rank(r: u32) -> String {
    format!("第{}", cn_number(r))
}

/// A date in Chinese: "2025年5月28日".
pub fn date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// An approximate count: below 10 the number itself; otherwise the leading digit's magnitude
/// with 余 — 10–19 → "10 余", 67 → "60 余", 317 → "300 余", 1,250 → "1000 余". `unit` follows
/// ("项", "个"): `approx(317, "项")` → "300 余项". A round number stays exact: 300 → "300".
pub fn approx(n: u64, unit: &str) -> String {
    if n < 10 {
        return format!("{n} {unit}").trim_end().to_string();
    }
    let mut magnitude = 1;
    while magnitude * 10 <= n {
        magnitude *= 10;
    }
    let floor = n / magnitude * magnitude;
    if floor == n { format!("{n} {unit}").trim_end().to_string() } else { format!("{floor} 余{unit}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_wordings() {
        assert_eq!(yi(Wan(279_700)), "27.97 亿元");
        assert_eq!(yi(Wan(9_500)), "0.95 亿元");
        assert_eq!(yi(Wan(22_000)), "2.2 亿元");
        assert_eq!(yi(Wan(2_737_600)), "273.76 亿元");
        assert_eq!(yi_rounded(Wan(9_500), 0), "1 亿元");
        assert_eq!(yi_rounded(Wan(15_000), 0), "2 亿元", "half away from zero");
        assert_eq!(yi_rounded(Wan(279_749), 2), "27.97 亿元");
        assert_eq!(wan(Wan(9_500)), "9500 万元");
        assert_eq!(percent(Pct(2_290)), "22.9%");
        assert_eq!(points(Pct(210)), "提高 2.1 个百分点");
        assert_eq!(rank(1), "第一");
        assert_eq!(rank(3), "第三");
        assert_eq!(date(NaiveDate::from_ymd_opt(2025, 5, 28).unwrap()), "2025年5月28日");
    }

    #[test]
    fn approximate_counts() {
        assert_eq!(approx(317, "项"), "300 余项");
        assert_eq!(approx(399, "项"), "300 余项");
        assert_eq!(approx(300, "项"), "300 项");
        assert_eq!(approx(11, "个"), "10 余个");
        assert_eq!(approx(67, "次"), "60 余次");
        assert_eq!(approx(1_250, ""), "1000 余");
        assert_eq!(approx(7, "个"), "7 个");
        assert_eq!(approx(0, ""), "0");
    }
}
