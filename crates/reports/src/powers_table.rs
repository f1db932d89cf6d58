//! The 审批权限清单 as a workbook: export (序号, 事项名称, 类别, 委托部门, 设定依据, 法定时限,
//! 承诺时限, 是否承诺制), import (headers matched by name in the first rows, cells read as
//! text; the store checks every row) and the error workbook (the sheet with an 错误 column).

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

use crate::plan_table::CellError;
use crate::table::{self, Cell};

pub const SHEET: &str = "审批权限清单";

/// The columns, in export order.
pub const HEADERS: [&str; 8] =
    ["序号", "事项名称", "类别", "委托部门", "设定依据", "法定时限（工作日）", "承诺时限（工作日）", "是否承诺制"];

/// Rows searched for the header.
const HEADER_SEARCH_ROWS: usize = 10;

/// One power as the sheet holds it (text; numbers without decimals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PowerRow {
    pub seq: String,
    pub name: String,
    /// The category's Chinese label.
    pub category: String,
    pub department: String,
    pub legal_basis: String,
    pub statutory_days: String,
    pub promised_days: String,
    /// 是 / 否.
    pub commitment: String,
}

fn int_or_text(s: &str) -> Cell {
    match s.trim().parse::<i64>() {
        Ok(n) => Cell::Int(n),
        Err(_) => Cell::Text(s.to_string()),
    }
}

/// Writes the list under `title`.
pub fn export(title: &str, rows: &[PowerRow]) -> Result<Vec<u8>, String> {
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                int_or_text(&r.seq),
                r.name.clone().into(),
                r.category.clone().into(),
                r.department.clone().into(),
                r.legal_basis.clone().into(),
                int_or_text(&r.statutory_days),
                int_or_text(&r.promised_days),
                r.commitment.clone().into(),
            ]
        })
        .collect();
    table::export(SHEET, title, &HEADERS, &cells)
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD.
fn text(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.trim().to_string(),
        Some(Data::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
        Some(other) => other.to_string().trim().to_string(),
    }
}

/// Normalises a header: no spaces, full-width brackets.
fn header_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace('(', "（").replace(')', "）")
}

fn file_error(reason: String) -> Vec<CellError> {
    vec![CellError { row: 0, column: String::new(), reason }]
}

/// Reads the first sheet: each power with its 1-based sheet row. Blank rows are skipped.
pub fn import(bytes: &[u8]) -> Result<Vec<(u32, PowerRow)>, Vec<CellError>> {
    // the upload gate first, as every import (found by fuzz/xlsx_bytes: this one skipped it)
    crate::untrusted::check(bytes).map_err(|r| file_error(r.0))?;
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| file_error(format!("无法读取 Excel 文件，请上传 .xlsx、.xls 或 .ods 格式的表格（{e}）")))?;
    let name = wb.sheet_names().first().cloned().ok_or_else(|| file_error("表格中没有工作表".into()))?;
    let range = wb.worksheet_range(&name).map_err(|e| file_error(format!("无法读取工作表“{name}”：{e}")))?;
    import_grid(&range)
}

/// As [`import`], on the cells of the first sheet already read (the mapper alone).
pub fn import_grid(range: &Range<Data>) -> Result<Vec<(u32, PowerRow)>, Vec<CellError>> {
    let (h, w) = range.get_size();
    let cell = |r: usize, c: usize| text(range.get((r, c)));
    let header_row = (0..h.min(HEADER_SEARCH_ROWS))
        .find(|&r| (0..w).any(|c| header_key(&cell(r, c)) == HEADERS[1]))
        .ok_or_else(|| {
            vec![CellError {
                row: 1,
                column: HEADERS[1].into(),
                reason: format!("前 {HEADER_SEARCH_ROWS} 行中没有找到表头：缺少“事项名称”列"),
            }]
        })?;
    let mut cols: BTreeMap<&str, usize> = BTreeMap::new();
    for c in 0..w {
        let k = header_key(&cell(header_row, c));
        if let Some(hd) = HEADERS.iter().find(|hd| header_key(hd) == k || (k.starts_with(*hd) && hd.len() > 6)) {
            cols.entry(hd).or_insert(c);
        }
    }
    let missing: Vec<CellError> = ["事项名称", "类别", "法定时限（工作日）", "承诺时限（工作日）"]
        .iter()
        .filter(|hd| !cols.contains_key(*hd))
        .map(|hd| CellError {
            row: header_row as u32 + 1, column: hd.to_string(), reason: format!("表头缺少“{hd}”列")
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let get = |r: usize, hd: &str| cols.get(hd).map(|&c| cell(r, c)).unwrap_or_default();
    let mut rows = Vec::new();
    for r in header_row + 1..h {
        let row = PowerRow {
            seq: get(r, "序号"),
            name: get(r, "事项名称"),
            category: get(r, "类别"),
            department: get(r, "委托部门"),
            legal_basis: get(r, "设定依据"),
            statutory_days: get(r, "法定时限（工作日）"),
            promised_days: get(r, "承诺时限（工作日）"),
            commitment: get(r, "是否承诺制"),
        };
        let blank = PowerRow { seq: String::new(), ..row.clone() } == PowerRow::default();
        if !blank {
            rows.push((r as u32 + 1, row));
        }
    }
    Ok(rows)
}

/// A copy of the uploaded sheet (values only) with a last column 错误 giving each row's reasons,
/// the offending cells shaded; errors about the whole file go into the 错误 header.
pub fn error_workbook(bytes: &[u8], errors: &[CellError]) -> Result<Vec<u8>, String> {
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| e.to_string())?;
    let name = wb.sheet_names().first().cloned().unwrap_or_else(|| SHEET.to_string());
    let range = wb.worksheet_range(&name).map_err(|e| e.to_string())?;
    let (h, w) = range.get_size();
    let header_row = (0..h.min(HEADER_SEARCH_ROWS))
        .find(|&r| (0..w).any(|c| header_key(&text(range.get((r, c)))) == HEADERS[1]))
        .unwrap_or(0);
    let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut shaded = std::collections::BTreeSet::new();
    for e in errors {
        let row = if e.row == 0 { header_row } else { e.row as usize - 1 };
        reasons.entry(row).or_default().push(if e.column.is_empty() {
            e.reason.clone()
        } else {
            format!("{}：{}", e.column, e.reason)
        });
        if let Some(c) = (0..w).find(|&c| header_key(&text(range.get((header_row, c)))) == header_key(&e.column)) {
            shaded.insert((row, c));
        }
    }
    let mut out = Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name(SHEET).map_err(err)?;
    let plain = Format::new();
    let bad = Format::new().set_background_color(Color::RGB(0xFFEB9C));
    let red = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_color(Color::RGB(0x9C0006))
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_border(FormatBorder::Thin);
    for r in 0..h {
        for c in 0..w {
            let f = if shaded.contains(&(r, c)) { &bad } else { &plain };
            let v = text(range.get((r, c)));
            match range.get((r, c)) {
                Some(Data::Float(x)) => ws.write_number_with_format(r as u32, c as u16, *x, f).map(|_| ()),
                Some(Data::Int(x)) => ws.write_number_with_format(r as u32, c as u16, *x as f64, f).map(|_| ()),
                _ => ws.write_string_with_format(r as u32, c as u16, v, f).map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    let ec = w as u16;
    ws.set_column_width(ec, 60).map_err(err)?;
    let head = match reasons.remove(&header_row) {
        Some(l) => format!("错误（表头：{}）", l.join("；")),
        None => "错误".to_string(),
    };
    ws.write_string_with_format(header_row as u32, ec, head, &red).map_err(err)?;
    for (r, l) in reasons {
        ws.write_string_with_format(r as u32, ec, l.join("；"), &red).map_err(err)?;
    }
    out.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_pass_the_gate_first() {
        let gate = crate::untrusted::check(b"").unwrap_err().0;
        let e = import(b"").unwrap_err();
        assert!(e[0].reason.contains(&gate), "{e:?}");
    }

    fn row(i: usize) -> PowerRow {
        PowerRow {
            seq: (i + 1).to_string(),
            name: format!("建设工程规划许可证核发{i}"),
            category: "行政许可".into(),
            department: "县自然资源局".into(),
            legal_basis: "《中华人民共和国城乡规划法》".into(),
            statutory_days: "20".into(),
            promised_days: "7".into(),
            commitment: if i.is_multiple_of(2) { "是" } else { "否" }.into(),
        }
    }

    #[test]
    fn round_trip() {
        let rows: Vec<PowerRow> = (0..3).map(row).collect();
        let bytes = export("审批权限清单（3 项）", &rows).unwrap();
        let back = import(&bytes).unwrap();
        assert_eq!(back.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), rows);
        assert_eq!(back[0].0, 3, "title row, header row, then the first power on row 3");
    }

    #[test]
    fn missing_columns_and_error_workbook() {
        let bytes = table::export("x", "x", &["序号", "事项名称"], &[vec![Cell::Int(1), "某事项".into()]]).unwrap();
        let errors = import(&bytes).unwrap_err();
        assert!(errors.iter().any(|e| e.column == "类别" && e.reason.contains("缺少")));
        let bytes = export("t", &[row(0)]).unwrap();
        let e = vec![CellError {
            row: 3, column: "承诺时限（工作日）".into(), reason: "不能超过法定时限".into()
        }];
        let out = error_workbook(&bytes, &e).unwrap();
        let mut wb = open_workbook_auto_from_rs(Cursor::new(out)).unwrap();
        let range = wb.worksheet_range(SHEET).unwrap();
        assert_eq!(range.get_value((1, 8)), Some(&Data::String("错误".into())));
        assert_eq!(range.get_value((2, 8)), Some(&Data::String("承诺时限（工作日）：不能超过法定时限".into())));
    }
}
