//! kaifaqu-reports: the committee's spreadsheet reports.
//!
//! Each report module writes an `.xlsx` workbook with `rust_xlsxwriter` and reads uploaded
//! workbooks back with `calamine`. Money stays exact in [`kaifaqu_domain::money::Wan`]: totals
//! are summed in 万元 and written as values (never formulas, whose cached results would read
//! as 0), and numbers read back from cells are rounded to whole 万元 before anything else.
//! All texts shown to users are in Chinese. Every uploaded workbook passes [`untrusted::check`]
//! (bounded decompression, cell-range and shared-string limits, no DOCTYPE) before calamine.
//!
//! Documents go through [`doc::Doc`]: [`markdown`] reads the Markdown staff and templates
//! write, [`doc`] renders Markdown and the HTML preview, and [`docx`] writes the `.docx` laid
//! out per GB/T 9704-2012, [`doc_xlsx`] the document's tables as a workbook; [`check`] lists
//! what does not add up before a report is exported. [`chart`] draws the SVG charts of the
//! pages and the reports; [`chart_block`] reads the ```` ```chart ```` blocks templates write.

pub mod calendar_table;
pub mod chart;
pub mod chart_block;
pub mod check;
pub mod doc;
pub mod doc_xlsx;
pub mod docx;
pub mod markdown;
pub mod per_mu_table;
pub mod plan_table;
pub mod powers_table;
pub mod sheet;
pub mod stats_table;
pub mod table;
pub mod task_table;
pub mod template;
pub mod untrusted;
