//! Consistency checks before a report is exported. Pure: they read the rendered [`Doc`] and the
//! tallies the report's data states about itself, and list what does not add up, in Chinese:
//! - a table's 合计 (总计) row differs from the sum of the rows above it, column by column
//!   (numbers compared exactly, as decimals);
//! - a table column mixes units (万元 and 亿元 in the cells, or cells in another unit than the
//!   header's "（亿元）");
//! - a [`Tally`] does not hold: a total that should equal the sum of its parts (the plan's count
//!   and investment against its categories), or a count that should equal the length of the list
//!   behind it.
//!
//! A report with problems may still be exported after confirmation (pages) or without
//! `--strict` (command line).

use crate::doc::{Block, Doc, Table};

/// A figure the data states and what it should equal: `stated` = the sum of `parts` (for a
/// count backed by a list, `parts` is one `1` per item, see [`Tally::count`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// What the figure is, in Chinese ("2025 年谋划项目数").
    pub what: String,
    pub stated: i64,
    pub parts: Vec<i64>,
    /// The records behind it.
    pub href: Option<String>,
}

impl Tally {
    /// A total that should equal the sum of `parts`.
    pub fn sum(what: impl Into<String>, stated: i64, parts: Vec<i64>, href: Option<String>) -> Tally {
        Tally { what: what.into(), stated, parts, href }
    }

    /// A count that should equal the length of its list.
    pub fn count(what: impl Into<String>, stated: u64, listed: usize, href: Option<String>) -> Tally {
        Tally { what: what.into(), stated: i64::try_from(stated).unwrap_or(i64::MAX), parts: vec![1; listed], href }
    }
}

/// One thing that does not add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// Where to look.
    pub href: Option<String>,
}

/// Every problem of `doc` and `tallies`, tables first.
pub fn check(doc: &Doc, tallies: &[Tally]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut n = 0;
    for block in &doc.blocks {
        if let Block::Table(t) = block {
            n += 1;
            let name = t.caption.clone().unwrap_or_else(|| format!("第 {n} 个表格"));
            check_total_row(t, &name, &mut out);
            check_units(t, &name, &mut out);
        }
    }
    for t in tallies {
        let sum: i64 = t.parts.iter().sum();
        if sum != t.stated {
            out.push(Problem {
                message: format!("{}为 {}，但明细合计为 {}", t.what, t.stated, sum),
                href: t.href.as_deref().and_then(crate::doc::safe_href).map(str::to_owned),
            });
        }
    }
    out
}

/// A decimal as an integer scaled by 10^scale: "1,234.5" → (12345, 1); "27.97%" → (2797, 2).
/// Units and a trailing "%" are ignored; anything else than a number gives `None`.
fn decimal(text: &str) -> Option<(i128, u32)> {
    let t: String = text.trim().chars().filter(|c| *c != ',' && *c != '，' && !c.is_whitespace()).collect();
    let t =
        t.trim_end_matches(['%', '个', '项', '家', '次', '宗', '亩']).trim_end_matches("万元").trim_end_matches("亿元");
    if t.is_empty() {
        return None;
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    // a figure in a report has at most 18 digits and 8 decimals; longer text is not a figure
    // (and would overflow the exact arithmetic below)
    if digits.len() > 18 || frac.len() > 8 {
        return None;
    }
    let v: i128 = digits.parse().ok()?;
    Some((if neg { -v } else { v }, frac.len() as u32))
}

fn rescale(v: (i128, u32), scale: u32) -> i128 {
    v.0 * 10i128.pow(scale.saturating_sub(v.1))
}

fn show(v: i128, scale: u32) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let p = 10i128.pow(scale);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.abs();
    format!("{sign}{}.{:0width$}", a / p, a % p, width = scale as usize)
}

fn is_total_label(cell: &str) -> bool {
    let c = cell.trim().replace([' ', '\u{3000}'], "");
    c == "合计" || c == "总计" || c.starts_with("合计（") || c.starts_with("合计(")
}

fn check_total_row(t: &Table, name: &str, out: &mut Vec<Problem>) {
    let Some(total_at) = t.rows.iter().position(|r| r.first().is_some_and(|c| is_total_label(c))) else {
        return;
    };
    let parts = &t.rows[..total_at];
    if parts.is_empty() {
        return;
    }
    let total = &t.rows[total_at];
    for (col, cell) in total.iter().enumerate().skip(1) {
        let Some(stated) = decimal(cell) else { continue };
        let values: Option<Vec<(i128, u32)>> =
            parts.iter().map(|r| decimal(r.get(col).map(String::as_str).unwrap_or(""))).collect();
        let Some(values) = values else { continue };
        let scale = values.iter().map(|v| v.1).chain(std::iter::once(stated.1)).max().unwrap_or(0);
        let sum: i128 = values.iter().map(|v| rescale(*v, scale)).sum();
        if sum != rescale(stated, scale) {
            let header = t.headers.get(col).map(String::as_str).unwrap_or("");
            out.push(Problem {
                message: format!(
                    "表格“{name}”的合计行“{header}”为 {}，但上面各行之和为 {}",
                    cell.trim(),
                    show(sum, scale)
                ),
                href: t.link(total_at, col).and_then(crate::doc::safe_href).map(str::to_owned),
            });
        }
    }
}

/// The money unit a text names: 万元 or 亿元.
fn unit_of(text: &str) -> Option<&'static str> {
    match (text.contains("万元"), text.contains("亿元")) {
        (true, false) => Some("万元"),
        (false, true) => Some("亿元"),
        _ => None,
    }
}

fn check_units(t: &Table, name: &str, out: &mut Vec<Problem>) {
    let cols = t.headers.len().max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
    for col in 0..cols {
        let header = t.headers.get(col).map(String::as_str).unwrap_or("");
        let header_unit = unit_of(header);
        let mut units: Vec<&str> = Vec::new();
        for row in &t.rows {
            if let Some(u) = row.get(col).and_then(|c| unit_of(c))
                && !units.contains(&u)
            {
                units.push(u);
            }
        }
        if units.len() > 1 {
            out.push(Problem {
                message: format!("表格“{name}”的“{header}”一列混用了万元和亿元，请统一单位"),
                href: None,
            });
        } else if let (Some(h), Some(u)) = (header_unit, units.first())
            && h != *u
        {
            out.push(Problem {
                message: format!("表格“{name}”的“{header}”一列表头单位为{h}，单元格却写的是{u}"),
                href: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Doc {
        Doc {
            blocks: vec![Block::Table(Table {
                caption: Some("表1 谋划项目".into()),
                headers: headers.iter().map(|s| s.to_string()).collect(),
                rows: rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect(),
                ..Table::default()
            })],
            ..Doc::default()
        }
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal("269.28"), Some((26928, 2)));
        assert_eq!(decimal("1,234.5 亿元"), Some((12345, 1)));
        assert_eq!(decimal("22.9%"), Some((229, 1)));
        assert_eq!(decimal("-3"), Some((-3, 0)));
        assert_eq!(decimal("57 个"), Some((57, 0)));
        for bad in [
            "",
            "—",
            "第一",
            "1.2.3",
            "a1",
            "0.0000000000000000000000000000000000000001",
            "123456789012345678901234567890123",
        ] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
        assert_eq!(show(27376, 2), "273.76");
        assert_eq!(show(-5, 1), "-0.5");
    }

    #[test]
    fn a_total_row_must_equal_the_column_sum() {
        let ok = table(
            &["类别", "项目数（个）", "总投资（亿元）"],
            &[&["产业类", "57", "269.28"], &["基础设施类", "1", "4.48"], &["合计", "58", "273.76"]],
        );
        assert_eq!(check(&ok, &[]), vec![]);
        let bad = table(
            &["类别", "项目数（个）", "总投资（亿元）"],
            &[&["产业类", "57", "269.28"], &["基础设施类", "1", "4.5"], &["合计", "59", "273.76"]],
        );
        let problems = check(&bad, &[]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].message, "表格“表1 谋划项目”的合计行“项目数（个）”为 59，但上面各行之和为 58");
        assert!(problems[1].message.contains("为 273.76，但上面各行之和为 273.78"), "{problems:?}");
        // a column of text is not summed
        let text = table(&["项目", "阶段"], &[&["甲", "开工"], &["合计", "2"]]);
        assert!(check(&text, &[]).is_empty());
    }

    #[test]
    fn one_unit_per_column() {
        let mixed = table(&["项目", "投资"], &[&["甲", "9500 万元"], &["乙", "1.2 亿元"]]);
        let p = check(&mixed, &[]);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("混用了万元和亿元"));
        let header = table(&["项目", "投资（亿元）"], &[&["甲", "9500 万元"]]);
        assert!(check(&header, &[])[0].message.contains("表头单位为亿元，单元格却写的是万元"));
        let fine = table(&["项目", "投资"], &[&["甲", "0.95 亿元"], &["乙", "1.2 亿元"]]);
        assert!(check(&fine, &[]).is_empty());
    }

    #[test]
    fn tallies_of_totals_and_lists() {
        let tallies = vec![
            Tally::sum("谋划项目数", 58, vec![57, 1], Some("/plan?year=2025".into())),
            Tally::count("签约项目数", 14, 13, Some("/figures/stage?stage=signed".into())),
        ];
        let p = check(&Doc::default(), &tallies);
        assert_eq!(
            p,
            vec![Problem {
                message: "签约项目数为 14，但明细合计为 13".into(),
                href: Some("/figures/stage?stage=signed".into())
            }]
        );
    }
}
