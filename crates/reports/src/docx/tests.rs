//! Tests of the DOCX writer: the package, the GB/T 9704 layout, the styles and escaping.

use std::io::{Cursor, Read};

use super::*;
use crate::doc::plain_text;
use crate::markdown::{Options, parse_with};

const SEED: &str = include_str!("../../tests/data/seed_excerpt.md");

const PARTS: [&str; 11] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "docProps/app.xml",
    "word/_rels/document.xml.rels",
    "word/document.xml",
    "word/styles.xml",
    "word/settings.xml",
    "word/fontTable.xml",
    "word/footer1.xml",
    "word/footer2.xml",
];

/// The seed excerpt with a table added after 四(一).
fn sample() -> Doc {
    let mut doc = parse_with(SEED, Options::extracted());
    doc.subtitle = Some("2025年7月".into());
    let at =
        doc.blocks.iter().position(|b| matches!(b, Block::Heading(2, t) if t.starts_with("（二）"))).expect("四(二)");
    doc.blocks.insert(
        at,
        Block::Table(Table {
            caption: Some("表1 2025年谋划项目".into()),
            headers: vec!["类别".into(), "项目数（个）".into(), "总投资（亿元）".into()],
            rows: vec![
                vec!["产业类".into(), "57".into(), "269.28".into()],
                vec!["基础设施类".into(), "1".into(), "4.48".into()],
                vec!["合计".into(), "58".into(), "273.76".into()],
            ],
            note: Some("基础设施类为供电系统及配套工程，已列入省级重点工程。".into()),
            links: Vec::new(),
        }),
    );
    doc
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("UTF-8 XML");
            (file.name().expect("an entry name").into_owned(), text)
        })
        .collect()
}

fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
    parts.iter().find(|(n, _)| n == name).map(|(_, x)| x.as_str()).unwrap_or_else(|| panic!("{name} missing"))
}

/// Parses the XML through to the end; panics on anything not well-formed.
fn assert_well_formed(name: &str, xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "{name} leaves elements open");
}

/// The `w:style` element of a style id.
fn style<'a>(styles: &'a str, id: &str) -> &'a str {
    let start = styles.find(&format!(r#"w:styleId="{id}""#)).unwrap_or_else(|| panic!("style {id}"));
    let end = start + styles[start..].find("</w:style>").expect("style end");
    &styles[start..end]
}

fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut at = 0;
    for needle in needles {
        match haystack[at..].find(needle) {
            Some(i) => at += i + needle.len(),
            None => panic!("{needle:?} missing or out of order"),
        }
    }
}

#[test]
fn the_package_has_every_part_and_well_formed_xml() {
    let parts = unzip(&write(&sample()).expect("docx"));
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, PARTS);
    for (name, xml) in &parts {
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#), "{name}");
        assert_well_formed(name, xml);
    }
    let types = part(&parts, "[Content_Types].xml");
    for name in &PARTS[2..] {
        if !name.ends_with(".rels") {
            assert!(types.contains(&format!(r#"PartName="/{name}""#)), "{name} has no content type");
        }
    }
    assert!(part(&parts, "_rels/.rels").contains(r#"Target="word/document.xml""#));
    let rels = part(&parts, "word/_rels/document.xml.rels");
    for target in ["styles.xml", "settings.xml", "fontTable.xml", "footer1.xml", "footer2.xml"] {
        assert!(rels.contains(&format!(r#"Target="{target}""#)), "{target}");
    }
    assert!(
        part(&parts, "docProps/core.xml")
            .contains("<dc:title>襄垣经济技术开发区管理委员会2025年上半年工作总结和下半年工作计划</dc:title>")
    );
}

#[test]
fn the_document_holds_the_text_in_order() {
    let parts = unzip(&write(&sample()).expect("docx"));
    let document = part(&parts, "word/document.xml");
    assert_in_order(
        document,
        &[
            r#"<w:pStyle w:val="Title"/></w:pPr><w:r><w:t xml:space="preserve">襄垣经济技术开发区管理委员会2025年上半年工作总结和下半年工作计划</w:t>"#,
            r#"<w:pStyle w:val="Subtitle"/></w:pPr><w:r><w:t xml:space="preserve">（2025年7月）</w:t>"#,
            "<w:p/>",
            r#"<w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">一、上半年工作总结</w:t>"#,
            r#"<w:rStyle w:val="Heading2Char"/></w:rPr><w:t xml:space="preserve">（一）经济运行稳中提质。</w:t>"#,
            "规上工业增加值完成27.97亿元，同比增长22.9%",
            "（七）学习教育扎实开展。",
            r#"<w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">四、下半年工作计划</w:t>"#,
            r#"<w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t xml:space="preserve">（一）重点项目谋划情况</w:t>"#,
            "谋划项目58个，总投资273.76亿元",
            r#"<w:pStyle w:val="TableCaption"/></w:pPr><w:r><w:t xml:space="preserve">表1 2025年谋划项目</w:t>"#,
            "<w:tbl>",
            "</w:tbl>",
            r#"<w:pStyle w:val="TableNote"/></w:pPr><w:r><w:t xml:space="preserve">注：基础设施类"#,
            "（二）拟推进的重点工作任务",
            r#"<w:r><w:t xml:space="preserve">一是</w:t></w:r><w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">聚焦党的建设，引领发展提质增效</w:t>"#,
            "力争全年签约项目52个、开工项目42个、投产项目26个。",
            "四是聚焦工作落实，全力完成目标任务。",
            "<w:sectPr>",
        ],
    );
    // Every paragraph of the Doc is there, whole.
    for block in &sample().blocks {
        if let Block::Paragraph(runs) = block {
            let last = runs.last().expect("a run");
            assert!(document.contains(&escape_xml(&last.text)), "{}", plain_text(runs));
        }
    }
}

#[test]
fn the_section_has_the_gbt_9704_page() {
    let parts = unzip(&write(&sample()).expect("docx"));
    let document = part(&parts, "word/document.xml");
    let sect = &document[document.find("<w:sectPr>").expect("sectPr")..];
    assert!(sect.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    // 37, 26, 35 and 28 mm in twips (1 mm = 56.6929 twips, rounded).
    assert!(sect.contains(r#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#));
    assert!(sect.contains(r#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"/>"#));
    assert!(sect.contains(r#"<w:footerReference w:type="default" r:id="rId4"/>"#));
    assert!(sect.contains(r#"<w:footerReference w:type="even" r:id="rId5"/>"#));
    assert!(sect.ends_with("</w:sectPr></w:body></w:document>"));
    assert!(part(&parts, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
}

#[test]
fn footers_number_pages_with_dashes_odd_right_even_left() {
    let parts = unzip(&write(&Doc::default()).expect("docx"));
    let rels = part(&parts, "word/_rels/document.xml.rels");
    assert!(rels.contains(r#"Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml""#));
    assert!(rels.contains(r#"Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml""#));
    for (name, side) in [("word/footer1.xml", "right"), ("word/footer2.xml", "left")] {
        let footer = part(&parts, name);
        assert!(footer.contains(&format!(r#"<w:jc w:val="{side}"/>"#)), "{name}");
        assert!(footer.contains(&format!(r#"<w:ind w:{side}="280""#)), "{name}");
        assert!(footer.contains(r#"<w:pStyle w:val="Footer"/>"#));
        assert_in_order(
            footer,
            &[
                r#"<w:t xml:space="preserve">— </w:t>"#,
                r#"<w:fldChar w:fldCharType="begin"/>"#,
                r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#,
                r#"<w:fldChar w:fldCharType="separate"/>"#,
                r#"<w:fldChar w:fldCharType="end"/>"#,
                r#"<w:t xml:space="preserve"> —</w:t>"#,
            ],
        );
    }
    let styles = part(&parts, "word/styles.xml");
    let footer = style(styles, "Footer");
    assert!(footer.contains(r#"w:eastAsia="宋体""#) && footer.contains(r#"<w:sz w:val="28"/>"#));
}

#[test]
fn styles_carry_the_fonts_and_sizes() {
    let parts = unzip(&write(&Doc::default()).expect("docx"));
    let styles = part(&parts, "word/styles.xml");
    let normal = style(styles, "Normal");
    assert!(normal.contains(r#"w:eastAsia="仿宋_GB2312""#));
    assert!(normal.contains(r#"<w:sz w:val="32"/>"#));
    assert!(normal.contains(r#"<w:ind w:firstLineChars="200" w:firstLine="640"/>"#));
    let title = style(styles, "Title");
    assert!(title.contains(r#"w:eastAsia="方正小标宋简体""#));
    assert!(title.contains(r#"<w:sz w:val="44"/>"#));
    assert!(title.contains(r#"<w:jc w:val="center"/>"#));
    let h1 = style(styles, "Heading1");
    assert!(h1.contains(r#"w:eastAsia="黑体""#) && h1.contains(r#"<w:outlineLvl w:val="0"/>"#));
    assert!(h1.contains(r#"<w:name w:val="heading 1"/>"#));
    let h2 = style(styles, "Heading2");
    assert!(h2.contains(r#"w:eastAsia="楷体_GB2312""#) && h2.contains(r#"<w:outlineLvl w:val="1"/>"#));
    let h3 = style(styles, "Heading3");
    assert!(h3.contains(r#"w:eastAsia="仿宋_GB2312""#) && h3.contains("<w:b/>"));
    for id in ["Heading1Char", "Heading2Char", "Heading3Char"] {
        assert!(
            style(styles, id).contains(r#"w:type="character""#)
                || styles.contains(&format!(r#"<w:style w:type="character" w:customStyle="1" w:styleId="{id}">"#))
        );
    }
    let table = style(styles, "TableGrid");
    assert!(table.contains(r#"<w:top w:val="single""#) && table.contains(r#"<w:insideV w:val="single""#));
    let cells = style(styles, "TableText");
    assert!(cells.contains(r#"w:eastAsia="仿宋_GB2312""#) && cells.contains(r#"<w:sz w:val="28"/>"#));
    let fonts = part(&parts, "word/fontTable.xml");
    for (font, alt) in
        [("方正小标宋简体", "小标宋"), ("小标宋", "宋体"), ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")]
    {
        assert!(fonts.contains(&format!(r#"<w:font w:name="{font}"><w:altName w:val="{alt}"/>"#)), "{font}");
    }
}

#[test]
fn tables_have_a_repeated_bold_header_row() {
    let parts = unzip(&write(&sample()).expect("docx"));
    let document = part(&parts, "word/document.xml");
    let table = &document[document.find("<w:tbl>").expect("table")..document.find("</w:tbl>").expect("end")];
    assert!(table.contains(r#"<w:tblStyle w:val="TableGrid"/>"#));
    assert!(table.contains("<w:tblBorders>"));
    assert_eq!(table.matches("<w:gridCol ").count(), 3);
    assert_eq!(table.matches("<w:tr>").count(), 4);
    assert_eq!(table.matches("<w:tblHeader/>").count(), 1);
    assert_in_order(
        table,
        &[
            "<w:tblHeader/>",
            r#"<w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">类别</w:t>"#,
            r#"<w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">总投资（亿元）</w:t>"#,
            r#"</w:tr><w:tr><w:trPr><w:cantSplit/></w:trPr>"#,
            r#"<w:r><w:t xml:space="preserve">产业类</w:t>"#,
            r#"<w:r><w:t xml:space="preserve">273.76</w:t>"#,
        ],
    );
}

#[test]
fn text_is_escaped() {
    let doc = Doc {
        title: "A<&>B".into(),
        subtitle: Some("\"引号\"".into()),
        blocks: vec![
            Block::Heading(1, "一、<标题>".into()),
            Block::Paragraph(vec![Run::plain("x < y && y > z"), Run::link("链接&", "/a?b=1&c=2")]),
            Block::Table(Table { headers: vec!["<th>".into()], rows: vec![vec!["a&b".into()]], ..Table::default() }),
            Block::List { ordered: true, items: vec![vec![Run::plain("<li>")]] },
        ],
    };
    let parts = unzip(&write(&doc).expect("docx"));
    for (name, xml) in &parts {
        assert_well_formed(name, xml);
    }
    let document = part(&parts, "word/document.xml");
    for escaped in [
        "A&lt;&amp;&gt;B",
        "一、&lt;标题&gt;",
        "x &lt; y &amp;&amp; y &gt; z",
        "链接&amp;",
        "&lt;th&gt;",
        "a&amp;b",
        "（1）",
        "&lt;li&gt;",
        "&quot;引号&quot;",
    ] {
        assert!(document.contains(escaped), "{escaped}");
    }
    assert!(!document.contains("/a?b=1"), "links keep only their text");
    assert!(part(&parts, "docProps/core.xml").contains("<dc:title>A&lt;&amp;&gt;B</dc:title>"));
}

#[test]
fn a_chart_is_a_picture_in_the_package_with_its_caption() {
    let md = "# 报告\n\n前文。\n\n```chart\n漏斗图：上半年<招商> & \"建设\"\n签约 | 14 | 个 | 52 | | /x\n落地 | 8 | 个\n```\n\n```chart\n柱状图：增速\n单位：%\n甲 | 22.9\n```\n";
    let doc = crate::markdown::parse(md);
    let parts = unzip(&write(&doc).expect("docx"));
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..PARTS.len()], PARTS);
    assert_eq!(names[PARTS.len()..], ["word/media/chart1.svg", "word/media/chart2.svg"]);
    for (name, xml) in &parts {
        assert_well_formed(name, xml);
    }
    // the content type of the picture, the relationship to it, the drawing that uses it
    let types = part(&parts, "[Content_Types].xml");
    assert!(types.contains(r#"<Default Extension="svg" ContentType="image/svg+xml"/>"#));
    let rels = part(&parts, "word/_rels/document.xml.rels");
    assert!(rels.contains(r#"<Relationship Id="rIdChart1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/chart1.svg"/>"#), "{rels}");
    let document = part(&parts, "word/document.xml");
    for n in 1..=2 {
        let rid = chart_rel_id(n);
        assert!(document.contains(&format!(r#"<a:blip r:embed="{rid}">"#)), "{rid}");
        assert!(document.contains(&format!(
            r#"<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="{rid}"/>"#
        )));
    }
    // the 版心's width (156 mm = 8845 twips = 5 616 575 EMU), the height in proportion
    let svg = part(&parts, "word/media/chart1.svg");
    let (w, h) = crate::chart_block::Chart::size(svg);
    let cy = 5_616_575_u64 * u64::from(h) / u64::from(w);
    assert!(document.contains(&format!(r#"<wp:extent cx="5616575" cy="{cy}"/>"#)), "{document}");
    // the caption under the picture, numbered, and every text escaped
    assert_in_order(document, &["前文。", "<w:drawing>", "图1 上半年&lt;招商&gt; &amp; &quot;建设&quot;", "图2 增速"]);
    assert!(document.contains(r#"descr="上半年&lt;招商&gt; &amp; &quot;建设&quot;""#));
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            && svg.contains("<title>上半年&lt;招商&gt; &amp; &quot;建设&quot;</title>")
    );
    assert!(!document.contains("/x"), "links stay in the preview");
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    assert_eq!(write(&sample()).expect("docx"), write(&sample()).expect("docx"));
}

/// Writes `target/docx-sample.docx` from the seed excerpt, to open in Word or WPS.
#[test]
fn writes_a_sample_to_open_in_word() {
    let bytes = write(&sample()).expect("docx");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    std::fs::create_dir_all(&target).expect("target dir");
    std::fs::write(target.join("docx-sample.docx"), &bytes).expect("sample written");
    assert!(bytes.starts_with(b"PK\x03\x04"));
}
