//! The tables of a report as a workbook: one sheet per [`Table`] of a [`Doc`] (a chart gives
//! the sheet of its data table, [`crate::chart_block::Chart::table`]), the caption as
//! the sheet's name (sanitised, at most 31 characters, unique) and as a title row above, the
//! header row bold, every cell written as a string — never a formula, whatever the text — and
//! links reduced to their text.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::doc::{Block, Doc, Table};

/// The `.xlsx` content type, for downloads.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The tables of `doc`, in order.
pub fn tables(doc: &Doc) -> Vec<&Table> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The tables the workbook holds, in order: the document's tables and its charts' data.
pub fn sheets(doc: &Doc) -> Vec<Cow<'_, Table>> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(Cow::Borrowed(t)),
            Block::Chart(c) => Some(Cow::Owned(c.table())),
            _ => None,
        })
        .collect()
}

/// A sheet name from a caption: the characters Excel refuses (`[]:*?/\`) replaced, no leading
/// or trailing apostrophe, at most 31 characters, and unique among `taken` (a "（2）" suffix).
pub fn sheet_name(caption: &str, index: usize, taken: &[String]) -> String {
    let cleaned: String = caption
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
    let base = if cleaned.is_empty() { format!("表{}", index + 1) } else { cleaned };
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut name = cut(&base, 31);
    let mut n = 2;
    while taken.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
        let suffix = format!("（{n}）");
        name = format!("{}{suffix}", cut(&base, 31 - suffix.chars().count()));
        n += 1;
    }
    name
}

/// The workbook of `doc`'s tables; an error when it has none.
pub fn write(doc: &Doc) -> Result<Vec<u8>, String> {
    let tables = sheets(doc);
    if tables.is_empty() {
        return Err("这份报告没有表格，无法导出 Excel".into());
    }
    let err = |e: rust_xlsxwriter::XlsxError| format!("生成 Excel 失败：{e}");
    let mut wb = Workbook::new();
    let title_fmt = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color(0xEEF1F5).set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::Top);
    let mut taken: Vec<String> = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let caption = table.caption.clone().unwrap_or_default();
        let name = sheet_name(&caption, i, &taken);
        taken.push(name.clone());
        let ws = wb.add_worksheet();
        ws.set_name(&name).map_err(err)?;
        let cols = table.headers.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0)).max(1);
        let title = if caption.is_empty() { name.clone() } else { caption };
        if cols > 1 {
            ws.merge_range(0, 0, 0, cols as u16 - 1, &title, &title_fmt).map_err(err)?;
        } else {
            ws.write_string_with_format(0, 0, &title, &title_fmt).map_err(err)?;
        }
        for c in 0..cols {
            let h = table.headers.get(c).map(String::as_str).unwrap_or("");
            ws.write_string_with_format(1, c as u16, h, &head).map_err(err)?;
            let width = table
                .rows
                .iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count().min(40)))
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(8);
            ws.set_column_width(c as u16, (width * 2).clamp(8, 60) as u16).map_err(err)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            for c in 0..cols {
                let cell = row.get(c).map(String::as_str).unwrap_or("");
                ws.write_string_with_format(r as u32 + 2, c as u16, cell, &text).map_err(err)?;
            }
        }
        if let Some(note) = &table.note {
            ws.write_string(2 + table.rows.len() as u32, 0, format!("注：{note}")).map_err(err)?;
        }
        ws.set_freeze_panes(2, 0).map_err(err)?;
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, open_workbook_auto_from_rs};

    #[test]
    fn sheet_names_are_sanitised_short_and_unique() {
        assert_eq!(sheet_name("表1 主要指标[亿元]/增速?", 0, &[]), "表1 主要指标_亿元__增速_");
        assert_eq!(sheet_name("", 2, &[]), "表3");
        assert_eq!(sheet_name("'引号'", 0, &[]), "引号");
        let long = "很".repeat(40);
        assert_eq!(sheet_name(&long, 0, &[]).chars().count(), 31);
        let taken = vec![sheet_name(&long, 0, &[])];
        let second = sheet_name(&long, 1, &taken);
        assert_eq!(second.chars().count(), 31);
        assert!(second.ends_with("（2）"));
        assert_eq!(sheet_name("甲", 1, &["甲".into(), "甲（2）".into()]), "甲（3）");
    }

    #[test]
    fn one_sheet_per_table_every_cell_a_string() {
        let t = |caption: &str, rows: Vec<Vec<String>>| {
            Block::Table(Table {
                caption: Some(caption.into()),
                headers: vec!["名称".into(), "数值".into()],
                rows,
                note: Some("说明".into()),
                links: vec![vec![None, Some("/x".into())]],
            })
        };
        let doc = Doc {
            title: "报告".into(),
            blocks: vec![
                Block::text("前言"),
                t("表1 指标", vec![vec!["=SUM(A1:A2)".into(), "27.97".into()]]),
                t("表1 指标", vec![vec!["+1".into(), "@x".into()]]),
            ],
            ..Doc::default()
        };
        let bytes = write(&doc).unwrap();
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["表1 指标".to_string(), "表1 指标（2）".to_string()]);
        let range = wb.worksheet_range("表1 指标").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("表1 指标".into())));
        assert_eq!(range.get_value((1, 1)), Some(&Data::String("数值".into())));
        assert_eq!(range.get_value((2, 0)), Some(&Data::String("=SUM(A1:A2)".into())));
        assert_eq!(range.get_value((2, 1)), Some(&Data::String("27.97".into())));
        assert_eq!(range.get_value((3, 0)), Some(&Data::String("注：说明".into())));
        let formulas = wb.worksheet_formula("表1 指标").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formulas");
        assert!(write(&Doc::default()).unwrap_err().contains("没有表格"));
    }

    #[test]
    fn a_chart_gives_the_sheet_of_its_data() {
        let doc = crate::markdown::parse("# 报告\n\n```chart\n漏斗图：上半年招商\n签约 | 14 | 个 | 52 | | /x\n```\n");
        let bytes = write(&doc).unwrap();
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["上半年招商".to_string()]);
        let range = wb.worksheet_range("上半年招商").unwrap();
        assert_eq!(range.get_value((1, 0)), Some(&Data::String("环节".into())));
        assert_eq!(range.get_value((2, 1)), Some(&Data::String("14 个".into())));
    }
}
