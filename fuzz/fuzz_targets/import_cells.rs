//! The import mappers fed arbitrary cells: a sheet is built from the fuzzer's input (a header row
//! taken from one of the import tables, possibly disturbed, then rows of text, numbers, booleans
//! and words the mappers look for: categories, units, years, dates, 小计/合计 …), written as a real
//! XLSX and read by every import (planning table, statistics table, per-mu data, task list,
//! approval powers, calendar). Properties: nothing panics; all-or-nothing — either every row is
//! returned valid or a non-empty error list, each error on a row of the sheet with a reason; an
//! accepted planning row is within the bounds the store relies on.
#![no_main]

use arbitrary::Arbitrary;
use kaifaqu_domain::money::{MAX_YI, Wan};
use kaifaqu_reports::plan_table::CellError;
use kaifaqu_reports::{calendar_table, per_mu_table, plan_table, powers_table, stats_table, task_table};
use libfuzzer_sys::fuzz_target;
use rust_xlsxwriter::Workbook;

/// Words the mappers look for in cells.
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
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Which table's headers make the header row (and how many rows of junk come before it).
    table: u8,
    skip: u8,
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

fn write(ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, cell: &Cell) {
    let _ = match cell {
        Cell::Empty => return,
        Cell::Word(w) => ws.write_string(r, c, WORDS[usize::from(*w) % WORDS.len()]).map(|_| ()),
        Cell::Text(s) => ws.write_string(r, c, s.chars().take(300).collect::<String>()).map(|_| ()),
        Cell::Number(f) => ws.write_number(r, c, *f).map(|_| ()),
        Cell::Int(i) => ws.write_number(r, c, f64::from(*i)).map(|_| ()),
        Cell::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
    };
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
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let skip = u32::from(input.skip % 3);
    let mut header: Vec<Cell> = headers(input.table).into_iter().map(|h| Cell::Text(h.to_string())).collect();
    for (c, cell) in input.header_changes.into_iter().take(4) {
        let c = usize::from(c) % (header.len() + 1);
        if c == header.len() {
            header.push(cell);
        } else {
            header[c] = cell;
        }
    }
    for (c, cell) in header.iter().enumerate() {
        write(ws, skip, c as u16, cell);
    }
    let rows: Vec<Vec<Cell>> = input.rows.into_iter().take(12).collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().take(14).enumerate() {
            write(ws, skip + 1 + r as u32, c as u16, cell);
        }
    }
    let last_row = skip + rows.len() as u32;
    let Ok(bytes) = wb.save_to_buffer() else { return };

    let plan = plan_table::import_numbered(&bytes);
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
        if let Err(e) = plan_table::error_workbook(&bytes, &[]) {
            panic!("error workbook of an accepted table: {e}");
        }
    }
    if let Err(errors) = &plan {
        let _ = plan_table::error_workbook(&bytes, errors).expect("the error workbook is written");
    }
    let stats = stats_table::import(&bytes);
    check(&stats, last_row);
    if let Ok(t) = &stats {
        assert!(t.rows.iter().all(|r| !r.name.is_empty() && (!r.value.is_empty() || !r.growth.is_empty())));
    }
    check(&per_mu_table::import(&bytes), last_row);
    check(&task_table::import(&bytes), last_row);
    check(&powers_table::import(&bytes), last_row);
    check(&calendar_table::import(&bytes), last_row);
});
