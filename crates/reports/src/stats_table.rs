//! A statistics table as published by a statistics bureau or the city: one column naming the
//! rows (开发区 or 指标), a value column and a growth column. Read for import; the values stay
//! text here and are parsed and validated by the store, which saves all rows or none.

use std::io::Cursor;

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};

use crate::plan_table::CellError;

/// What the rows of the table name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Zones,
    Indicators,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatRow {
    /// 1-based sheet row.
    pub line: u32,
    pub name: String,
    pub value: String,
    pub growth: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatTable {
    pub kind: RowKind,
    /// The unit written in the value column's header, e.g. "亿元" from "1-5月累计（亿元）".
    pub unit: Option<String>,
    pub value_header: String,
    pub growth_header: Option<String>,
    pub rows: Vec<StatRow>,
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // the shortest text that reads back as the same double: 27.97 stays "27.97"
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace(['(', '（'], "(").replace([')', '）'], ")")
}

fn unit_of(header: &str) -> Option<String> {
    let h = squash(header);
    let start = h.find('(')?;
    let end = h[start..].find(')')? + start;
    Some(h[start + 1..end].trim_end_matches('%').to_string()).filter(|u| !u.is_empty())
}

/// Reads the first sheet. The header row is the first of the first 10 rows with a cell
/// 开发区/园区/单位 (rows are zones) or 指标/指标名称 (rows are indicators); the value column is
/// the first whose header mentions 累计, 本期, 数值, 绝对量 or 完成; the growth column the first
/// mentioning 增速, 增长 or 同比. Empty rows and 合计 rows are skipped.
pub fn import(bytes: &[u8]) -> Result<StatTable, Vec<CellError>> {
    let whole = |reason: String| vec![CellError { row: 0, column: String::new(), reason }];
    crate::untrusted::check(bytes).map_err(|r| whole(r.0))?;
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| whole(format!("无法读取 Excel 文件（请上传 .xlsx）：{e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| whole("文件中没有工作表".into()))?
        .map_err(|e| whole(format!("无法读取工作表：{e}")))?;
    import_grid(&range)
}

/// As [`import`], on the cells of the first sheet already read (the mapper alone).
pub fn import_grid(range: &Range<Data>) -> Result<StatTable, Vec<CellError>> {
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    let header = rows.iter().take(10).enumerate().find_map(|(i, r)| {
        r.iter().enumerate().find_map(|(c, h)| {
            let h = squash(h);
            if ["开发区", "园区", "单位", "开发区名称"].contains(&h.as_str()) {
                Some((i, c, RowKind::Zones))
            } else if ["指标", "指标名称"].contains(&h.as_str()) {
                Some((i, c, RowKind::Indicators))
            } else {
                None
            }
        })
    });
    let Some((h, name_col, kind)) = header else {
        return Err(vec![CellError {
            row: 1,
            column: String::new(),
            reason: "前 10 行中没有找到表头：需要一列“开发区”或“指标”".into(),
        }]);
    };
    let head = &rows[h];
    let find = |words: &[&str]| {
        head.iter()
            .enumerate()
            .find(|(c, t)| *c != name_col && words.iter().any(|w| t.contains(w)))
            .map(|(c, t)| (c, t.clone()))
    };
    let growth = find(&["增速", "增长", "同比"]);
    let value = head
        .iter()
        .enumerate()
        .find(|(c, t)| {
            *c != name_col
                && Some(*c) != growth.as_ref().map(|g| g.0)
                && ["累计", "本期", "数值", "绝对量", "完成", "总量"].iter().any(|w| t.contains(w))
        })
        .map(|(c, t)| (c, t.clone()));
    let Some((value_col, value_header)) = value else {
        return Err(vec![CellError {
            row: h as u32 + 1,
            column: String::new(),
            reason: "表头中没有找到数值列（列名应含“累计”“本期”或“数值”）".into(),
        }]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let name_header = head[name_col].clone();
    for (i, r) in rows.iter().enumerate().skip(h + 1) {
        let cell = |c: usize| r.get(c).cloned().unwrap_or_default();
        let name = cell(name_col);
        let v = cell(value_col);
        let g = growth.as_ref().map(|(c, _)| cell(*c)).unwrap_or_default();
        if name.is_empty() && v.is_empty() && g.is_empty() {
            continue;
        }
        if name.contains("合计") || name.contains("全市") {
            continue;
        }
        let line = i as u32 + 1;
        if name.is_empty() {
            errors.push(CellError { row: line, column: name_header.clone(), reason: "名称为空".into() });
            continue;
        }
        if v.is_empty() && g.is_empty() {
            errors.push(CellError {
                row: line, column: value_header.clone(), reason: format!("“{name}”没有数值")
            });
            continue;
        }
        out.push(StatRow { line, name, value: v, growth: g.trim_end_matches('%').to_string() });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(StatTable { kind, unit: unit_of(&value_header), value_header, growth_header: growth.map(|g| g.1), rows: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    fn sheet(rows: &[&[&str]], numbers: bool) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) if numbers => ws.write_number(r as u32, c as u16, n).map(|_| ()),
                    _ => ws.write_string(r as u32, c as u16, *v).map(|_| ()),
                }
                .unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn reads_a_city_table_with_numbers_and_text() {
        for numbers in [true, false] {
            let bytes = sheet(
                &[
                    &["全市开发区规上工业增加值（1-5月）"],
                    &["序号", "开发区", "1-5月累计（亿元）", "同比增长（%）"],
                    &["1", "襄垣经济技术开发区", "27.97", "22.9"],
                    &["2", "示例开发区甲", "25.4", "8.5"],
                    &["", "合计", "53.37", ""],
                ],
                numbers,
            );
            let t = import(&bytes).unwrap();
            assert_eq!(t.kind, RowKind::Zones);
            assert_eq!(t.unit.as_deref(), Some("亿元"));
            assert_eq!(t.rows.len(), 2);
            assert_eq!((t.rows[0].line, t.rows[0].value.as_str(), t.rows[0].growth.as_str()), (3, "27.97", "22.9"));
            assert_eq!(t.rows[1].name, "示例开发区甲");
        }
    }

    #[test]
    fn rows_of_indicators_and_missing_headers() {
        let t = import(&sheet(&[&["指标", "本期数值", "增速"], &["工业投资", "16.9", "1.4%"]], false)).unwrap();
        assert_eq!((t.kind, t.rows[0].growth.as_str()), (RowKind::Indicators, "1.4"));
        let e = import(&sheet(&[&["名称", "值"]], false)).unwrap_err();
        assert!(e[0].reason.contains("表头"));
        let e = import(&sheet(&[&["开发区", "累计"], &["", "3"], &["甲", ""]], false)).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(import(b"not a spreadsheet").is_err());
    }
}
