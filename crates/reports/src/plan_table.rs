//! 项目谋划表: the annual project planning table of a development zone.
//!
//! [`export`] writes the table the way the committee prints it: a merged title, the header, the
//! projects grouped by 项目类别 (产业类, then 基础设施类, then any other) with a 小计 row after each
//! group and a 合计 row at the end. Totals are summed exactly in 万元 and written as values.
//!
//! [`import`] reads the first sheet of an uploaded workbook (xlsx, xls, xlsb or ods), finds the
//! header row by its 项目名称 cell, maps the columns by their header text, skips empty, 小计 and
//! 合计 rows, and validates every cell. It returns every error found, never a partial result;
//! [`error_workbook`] turns those errors into a copy of the upload with an added 错误 column.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};
use kaifaqu_domain::money::{MAX_YI, Wan};
use rust_xlsxwriter::{ColNum, Color, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError};

/// The name of the exported sheet.
pub const SHEET_NAME: &str = "项目谋划表";
/// The category of industrial projects, listed first.
pub const INDUSTRY: &str = "产业类";
/// The category of infrastructure projects, listed second.
pub const INFRASTRUCTURE: &str = "基础设施类";
/// The header row of the exported table, in column order.
pub const HEADERS: [&str; 12] = [
    "序号",
    "项目名称",
    "建设内容及规模",
    "总投资（亿元）",
    "年度计划投资（亿元）",
    "建设起止年限",
    "项目类别",
    "产业链",
    "重点级别",
    "责任单位",
    "包联领导",
    "进展情况",
];
/// The header of the column that [`error_workbook`] adds.
pub const ERROR_HEADER: &str = "错误";

/// Column widths of the export, in Excel character units (a Chinese character takes about 2).
const COLUMN_WIDTHS: [f64; 12] = [6.0, 24.0, 40.0, 11.0, 12.0, 12.0, 10.0, 12.0, 9.0, 14.0, 9.0, 32.0];
const LAST_COL: ColNum = 11;
const MAX_SHORT_TEXT: usize = 200;
const MAX_LONG_TEXT: usize = 10_000;
/// The header row is looked for in the first this many rows of the sheet.
const HEADER_SEARCH_ROWS: u32 = 10;

/// One project of the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanRow {
    pub name: String,
    /// 建设内容及规模
    pub content: String,
    /// 总投资
    pub total: Wan,
    /// 年度计划投资
    pub planned_this_year: Option<Wan>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    /// 产业类 or 基础设施类
    pub category: String,
    /// 产业链
    pub chain: String,
    /// 重点级别
    pub key_level: String,
    /// 责任单位
    pub unit: String,
    /// 包联领导
    pub leader: String,
    /// 进展情况
    pub progress: String,
}

/// A zone's planning table for one year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanTable {
    pub zone_name: String,
    pub year: i32,
    pub rows: Vec<PlanRow>,
}

/// A problem found in an uploaded sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}：{reason}", location(.row, .column))]
pub struct CellError {
    /// The 1-based sheet row; 0 when the file as a whole cannot be read.
    pub row: u32,
    /// The header text of the cell's column as written in the sheet, or "" for the whole row.
    pub column: String,
    /// Why, in Chinese.
    pub reason: String,
}

fn location(row: &u32, column: &str) -> String {
    match (*row, column.is_empty()) {
        (0, _) => "文件".to_string(),
        (r, true) => format!("第 {r} 行"),
        (r, false) => format!("第 {r} 行“{column}”"),
    }
}

#[derive(Debug, thiserror::Error)]
enum ReportError {
    #[error("生成 Excel 文件失败：{0}")]
    Write(#[from] XlsxError),
    #[error("无法读取 Excel 文件，请上传 .xlsx、.xls 或 .ods 格式的表格（{0}）")]
    Read(#[from] calamine::Error),
    #[error("表格中没有工作表")]
    NoSheet,
    #[error("{0}")]
    Refused(crate::untrusted::Refused),
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Writes the table as an `.xlsx` workbook.
pub fn export(t: &PlanTable) -> Result<Vec<u8>, String> {
    write_table(t).map_err(|e| e.to_string())
}

struct Styles {
    title: Format,
    header: Format,
    text: Format,
    center: Format,
    money: Format,
    total_label: Format,
    total: Format,
    total_money: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new()
            .set_font_name("宋体")
            .set_font_size(11)
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let total = base.clone().set_bold().set_background_color(Color::RGB(0xF2F2F2));
        Styles {
            title: Format::new()
                .set_font_name("宋体")
                .set_font_size(18)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xD9E1F2)),
            text: base.clone().set_text_wrap(),
            center: base.clone().set_text_wrap().set_align(FormatAlign::Center),
            money: base.set_num_format("0.00"),
            total_label: total.clone().set_align(FormatAlign::Center),
            total_money: total.clone().set_num_format("0.00"),
            total,
        }
    }
}

fn write_table(t: &PlanTable) -> Result<Vec<u8>, ReportError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_NAME)?;

    ws.merge_range(0, 0, 0, LAST_COL, &format!("{}{}年项目谋划表", t.zone_name, t.year), &styles.title)?;
    ws.set_row_height(0, 36)?;
    for (col, header) in (0..).zip(HEADERS) {
        ws.write_string_with_format(1, col, header, &styles.header)?;
    }
    ws.set_row_height(1, 32)?;

    let mut row: RowNum = 2;
    let mut seq: u32 = 0;
    for (category, projects) in groups(&t.rows) {
        for p in &projects {
            seq += 1;
            write_project(ws, row, seq, p, &styles)?;
            row += 1;
        }
        let label = if category.is_empty() { "未分类" } else { category };
        write_total(ws, row, &format!("{label}小计（{} 个）", projects.len()), &projects, &styles)?;
        row += 1;
    }
    let all: Vec<&PlanRow> = t.rows.iter().collect();
    write_total(ws, row, &format!("合计（{} 个）", all.len()), &all, &styles)?;

    for (col, width) in (0..).zip(COLUMN_WIDTHS) {
        ws.set_column_width(col, width)?;
    }
    ws.set_freeze_panes(2, 0)?;
    ws.set_paper_size(9); // A4
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 1)?;
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    ws.set_footer("&C第 &P 页，共 &N 页");

    Ok(workbook.save_to_buffer()?)
}

/// The projects grouped by category: 产业类, 基础设施类, then the others in order of first
/// appearance. Empty groups are left out; the order within a group is kept.
fn groups(rows: &[PlanRow]) -> Vec<(&str, Vec<&PlanRow>)> {
    let mut order: Vec<&str> = vec![INDUSTRY, INFRASTRUCTURE];
    for r in rows {
        if !order.contains(&r.category.as_str()) {
            order.push(&r.category);
        }
    }
    order
        .into_iter()
        .map(|cat| (cat, rows.iter().filter(|r| r.category == cat).collect::<Vec<_>>()))
        .filter(|(_, projects)| !projects.is_empty())
        .collect()
}

fn write_project(ws: &mut Worksheet, row: RowNum, seq: u32, p: &PlanRow, s: &Styles) -> Result<(), XlsxError> {
    ws.write_number_with_format(row, 0, seq, &s.center)?;
    ws.write_string_with_format(row, 1, &p.name, &s.text)?;
    ws.write_string_with_format(row, 2, &p.content, &s.text)?;
    ws.write_number_with_format(row, 3, yi_for_sheet(p.total), &s.money)?;
    match p.planned_this_year {
        Some(w) => ws.write_number_with_format(row, 4, yi_for_sheet(w), &s.money)?,
        None => ws.write_blank(row, 4, &s.money)?,
    };
    ws.write_string_with_format(row, 5, format_years(p.start_year, p.end_year), &s.center)?;
    ws.write_string_with_format(row, 6, &p.category, &s.center)?;
    ws.write_string_with_format(row, 7, &p.chain, &s.center)?;
    ws.write_string_with_format(row, 8, &p.key_level, &s.center)?;
    ws.write_string_with_format(row, 9, &p.unit, &s.text)?;
    ws.write_string_with_format(row, 10, &p.leader, &s.center)?;
    ws.write_string_with_format(row, 11, &p.progress, &s.text)?;
    Ok(())
}

/// A 小计 or 合计 row: the sums are computed exactly in 万元 and written as values, since a
/// formula's cached result would read as 0 wherever the workbook is not recalculated.
fn write_total(
    ws: &mut Worksheet,
    row: RowNum,
    label: &str,
    projects: &[&PlanRow],
    s: &Styles,
) -> Result<(), XlsxError> {
    for col in 0..=LAST_COL {
        ws.write_blank(row, col, &s.total)?;
    }
    ws.write_string_with_format(row, 1, label, &s.total_label)?;
    let total: Wan = projects.iter().map(|p| p.total).sum();
    ws.write_number_with_format(row, 3, yi_for_sheet(total), &s.total_money)?;
    if projects.iter().any(|p| p.planned_this_year.is_some()) {
        let planned: Wan = projects.iter().filter_map(|p| p.planned_this_year).sum();
        ws.write_number_with_format(row, 4, yi_for_sheet(planned), &s.total_money)?;
    } else {
        ws.write_blank(row, 4, &s.total_money)?;
    }
    Ok(())
}

/// 万元 → 亿元 as the double the spreadsheet stores. The only place money becomes a float:
/// the division is correctly rounded, so the cell holds the double nearest the exact decimal
/// and reads back to the same 万元 (see [`float_to_wan`]).
#[allow(clippy::float_arithmetic)] // writer boundary only; all sums are done in Wan beforehand
pub(crate) fn yi_for_sheet(w: Wan) -> f64 {
    w.0 as f64 / 10_000.0
}

/// "2025—2026", "2025" when both years are equal, "2025—" or "—2026" when one is unknown.
fn format_years(start: Option<i32>, end: Option<i32>) -> String {
    match (start, end) {
        (Some(s), Some(e)) if s == e => s.to_string(),
        (Some(s), Some(e)) => format!("{s}—{e}"),
        (Some(s), None) => format!("{s}—"),
        (None, Some(e)) => format!("—{e}"),
        (None, None) => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Seq,
    Name,
    Content,
    Total,
    Planned,
    Years,
    Category,
    Chain,
    KeyLevel,
    Unit,
    Leader,
    Progress,
}

impl Field {
    /// The canonical header, used in errors about a missing column.
    fn label(self) -> &'static str {
        match self {
            Field::Seq => "序号",
            Field::Name => "项目名称",
            Field::Content => "建设内容及规模",
            Field::Total => "总投资",
            Field::Planned => "年度计划投资",
            Field::Years => "建设起止年限",
            Field::Category => "项目类别",
            Field::Chain => "产业链",
            Field::KeyLevel => "重点级别",
            Field::Unit => "责任单位",
            Field::Leader => "包联领导",
            Field::Progress => "进展情况",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MoneyUnit {
    Yi,
    Wan,
}

#[derive(Debug, Clone)]
struct Column {
    field: Field,
    index: u32,
    /// The header as written in the sheet (trimmed, line breaks removed).
    header: String,
    unit: MoneyUnit,
}

#[derive(Debug, Default)]
struct Columns(Vec<Column>);

impl Columns {
    fn get(&self, field: Field) -> Option<&Column> {
        self.0.iter().find(|c| c.field == field)
    }
}

/// The first sheet of an uploaded workbook, with absolute (0-based) cell positions.
struct Sheet {
    name: String,
    range: Range<Data>,
}

impl Sheet {
    fn read(bytes: &[u8]) -> Result<Sheet, ReportError> {
        crate::untrusted::check(bytes).map_err(ReportError::Refused)?;
        let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))?;
        let name = workbook.sheet_names().into_iter().next().ok_or(ReportError::NoSheet)?;
        let range = workbook.worksheet_range_at(0).ok_or(ReportError::NoSheet)??;
        Ok(Sheet { name, range })
    }

    /// The last used row and column, or None for an empty sheet.
    fn end(&self) -> Option<(u32, u32)> {
        self.range.end()
    }

    fn cell(&self, row: u32, col: u32) -> Option<&Data> {
        self.range.get_value((row, col))
    }

    fn text(&self, row: u32, col: u32) -> String {
        cell_text(self.cell(row, col))
    }

    /// The 0-based header row: the first of the first 10 rows with a cell reading 项目名称.
    fn header_row(&self) -> Option<u32> {
        let (last_row, last_col) = self.end()?;
        (0..HEADER_SEARCH_ROWS.min(last_row + 1))
            .find(|&r| (0..=last_col).any(|c| normalize_header(&self.text(r, c)) == Field::Name.label()))
    }
}

fn cell_text(cell: Option<&Data>) -> String {
    cell.map(|d| d.to_string().trim().to_string()).unwrap_or_default()
}

fn is_blank(cell: Option<&Data>) -> bool {
    match cell {
        None | Some(Data::Empty) => true,
        Some(Data::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// Header text without any whitespace, with full-width parentheses made half-width.
pub(crate) fn normalize_header(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .collect()
}

/// The field a header names, with the money unit for 总投资 and 年度计划投资 (亿元 unless it
/// says 万元). Unknown headers give None; a money header with an unknown unit is an error.
fn classify(header: &str) -> Result<Option<(Field, MoneyUnit)>, String> {
    let n = normalize_header(header);
    let (base, unit) = match n.strip_suffix(')').and_then(|s| s.rfind('(').map(|i| (&s[..i], &s[i + 1..]))) {
        Some((base, unit)) => (base, Some(unit)),
        None => (n.as_str(), None),
    };
    let field = match base {
        "序号" => Field::Seq,
        "项目名称" => Field::Name,
        "建设内容及规模" | "建设内容" | "主要建设内容" | "建设规模及内容" => Field::Content,
        "总投资" | "计划总投资" | "项目总投资" => Field::Total,
        "建设起止年限" | "起止年限" | "建设年限" => Field::Years,
        "项目类别" => Field::Category,
        "产业链" | "所属产业链" => Field::Chain,
        "重点级别" => Field::KeyLevel,
        "责任单位" => Field::Unit,
        "包联领导" => Field::Leader,
        "进展情况" | "项目进展" => Field::Progress,
        // 年度计划投资, 本年度计划投资, 2025年计划投资, 2025年度计划投资
        other => match other.trim_start_matches(|c: char| c.is_ascii_digit() || c == '本') {
            "年度计划投资" | "年计划投资" => Field::Planned,
            _ => return Ok(None),
        },
    };
    let unit = match (field, unit) {
        (Field::Total | Field::Planned, Some("万元" | "万")) => MoneyUnit::Wan,
        (Field::Total | Field::Planned, None | Some("亿元" | "亿")) => MoneyUnit::Yi,
        (Field::Total | Field::Planned, Some(other)) => {
            return Err(format!("无法识别的金额单位“{other}”，应为“亿元”或“万元”"));
        }
        _ => MoneyUnit::Yi,
    };
    Ok(Some((field, unit)))
}

fn header_display(text: &str) -> String {
    text.trim().chars().filter(|c| !matches!(c, '\n' | '\r')).collect()
}

fn map_columns(sheet: &Sheet, header_row: u32) -> Result<Columns, Vec<CellError>> {
    let mut columns = Columns::default();
    let mut errors = Vec::new();
    let last_col = sheet.end().map_or(0, |(_, c)| c);
    for c in 0..=last_col {
        let header = header_display(&sheet.text(header_row, c));
        match classify(&header) {
            Ok(Some((field, unit))) => {
                if columns.get(field).is_none() {
                    columns.0.push(Column { field, index: c, header, unit });
                }
            }
            Ok(None) => {}
            Err(reason) => errors.push(CellError { row: header_row + 1, column: header, reason }),
        }
    }
    for (field, hint) in [
        (Field::Name, "“项目名称”"),
        (Field::Total, "“总投资（亿元）”或“总投资（万元）”"),
        (Field::Category, "“项目类别”（产业类或基础设施类）"),
    ] {
        let unit_error = errors.iter().any(|e| classify(&e.column).is_err() && e.column.contains(field.label()));
        if columns.get(field).is_none() && !unit_error {
            errors.push(CellError {
                row: header_row + 1,
                column: field.label().to_string(),
                reason: format!("表头缺少“{}”列，应有{hint}", field.label()),
            });
        }
    }
    if errors.is_empty() { Ok(columns) } else { Err(errors) }
}

/// Reads the projects of an uploaded 项目谋划表 (first sheet). Every problem is reported, each
/// with its sheet row and column header; no rows are returned unless all are valid.
pub fn import(bytes: &[u8]) -> Result<Vec<PlanRow>, Vec<CellError>> {
    import_numbered(bytes).map(|rows| rows.into_iter().map(|(_, r)| r).collect())
}

/// As [`import`], each row with its 1-based sheet row number (for later checks' messages).
pub fn import_numbered(bytes: &[u8]) -> Result<Vec<(u32, PlanRow)>, Vec<CellError>> {
    let sheet =
        Sheet::read(bytes).map_err(|e| vec![CellError { row: 0, column: String::new(), reason: e.to_string() }])?;
    import_sheet(&sheet)
}

/// As [`import_numbered`], on the cells of the first sheet already read (the mapper alone).
pub fn import_grid(range: &Range<Data>) -> Result<Vec<(u32, PlanRow)>, Vec<CellError>> {
    import_sheet(&Sheet { name: String::new(), range: range.clone() })
}

fn import_sheet(sheet: &Sheet) -> Result<Vec<(u32, PlanRow)>, Vec<CellError>> {
    let Some(header_row) = sheet.header_row() else {
        return Err(vec![CellError {
            row: 1,
            column: Field::Name.label().to_string(),
            reason: format!("前 {HEADER_SEARCH_ROWS} 行中没有找到表头：缺少“项目名称”列"),
        }]);
    };
    let columns = map_columns(sheet, header_row)?;
    let (last_row, last_col) = sheet.end().unwrap_or((0, 0));

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for r in header_row + 1..=last_row {
        if skip_row(sheet, r, last_col, &columns) {
            continue;
        }
        if let Some(row) = parse_row(sheet, r, &columns, &mut errors) {
            rows.push((r + 1, row));
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// Empty rows (a 序号 alone counts as empty) and 小计/合计 rows are not projects.
fn skip_row(sheet: &Sheet, r: u32, last_col: u32, columns: &Columns) -> bool {
    let seq_col = columns.get(Field::Seq).map(|c| c.index);
    let empty = (0..=last_col).filter(|&c| Some(c) != seq_col).all(|c| is_blank(sheet.cell(r, c)));
    let is_total = [Field::Name, Field::Seq].into_iter().filter_map(|f| columns.get(f)).any(|c| {
        let t = sheet.text(r, c.index);
        t.contains("小计") || t.contains("合计")
    });
    empty || is_total
}

fn parse_row(sheet: &Sheet, r: u32, columns: &Columns, errors: &mut Vec<CellError>) -> Option<PlanRow> {
    // The row's errors with their column index, reported in the sheet's column order.
    let mut found: Vec<(u32, CellError)> = Vec::new();
    let mut fail = |col: &Column, reason: String| {
        found.push((col.index, CellError { row: r + 1, column: col.header.clone(), reason }));
    };
    let mut text = |field: Field, max: usize, required: bool| -> String {
        let Some(col) = columns.get(field) else { return String::new() };
        let value = sheet.text(r, col.index);
        let len = value.chars().count();
        if required && value.is_empty() {
            fail(col, format!("{}不能为空", field.label()));
        } else if len > max {
            fail(col, format!("{}不能超过 {max} 个字（现有 {len} 个字）", field.label()));
        }
        value
    };

    let name = text(Field::Name, MAX_SHORT_TEXT, true);
    let content = text(Field::Content, MAX_LONG_TEXT, false);
    let category = text(Field::Category, MAX_SHORT_TEXT, true);
    let chain = text(Field::Chain, MAX_SHORT_TEXT, false);
    let key_level = text(Field::KeyLevel, MAX_SHORT_TEXT, false);
    let unit = text(Field::Unit, MAX_SHORT_TEXT, false);
    let leader = text(Field::Leader, MAX_SHORT_TEXT, false);
    let progress = text(Field::Progress, MAX_LONG_TEXT, false);

    if let Some(col) = columns.get(Field::Category)
        && !category.is_empty()
        && category != INDUSTRY
        && category != INFRASTRUCTURE
    {
        fail(col, format!("项目类别“{category}”无效，应为“{INDUSTRY}”或“{INFRASTRUCTURE}”"));
    }

    let mut total = None;
    if let Some(col) = columns.get(Field::Total) {
        match money_cell(sheet.cell(r, col.index), col.unit) {
            Ok(Some(w)) => total = Some(w),
            Ok(None) => fail(col, "总投资不能为空".to_string()),
            Err(reason) => fail(col, reason),
        }
    }

    let mut planned_this_year = None;
    if let Some(col) = columns.get(Field::Planned) {
        match money_cell(sheet.cell(r, col.index), col.unit) {
            Ok(Some(p)) => {
                if let Some(t) = total
                    && p > t
                {
                    fail(col, format!("年度计划投资 {} 亿元不能超过总投资 {} 亿元", p.yi_trimmed(), t.yi_trimmed()));
                }
                planned_this_year = Some(p);
            }
            Ok(None) => {}
            Err(reason) => fail(col, reason),
        }
    }

    let (mut start_year, mut end_year) = (None, None);
    if let Some(col) = columns.get(Field::Years) {
        match parse_years(&sheet.text(r, col.index)) {
            Ok((s, e)) => (start_year, end_year) = (s, e),
            Err(reason) => fail(col, reason),
        }
    }

    if !found.is_empty() {
        found.sort_by_key(|(index, _)| *index);
        errors.extend(found.into_iter().map(|(_, e)| e));
        return None;
    }
    Some(PlanRow {
        name,
        content,
        total: total?,
        planned_this_year,
        start_year,
        end_year,
        category,
        chain,
        key_level,
        unit,
        leader,
        progress,
    })
}

/// A money cell in the column's unit: empty → None; numbers are converted exactly to 万元;
/// text is parsed by [`Wan::parse_yi`], and a unit written in the text ("2.6亿元", "9500万元")
/// wins over the column's.
fn money_cell(cell: Option<&Data>, unit: MoneyUnit) -> Result<Option<Wan>, String> {
    match cell {
        None => Ok(None),
        _ if is_blank(cell) => Ok(None),
        Some(Data::Float(f)) => float_to_wan(*f, unit).map(Some),
        Some(Data::Int(i)) => int_to_wan(*i, unit).map(Some),
        Some(Data::String(s)) => {
            let s = s.trim();
            let has_unit = ["亿元", "亿", "万元", "万"].iter().any(|u| s.ends_with(u));
            let parsed = if unit == MoneyUnit::Wan && !has_unit {
                Wan::parse_yi(&format!("{s}万元"))
            } else {
                Wan::parse_yi(s)
            };
            parsed.map(Some)
        }
        Some(Data::Error(e)) => Err(format!("单元格是错误值 {e}，应填写金额")),
        Some(other) => Err(format!("“{other}”不是金额，应填写数字")),
    }
}

/// A numeric cell to whole 万元: the float is scaled and rounded at once, so 0.95 (亿元) read as
/// the double 0.9499999999999999556 comes back as exactly Wan(9500). Values that are not whole
/// 万元 (more than 4 decimals in 亿元), negative, or over 10,000 亿元 are refused.
#[allow(clippy::float_arithmetic)] // reader boundary only: a float cell becomes integer 万元 here
fn float_to_wan(v: f64, unit: MoneyUnit) -> Result<Wan, String> {
    if !v.is_finite() {
        return Err(format!("金额“{v}”不是有效数字"));
    }
    if v < 0.0 {
        return Err(format!("金额“{v}”不能为负数"));
    }
    let wan = match unit {
        MoneyUnit::Yi => v * 10_000.0,
        MoneyUnit::Wan => v,
    };
    let rounded = wan.round();
    if rounded > (MAX_YI * 10_000) as f64 {
        return Err(format!("金额“{v}”超过 {MAX_YI} 亿元"));
    }
    // Tolerance far below 1 万元 but far above the double's error at these magnitudes.
    if (wan - rounded).abs() > 1e-4 {
        return Err(match unit {
            MoneyUnit::Yi => format!("金额“{v}”：以亿元计最多 4 位小数"),
            MoneyUnit::Wan => format!("金额“{v}”：以万元计时应为整数"),
        });
    }
    Ok(Wan(rounded as i64))
}

fn int_to_wan(v: i64, unit: MoneyUnit) -> Result<Wan, String> {
    if v < 0 {
        return Err(format!("金额“{v}”不能为负数"));
    }
    let wan = match unit {
        MoneyUnit::Yi => v.checked_mul(10_000),
        MoneyUnit::Wan => Some(v),
    };
    match wan {
        Some(w) if w <= MAX_YI * 10_000 => Ok(Wan(w)),
        _ => Err(format!("金额“{v}”超过 {MAX_YI} 亿元")),
    }
}

fn is_year_separator(c: char) -> bool {
    matches!(c, '-' | '—' | '–' | '―' | '－' | '−' | '‐' | '～' | '~' | '〜' | '至')
}

/// 建设起止年限: "2025-2026", "2025—2026", "2025～2026", "2025年-2026年", "2025" (one year),
/// "2025—" or "—2026" (one end unknown), "" (unknown).
fn parse_years(text: &str) -> Result<(Option<i32>, Option<i32>), String> {
    let original = text.trim();
    let s: String = original.chars().filter(|c| !c.is_whitespace() && *c != '年').collect();
    if s.is_empty() {
        return Ok((None, None));
    }
    let bad = || format!("建设起止年限“{original}”格式不正确，应如“2025—2026”或“2025”");
    let year = |y: &str| -> Result<Option<i32>, String> {
        if y.is_empty() {
            return Ok(None);
        }
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let y: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2099).contains(&y) {
            return Err(format!("年份 {y} 应在 2000—2099 之间"));
        }
        Ok(Some(y))
    };
    let (start, end) = match s.find(is_year_separator) {
        None => {
            let y = year(&s)?;
            (y, y)
        }
        Some(i) => {
            let (left, right) = (&s[..i], s[i..].trim_start_matches(is_year_separator));
            if left.is_empty() && right.is_empty() {
                return Err(bad());
            }
            (year(left)?, year(right)?)
        }
    };
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(format!("开工年份 {s} 不能晚于完工年份 {e}"));
    }
    Ok((start, end))
}

// ---------------------------------------------------------------------------------------------
// Error workbook
// ---------------------------------------------------------------------------------------------

/// A copy of the uploaded sheet (cell values only) with a last column 错误 holding each row's
/// reasons joined with "；", highlighted, and the offending cells shaded. Errors about the
/// header (or the whole file) go into the 错误 header cell.
pub fn error_workbook(bytes: &[u8], errors: &[CellError]) -> Result<Vec<u8>, String> {
    write_error_workbook(bytes, errors).map_err(|e| e.to_string())
}

fn write_error_workbook(bytes: &[u8], errors: &[CellError]) -> Result<Vec<u8>, ReportError> {
    let sheet = Sheet::read(bytes)?;
    let header_row = sheet.header_row().unwrap_or(0);
    let (last_row, last_col) = match sheet.end() {
        Some((r, c)) => (r, c + 1),
        None => (0, 0),
    };
    let error_col = last_col;

    // Reasons by 0-based row, and the cells to shade.
    let mut reasons: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut bad_cells: BTreeSet<(u32, u32)> = BTreeSet::new();
    for e in errors {
        let row = if e.row == 0 { header_row } else { e.row - 1 };
        let reason = if e.column.is_empty() { e.reason.clone() } else { format!("{}：{}", e.column, e.reason) };
        reasons.entry(row).or_default().push(reason);
        if !e.column.is_empty()
            && let Some(c) = (0..last_col).find(|&c| header_display(&sheet.text(header_row, c)) == e.column)
            && row != header_row
        {
            bad_cells.insert((row, c));
        }
    }

    let plain = Format::new();
    let shaded = Format::new().set_background_color(Color::RGB(0xFFEB9C));
    let header_format = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_font_color(Color::RGB(0x9C0006))
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_border(FormatBorder::Thin);
    let error_format = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_color(Color::RGB(0x9C0006))
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_border(FormatBorder::Thin);

    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    if ws.set_name(sheet.name.as_str()).is_err() {
        ws.set_name(SHEET_NAME)?;
    }
    if sheet.end().is_some() {
        for r in 0..=last_row {
            for c in 0..last_col {
                let format = if bad_cells.contains(&(r, c)) { &shaded } else { &plain };
                copy_cell(ws, r, to_col(c)?, sheet.cell(r, c), format)?;
            }
        }
    }
    let ec = to_col(error_col)?;
    let header_text = match reasons.remove(&header_row) {
        Some(list) => format!("{ERROR_HEADER}（表头：{}）", list.join("；")),
        None => ERROR_HEADER.to_string(),
    };
    ws.write_string_with_format(header_row, ec, header_text, &header_format)?;
    for (row, list) in reasons {
        ws.write_string_with_format(row, ec, list.join("；"), &error_format)?;
    }
    for c in 0..last_col {
        ws.set_column_width(to_col(c)?, 14)?;
    }
    ws.set_column_width(ec, 50)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    Ok(workbook.save_to_buffer()?)
}

fn to_col(c: u32) -> Result<ColNum, XlsxError> {
    ColNum::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

fn copy_cell(ws: &mut Worksheet, r: RowNum, c: ColNum, cell: Option<&Data>, format: &Format) -> Result<(), XlsxError> {
    match cell {
        None | Some(Data::Empty) => {
            ws.write_blank(r, c, format)?;
        }
        Some(Data::String(s)) => {
            ws.write_string_with_format(r, c, s, format)?;
        }
        Some(Data::Float(f)) => {
            ws.write_number_with_format(r, c, *f, format)?;
        }
        Some(Data::Int(i)) => {
            ws.write_number_with_format(r, c, *i as f64, format)?;
        }
        Some(Data::Bool(b)) => {
            ws.write_boolean_with_format(r, c, *b, format)?;
        }
        Some(Data::DateTime(dt)) => {
            let pattern = if dt.is_duration() {
                "[h]:mm:ss"
            } else if dt.as_f64().fract() == 0.0 {
                "yyyy-mm-dd"
            } else {
                "yyyy-mm-dd hh:mm"
            };
            ws.write_number_with_format(r, c, dt.as_f64(), &format.clone().set_num_format(pattern))?;
        }
        Some(d @ (Data::DateTimeIso(_) | Data::DurationIso(_) | Data::Error(_))) => {
            ws.write_string_with_format(r, c, d.to_string(), format)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell of a hand-made test sheet.
    #[derive(Clone, Copy)]
    enum V {
        S(&'static str),
        N(f64),
        E,
    }
    use V::{E, N, S};

    fn workbook(rows: &[Vec<V>]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in (0..).zip(rows) {
            for (c, v) in (0..).zip(row) {
                match *v {
                    S(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    N(n) => {
                        ws.write_number(r, c, n).unwrap();
                    }
                    E => {}
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    fn read(bytes: &[u8]) -> Sheet {
        Sheet::read(bytes).unwrap()
    }

    fn project(name: &str, total: i64, planned: Option<i64>, category: &str) -> PlanRow {
        PlanRow {
            name: name.to_string(),
            content: format!("{name}的建设内容，新建厂房及配套设施"),
            total: Wan(total),
            planned_this_year: planned.map(Wan),
            start_year: Some(2025),
            end_year: Some(2026),
            category: category.to_string(),
            chain: "新材料".to_string(),
            key_level: "省级".to_string(),
            unit: "招商服务局".to_string(),
            leader: "张三".to_string(),
            progress: "已完成备案，正在办理施工许可".to_string(),
        }
    }

    /// 57 产业类 projects and 1 基础设施类 project totalling 273.76 亿元.
    fn big_table() -> PlanTable {
        let mut rows: Vec<PlanRow> = (1..=57)
            .map(|i| project(&format!("产业项目{i}"), 44_800, Some(1_000), INDUSTRY)) // 4.48 / 0.1 亿元
            .collect();
        rows[0].total = Wan(9_500); // 0.95
        rows[1].total = Wan(80_100); // 8.01, keeping the sum
        rows[2].planned_this_year = None;
        rows[2].start_year = Some(2025);
        rows[2].end_year = Some(2025);
        rows[3].start_year = None;
        rows[3].end_year = None;
        rows[4].end_year = None;
        rows[5].total = Wan(44_801); // 4.4801: a 4th decimal survives the float cell
        rows[6].total = Wan(44_799);
        rows[7].content = "第一期：厂房 12 万平方米\n第二期：研发楼".to_string();
        rows.push(project("园区道路提升工程", 184_000, None, INFRASTRUCTURE)); // 18.4
        PlanTable { zone_name: "示范经济技术开发区".to_string(), year: 2025, rows }
    }

    #[test]
    fn export_then_import_gives_back_the_rows() {
        let table = big_table();
        let bytes = export(&table).unwrap();
        let rows = import(&bytes).unwrap();
        assert_eq!(rows.len(), 58);
        assert_eq!(rows, table.rows);
        assert_eq!(rows[0].total, Wan(9_500));
    }

    #[test]
    fn export_groups_numbers_and_totals_exactly_as_values() {
        let mut table = big_table();
        // Put the infrastructure project first: the export still lists 产业类 first.
        let infra = table.rows.pop().unwrap();
        table.rows.insert(0, infra);
        let sheet = read(&export(&table).unwrap());
        assert_eq!(sheet.name, SHEET_NAME);
        assert_eq!(sheet.text(0, 0), "示范经济技术开发区2025年项目谋划表");
        for (c, h) in (0..).zip(HEADERS) {
            assert_eq!(sheet.text(1, c), h);
        }
        // Rows 3..=59 are 产业类 (序号 1..57), then the subtotal, the infrastructure project,
        // its subtotal and the grand total.
        assert_eq!(sheet.text(2, 0), "1");
        assert_eq!(sheet.text(2, 1), "产业项目1");
        assert_eq!(sheet.text(58, 0), "57");
        assert_eq!(sheet.text(59, 1), "产业类小计（57 个）");
        assert_eq!(sheet.text(60, 0), "58");
        assert_eq!(sheet.text(60, 1), "园区道路提升工程");
        assert_eq!(sheet.text(61, 1), "基础设施类小计（1 个）");
        assert_eq!(sheet.text(62, 1), "合计（58 个）");
        assert_eq!(sheet.end().unwrap().0, 62);

        let money = |r, c| match sheet.cell(r, c) {
            Some(Data::Float(f)) => float_to_wan(*f, MoneyUnit::Yi).unwrap(),
            other => panic!("row {r} col {c}: expected a number, got {other:?}"),
        };
        assert_eq!(money(2, 3), Wan(9_500));
        assert_eq!(money(59, 3), Wan(2_553_600)); // 255.36
        assert_eq!(money(59, 4), Wan(56_000)); // 56 × 0.1: exact, no float drift
        assert_eq!(money(61, 3), Wan(184_000));
        assert!(is_blank(sheet.cell(61, 4)), "no planned amount in the group: left blank");
        assert_eq!(money(62, 3), Wan(2_737_600)); // 273.76
        assert_eq!(money(62, 4), Wan(56_000));
        assert_eq!(sheet.text(4, 5), "2025"); // start = end
        assert_eq!(sheet.text(5, 5), ""); // unknown
        assert_eq!(sheet.text(6, 5), "2025—");
        assert_eq!(sheet.text(7, 5), "2025—2026");

        // Subtotal and total rows are skipped on import.
        let rows = import(&export(&table).unwrap()).unwrap();
        assert_eq!(rows.len(), 58);
        assert_eq!(rows[57].category, INFRASTRUCTURE);
    }

    #[test]
    fn empty_table_exports_and_imports_as_empty() {
        let table = PlanTable { zone_name: "开发区".to_string(), year: 2026, rows: vec![] };
        let bytes = export(&table).unwrap();
        assert_eq!(read(&bytes).text(2, 1), "合计（0 个）");
        assert_eq!(import(&bytes).unwrap(), vec![]);
    }

    #[test]
    fn import_reads_text_numbers_header_variants_and_year_formats() {
        let bytes = workbook(&[
            vec![S("2025年项目谋划表")],
            vec![],
            vec![
                S("序 号"),
                S("项 目 名 称"),
                S("总投资(亿元)"),
                S("2025年计划投资\n（亿元）"),
                S("建设起止年限"),
                S("项目类别"),
                S("备注"),
            ],
            vec![N(1.0), S("甲项目"), S("0.95"), S("0.5"), S("2025-2026"), S("产业类"), S("x")],
            vec![N(2.0), S("乙项目"), S("2.6亿元"), N(0.95), S("2025～2026"), S("产业类")],
            vec![N(3.0), S("丙项目"), S("1,234.5"), S("9500万元"), S("2025年-2026年"), S("基础设施类")],
            vec![N(4.0)], // a pre-numbered empty row
            vec![],
            vec![E, S("丁项目"), N(273.76), E, N(2027.0), S(" 基础设施类 ")],
            vec![S("合计"), E, S("不是数字"), E, E, E],
        ]);
        let rows = import(&bytes).unwrap();
        let got: Vec<_> =
            rows.iter().map(|r| (r.name.as_str(), r.total, r.planned_this_year, r.start_year, r.end_year)).collect();
        assert_eq!(
            got,
            vec![
                ("甲项目", Wan(9_500), Some(Wan(5_000)), Some(2025), Some(2026)),
                ("乙项目", Wan(26_000), Some(Wan(9_500)), Some(2025), Some(2026)),
                ("丙项目", Wan(12_345_000), Some(Wan(9_500)), Some(2025), Some(2026)),
                ("丁项目", Wan(2_737_600), None, Some(2027), Some(2027)),
            ]
        );
        assert_eq!(rows[3].category, INFRASTRUCTURE);
        assert_eq!(rows[0].content, "", "missing optional columns are empty");
    }

    #[test]
    fn import_converts_wan_headers() {
        let bytes = workbook(&[
            vec![S("项目名称"), S("总投资（万元）"), S("年度计划投资(万元)"), S("项目类别")],
            vec![S("甲"), N(9_500.0), N(3_000.0), S("产业类")],
            vec![S("乙"), S("12,000"), S("1.2亿元"), S("产业类")],
            vec![S("丙"), N(1.0), E, S("基础设施类")],
        ]);
        let rows = import(&bytes).unwrap();
        let got: Vec<_> = rows.iter().map(|r| (r.total, r.planned_this_year)).collect();
        assert_eq!(got, vec![(Wan(9_500), Some(Wan(3_000))), (Wan(12_000), Some(Wan(12_000))), (Wan(1), None)]);

        let bad = workbook(&[
            vec![S("项目名称"), S("总投资（万元）"), S("项目类别")],
            vec![S("甲"), N(9_500.5), S("产业类")],
            vec![S("乙"), S("0.5"), S("产业类")],
        ]);
        let errors = import(&bad).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.column == "总投资（万元）" && e.reason.contains("整数")), "{errors:?}");
    }

    #[test]
    fn import_reports_every_bad_cell_and_no_rows() {
        let long_name: &'static str = "长".repeat(201).leak();
        let bytes = workbook(&[
            vec![S("某开发区2025年项目谋划表")],
            vec![
                S("序号"),
                S("项目名称"),
                S("总投资（亿元）"),
                S("年度计划投资（亿元）"),
                S("建设起止年限"),
                S("项目类别"),
            ],
            vec![N(1.0), S("甲项目"), S("abc"), E, S("2025-2026"), S("产业类")],
            vec![N(2.0), E, N(3.0), E, E, S("产业类")],
            vec![N(3.0), S("丙项目"), N(1.0), N(2.0), S("2027-2025"), E],
            vec![N(4.0), S("丁项目"), N(-1.0), E, S("1999"), S("其他类")],
            vec![N(5.0), S("戊项目"), N(1.23456), E, S("2025年至2026年"), S("产业类")],
            vec![N(6.0), S(long_name), S("10000.5"), E, S("明年"), S("产业类")],
            vec![N(7.0), S("庚项目"), E, S("x"), E, S("基础设施类")],
            vec![E, S("产业类小计（7 个）"), S("#REF!"), E, E, E],
            vec![N(8.0), S("辛项目"), N(3.0), N(1.0), S("2025"), S("产业类")],
        ]);
        let errors = import(&bytes).unwrap_err();
        let got: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "总投资（亿元）"),
                (4, "项目名称"),
                (5, "年度计划投资（亿元）"),
                (5, "建设起止年限"),
                (5, "项目类别"),
                (6, "总投资（亿元）"),
                (6, "建设起止年限"),
                (6, "项目类别"),
                (7, "总投资（亿元）"),
                (8, "项目名称"),
                (8, "总投资（亿元）"),
                (8, "建设起止年限"),
                (9, "总投资（亿元）"),
                (9, "年度计划投资（亿元）"),
            ],
            "{errors:#?}"
        );
        let reason = |row: u32, column: &str| {
            errors.iter().find(|e| e.row == row && e.column == column).map(|e| e.reason.as_str()).unwrap()
        };
        assert!(reason(3, "总投资（亿元）").contains("不是数字"));
        assert_eq!(reason(4, "项目名称"), "项目名称不能为空");
        assert_eq!(reason(5, "项目类别"), "项目类别不能为空");
        assert!(reason(5, "年度计划投资（亿元）").contains("不能超过总投资"));
        assert!(reason(5, "建设起止年限").contains("不能晚于"));
        assert!(reason(6, "项目类别").contains("产业类"));
        assert!(reason(6, "总投资（亿元）").contains("负数"));
        assert!(reason(6, "建设起止年限").contains("2000"));
        assert!(reason(7, "总投资（亿元）").contains("4 位小数"));
        assert!(reason(8, "项目名称").contains("200"));
        assert!(reason(8, "总投资（亿元）").contains("超过"));
        assert!(reason(8, "建设起止年限").contains("格式不正确"));
        assert_eq!(reason(9, "总投资（亿元）"), "总投资不能为空");
        assert_eq!(errors[0].to_string(), format!("第 3 行“总投资（亿元）”：{}", errors[0].reason));
    }

    #[test]
    fn a_sheet_without_name_or_total_columns_is_refused() {
        let no_name = workbook(&[
            vec![S("序号"), S("名称"), S("总投资（亿元）"), S("项目类别")],
            vec![N(1.0), S("甲"), N(1.0), S("产业类")],
        ]);
        let errors = import(&no_name).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "项目名称"));

        let no_total = workbook(&[
            vec![S("标题")],
            vec![S("项目名称"), S("投资"), S("项目类别")],
            vec![S("甲"), N(1.0), S("产业类")],
        ]);
        let errors = import(&no_total).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "总投资"));
        assert!(errors[0].reason.contains("缺少"));

        let bad_unit =
            workbook(&[vec![S("项目名称"), S("总投资（元）"), S("项目类别")], vec![S("甲"), N(1.0), S("产业类")]]);
        let errors = import(&bad_unit).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].row, errors[0].column.as_str()), (1, "总投资（元）"));
        assert!(errors[0].reason.contains("单位"));
    }

    #[test]
    fn unreadable_files_are_refused() {
        let errors = import(b"not a spreadsheet").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 0);
        assert!(errors[0].to_string().starts_with("文件："));
        assert!(error_workbook(b"not a spreadsheet", &errors).is_err());
    }

    #[test]
    fn error_workbook_copies_the_sheet_and_adds_the_reasons() {
        let bytes = workbook(&[
            vec![S("某开发区2025年项目谋划表")],
            vec![S("项目名称"), S("总投资（亿元）"), S("建设起止年限"), S("项目类别")],
            vec![S("甲项目"), S("abc"), S("2027-2025"), S("产业类")],
            vec![S("乙项目"), N(0.95), E, S("产业类")],
            vec![E, N(2.0), E, S("其他")],
        ]);
        let errors = import(&bytes).unwrap_err();
        assert_eq!(errors.len(), 4);
        let out = read(&error_workbook(&bytes, &errors).unwrap());
        assert_eq!(out.text(0, 0), "某开发区2025年项目谋划表");
        assert_eq!(out.text(1, 4), ERROR_HEADER);
        assert_eq!(out.text(2, 0), "甲项目");
        assert_eq!(out.text(2, 1), "abc");
        assert_eq!(out.text(3, 1), "0.95");
        let reasons = out.text(2, 4);
        assert!(reasons.starts_with("总投资（亿元）：") && reasons.contains("；建设起止年限："), "{reasons}");
        assert_eq!(out.text(3, 4), "", "a valid row has no reason");
        assert!(out.text(4, 4).starts_with("项目名称：项目名称不能为空；项目类别："));
    }

    #[test]
    fn float_cells_become_exact_wan() {
        let yi = |v| float_to_wan(v, MoneyUnit::Yi);
        assert_eq!(yi(0.95), Ok(Wan(9_500)));
        assert_eq!(yi(273.76), Ok(Wan(2_737_600)));
        assert_eq!(yi(0.30000000000000004), Ok(Wan(3_000))); // 0.1 + 0.2 computed by a spreadsheet
        assert_eq!(yi(1.2345), Ok(Wan(12_345)));
        assert_eq!(yi(10_000.0), Ok(Wan(100_000_000)));
        assert!(yi(1.23456).unwrap_err().contains("4 位小数"));
        assert!(yi(-0.5).unwrap_err().contains("负数"));
        assert!(yi(10000.0001).unwrap_err().contains("超过"));
        assert!(yi(f64::NAN).is_err());
        for wan in [1, 9_500, 12_345, 44_801, 2_737_600, 99_999_999, 100_000_000] {
            assert_eq!(yi(yi_for_sheet(Wan(wan))), Ok(Wan(wan)), "{wan}");
        }
        assert_eq!(float_to_wan(9_500.0, MoneyUnit::Wan), Ok(Wan(9_500)));
        assert_eq!(int_to_wan(3, MoneyUnit::Yi), Ok(Wan(30_000)));
        assert!(int_to_wan(10_001, MoneyUnit::Yi).is_err());
    }

    #[test]
    fn year_ranges() {
        for ok in ["2025-2026", "2025—2026", "2025～2026", "2025年-2026年", "2025 — 2026", "2025——2026", "2025至2026"]
        {
            assert_eq!(parse_years(ok), Ok((Some(2025), Some(2026))), "{ok}");
        }
        assert_eq!(parse_years("2025"), Ok((Some(2025), Some(2025))));
        assert_eq!(parse_years("2025年"), Ok((Some(2025), Some(2025))));
        assert_eq!(parse_years(""), Ok((None, None)));
        assert_eq!(parse_years("2025—"), Ok((Some(2025), None)));
        assert_eq!(parse_years("—2026"), Ok((None, Some(2026))));
        for (bad, why) in [("2026-2025", "晚于"), ("1999", "2000"), ("2100", "2000"), ("25-26", "格式"), ("—", "格式")]
        {
            assert!(parse_years(bad).unwrap_err().contains(why), "{bad}");
        }
        for (s, e) in
            [(Some(2025), Some(2026)), (Some(2025), Some(2025)), (Some(2025), None), (None, Some(2026)), (None, None)]
        {
            assert_eq!(parse_years(&format_years(s, e)), Ok((s, e)));
        }
    }

    #[test]
    fn headers_are_recognised() {
        let cases = [
            ("总投资（亿元）", Some((Field::Total, MoneyUnit::Yi))),
            ("总投资(亿元)", Some((Field::Total, MoneyUnit::Yi))),
            ("总 投 资", Some((Field::Total, MoneyUnit::Yi))),
            ("总投资（万元）", Some((Field::Total, MoneyUnit::Wan))),
            ("年度计划投资 (万元)", Some((Field::Planned, MoneyUnit::Wan))),
            ("2025年度计划投资", Some((Field::Planned, MoneyUnit::Yi))),
            ("进展情况（截至6月底）", Some((Field::Progress, MoneyUnit::Yi))),
            ("备注", None),
        ];
        for (header, want) in cases {
            assert_eq!(classify(header), Ok(want), "{header}");
        }
        assert!(classify("总投资（美元）").is_err());
    }
}
