//! The working-day calendar of a year as a sheet: 日期, 类型 (放假 / 调休上班), 名称 — exported
//! for staff to check or fill in, and read back for import (the store validates each row).

use crate::sheet::{self, CellError, Col, Data, Range};
use crate::table::{Cell, export as export_table};

pub const HEADERS: [&str; 3] = ["日期", "类型", "名称"];

/// One day of the sheet, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub date: String,
    pub kind: String,
    pub name: String,
}

/// The year's marked days as a workbook.
pub fn export(year: i32, days: &[DayRow]) -> Result<Vec<u8>, String> {
    let rows: Vec<Vec<Cell>> = days
        .iter()
        .map(|d| vec![Cell::from(d.date.as_str()), Cell::from(d.kind.as_str()), Cell::from(d.name.as_str())])
        .collect();
    export_table("工作日历", &format!("{year} 年工作日历（放假与调休上班）"), &HEADERS, &rows)
}

/// The rows of an uploaded calendar sheet with their sheet row numbers.
pub fn import(bytes: &[u8]) -> Result<Vec<(u32, DayRow)>, Vec<CellError>> {
    import_grid(&sheet::first_sheet(bytes)?)
}

/// As [`import`], on the cells of the first sheet already read (the mapper alone).
pub fn import_grid(range: &Range<Data>) -> Result<Vec<(u32, DayRow)>, Vec<CellError>> {
    let cols = [Col::required("日期"), Col::required("类型").with_aliases(&["类别"]), Col::optional("名称")];
    let rows = sheet::read_grid(range, &cols, 0)?;
    Ok(rows
        .rows
        .into_iter()
        .map(|(r, mut c)| {
            let name = c.pop().unwrap_or_default();
            let kind = c.pop().unwrap_or_default();
            let date = c.pop().unwrap_or_default();
            (r, DayRow { date, kind, name })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_then_import_gives_back_the_days() {
        let days = vec![
            DayRow { date: "2025-09-28".into(), kind: "调休上班".into(), name: "国庆节调休上班".into() },
            DayRow { date: "2025-10-01".into(), kind: "放假".into(), name: "国庆节、中秋节".into() },
        ];
        let bytes = export(2025, &days).unwrap();
        let back = import(&bytes).unwrap();
        assert_eq!(back.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>(), days);
        assert_eq!(back[0].0, 3, "title row, header row, then the first day on sheet row 3");
    }
}
