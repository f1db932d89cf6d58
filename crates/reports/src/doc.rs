//! The document model every report goes through, and its Markdown and HTML renderings.
//!
//! A [`Doc`] is a title, an optional line under it (a date or the issuing body, shown in
//! （…）), and a flat list of [`Block`]s: headings of three levels, paragraphs of [`Run`]s,
//! simple lists, tables, charts ([`crate::chart_block::Chart`]) and page breaks. Heading texts keep their numbering as written
//! ("一、…", "（一）…", "1.…"), which is how staff write them and how GB/T 9704 numbers
//! levels; nothing is renumbered behind their back.
//!
//! A paragraph may open with a run-in heading — "（一）经济运行稳中提质。1-5月份，……", the
//! seed's own form — kept as the leading runs marked with [`Run::lead`]: the DOCX writer sets
//! them in the heading's font, the HTML preview in a span of the heading's class.
//!
//! Markdown (the seed's form, read back by [`crate::markdown`]):
//! `# 标题`, `（副标题）`, `## 一、…`, `### （一）…`, `#### 1.…`, `**粗体**`, `[文字](链接)`,
//! `- 项` / `1. 项`, a table as a pipe table with its caption as a bold line above and its
//! note as a "注：" line below, and a page break as `---`. A chart is written as its data
//! table (Markdown cannot carry the picture safely).
//!
//! HTML (for the preview page): an `<article class="doc">` fragment; every text is escaped,
//! and links keep their target so each figure can lead to the records behind it. A chart is
//! its inline SVG in a `<figure>` with its data table folded beneath, as on the cockpit.

use std::fmt::Write as _;

/// A document: its title, an optional line under the title and its blocks in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    /// The line under the title (a date or the issuing body), without its parentheses.
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading of level 1 ("一、"), 2 ("（一）") or 3 ("1."); the text keeps its numbering.
    Heading(u8, String),
    Paragraph(Vec<Run>),
    /// A list; each item is a line of runs. Official documents rarely use them, but staff do.
    List {
        ordered: bool,
        items: Vec<Vec<Run>>,
    },
    Table(Table),
    /// A chart (drawn in the preview and the DOCX, its data table in Markdown and XLSX).
    Chart(Box<crate::chart_block::Chart>),
    PageBreak,
}

/// A table with a header row; all cells are text as shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub caption: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// A note under the table, without its "注：".
    pub note: Option<String>,
    /// The records behind cells, by row and column (a cell written `[文字](链接)`): a link in
    /// the HTML preview, plain text in DOCX and XLSX. Empty when no cell has one.
    pub links: Vec<Vec<Option<String>>>,
}

impl Table {
    /// The link of the cell at `row`, `col`.
    pub fn link(&self, row: usize, col: usize) -> Option<&str> {
        self.links.get(row).and_then(|r| r.get(col)).and_then(|l| l.as_deref())
    }
}

/// A piece of text with one look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    /// The records behind the text (shown in the HTML preview; the DOCX shows only the text).
    pub link: Option<String>,
    /// Part of a run-in heading of this level at the start of a paragraph.
    pub lead: Option<u8>,
}

impl Run {
    pub fn plain(text: impl Into<String>) -> Self {
        Run { text: text.into(), ..Run::default() }
    }

    pub fn bold(text: impl Into<String>) -> Self {
        Run { text: text.into(), bold: true, ..Run::default() }
    }

    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Self {
        Run { text: text.into(), link: Some(url.into()), ..Run::default() }
    }

    /// A run-in heading of `level` opening a paragraph.
    pub fn lead(level: u8, text: impl Into<String>) -> Self {
        Run { text: text.into(), lead: Some(level), ..Run::default() }
    }
}

impl Block {
    /// A paragraph of one plain run.
    pub fn text(text: impl Into<String>) -> Self {
        Block::Paragraph(vec![Run::plain(text)])
    }
}

/// The text of runs without any markup.
pub fn plain_text(runs: &[Run]) -> String {
    runs.iter().map(|r| r.text.as_str()).collect()
}

/// Escapes text for XML and HTML (element content and attribute values).
/// A link target the preview may render: a path inside the application ("/projects?…"). Staff
/// write links in narratives and templates, and record names can carry Markdown, so anything
/// else — `javascript:`, another site, `//host`, a backslash — is shown as plain text.
pub fn safe_href(url: &str) -> Option<&str> {
    let ok = url.starts_with('/')
        && !url.starts_with("//")
        && !url.contains('\\')
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(url)
}

/// XML text and attribute values: the chart module's escaping (markup escaped, characters XML
/// does not allow dropped), one function for the SVG and the Word parts.
pub(crate) use crate::chart::esc as escape_xml;

impl Doc {
    /// The document as Markdown in the seed's form (see the module comment).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(out, "# {}\n", md_heading(&self.title, 0));
        }
        if let Some(sub) = &self.subtitle {
            let _ = writeln!(out, "（{}）\n", md_escape(sub));
        }
        let mut after = if self.title.is_empty() || self.subtitle.is_some() { After::Other } else { After::Title };
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let hashes = "#".repeat(usize::from(level.clamp(&1, &3) + 1));
                    let _ = writeln!(out, "{hashes} {}\n", md_heading(text, *level.clamp(&1, &3)));
                }
                Block::Paragraph(runs) => {
                    let _ = writeln!(out, "{}\n", md_runs_line(runs, after));
                }
                Block::List { ordered, items } => {
                    for (i, item) in items.iter().enumerate() {
                        let marker = if *ordered { format!("{}.", i + 1) } else { "-".to_owned() };
                        let _ = writeln!(out, "{marker} {}", md_runs(item));
                    }
                    out.push('\n');
                }
                Block::Table(table) => md_table(&mut out, table),
                Block::Chart(chart) => md_table(&mut out, &chart.table()),
                Block::PageBreak => out.push_str("---\n\n"),
            }
            after = if matches!(block, Block::Table(_) | Block::Chart(_)) { After::Table } else { After::Other };
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// The document as an HTML fragment for the preview page; all text is escaped.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<article class=\"doc\">\n");
        if !self.title.is_empty() {
            let _ = writeln!(out, "<h1 class=\"doc-title\">{}</h1>", escape_xml(&self.title));
        }
        if let Some(sub) = &self.subtitle {
            let _ = writeln!(out, "<p class=\"doc-subtitle\">（{}）</p>", escape_xml(sub));
        }
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let h = level.clamp(&1, &3) + 1;
                    let _ = writeln!(out, "<h{h}>{}</h{h}>", escape_xml(text));
                }
                Block::Paragraph(runs) => {
                    let _ = writeln!(out, "<p>{}</p>", html_runs(runs));
                }
                Block::List { ordered, items } => {
                    let tag = if *ordered { "ol" } else { "ul" };
                    let _ = writeln!(out, "<{tag}>");
                    for item in items {
                        let _ = writeln!(out, "<li>{}</li>", html_runs(item));
                    }
                    let _ = writeln!(out, "</{tag}>");
                }
                Block::Table(table) => html_table(&mut out, table),
                Block::Chart(chart) => {
                    out.push_str(&chart.html());
                    out.push('\n');
                }
                Block::PageBreak => out.push_str("<hr class=\"page-break\">\n"),
            }
        }
        out.push_str("</article>\n");
        out
    }
}

/// Escapes the characters the Markdown reader treats as markup inside a line.
pub(crate) fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '[' | ']' | '|' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A heading's text: escaped, a `#` at its end kept from reading as a closing sequence, and a
/// leading backslash when its numbering would give it another level (`level` 0: the title).
fn md_heading(text: &str, level: u8) -> String {
    let mut escaped = md_escape(text.trim());
    if let Some(rest) = escaped.strip_suffix('#') {
        escaped = format!("{rest}\\#");
    }
    match numbered_marker(&escaped) {
        Some((numbered, _)) if numbered != level => format!("\\{escaped}"),
        _ => escaped,
    }
}

/// Where a numbered heading starts a line: its level (1 "一、", 2 "（一）" or "(一)", 3 "1." "1．"
/// "1、") and the byte length of the marker with the spaces after it. "1.5亿元" is no marker.
pub(crate) fn numbered_marker(text: &str) -> Option<(u8, usize)> {
    const NUMERALS: &str = "一二三四五六七八九十";
    let is_numeral = |c: char| NUMERALS.contains(c);
    let spaces_after =
        |at: usize| -> usize { at + text[at..].len() - text[at..].trim_start_matches([' ', '\u{3000}']).len() };
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if is_numeral(first) {
        let end = text.find(|c: char| !is_numeral(c))?;
        return text[end..].starts_with('、').then(|| (1, spaces_after(end + '、'.len_utf8())));
    }
    if first == '（' || first == '(' {
        let inner = &text[first.len_utf8()..];
        let end = inner.find(|c: char| !is_numeral(c))?;
        if end == 0 {
            return None;
        }
        let close = inner[end..].chars().next()?;
        if close != '）' && close != ')' {
            return None;
        }
        return Some((2, spaces_after(first.len_utf8() + end + close.len_utf8())));
    }
    if first.is_ascii_digit() {
        let end = text.find(|c: char| !c.is_ascii_digit())?;
        let sep = text[end..].chars().next()?;
        if !matches!(sep, '.' | '．' | '、') {
            return None;
        }
        let after = end + sep.len_utf8();
        return match text[after..].chars().next() {
            Some(c) if !c.is_ascii_digit() => Some((3, spaces_after(after))),
            _ => None,
        };
    }
    None
}

/// Whether a paragraph's Markdown text would read as something else than a plain paragraph.
fn starts_block(text: &str) -> bool {
    numbered_marker(text).is_some()
        || text.starts_with('#')
        || text.starts_with("- ")
        || text.starts_with("+ ")
        || text.starts_with("* ")
        || text.starts_with("---")
        || text.starts_with('>')
        || text.starts_with('|')
}

fn md_runs(runs: &[Run]) -> String {
    let mut out = String::new();
    for run in runs {
        let text = md_escape(&run.text);
        let text = if run.bold && !text.is_empty() { format!("**{text}**") } else { text };
        match &run.link {
            Some(url) => {
                let url = url.replace(' ', "%20").replace(')', "%29");
                let _ = write!(out, "[{text}]({url})");
            }
            None => out.push_str(&text),
        }
    }
    out
}

/// Where a paragraph stands, for what its first characters could be mistaken for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    Title,
    Table,
    Other,
}

/// A paragraph line: a run-in heading is written as plain text (the reader finds it again by
/// its numbering); a plain paragraph that would read as a block gets a leading backslash.
fn md_runs_line(runs: &[Run], after: After) -> String {
    let text = md_runs(runs);
    if runs.first().is_some_and(|r| r.lead.is_some()) {
        return text;
    }
    let looks_like_subtitle = after == After::Title && text.starts_with('（') && text.ends_with('）');
    let looks_like_note = after == After::Table && (text.starts_with("注：") || text.starts_with("注:"));
    if starts_block(&text) || looks_like_subtitle || looks_like_note { format!("\\{text}") } else { text }
}

fn md_table(out: &mut String, table: &Table) {
    if let Some(caption) = &table.caption {
        let _ = writeln!(out, "**{}**\n", md_escape(caption));
    }
    let cols = table.headers.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0)).max(1);
    let row_line = |cells: &[String]| {
        let mut line = String::from("|");
        for i in 0..cols {
            let cell = cells.get(i).map(String::as_str).unwrap_or("");
            let _ = write!(line, " {} |", md_escape(&cell.replace('\n', " ")));
        }
        line
    };
    let _ = writeln!(out, "{}", row_line(&table.headers));
    let _ = writeln!(out, "|{}", " --- |".repeat(cols));
    for (r, row) in table.rows.iter().enumerate() {
        let cells: Vec<String> = (0..cols)
            .map(|c| {
                let text = md_escape(&row.get(c).map(String::as_str).unwrap_or("").replace('\n', " "));
                match table.link(r, c).and_then(safe_href) {
                    Some(url) if !text.is_empty() => {
                        format!("[{text}]({})", url.replace(' ', "%20").replace(')', "%29").replace('|', "%7C"))
                    }
                    _ => text,
                }
            })
            .collect();
        let mut line = String::from("|");
        for cell in cells {
            let _ = write!(line, " {cell} |");
        }
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    if let Some(note) = &table.note {
        let _ = writeln!(out, "注：{}\n", md_escape(note));
    }
}

fn html_runs(runs: &[Run]) -> String {
    let mut out = String::new();
    for run in runs {
        let mut text = escape_xml(&run.text);
        if run.bold {
            text = format!("<strong>{text}</strong>");
        }
        if let Some(url) = run.link.as_deref().and_then(safe_href) {
            text = format!("<a href=\"{}\">{text}</a>", escape_xml(url));
        }
        if let Some(level) = run.lead {
            text = format!("<span class=\"lead-{}\">{text}</span>", level.clamp(1, 3));
        }
        out.push_str(&text);
    }
    out
}

pub(crate) fn html_table(out: &mut String, table: &Table) {
    out.push_str("<table class=\"doc-table\">\n");
    if let Some(caption) = &table.caption {
        let _ = writeln!(out, "<caption>{}</caption>", escape_xml(caption));
    }
    out.push_str("<thead><tr>");
    for h in &table.headers {
        let _ = write!(out, "<th>{}</th>", escape_xml(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in table.rows.iter().enumerate() {
        out.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            match table.link(r, c) {
                Some(url) => {
                    let _ = write!(out, "<td><a href=\"{}\">{}</a></td>", escape_xml(url), escape_xml(cell));
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", escape_xml(cell));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if let Some(note) = &table.note {
        let _ = writeln!(out, "<p class=\"table-note\">注：{}</p>", escape_xml(note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_inside_the_application_become_links() {
        for ok in ["/projects?stage=signed&from=2025-01-01", "/figures/stage"] {
            assert_eq!(safe_href(ok), Some(ok));
        }
        for bad in
            ["javascript:alert(1)", "https://phish.example", "//evil.example/x", "/\\evil", "/a b", "JaVaScRiPt:x", ""]
        {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
        let md = crate::markdown::parse(
            "# 标题\n\n[查看](javascript:alert(document.cookie)) 与 [签约 14 个](/figures/stage?stage=signed)\n",
        );
        let html = md.to_html();
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("查看") && html.contains("<a href=\"/figures/stage?stage=signed\">"), "{html}");
    }

    fn sample() -> Doc {
        Doc {
            title: "示例开发区 2025 年上半年工作总结".into(),
            subtitle: Some("2025年7月1日".into()),
            blocks: vec![
                Block::Heading(1, "一、上半年工作总结".into()),
                Block::Paragraph(vec![
                    Run::lead(2, "（一）项目招引成效显著。"),
                    Run::plain("签约项目"),
                    Run::link("14个", "/projects?stage=签约"),
                    Run::plain("，其中"),
                    Run::bold("重点<项目>&"),
                    Run::plain("。"),
                ]),
                Block::Table(Table {
                    caption: Some("表1 指标".into()),
                    headers: vec!["指标".into(), "数值|单位".into()],
                    rows: vec![vec!["增加值".into(), "27.97".into()]],
                    note: Some("数据来自统计局".into()),
                    links: vec![vec![None, Some("/indicators/1?until=2025-05".into())]],
                }),
                Block::PageBreak,
            ],
        }
    }

    #[test]
    fn markdown_has_the_seed_form() {
        let md = sample().to_markdown();
        assert!(md.starts_with("# 示例开发区 2025 年上半年工作总结\n\n（2025年7月1日）\n\n"));
        assert!(md.contains("## 一、上半年工作总结\n"));
        assert!(md.contains("（一）项目招引成效显著。签约项目[14个](/projects?stage=签约)，其中**重点<项目>&**。"));
        assert!(md.contains(
            "**表1 指标**\n\n| 指标 | 数值\\|单位 |\n| --- | --- |\n| 增加值 | [27.97](/indicators/1?until=2025-05) |\n\n注：数据来自统计局"
        ));
        assert!(md.ends_with("---\n"));
    }

    #[test]
    fn html_escapes_everything() {
        let html = sample().to_html();
        assert!(html.contains("<strong>重点&lt;项目&gt;&amp;</strong>"));
        assert!(html.contains("<a href=\"/projects?stage=签约\">14个</a>"));
        assert!(html.contains("<span class=\"lead-2\">（一）项目招引成效显著。</span>"));
        assert!(html.contains("<caption>表1 指标</caption>"));
        assert!(html.contains("<td><a href=\"/indicators/1?until=2025-05\">27.97</a></td>"));
        let evil = Doc { title: "<script>\"x\"</script>".into(), ..Doc::default() };
        assert!(evil.to_html().contains("&lt;script&gt;&quot;x&quot;&lt;/script&gt;"));
    }

    #[test]
    fn a_chart_is_a_figure_in_html_and_a_table_in_markdown() {
        let doc = crate::markdown::parse(
            "# 报告\n\n```chart\n柱状图：<script>alert('x')</script>增速\n单位：%\n规上工业增加值 | 22.9 | /indicators/1?until=2025-05\n```\n\n后文\n",
        );
        assert!(matches!(doc.blocks[0], Block::Chart(_)), "{doc:?}");
        let html = doc.to_html();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("<figure class=\"chart\"><svg "), "{html}");
        assert!(html.contains("<title>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;增速</title>"), "{html}");
        assert!(html.contains("<details class=\"chart-table\">"));
        assert!(html.contains("<td><a href=\"/indicators/1?until=2025-05\">22.9</a></td>"), "{html}");
        let md = doc.to_markdown();
        assert!(
            md.contains("**<script>alert('x')</script>增速**\n\n| 项目 | 数值（%） |\n| --- | --- |\n| 规上工业增加值 | [22.9](/indicators/1?until=2025-05) |"),
            "{md}"
        );
        assert!(md.ends_with("后文\n"), "{md}");
    }

    #[test]
    fn plain_paragraphs_that_look_like_blocks_are_escaped() {
        let doc = Doc {
            blocks: vec![Block::text("1.5亿元的项目"), Block::text("# 不是标题"), Block::text("2.不是标题")],
            ..Doc::default()
        };
        let md = doc.to_markdown();
        assert!(md.starts_with("1.5亿元的项目\n"));
        assert!(md.contains("\\# 不是标题"));
        assert!(md.contains("\\2.不是标题"));
    }

    #[test]
    fn numbered_markers() {
        assert_eq!(numbered_marker("一、上半年"), Some((1, "一、".len())));
        assert_eq!(numbered_marker("十二、其他"), Some((1, "十二、".len())));
        assert_eq!(numbered_marker("(一) 经济运行"), Some((2, "(一) ".len())));
        assert_eq!(numbered_marker("（七）学习"), Some((2, "（七）".len())));
        assert_eq!(numbered_marker("1.强化"), Some((3, 2)));
        assert_eq!(numbered_marker("12．强化"), Some((3, 2 + "．".len())));
        assert_eq!(numbered_marker("1.5亿元"), None);
        assert_eq!(numbered_marker("2025年"), None);
        assert_eq!(numbered_marker("一是聚焦"), None);
        assert_eq!(numbered_marker("（附：表）"), None);
        assert_eq!(numbered_marker("()"), None);
    }
}
