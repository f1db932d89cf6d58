//! Writes a [`Doc`] as a `.docx` laid out per GB/T 9704-2012 (党政机关公文格式).
//!
//! Layout choices (measures in [`layout`], styles in [`styles`]):
//! - A4 portrait, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 × 225 mm
//!   版心. A document grid of 22 lines × 28 characters (`w:docGrid w:type="linesAndChars"`,
//!   line pitch 579 twips, `w:charSpace` −842 against the 16 pt body font).
//! - Title 2号 (22 pt) 方正小标宋简体, centred, then the optional subtitle line in 楷体 in
//!   （…）, then one empty line. Body 3号 (16 pt) 仿宋_GB2312, justified, first line indented two
//!   characters; headings keep that indent: level 1 黑体, level 2 楷体_GB2312, level 3 仿宋
//!   bold, each a named style (Heading1–3, outline levels 1–3). A run-in heading at the start
//!   of a paragraph takes the heading's linked character style (Heading1Char–Heading3Char).
//! - Lists become indented paragraphs numbered "（1）" (the standard's fourth level) or
//!   marked "·". Links keep only their text.
//! - Tables span the 版心 with single borders (style "Table Grid", also set on the table), the
//!   header row bold and repeated on every page (`w:tblHeader`), cells in 4号 仿宋 off the
//!   grid; the caption above in 黑体, the note below ("注：…") in 4号.
//! - A chart is a picture the width of the 版心 (156 mm, height by the drawing's proportions),
//!   centred on a line of its own, with its caption "图1 …" under it in the caption style. The
//!   picture is the chart's SVG itself (`word/media/chartN.svg`, content type `image/svg+xml`),
//!   referenced by the main `a:blip` — LibreOffice draws it as vectors, CJK text included — and
//!   again by the `asvg:svgBlip` extension Word 2016 and later read. No raster copy is made:
//!   that would need a rasteriser and CJK fonts on the server; Word 2013 and older show an
//!   empty frame.
//! - Page numbers "— 1 —" in 4号 宋体 in the footer, odd pages right and even pages left, one
//!   character in from the edge (`w:evenAndOddHeaders`, two footers).
//! - The package is deterministic: no creation time, fixed zip timestamps, so the same
//!   document gives the same bytes.

pub mod layout;
pub mod styles;

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::chart_block::Chart;
use crate::doc::{Block, Doc, Run, Table, escape_xml};
use layout::{
    BODY_WIDTH, CHAR_SPACE, FOOTER_DISTANCE, HEADER_DISTANCE, LINE_PITCH, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT,
    MARGIN_TOP, PAGE_HEIGHT, PAGE_NUMBER_INDENT, PAGE_WIDTH,
};
use styles::{R_NS, W_NS};

/// The `.docx` content type, for downloads.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The document as `.docx` bytes.
pub fn write(doc: &Doc) -> Result<Vec<u8>, String> {
    let charts = charts(doc);
    let mut parts: Vec<(String, String)> = [
        ("[Content_Types].xml", content_types_xml()),
        ("_rels/.rels", ROOT_RELS.to_owned()),
        ("docProps/core.xml", core_xml(&doc.title)),
        ("docProps/app.xml", APP_XML.to_owned()),
        ("word/_rels/document.xml.rels", document_rels(charts.len())),
        ("word/document.xml", document_xml(doc)),
        ("word/styles.xml", styles::styles_xml()),
        ("word/settings.xml", styles::settings_xml()),
        ("word/fontTable.xml", styles::font_table_xml()),
        ("word/footer1.xml", footer_xml(true)),
        ("word/footer2.xml", footer_xml(false)),
    ]
    .into_iter()
    .map(|(name, xml)| (name.to_owned(), xml))
    .collect();
    for (i, chart) in charts.iter().enumerate() {
        parts.push((format!("word/{}", chart_target(i + 1)), chart.svg()));
    }
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, xml) in parts {
        zip.start_file(name.as_str(), options).map_err(|e| format!("生成 DOCX 失败（{name}）：{e}"))?;
        zip.write_all(xml.as_bytes()).map_err(|e| format!("生成 DOCX 失败（{name}）：{e}"))?;
    }
    let cursor = zip.finish().map_err(|e| format!("生成 DOCX 失败：{e}"))?;
    Ok(cursor.into_inner())
}

fn content_types_xml() -> String {
    let main = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="svg" ContentType="image/svg+xml"/><Override PartName="/word/document.xml" ContentType="{main}.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="{main}.styles+xml"/><Override PartName="/word/settings.xml" ContentType="{main}.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="{main}.fontTable+xml"/><Override PartName="/word/footer1.xml" ContentType="{main}.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="{main}.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#
    )
}

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

/// The charts of `doc`, in order: chart N is `word/media/chartN.svg`, relationship `rIdChartN`.
fn charts(doc: &Doc) -> Vec<&Chart> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart(c) => Some(c.as_ref()),
            _ => None,
        })
        .collect()
}

/// The part of chart `n` (1-based), relative to `word/`.
fn chart_target(n: usize) -> String {
    format!("media/chart{n}.svg")
}

/// The relationship id of chart `n`.
pub fn chart_rel_id(n: usize) -> String {
    format!("rIdChart{n}")
}

/// `word/_rels/document.xml.rels` with one image relationship per chart.
fn document_rels(charts: usize) -> String {
    let mut rels = DOCUMENT_RELS.strip_suffix("</Relationships>").unwrap_or(DOCUMENT_RELS).to_owned();
    for n in 1..=charts {
        rels.push_str(&format!(
            r#"<Relationship Id="{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{}"/>"#,
            chart_rel_id(n),
            chart_target(n)
        ));
    }
    rels.push_str("</Relationships>");
    rels
}

/// EMU per twip (914400 EMU to the inch, 1440 twips).
const EMU_PER_TWIP: u64 = 635;

/// Chart `n` as a picture the width of the 版心 on a centred line of its own, then its caption.
fn chart_xml(out: &mut String, chart: &Chart, n: usize) {
    let svg = chart.svg();
    let (w, h) = Chart::size(&svg);
    let cx = u64::from(BODY_WIDTH) * EMU_PER_TWIP;
    let cy = cx * u64::from(h) / u64::from(w);
    let title = escape_xml(&chart.title);
    let rid = chart_rel_id(n);
    out.push_str(&format!(
        r#"<w:p><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60" w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:snapToGrid w:val="0"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="图表 {n}" descr="{title}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="chart{n}.svg" descr="{title}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{rid}"><a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}"><asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="{rid}"/></a:ext></a:extLst></a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    ));
    styled_paragraph(out, "TableCaption", &[Run::plain(format!("图{n} {}", chart.title))]);
}

const APP_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>kaifaqu</Application><DocSecurity>0</DocSecurity></Properties>"#;

fn core_xml(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>kaifaqu</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>"#,
        escape_xml(title)
    )
}

/// The footer of odd (right) or even (left) pages: "— PAGE —".
fn footer_xml(odd: bool) -> String {
    let (jc, ind) = if odd { ("right", "right") } else { ("left", "left") };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:pStyle w:val="Footer"/><w:ind w:{ind}="{PAGE_NUMBER_INDENT}" w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="{jc}"/></w:pPr><w:r><w:t xml:space="preserve">— </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>"#
    )
}

/// `word/document.xml`: the blocks in order, then the section properties.
/// The `word/document.xml` part of the package (for tests and snapshots).
pub fn document_xml(doc: &Doc) -> String {
    let mut body = String::new();
    if !doc.title.is_empty() {
        styled_paragraph(&mut body, "Title", &[Run::plain(doc.title.as_str())]);
    }
    if let Some(sub) = &doc.subtitle {
        styled_paragraph(&mut body, "Subtitle", &[Run::plain(format!("（{sub}）"))]);
    }
    if !doc.title.is_empty() || doc.subtitle.is_some() {
        body.push_str("<w:p/>");
    }
    let mut chart_no = 0;
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Chart(chart) => {
                chart_no += 1;
                chart_xml(&mut body, chart, chart_no);
            }
            Block::Heading(level, text) => {
                let style = format!("Heading{}", level.clamp(&1, &3));
                styled_paragraph(&mut body, &style, &[Run::plain(text.as_str())]);
            }
            Block::Paragraph(runs) => styled_paragraph(&mut body, "Normal", runs),
            Block::List { ordered, items } => {
                for (i, item) in items.iter().enumerate() {
                    let marker = if *ordered { format!("（{}）", i + 1) } else { "· ".to_owned() };
                    let mut runs = vec![Run::plain(marker)];
                    runs.extend(item.iter().cloned());
                    styled_paragraph(&mut body, "Normal", &runs);
                }
            }
            Block::Table(table) => {
                table_xml(&mut body, table);
                // Two tables in a row would merge, and a document should not end in one.
                let next = doc.blocks.get(i + 1);
                if table.note.is_none() && matches!(next, None | Some(Block::Table(_))) {
                    body.push_str("<w:p/>");
                }
            }
            Block::PageBreak => body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#),
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"{}><w:body>{body}{}</w:body></w:document>"#,
        DRAWING_NS,
        section_xml()
    )
}

/// The namespaces of pictures (charts), declared on the root element.
const DRAWING_NS: &str = r#" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture""#;

fn section_xml() -> String {
    format!(
        r#"<w:sectPr><w:footerReference w:type="default" r:id="rId4"/><w:footerReference w:type="even" r:id="rId5"/><w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/><w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="{HEADER_DISTANCE}" w:footer="{FOOTER_DISTANCE}" w:gutter="0"/><w:pgNumType w:start="1"/><w:cols w:space="425"/><w:docGrid w:type="linesAndChars" w:linePitch="{LINE_PITCH}" w:charSpace="{CHAR_SPACE}"/></w:sectPr>"#
    )
}

fn styled_paragraph(out: &mut String, style: &str, runs: &[Run]) {
    if style == "Normal" {
        out.push_str("<w:p>");
    } else {
        out.push_str(&format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>"#));
    }
    for run in runs {
        run_xml(out, run, false);
    }
    out.push_str("</w:p>");
}

fn run_xml(out: &mut String, run: &Run, force_bold: bool) {
    if run.text.is_empty() {
        return;
    }
    let mut rpr = String::new();
    if let Some(level) = run.lead {
        rpr.push_str(&format!(r#"<w:rStyle w:val="Heading{}Char"/>"#, level.clamp(1, 3)));
    }
    if run.bold || force_bold {
        rpr.push_str("<w:b/><w:bCs/>");
    }
    out.push_str("<w:r>");
    if !rpr.is_empty() {
        out.push_str(&format!("<w:rPr>{rpr}</w:rPr>"));
    }
    for (i, line) in run.text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        if !line.is_empty() {
            out.push_str(&format!(r#"<w:t xml:space="preserve">{}</w:t>"#, escape_xml(line)));
        }
    }
    out.push_str("</w:r>");
}

fn table_xml(out: &mut String, table: &Table) {
    let cols = table.headers.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    if let Some(caption) = &table.caption {
        styled_paragraph(out, "TableCaption", &[Run::plain(caption.as_str())]);
    }
    if cols > 0 && (!table.headers.is_empty() || !table.rows.is_empty()) {
        let cols_u32 = u32::try_from(cols).unwrap_or(u32::MAX);
        let width = BODY_WIDTH / cols_u32;
        let last = BODY_WIDTH - width * (cols_u32 - 1);
        let col_width = |i: usize| if i + 1 == cols { last } else { width };
        out.push_str(&format!(
            r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{BODY_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>{}<w:tblLayout w:type="autofit"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>"#,
            styles::table_borders()
        ));
        for i in 0..cols {
            out.push_str(&format!(r#"<w:gridCol w:w="{}"/>"#, col_width(i)));
        }
        out.push_str("</w:tblGrid>");
        let row_xml = |out: &mut String, cells: &[String], header: bool| {
            out.push_str("<w:tr>");
            if header {
                out.push_str("<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
            } else {
                out.push_str("<w:trPr><w:cantSplit/></w:trPr>");
            }
            for i in 0..cols {
                out.push_str(&format!(
                    r#"<w:tc><w:tcPr><w:tcW w:w="{}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>"#,
                    col_width(i)
                ));
                if let Some(text) = cells.get(i) {
                    run_xml(out, &Run::plain(text.as_str()), header);
                }
                out.push_str("</w:p></w:tc>");
            }
            out.push_str("</w:tr>");
        };
        if !table.headers.is_empty() {
            row_xml(out, &table.headers, true);
        }
        for row in &table.rows {
            row_xml(out, row, false);
        }
        out.push_str("</w:tbl>");
    }
    if let Some(note) = &table.note {
        styled_paragraph(out, "TableNote", &[Run::plain(format!("注：{note}"))]);
    }
}

#[cfg(test)]
mod tests;
