//! 亩均效益评价 spreadsheets: the input sheet (a blank template or the year's figures, and its
//! import — texts are read here and checked by the store, which saves all rows or none) and the
//! ranking export (rank, enterprise, inputs, derived values, scores, grade, and the grade
//! distribution below the table).
//!
//! Numbers are written as numbers parsed from their exact decimal text (never computed with
//! floats) and read back as the shortest text of the cell's double ("12.34"), so a round trip
//! gives back the same figures.

use std::io::Cursor;

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::plan_table::CellError;

pub const SHEET: &str = "亩均效益数据";

/// The columns of the input sheet, in order.
pub const HEADERS: [&str; 11] = [
    "企业名称",
    "统一社会信用代码",
    "用地面积（亩）",
    "税收（万元）",
    "营业收入（万元）",
    "工业增加值（万元）",
    "综合能耗（吨标准煤）",
    "研发经费（万元）",
    "从业人员（人）",
    "投产年份",
    "不定等级原因",
];

/// One row of the input sheet; numbers as decimal text in the header's unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputRow {
    /// 1-based sheet row (ignored on export).
    pub line: u32,
    pub name: String,
    pub credit_code: String,
    pub land_mu: String,
    pub tax_wan: String,
    pub revenue_wan: String,
    pub value_added_wan: String,
    pub energy_tce: String,
    pub rd_wan: String,
    pub employees: String,
    pub production_year: String,
    pub exempt_reason: String,
}

impl InputRow {
    fn cells(&self) -> [&str; 11] {
        [
            &self.name,
            &self.credit_code,
            &self.land_mu,
            &self.tax_wan,
            &self.revenue_wan,
            &self.value_added_wan,
            &self.energy_tce,
            &self.rd_wan,
            &self.employees,
            &self.production_year,
            &self.exempt_reason,
        ]
    }
}

struct Styles {
    title: Format,
    head: Format,
    text: Format,
    num: Format,
    int: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            title: Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center),
            head: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_background_color(0xEEF1F5)
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            text: Format::new().set_border(FormatBorder::Thin).set_text_wrap(),
            num: Format::new().set_border(FormatBorder::Thin).set_num_format("0.00"),
            int: Format::new().set_border(FormatBorder::Thin).set_num_format("0"),
        }
    }
}

/// Writes `s` as a number when it is one (parsed from its decimal text), else as text.
fn write_value(ws: &mut Worksheet, r: u32, c: u16, s: &str, fmt: &Format, text: &Format) -> Result<(), XlsxError> {
    match s.trim().parse::<f64>() {
        Ok(v) if !s.trim().is_empty() => ws.write_number_with_format(r, c, v, fmt).map(|_| ()),
        _ if s.is_empty() => ws.write_blank(r, c, text).map(|_| ()),
        _ => ws.write_string_with_format(r, c, s, text).map(|_| ()),
    }
}

/// The input sheet: a title row, the header, and `rows` (none: a blank template).
pub fn export_inputs(title: &str, rows: &[InputRow]) -> Result<Vec<u8>, String> {
    write_inputs(title, rows).map_err(|e| e.to_string())
}

fn write_inputs(title: &str, rows: &[InputRow]) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    ws.merge_range(0, 0, 0, (HEADERS.len() - 1) as u16, title, &s.title)?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &s.head)?;
        ws.set_column_width(c as u16, if c < 2 { 30 } else { 14 })?;
    }
    ws.set_column_width(10, 36)?;
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        for (c, v) in row.cells().iter().enumerate() {
            let fmt = match c {
                0 | 1 | 10 => {
                    ws.write_string_with_format(r, c as u16, *v, &s.text)?;
                    continue;
                }
                8 | 9 => &s.int,
                _ => &s.num,
            };
            write_value(ws, r, c as u16, v, fmt, &s.text)?;
        }
    }
    ws.set_freeze_panes(2, 1)?;
    wb.save_to_buffer()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // the shortest text that reads back as the same double: 12.34 stays "12.34"
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace('(', "（").replace(')', "）")
}

/// The unit in a header's brackets: "税收（万元）" → "万元".
fn unit_of(header: &str) -> Option<String> {
    let h = squash(header);
    let start = h.find('（')?;
    let end = h[start..].find('）')? + start;
    Some(h[start + '（'.len_utf8()..end].to_string()).filter(|u| !u.is_empty())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Code,
    Land,
    Tax,
    Revenue,
    ValueAdded,
    Energy,
    Rd,
    Employees,
    Production,
    Reason,
}

/// (column, words in its header, expected unit, label for messages).
const COLUMNS: &[(Col, &[&str], Option<&str>, &str)] = &[
    (Col::Name, &["企业名称", "企业"], None, "企业名称"),
    (Col::Code, &["统一社会信用代码", "信用代码"], None, "统一社会信用代码"),
    (Col::Land, &["用地面积", "用地", "占地"], Some("亩"), "用地面积（亩）"),
    (Col::Tax, &["税收", "实缴税金", "税金"], Some("万元"), "税收（万元）"),
    (Col::Revenue, &["营业收入", "销售收入", "营收"], Some("万元"), "营业收入（万元）"),
    (Col::ValueAdded, &["增加值"], Some("万元"), "工业增加值（万元）"),
    (Col::Energy, &["能耗", "能源消费"], Some("吨标准煤"), "综合能耗（吨标准煤）"),
    (Col::Rd, &["研发", "R&D"], Some("万元"), "研发经费（万元）"),
    (Col::Employees, &["从业人员", "职工人数", "人数"], Some("人"), "从业人员（人）"),
    (Col::Production, &["投产年份", "投产"], None, "投产年份"),
    (Col::Reason, &["不定等级"], None, "不定等级原因"),
];

fn classify(header: &str) -> Option<(Col, Option<&'static str>, &'static str)> {
    let h = squash(header);
    if h.is_empty() {
        return None;
    }
    // exact names first (so "企业名称" is not taken for something else), then words
    COLUMNS
        .iter()
        .find(|(_, words, ..)| h.starts_with(words[0]))
        .or_else(|| COLUMNS.iter().find(|(col, words, ..)| *col != Col::Name && words.iter().any(|w| h.contains(w))))
        .map(|(c, _, unit, label)| (*c, *unit, *label))
}

/// Reads the first sheet. The header row is the first of the first 10 rows with a cell
/// 企业名称 or 统一社会信用代码; the other columns are found by their header (用地面积, 税收,
/// 营业收入, 工业增加值, 综合能耗, 研发经费, 从业人员 required; 投产年份 and 不定等级原因
/// optional). A unit in brackets other than the expected one (税收（元）) is refused. Empty
/// rows are skipped.
pub fn import(bytes: &[u8]) -> Result<Vec<InputRow>, Vec<CellError>> {
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
pub fn import_grid(range: &Range<Data>) -> Result<Vec<InputRow>, Vec<CellError>> {
    let first_row = range.start().map(|(r, _)| r).unwrap_or(0);
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    let header = rows.iter().take(10).position(|r| {
        r.iter().any(|h| {
            let h = squash(h);
            h == "企业名称" || h == "统一社会信用代码"
        })
    });
    let Some(h) = header else {
        return Err(vec![CellError {
            row: 1,
            column: String::new(),
            reason: "前 10 行中没有找到表头：需要一列“企业名称”或“统一社会信用代码”".into(),
        }]);
    };
    let header_line = first_row + h as u32 + 1;
    let mut cols: Vec<(Col, usize, String)> = Vec::new();
    let mut errors = Vec::new();
    for (c, text) in rows[h].iter().enumerate() {
        let Some((col, unit, _)) = classify(text) else { continue };
        if cols.iter().any(|(k, ..)| *k == col) {
            continue;
        }
        if let (Some(expected), Some(found)) = (unit, unit_of(text))
            && found != expected
        {
            errors.push(CellError {
                row: header_line,
                column: text.clone(),
                reason: format!("单位应为“{expected}”，表中为“{found}”：请换算后再导入"),
            });
        }
        cols.push((col, c, text.clone()));
    }
    for (col, _, _, label) in COLUMNS {
        let required = !matches!(col, Col::Name | Col::Code | Col::Production | Col::Reason);
        if required && !cols.iter().any(|(k, ..)| k == col) {
            errors
                .push(CellError { row: header_line, column: String::new(), reason: format!("缺少“{label}”列") });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let get = |r: &Vec<String>, col: Col| {
        cols.iter().find(|(k, ..)| *k == col).and_then(|(_, c, _)| r.get(*c)).cloned().unwrap_or_default()
    };
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(h + 1) {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.push(InputRow {
            line: first_row + i as u32 + 1,
            name: get(r, Col::Name),
            credit_code: get(r, Col::Code),
            land_mu: get(r, Col::Land),
            tax_wan: get(r, Col::Tax),
            revenue_wan: get(r, Col::Revenue),
            value_added_wan: get(r, Col::ValueAdded),
            energy_tce: get(r, Col::Energy),
            rd_wan: get(r, Col::Rd),
            employees: get(r, Col::Employees),
            production_year: get(r, Col::Production),
            exempt_reason: get(r, Col::Reason),
        });
    }
    Ok(out)
}

/// The header text of the column holding the enterprise in an imported sheet's row: 统一社会信用
/// 代码 when the row gives one, else 企业名称.
pub fn enterprise_key(row: &InputRow) -> (&str, &'static str) {
    if row.credit_code.trim().is_empty() {
        (row.name.as_str(), "企业名称")
    } else {
        (row.credit_code.as_str(), "统一社会信用代码")
    }
}

/// One row of the ranking export; numbers as decimal text ("—" when not computable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankRow {
    /// "1", or "" for 不定等级.
    pub rank: String,
    pub name: String,
    pub credit_code: String,
    /// 用地, 税收, 营业收入, 工业增加值, 综合能耗, 研发经费, 从业人员.
    pub inputs: Vec<String>,
    /// The five derived values.
    pub derived: Vec<String>,
    /// The five indicator scores.
    pub scores: Vec<String>,
    pub total: String,
    pub grade: String,
    pub reason: String,
}

/// The ranking: a title, two header rows (inputs / derived values / scores), one row per
/// enterprise, then the grade distribution. `indicators` are the five indicators' labels with
/// units, e.g. "亩均税收（万元/亩）".
pub fn export_ranking(
    title: &str,
    indicators: &[String],
    rows: &[RankRow],
    distribution: &[(String, usize)],
) -> Result<Vec<u8>, String> {
    write_ranking(title, indicators, rows, distribution).map_err(|e| e.to_string())
}

fn write_ranking(
    title: &str,
    indicators: &[String],
    rows: &[RankRow],
    distribution: &[(String, usize)],
) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("亩均效益评价")?;
    let inputs = &HEADERS[2..9];
    let n_ind = indicators.len() as u16;
    let last = 3 + inputs.len() as u16 + 2 * n_ind + 2;
    ws.merge_range(0, 0, 0, last, title, &s.title)?;
    // first header row: groups
    for (c, h) in ["排名", "企业名称", "统一社会信用代码"].iter().enumerate() {
        ws.merge_range(1, c as u16, 2, c as u16, h, &s.head)?;
    }
    let c_inputs = 3u16;
    ws.merge_range(1, c_inputs, 1, c_inputs + inputs.len() as u16 - 1, "基础数据", &s.head)?;
    let c_derived = c_inputs + inputs.len() as u16;
    ws.merge_range(1, c_derived, 1, c_derived + n_ind - 1, "指标值", &s.head)?;
    let c_scores = c_derived + n_ind;
    ws.merge_range(1, c_scores, 1, c_scores + n_ind - 1, "单项得分", &s.head)?;
    let c_total = c_scores + n_ind;
    ws.merge_range(1, c_total, 2, c_total, "综合得分", &s.head)?;
    ws.merge_range(1, c_total + 1, 2, c_total + 1, "等级", &s.head)?;
    ws.merge_range(1, c_total + 2, 2, c_total + 2, "不定等级原因", &s.head)?;
    for (i, h) in inputs.iter().enumerate() {
        ws.write_string_with_format(2, c_inputs + i as u16, *h, &s.head)?;
    }
    for (i, h) in indicators.iter().enumerate() {
        ws.write_string_with_format(2, c_derived + i as u16, h, &s.head)?;
        let short = h.split('（').next().unwrap_or(h);
        ws.write_string_with_format(2, c_scores + i as u16, short, &s.head)?;
    }
    ws.set_column_width(1, 30)?;
    ws.set_column_width(2, 22)?;
    for c in 3..=c_total + 1 {
        ws.set_column_width(c, 12)?;
    }
    ws.set_column_width(c_total + 2, 30)?;
    let mut r = 3u32;
    for row in rows {
        write_value(ws, r, 0, &row.rank, &s.int, &s.text)?;
        ws.write_string_with_format(r, 1, &row.name, &s.text)?;
        ws.write_string_with_format(r, 2, &row.credit_code, &s.text)?;
        for (i, v) in row.inputs.iter().enumerate() {
            let fmt = if i == 6 { &s.int } else { &s.num };
            write_value(ws, r, c_inputs + i as u16, v, fmt, &s.text)?;
        }
        for (i, v) in row.derived.iter().enumerate() {
            write_value(ws, r, c_derived + i as u16, v, &s.num, &s.text)?;
        }
        for (i, v) in row.scores.iter().enumerate() {
            write_value(ws, r, c_scores + i as u16, v, &s.num, &s.text)?;
        }
        write_value(ws, r, c_total, &row.total, &s.num, &s.text)?;
        ws.write_string_with_format(r, c_total + 1, &row.grade, &s.text)?;
        ws.write_string_with_format(r, c_total + 2, &row.reason, &s.text)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 1, "等级分布", &s.head)?;
    ws.write_string_with_format(r, 2, "企业数（家）", &s.head)?;
    for (label, count) in distribution {
        r += 1;
        ws.write_string_with_format(r, 1, label, &s.text)?;
        ws.write_number_with_format(r, 2, *count as f64, &s.int)?;
    }
    ws.set_freeze_panes(3, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, land: &str) -> InputRow {
        InputRow {
            line: 0,
            name: name.into(),
            credit_code: String::new(),
            land_mu: land.into(),
            tax_wan: "150".into(),
            revenue_wan: "1500.5".into(),
            value_added_wan: "-12.34".into(),
            energy_tce: "100".into(),
            rd_wan: "45".into(),
            employees: "10".into(),
            production_year: "2023".into(),
            exempt_reason: String::new(),
        }
    }

    #[test]
    fn inputs_round_trip() {
        let rows = vec![row("甲公司", "10.25"), InputRow { exempt_reason: "停产".into(), ..row("乙公司", "2.6") }];
        let bytes = export_inputs("2024 年亩均效益数据", &rows).unwrap();
        let back = import(&bytes).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].line, 3);
        let strip = |r: &InputRow| InputRow { line: 0, ..r.clone() };
        assert_eq!(strip(&back[0]), rows[0]);
        assert_eq!(strip(&back[1]), rows[1]);
        // a blank template reads as no rows
        assert!(import(&export_inputs("模板", &[]).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn headers_and_units_are_checked() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["企业名称", "用地面积（亩）", "税收（元）"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let e = import(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert!(e.iter().any(|x| x.column == "税收（元）" && x.reason.contains("万元")), "{e:?}");
        assert!(e.iter().any(|x| x.reason.contains("缺少“营业收入（万元）”列")));
        assert!(import(b"not a sheet").is_err());
    }

    #[test]
    fn ranking_exports() {
        let r = RankRow {
            rank: "1".into(),
            name: "甲公司".into(),
            credit_code: "X".into(),
            inputs: vec!["10.00".into(); 7],
            derived: vec!["—".into(), "1.50".into(), "1.00".into(), "1.00".into(), "1.00".into()],
            scores: vec!["0.00".into(); 5],
            total: "60.00".into(),
            grade: "A类".into(),
            reason: String::new(),
        };
        let ind: Vec<String> = (0..5).map(|i| format!("指标{i}（万元/亩）")).collect();
        let bytes = export_ranking("2024 年亩均效益评价", &ind, &[r], &[("A类".into(), 1)]).unwrap();
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("亩均效益评价").unwrap();
        assert_eq!(range.get_value((3, 1)), Some(&Data::String("甲公司".into())));
        assert_eq!(range.get_value((3, 10)), Some(&Data::String("—".into())));
        assert_eq!(range.get_value((3, 11)), Some(&Data::Float(1.5)));
    }
}
