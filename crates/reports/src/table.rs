//! A plain table as a workbook: a title row, a frozen header, typed cells. Used for "export the
//! list shown" everywhere (project ledger, contacts, problems, …).

use kaifaqu_domain::money::Wan;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::plan_table::yi_for_sheet;

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// An amount shown in 亿元 with 2 decimals (the exact value is kept).
    Yi(Wan),
    Int(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}

/// Writes `rows` under `headers` with `title` above; columns wide enough for Chinese text.
pub fn export(sheet: &str, title: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    ws.set_name(sheet).map_err(err)?;
    let title_fmt = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color(0xEEF1F5).set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::Top);
    let money = Format::new().set_border(FormatBorder::Thin).set_num_format("0.00").set_align(FormatAlign::Top);
    let int = Format::new().set_border(FormatBorder::Thin).set_num_format("0").set_align(FormatAlign::Top);
    let last_col = headers.len().saturating_sub(1) as u16;
    if last_col == 0 {
        // Excel has no one-cell merge: a one-column table's title is a plain cell
        ws.write_string_with_format(0, 0, title, &title_fmt).map_err(err)?;
    } else {
        ws.merge_range(0, 0, 0, last_col, title, &title_fmt).map_err(err)?;
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head).map_err(err)?;
        let width = rows
            .iter()
            .map(|r| match r.get(c) {
                Some(Cell::Text(s)) => s.chars().count().min(40),
                _ => 10,
            })
            .chain(std::iter::once(h.chars().count()))
            .max()
            .unwrap_or(8);
        ws.set_column_width(c as u16, (width * 2).clamp(8, 60) as u16).map_err(err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string_with_format(r, c, s, &text).map(|_| ()),
                Cell::Yi(w) => ws.write_number_with_format(r, c, yi_for_sheet(*w), &money).map(|_| ()),
                Cell::Int(n) => ws.write_number_with_format(r, c, *n as f64, &int).map(|_| ()),
                Cell::Empty => ws.write_blank(r, c, &text).map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    ws.set_freeze_panes(2, 0).map_err(err)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 1).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, open_workbook_auto_from_rs};

    #[test]
    fn cells_keep_their_types_and_exact_money() {
        let rows = vec![vec![Cell::from("卡仕途"), Cell::Yi(Wan(9_500)), Cell::Int(3), Cell::Empty]];
        let bytes = export("项目台账", "项目台账", &["名称", "总投资（亿元）", "数量", "备注"], &rows).unwrap();
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("项目台账").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("项目台账".into())));
        assert_eq!(range.get_value((1, 1)), Some(&Data::String("总投资（亿元）".into())));
        assert_eq!(range.get_value((2, 0)), Some(&Data::String("卡仕途".into())));
        assert_eq!(range.get_value((2, 1)), Some(&Data::Float(0.95)));
        assert_eq!(range.get_value((2, 2)), Some(&Data::Float(3.0)));
    }
}
