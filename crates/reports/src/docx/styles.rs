//! `styles.xml`, `fontTable.xml` and `settings.xml`: the look of the document, kept in named
//! styles so staff can restyle it in Word or WPS.
//!
//! Chinese text takes the font named in `w:rFonts w:eastAsia`; Latin letters and digits take
//! Times New Roman (as official documents usually set them), except in the page number, which
//! is all 宋体. Fonts missing on a machine fall back through `w:altName` in the font table:
//! 方正小标宋简体 → 小标宋 (→ 宋体), 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体.

use super::layout::{FIRST_LINE_INDENT, LINE_PITCH, SIZE_BODY, SIZE_PAGE_NUMBER, SIZE_TABLE, SIZE_TITLE};

pub const FONT_TITLE: &str = "方正小标宋简体";
pub const FONT_BODY: &str = "仿宋_GB2312";
pub const FONT_HEADING_1: &str = "黑体";
pub const FONT_HEADING_2: &str = "楷体_GB2312";
pub const FONT_PAGE_NUMBER: &str = "宋体";
pub const FONT_LATIN: &str = "Times New Roman";

pub(super) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(super) const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn fonts(east_asia: &str, latin: &str) -> String {
    format!(r#"<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>"#)
}

fn size(half_points: u32) -> String {
    format!(r#"<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>"#)
}

const NO_INDENT: &str = r#"<w:ind w:firstLineChars="0" w:firstLine="0"/>"#;
const NO_GRID: &str = r#"<w:snapToGrid w:val="0"/>"#;

struct Style<'a> {
    kind: &'a str,
    id: &'a str,
    name: &'a str,
    based_on: Option<&'a str>,
    next: Option<&'a str>,
    link: Option<&'a str>,
    ppr: String,
    rpr: String,
}

impl Style<'_> {
    fn xml(&self) -> String {
        let mut out = format!(r#"<w:style w:type="{}""#, self.kind);
        if self.id == "Normal" {
            out.push_str(r#" w:default="1""#);
        } else if !matches!(self.id, "Title" | "Subtitle" | "Heading1" | "Heading2" | "Heading3" | "Footer") {
            out.push_str(r#" w:customStyle="1""#);
        }
        out.push_str(&format!(r#" w:styleId="{}"><w:name w:val="{}"/>"#, self.id, self.name));
        if let Some(b) = self.based_on {
            out.push_str(&format!(r#"<w:basedOn w:val="{b}"/>"#));
        }
        if let Some(n) = self.next {
            out.push_str(&format!(r#"<w:next w:val="{n}"/>"#));
        }
        if let Some(l) = self.link {
            out.push_str(&format!(r#"<w:link w:val="{l}"/>"#));
        }
        out.push_str("<w:qFormat/>");
        if !self.ppr.is_empty() {
            out.push_str(&format!("<w:pPr>{}</w:pPr>", self.ppr));
        }
        if !self.rpr.is_empty() {
            out.push_str(&format!("<w:rPr>{}</w:rPr>", self.rpr));
        }
        out.push_str("</w:style>");
        out
    }
}

fn paragraph<'a>(id: &'a str, name: &'a str, ppr: String, rpr: String) -> Style<'a> {
    Style { kind: "paragraph", id, name, based_on: Some("Normal"), next: Some("Normal"), link: None, ppr, rpr }
}

fn heading(level: u8, east_asia: &str, bold: bool) -> [String; 2] {
    let id = format!("Heading{level}");
    let char_id = format!("Heading{level}Char");
    let b = if bold { "<w:b/><w:bCs/>" } else { r#"<w:b w:val="0"/><w:bCs w:val="0"/>"# };
    let rpr = format!("{}{b}{}", fonts(east_asia, FONT_LATIN), size(SIZE_BODY));
    let para = Style {
        link: Some(&char_id),
        ppr: format!(r#"<w:keepNext/><w:outlineLvl w:val="{}"/>"#, level - 1),
        rpr: rpr.clone(),
        ..paragraph(&id, &format!("heading {level}"), String::new(), String::new())
    }
    .xml();
    let run = Style {
        kind: "character",
        id: &char_id,
        name: &format!("标题 {level} 字符"),
        based_on: None,
        next: None,
        link: Some(&id),
        ppr: String::new(),
        rpr,
    }
    .xml();
    [para, run]
}

/// `word/styles.xml`.
pub fn styles_xml() -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr>{}<w:kern w:val="2"/>{}<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>"#,
        fonts(FONT_BODY, FONT_LATIN),
        size(SIZE_BODY)
    );
    let normal = Style {
        based_on: None,
        next: None,
        ..paragraph(
            "Normal",
            "Normal",
            format!(
                r#"<w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="200" w:firstLine="{FIRST_LINE_INDENT}"/><w:jc w:val="both"/>"#
            ),
            format!("{}{}", fonts(FONT_BODY, FONT_LATIN), size(SIZE_BODY)),
        )
    };
    out.push_str(&normal.xml());
    out.push_str(
        &paragraph(
            "Title",
            "Title",
            format!(r#"{NO_INDENT}<w:jc w:val="center"/><w:outlineLvl w:val="0"/>"#),
            format!("{}{}", fonts(FONT_TITLE, FONT_LATIN), size(SIZE_TITLE)),
        )
        .xml(),
    );
    out.push_str(
        &paragraph(
            "Subtitle",
            "Subtitle",
            format!(r#"{NO_INDENT}<w:jc w:val="center"/>"#),
            format!("{}{}", fonts(FONT_HEADING_2, FONT_LATIN), size(SIZE_BODY)),
        )
        .xml(),
    );
    for (level, font, bold) in [(1, FONT_HEADING_1, false), (2, FONT_HEADING_2, false), (3, FONT_BODY, true)] {
        for style in heading(level, font, bold) {
            out.push_str(&style);
        }
    }
    out.push_str(
        &Style {
            next: Some("TableText"),
            ..paragraph(
                "TableCaption",
                "表格标题",
                format!(r#"<w:keepNext/>{NO_INDENT}<w:jc w:val="center"/>"#),
                format!("{}{}", fonts(FONT_HEADING_1, FONT_LATIN), size(SIZE_BODY)),
            )
        }
        .xml(),
    );
    let table_text = format!("{}{}", fonts(FONT_BODY, FONT_LATIN), size(SIZE_TABLE));
    out.push_str(
        &paragraph(
            "TableText",
            "表格文字",
            format!(r#"{NO_GRID}<w:spacing w:line="240" w:lineRule="auto"/>{NO_INDENT}<w:jc w:val="center"/>"#),
            table_text.clone(),
        )
        .xml(),
    );
    out.push_str(
        &paragraph(
            "TableNote",
            "表格注释",
            format!(
                r#"{NO_GRID}<w:spacing w:before="60" w:line="240" w:lineRule="auto"/>{NO_INDENT}<w:jc w:val="left"/>"#
            ),
            table_text,
        )
        .xml(),
    );
    out.push_str(
        &paragraph(
            "Footer",
            "footer",
            format!(r#"{NO_GRID}{NO_INDENT}"#),
            format!("{}{}", fonts(FONT_PAGE_NUMBER, FONT_PAGE_NUMBER), size(SIZE_PAGE_NUMBER)),
        )
        .xml(),
    );
    out.push_str(
        r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#,
    );
    out.push_str(&format!(
        r#"<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:qFormat/><w:pPr>{NO_GRID}{NO_INDENT}<w:jc w:val="center"/></w:pPr><w:rPr>{}</w:rPr><w:tblPr>{}<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#,
        size(SIZE_TABLE),
        table_borders()
    ));
    out.push_str("</w:styles>");
    out
}

/// Single lines round every cell (also written on each table, so the borders survive
/// programs that ignore table styles).
pub fn table_borders() -> String {
    let mut out = String::from("<w:tblBorders>");
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        out.push_str(&format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#));
    }
    out.push_str("</w:tblBorders>");
    out
}

/// `word/fontTable.xml`: every font named, with its fallback.
pub fn font_table_xml() -> String {
    const CJK: [(&str, &str); 9] = [
        ("方正小标宋简体", "小标宋"),
        ("小标宋", "宋体"),
        ("仿宋_GB2312", "仿宋"),
        ("仿宋", "FangSong"),
        ("楷体_GB2312", "楷体"),
        ("楷体", "KaiTi"),
        ("黑体", "SimHei"),
        ("宋体", "SimSun"),
        ("SimSun", "宋体"),
    ];
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="{W_NS}"><w:font w:name="{FONT_LATIN}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#
    );
    for (name, alt) in CJK {
        out.push_str(&format!(
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#
        ));
    }
    out.push_str("</w:fonts>");
    out
}

/// `word/settings.xml`: different odd and even footers, the grid's drawing pitch, Chinese
/// punctuation compression.
pub fn settings_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:drawingGridHorizontalSpacing w:val="160"/><w:drawingGridVerticalSpacing w:val="{LINE_PITCH}"/><w:displayHorizontalDrawingGridEvery w:val="0"/><w:displayVerticalDrawingGridEvery w:val="2"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#
    )
}
