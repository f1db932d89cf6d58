//! Demo statistics: 2024 and 2025 values of 襄垣 and the seven (invented) peer zones, such that
//! 1-5月 2025 reproduces the seed exactly — 规上工业增加值 27.97 亿元, +22.9%, rank 1 by value and
//! 3 by growth among the city's zones; 工业投资 16.9 亿元, +1.4%, rank 2 by value — with the
//! estimates for 1-6月 (39.8 亿元, +25%; 24 亿元, +0.6%) and 2025 targets. Entered through the
//! same grid-saving code the pages use.

use kaifaqu_domain::indicator::Period;

use crate::indicator_values::{self, EntryLine, TargetLine};
use crate::indicators;
use crate::{Actor, Db, Scope, StoreError, zones};

/// Share of the 1-5月 value reached by 1-2, 1-3, 1-4, 1-5 (per mille).
const SHARE_H1: [i64; 4] = [372, 581, 786, 1000];
/// Share of the full year reached by 1-2 … 1-12 (per mille).
const SHARE_YEAR: [i64; 11] = [148, 232, 316, 400, 487, 570, 655, 742, 828, 912, 1000];

/// (zone index, 1-5月 2025 value in 0.01 亿元, 1-5月 growth in 0.1 %, growth change per period in 0.1 %).
type Row = (usize, i64, i64, i64);

const VALUE_ADDED: [Row; 8] = [
    (0, 2797, 229, 5),  // 襄垣: 27.97, +22.9%, growth rising
    (1, 2540, 85, 2),   // 甲
    (2, 1862, 253, 1),  // 乙
    (3, 1235, 301, 0),  // 丙
    (4, 2108, 52, -12), // 丁: growth falling for three periods
    (5, 987, -34, 3),   // 戊
    (6, 1520, 126, 2),  // 己
    (7, 645, 100, 1),   // 庚
];

const INVESTMENT: [Row; 8] = [
    (0, 1690, 14, -3),
    (1, 1930, 62, 1),
    (2, 1510, -25, 2),
    (3, 870, 120, 0),
    (4, 1240, 33, 1),
    (5, 620, -81, 2),
    (6, 1090, 44, 1),
    (7, 480, 9, 1),
];

fn hundredths(v: i64) -> String {
    format!("{}.{:02}", v / 100, v.abs() % 100)
}

fn tenths(g: i64) -> String {
    let sign = if g < 0 { "-" } else { "" };
    format!("{sign}{}.{}", g.abs() / 10, g.abs() % 10)
}

struct Line {
    zone: i64,
    indicator: i64,
    period: Period,
    value: i64,
    growth: Option<i64>,
    estimate: bool,
}

fn series(rows: &[Row], zone_ids: &[i64], indicator: i64, out: &mut Vec<Line>) {
    for (z, v5, g5, dg) in rows {
        // 2025: 1-2 … 1-5
        for (i, share) in SHARE_H1.iter().enumerate() {
            let month = i as u32 + 2;
            let g = g5 - dg * (3 - i as i64);
            out.push(Line {
                zone: zone_ids[*z],
                indicator,
                period: Period { year: 2025, month },
                value: v5 * share / 1000,
                growth: Some(g),
                estimate: false,
            });
        }
        // 2024: the whole year, from last year's 1-5 value (this year's ÷ (1 + growth))
        let v5_2024 = v5 * 1000 / (1000 + g5);
        let full_2024 = v5_2024 * 1000 / SHARE_YEAR[3];
        for (i, share) in SHARE_YEAR.iter().enumerate() {
            let value = if i == 3 { v5_2024 } else { full_2024 * share / 1000 };
            out.push(Line {
                zone: zone_ids[*z],
                indicator,
                period: Period { year: 2024, month: i as u32 + 2 },
                value,
                growth: Some(60 + (*z as i64 * 7 + i as i64 * 3) % 50),
                estimate: false,
            });
        }
    }
}

pub async fn load(db: &Db, actor: &Actor) -> Result<(), StoreError> {
    indicators::ensure_standard(db).await?;
    let zs = zones::list(db, &Scope::System).await?;
    let zone_ids: Vec<i64> = zs.iter().take(8).map(|z| z.id).collect();
    let va = indicators::by_code(db, "industrial_value_added").await?.map(|i| i.id).unwrap_or(-1);
    let inv = indicators::by_code(db, "industrial_investment").await?.map(|i| i.id).unwrap_or(-1);
    let mut lines = Vec::new();
    series(&VALUE_ADDED, &zone_ids, va, &mut lines);
    series(&INVESTMENT, &zone_ids, inv, &mut lines);
    // the estimates for 1-6月 2025 (kept beside, never instead of, official figures)
    lines.push(Line {
        zone: zone_ids[0],
        indicator: va,
        period: Period { year: 2025, month: 6 },
        value: 3980,
        growth: Some(250),
        estimate: true,
    });
    lines.push(Line {
        zone: zone_ids[0],
        indicator: inv,
        period: Period { year: 2025, month: 6 },
        value: 2400,
        growth: Some(6),
        estimate: true,
    });
    // one grid save per zone and period, oldest first, as staff would enter them
    let mut keys: Vec<(i32, u32, i64)> = lines.iter().map(|l| (l.period.year, l.period.month, l.zone)).collect();
    keys.sort();
    keys.dedup();
    for (year, month, zone) in keys {
        let period = Period { year, month };
        let grid: Vec<EntryLine> = lines
            .iter()
            .filter(|l| l.zone == zone && l.period == period)
            .map(|l| EntryLine {
                zone_id: zone.to_string(),
                indicator_id: l.indicator.to_string(),
                value: hundredths(l.value),
                growth: l.growth.map(tenths).unwrap_or_default(),
                base_value: String::new(),
                source: if l.estimate { "estimate".into() } else { "flash".into() },
                confirm: None,
            })
            .collect();
        indicator_values::save(db, actor, zone, period, &grid).await?;
    }
    let targets = [
        TargetLine { indicator_id: va.to_string(), value: "66".into(), growth: "20".into() },
        TargetLine { indicator_id: inv.to_string(), value: "45".into(), growth: "5".into() },
    ];
    indicator_values::save_targets(db, actor, zone_ids[0], 2025, &targets).await?;
    Ok(())
}
