//! Reading an uploaded sheet by its column headers: the first sheet of a workbook, the header
//! row found by one key header among the first rows, the columns matched by name (whitespace and
//! full-/half-width parentheses ignored), and every non-blank row below as text — dates written
//! as `YYYY-MM-DD` whether the cell holds a date or text. Import modules turn these texts into
//! forms and report problems as [`CellError`]s with the sheet's row number and header.

use std::io::Cursor;

pub use calamine::{Data, Range};
use calamine::{Reader, open_workbook_auto_from_rs};
use chrono::{Duration, NaiveDate};

pub use crate::plan_table::CellError;
use crate::plan_table::normalize_header;

/// How many rows from the top are searched for the header row.
const HEADER_SEARCH_ROWS: u32 = 10;

/// The rows of a sheet, as text, in the order of the columns asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// The headers as written in the sheet, per column asked for ("" when absent).
    pub headers: Vec<String>,
    /// (1-based sheet row, the cells' texts).
    pub rows: Vec<(u32, Vec<String>)>,
}

/// One column asked for: its header, other names accepted for it, and whether it must exist.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub header: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl Col {
    pub const fn required(header: &'static str) -> Col {
        Col { header, aliases: &[], required: true }
    }
    pub const fn optional(header: &'static str) -> Col {
        Col { header, aliases: &[], required: false }
    }
    pub const fn with_aliases(self, aliases: &'static [&'static str]) -> Col {
        Col { aliases, ..self }
    }

    fn matches(&self, text: &str) -> bool {
        let t = normalize_header(text);
        !t.is_empty() && (t == normalize_header(self.header) || self.aliases.iter().any(|a| normalize_header(a) == t))
    }
}

fn whole_file(reason: impl Into<String>) -> Vec<CellError> {
    vec![CellError { row: 0, column: String::new(), reason: reason.into() }]
}

/// The text of a cell; a date cell as `YYYY-MM-DD`, a whole number without decimals.
pub fn cell_text(cell: Option<&Data>) -> String {
    match cell {
        None | Some(Data::Empty) => String::new(),
        Some(Data::DateTime(dt)) if !dt.is_duration() => excel_date(dt.as_f64())
            .map(|d| if dt.as_f64().fract() == 0.0 { d.format("%Y-%m-%d").to_string() } else { dt.to_string() })
            .unwrap_or_else(|| dt.to_string()),
        Some(Data::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Some(d) => d.to_string().trim().to_string(),
    }
}

/// The date of an Excel serial day number (1900 date system).
fn excel_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    // a crafted file can hold any number in a date cell: out of chrono's range is no date (found
    // by fuzz/import_grid: `Duration::days` panicked on 1e300)
    base.checked_add_signed(Duration::try_days(serial.floor() as i64)?)
}

/// Reads the first sheet of `bytes`: the header row is the first of the top rows that has a cell
/// matching `cols[key]`; required columns missing are errors naming them.
pub fn read(bytes: &[u8], cols: &[Col], key: usize) -> Result<Rows, Vec<CellError>> {
    read_grid(&first_sheet(bytes)?, cols, key)
}

/// The cells of the first sheet of an uploaded workbook (after the upload gate), with absolute
/// (0-based) positions.
pub fn first_sheet(bytes: &[u8]) -> Result<Range<Data>, Vec<CellError>> {
    crate::untrusted::check(bytes).map_err(|r| whole_file(r.0))?;
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| whole_file(format!("无法读取 Excel 文件，请上传 .xlsx、.xls 或 .ods 格式的表格（{e}）")))?;
    match wb.worksheet_range_at(0) {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(whole_file(format!("无法读取第一个工作表（{e}）"))),
        None => Err(whole_file("表格中没有工作表")),
    }
}

/// As [`read`], on cells already read (the mapper alone: no file, no gate).
pub fn read_grid(range: &Range<Data>, cols: &[Col], key: usize) -> Result<Rows, Vec<CellError>> {
    let Some((last_row, last_col)) = range.end() else {
        return Err(whole_file("表格是空的"));
    };
    let text = |r: u32, c: u32| cell_text(range.get_value((r, c)));
    let Some(header_row) =
        (0..HEADER_SEARCH_ROWS.min(last_row + 1)).find(|&r| (0..=last_col).any(|c| cols[key].matches(&text(r, c))))
    else {
        return Err(whole_file(format!("前 {HEADER_SEARCH_ROWS} 行中找不到表头“{}”", cols[key].header)));
    };
    let mut index = Vec::with_capacity(cols.len());
    let mut headers = Vec::with_capacity(cols.len());
    let mut errors = Vec::new();
    for col in cols {
        let found = (0..=last_col).find(|&c| col.matches(&text(header_row, c)));
        if found.is_none() && col.required {
            errors.push(CellError {
                row: header_row + 1,
                column: String::new(),
                reason: format!("缺少“{}”列", col.header),
            });
        }
        headers.push(found.map(|c| text(header_row, c).replace(['\n', '\r'], "")).unwrap_or_default());
        index.push(found);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for r in header_row + 1..=last_row {
        let cells: Vec<String> = index.iter().map(|c| c.map(|c| text(r, c)).unwrap_or_default()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((r + 1, cells));
    }
    Ok(Rows { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Cell, export};

    #[test]
    fn reads_by_header_in_any_column_order_and_skips_blank_rows() {
        let rows = vec![
            vec![Cell::from("调休上班"), Cell::from("2025-09-28")],
            vec![Cell::Empty, Cell::Empty],
            vec![Cell::from("放假"), Cell::from("2025-10-01")],
        ];
        let bytes = export("日历", "2025 年工作日历", &["类型", "日期"], &rows).unwrap();
        let cols = [Col::required("日期"), Col::required("类型"), Col::optional("名称")];
        let got = read(&bytes, &cols, 0).unwrap();
        assert_eq!(got.headers, ["日期", "类型", ""]);
        assert_eq!(
            got.rows,
            vec![
                (3, vec!["2025-09-28".to_string(), "调休上班".into(), String::new()]),
                (5, vec!["2025-10-01".to_string(), "放假".into(), String::new()]),
            ]
        );
        let err = read(&bytes, &[Col::required("日期"), Col::required("名称（节日）")], 0).unwrap_err();
        assert_eq!(err[0].reason, "缺少“名称（节日）”列");
        assert_eq!(err[0].row, 2);
        assert!(read(b"not a workbook", &cols, 0).unwrap_err()[0].reason.contains("不是 Excel 表格"));
    }

    #[test]
    fn a_date_cell_out_of_range_is_text_not_a_panic() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        for v in [1e300, -1e300, 9.2e18, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let cell = Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
            assert!(!cell_text(Some(&cell)).is_empty() || v.is_nan(), "{v}");
        }
        assert_eq!(excel_date(1e300), None);
        assert_eq!(excel_date(46022.0), NaiveDate::from_ymd_opt(2025, 12, 31));
    }

    #[test]
    fn excel_serial_dates_become_iso_dates() {
        assert_eq!(excel_date(45_928.0), NaiveDate::from_ymd_opt(2025, 9, 28));
        assert_eq!(excel_date(1.0), NaiveDate::from_ymd_opt(1899, 12, 31));
    }
}
