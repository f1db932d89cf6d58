//! The import mappers fed arbitrary cells at mapper level: the same sheets as `import_cells` (a
//! header row taken from one of the import tables, possibly disturbed, then rows of text,
//! numbers, booleans and words the mappers look for), but built directly as the calamine cell
//! grid the XLSX reader hands the mappers — no workbook written and read back, so about 25
//! times faster; the reader itself is fuzzed by `xlsx_bytes`. Cells are what calamine
//! reads from such a file (text, `Float` for every number, `Bool`), plus what a crafted file can
//! also carry: date cells, error cells and non-finite numbers. The grid starts where its first
//! non-empty cell is, as calamine's does. Every import's `import_grid` (planning table,
//! statistics table, per-mu data, task list, approval powers, calendar). Properties: nothing
//! panics; all-or-nothing — either every row is returned valid or a non-empty error list, each
//! error on a row of the sheet with a reason; an accepted planning row is within the bounds the
//! store relies on.
#![no_main]

use arbitrary::Arbitrary;
use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType, Range};
use kaifaqu_domain::money::{MAX_YI, Wan};
use kaifaqu_reports::plan_table::CellError;
use kaifaqu_reports::{calendar_table, per_mu_table, plan_table, powers_table, stats_table, task_table};
use libfuzzer_sys::fuzz_target;

/// Words the mappers look for in cells (as in `import_cells`).
const WORDS: &[&str] = &[
    "产业类", "基础设施类", "小计", "合计", "全市", "2025—2026", "2025-2026", "2026-2025", "2025", "—2026",
    "2.6亿元", "9500万元", "0.95", "1,234.5", "-3", "10000.0001", "亿元", "万元", "开发区", "指标", "指标名称",
    "1-5月累计（亿元）", "同比增长（%）", "增速", "本期数值", "22.9%", "2025-12-31", "2025/12/31",
    "2025年12月31日", "20个工作日", "0个工作日", "2025-09-30 完成可研批复", "放假", "调休上班", "上班",
    "国庆节", "总投资（万元）", "总投资（元）", "年度计划投资（亿元）", "序号", "项目名称", "税收（元）", "是", "否",
    "√", "", " ", "1-2月", "91140423MA0GR8K2PN", "#N/A",
];

#[derive(Arbitrary, Debug)]
enum Cell {
    Empty,
    Word(u8),
    Text(String),
    Number(f64),
    Int(i32),
    Bool(bool),
    /// An Excel serial date-time (a date-formatted number cell).
    Date(f64),
    /// An error cell (`#N/A`, `#DIV/0!`, …).
    Error(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Which table's headers make the header row (and how many rows of junk come before it).
    table: u8,
    skip: u8,
    /// Columns left empty before the table (a sheet that does not start in column A).
    indent: u8,
    /// Header cells replaced: (column, cell).
    header_changes: Vec<(u8, Cell)>,
    rows: Vec<Vec<Cell>>,
}

fn headers(table: u8) -> Vec<&'static str> {
    match table % 7 {
        0 => plan_table::HEADERS.to_vec(),
        1 => vec!["序号", "开发区", "1-5月累计（亿元）", "同比增长（%）"],
        2 => vec!["指标", "本期数值", "增速"],
        3 => per_mu_table::HEADERS.to_vec(),
        4 => task_table::HEADERS.to_vec(),
        5 => powers_table::HEADERS.to_vec(),
        _ => calendar_table::HEADERS.to_vec(),
    }
}

/// The value calamine reads for a cell, or None for a cell it does not hold.
fn value(cell: &Cell) -> Option<Data> {
    const ERRORS: [CellErrorType; 8] = [
        CellErrorType::Div0,
        CellErrorType::NA,
        CellErrorType::Name,
        CellErrorType::Null,
        CellErrorType::Num,
        CellErrorType::Ref,
        CellErrorType::Value,
        CellErrorType::GettingData,
    ];
    Some(match cell {
        Cell::Empty => return None,
        Cell::Word(w) => Data::String(WORDS[usize::from(*w) % WORDS.len()].to_string()),
        Cell::Text(s) => Data::String(s.chars().take(300).collect()),
        Cell::Number(f) => Data::Float(*f),
        Cell::Int(i) => Data::Float(f64::from(*i)),
        Cell::Bool(b) => Data::Bool(*b),
        Cell::Date(f) => Data::DateTime(ExcelDateTime::new(*f, ExcelDateTimeType::DateTime, false)),
        Cell::Error(e) => Data::Error(ERRORS[usize::from(*e) % ERRORS.len()].clone()),
    })
}

fn check<T>(r: &Result<T, Vec<CellError>>, last_row: u32) {
    if let Err(errors) = r {
        assert!(!errors.is_empty());
        for e in errors {
            assert!(!e.reason.is_empty());
            assert!(e.row <= last_row + 1, "{e:?} beyond row {}", last_row + 1);
        }
    }
}

fuzz_target!(|input: Input| {
    let skip = u32::from(input.skip % 3);
    let indent = u32::from(input.indent % 3);
    let mut header: Vec<Cell> = headers(input.table).into_iter().map(|h| Cell::Text(h.to_string())).collect();
    for (c, cell) in input.header_changes.into_iter().take(4) {
        let c = usize::from(c) % (header.len() + 1);
        if c == header.len() {
            header.push(cell);
        } else {
            header[c] = cell;
        }
    }
    let mut cells = Vec::new();
    for (c, cell) in header.iter().enumerate() {
        if let Some(v) = value(cell) {
            cells.push(calamine::Cell::new((skip, indent + c as u32), v));
        }
    }
    let rows: Vec<Vec<Cell>> = input.rows.into_iter().take(12).collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().take(14).enumerate() {
            if let Some(v) = value(cell) {
                cells.push(calamine::Cell::new((skip + 1 + r as u32, indent + c as u32), v));
            }
        }
    }
    let last_row = skip + rows.len() as u32;
    let grid: Range<Data> = Range::from_sparse(cells);

    let plan = plan_table::import_grid(&grid);
    check(&plan, last_row);
    if let Ok(rows) = &plan {
        for (line, r) in rows {
            assert!(*line >= 2 && *line <= last_row + 1);
            assert!(!r.name.is_empty() && !r.category.is_empty());
            assert!(r.category == plan_table::INDUSTRY || r.category == plan_table::INFRASTRUCTURE);
            assert!(r.total <= Wan(MAX_YI * 10_000));
            assert!(r.planned_this_year.is_none_or(|p| p <= r.total));
            if let (Some(s), Some(e)) = (r.start_year, r.end_year) {
                assert!(s <= e && (2000..=2099).contains(&s));
            }
        }
    }
    let stats = stats_table::import_grid(&grid);
    check(&stats, last_row);
    if let Ok(t) = &stats {
        assert!(t.rows.iter().all(|r| !r.name.is_empty() && (!r.value.is_empty() || !r.growth.is_empty())));
    }
    check(&per_mu_table::import_grid(&grid), last_row);
    check(&task_table::import_grid(&grid), last_row);
    check(&powers_table::import_grid(&grid), last_row);
    check(&calendar_table::import_grid(&grid), last_row);
});
