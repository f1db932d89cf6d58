//! Reads Markdown as staff and templates write it into a [`Doc`].
//!
//! A small hand-written reader for the subset reports use (the seed document is the
//! reference), not a CommonMark implementation:
//! - `# 标题` before anything else is the title; a `（…）` line right under it is the subtitle.
//! - Heading levels come from the Chinese numbering when there is one — "一、" 1, "（一）" or
//!   "(一)" 2, "1." "1．" "1、" 3 — whatever the number of `#` (the seed writes "四、" with
//!   `####`); otherwise `##` is 1, `###` 2 and `####` or more 3.
//! - A plain line that starts with such a number is a heading when it is short (at most
//!   [`HEADING_MAX_CHARS`] characters and no "。" inside); when its first sentence is short
//!   and more text follows ("（一）经济运行稳中提质。1-5月份，……") it is a paragraph opening
//!   with a run-in heading ([`Run::lead`]). "(一) " is written "（一）".
//! - Paragraphs are runs of non-blank lines; `**粗体**`, `[文字](链接)`, `` `代码` `` (kept as
//!   text) and backslash escapes inside; a backslash at the start of a line keeps the line a
//!   plain paragraph.
//! - Lists: `- `, `* `, `+ ` items, or two or more consecutive `1. ` items (a single "1. …"
//!   line is a level-3 heading).
//! - Pipe tables with a delimiter row; a bold-only line just above is the caption, a "注："
//!   paragraph just below the note. `---`, `***` or `___` alone is a page break.
//! - A ```` ```chart ```` … ```` ``` ```` block is a chart ([`crate::chart_block`]); one that
//!   does not read becomes a paragraph "【图表有误：…】" (templates are checked before).
//!
//! Text extracted from a PDF or Word file (like the seed) has paragraphs cut at page ends and
//! spaces around digits ("1-5 月份"); [`Options::extracted`] rejoins and tightens them.

use crate::doc::{Block, Doc, Run, Table, numbered_marker, plain_text};

/// The longest heading, in characters; a longer numbered line is a paragraph.
pub const HEADING_MAX_CHARS: usize = 40;

/// How forgiving the reader is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Join a paragraph that ends without closing punctuation with the next plain paragraph
    /// (a paragraph cut by a page end in extracted text).
    pub rejoin_split_paragraphs: bool,
    /// Drop the spaces between Chinese and Latin letters or digits ("2025 年" → "2025年").
    pub tighten_cjk_spacing: bool,
}

impl Options {
    /// For text extracted from a PDF or Word file: both repairs on.
    pub fn extracted() -> Self {
        Options { rejoin_split_paragraphs: true, tighten_cjk_spacing: true }
    }
}

/// Reads Markdown into a document, as written.
pub fn parse(md: &str) -> Doc {
    parse_with(md, Options::default())
}

/// Reads Markdown into a document with the given repairs.
pub fn parse_with(md: &str, options: Options) -> Doc {
    let text = md.trim_start_matches('\u{feff}').replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut reader = Reader { options, doc: Doc::default(), para: Vec::new(), last_raw: None };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            reader.flush();
        } else if trimmed == crate::chart_block::FENCE {
            reader.flush();
            let end = (i + 1..lines.len()).find(|&j| lines[j].trim() == crate::chart_block::FENCE_END);
            let body = &lines[i + 1..end.unwrap_or(lines.len())];
            match crate::chart_block::parse(body) {
                Ok(chart) => reader.push(Block::Chart(Box::new(chart))),
                Err(e) => reader.push(Block::text(format!("【图表有误：{}】", e.message))),
            }
            i = end.map_or(lines.len(), |e| e + 1);
            continue;
        } else if let Some((hashes, text)) = atx_heading(trimmed) {
            reader.flush();
            reader.heading(hashes, text);
        } else if is_page_break(trimmed) {
            reader.flush();
            reader.push(Block::PageBreak);
        } else if trimmed.contains('|') && lines.get(i + 1).is_some_and(|l| is_delimiter_row(l)) {
            reader.flush();
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && lines[j].contains('|') && !lines[j].trim().is_empty() {
                rows.push(split_row(lines[j]));
                j += 1;
            }
            reader.table(split_row(trimmed).into_iter().map(|(text, _)| text).collect(), rows);
            i = j;
            continue;
        } else if let Some(first) = list_item(trimmed) {
            reader.flush();
            let mut items = vec![inline(&reader.tidy(first))];
            let mut j = i + 1;
            while let Some(text) = lines.get(j).and_then(|l| list_item(l.trim_start())) {
                items.push(inline(&reader.tidy(text)));
                j += 1;
            }
            reader.push(Block::List { ordered: false, items });
            i = j;
            continue;
        } else if let (Some(first), Some(second)) =
            (ordered_item(trimmed), lines.get(i + 1).and_then(|l| ordered_item(l.trim_start())))
        {
            reader.flush();
            let mut items = vec![inline(&reader.tidy(first)), inline(&reader.tidy(second))];
            let mut j = i + 2;
            while let Some(text) = lines.get(j).and_then(|l| ordered_item(l.trim_start())) {
                items.push(inline(&reader.tidy(text)));
                j += 1;
            }
            reader.push(Block::List { ordered: true, items });
            i = j;
            continue;
        } else {
            reader.para.push(trimmed.to_owned());
        }
        i += 1;
    }
    reader.flush();
    reader.doc
}

struct Reader {
    options: Options,
    doc: Doc,
    /// Lines of the paragraph being read.
    para: Vec<String>,
    /// The text of the last block when it is a plain paragraph that may be continued.
    last_raw: Option<String>,
}

impl Reader {
    fn push(&mut self, block: Block) {
        self.last_raw = None;
        if !matches!(&block, Block::Paragraph(runs) if runs.is_empty()) {
            self.doc.blocks.push(block);
        }
    }

    /// A paragraph read from `raw`, which a cut paragraph after it may continue.
    fn push_paragraph(&mut self, runs: Vec<Run>, raw: String) {
        if !runs.is_empty() {
            self.push(Block::Paragraph(runs));
            self.last_raw = Some(raw);
        }
    }

    fn tidy(&self, text: &str) -> String {
        if self.options.tighten_cjk_spacing { tighten(text) } else { text.to_owned() }
    }

    fn heading(&mut self, hashes: usize, text: &str) {
        let mut text = self.tidy(text);
        // A leading backslash: the level comes from the `#`s, whatever the numbering.
        let escaped = text.starts_with('\\');
        if let Some(rest) = text.strip_prefix('\\')
            && !rest.starts_with(|c: char| c.is_ascii_punctuation())
        {
            text = rest.to_owned();
        }
        if !escaped && let Some((level, len)) = numbered_marker(&text) {
            let heading =
                format!("{}{}", normalise_marker(&text[..len], &text[len..]), plain_text(&inline(&text[len..])));
            self.push(Block::Heading(level, heading));
            return;
        }
        let plain = plain_text(&inline(&text));
        if hashes == 1 && self.doc.title.is_empty() && self.doc.blocks.is_empty() {
            self.doc.title = plain;
            self.last_raw = None;
            return;
        }
        let level = match hashes {
            1 | 2 => 1,
            3 => 2,
            _ => 3,
        };
        self.push(Block::Heading(level, plain));
    }

    fn table(&mut self, headers: Vec<String>, rows: Vec<Vec<(String, Option<String>)>>) {
        let mut links: Vec<Vec<Option<String>>> = Vec::with_capacity(rows.len());
        let mut rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|row| {
                let (texts, row_links): (Vec<String>, Vec<Option<String>>) = row.into_iter().unzip();
                links.push(row_links);
                texts
            })
            .collect();
        for row in &mut rows {
            row.resize(headers.len(), String::new());
        }
        for row in &mut links {
            row.resize(headers.len(), None);
        }
        if links.iter().flatten().all(Option::is_none) {
            links.clear();
        }
        let caption = match self.doc.blocks.last() {
            Some(Block::Paragraph(runs))
                if runs.len() == 1 && runs[0].bold && runs[0].link.is_none() && runs[0].lead.is_none() =>
            {
                let caption = runs[0].text.clone();
                self.doc.blocks.pop();
                Some(caption)
            }
            _ => None,
        };
        let tidy = |cells: Vec<String>| cells.iter().map(|c| self.tidy(c)).collect::<Vec<_>>();
        let headers = tidy(headers);
        let rows = rows.into_iter().map(tidy).collect();
        self.push(Block::Table(Table { caption, headers, rows, note: None, links }));
    }

    /// Ends the paragraph being read.
    fn flush(&mut self) {
        if self.para.is_empty() {
            return;
        }
        let lines = std::mem::take(&mut self.para);
        let mut raw = String::new();
        for line in &lines {
            let ascii_join = raw.ends_with(|c: char| c.is_ascii_alphanumeric())
                && line.starts_with(|c: char| c.is_ascii_alphanumeric());
            if ascii_join {
                raw.push(' ');
            }
            raw.push_str(line);
        }
        let raw = self.tidy(&raw);
        if self.options.rejoin_split_paragraphs
            && let Some(previous) = &self.last_raw
            && !previous.ends_with(is_closing)
            && numbered_marker(&raw).is_none()
            && !raw.starts_with('\\')
        {
            let joined = format!("{previous}{raw}");
            self.doc.blocks.pop();
            self.paragraph(joined);
            return;
        }
        self.paragraph(raw);
    }

    fn paragraph(&mut self, raw: String) {
        if let Some(rest) = raw.strip_prefix('\\')
            && !rest.starts_with(|c: char| c.is_ascii_punctuation())
        {
            // A backslash before a non-punctuation character only keeps the line plain.
            self.push_paragraph(inline(rest), raw);
            return;
        }
        if raw.starts_with('\\') {
            self.push_paragraph(inline(&raw), raw);
            return;
        }
        let no_subtitle_yet = !self.doc.title.is_empty() && self.doc.subtitle.is_none() && self.doc.blocks.is_empty();
        if no_subtitle_yet
            && numbered_marker(&raw).is_none()
            && let Some(inner) = raw.strip_prefix('（').and_then(|r| r.strip_suffix('）'))
        {
            self.doc.subtitle = Some(plain_text(&inline(inner)));
            return;
        }
        if let Some(Block::Table(table)) = self.doc.blocks.last_mut()
            && table.note.is_none()
            && let Some(note) = raw.strip_prefix("注：").or_else(|| raw.strip_prefix("注:"))
        {
            table.note = Some(plain_text(&inline(note.trim_start())));
            return;
        }
        if let Some((level, len)) = numbered_marker(&raw) {
            let marker = normalise_marker(&raw[..len], &raw[len..]);
            let rest = &raw[len..];
            let plain = plain_text(&inline(rest));
            let inner_stop = plain.trim_end_matches('。').contains('。');
            if !inner_stop && plain.chars().count() <= HEADING_MAX_CHARS {
                self.push(Block::Heading(level, format!("{marker}{plain}")));
                return;
            }
            // A run-in heading: the first sentence, when it lies in the first, plain run.
            let mut runs = inline(rest);
            if let Some(first) = runs.first()
                && !first.bold
                && first.link.is_none()
                && let Some(stop) = first.text.find('。')
            {
                let cut = stop + '。'.len_utf8();
                let lead = format!("{marker}{}", &first.text[..cut]);
                let after = first.text[cut..].to_owned();
                let has_more = !after.is_empty() || runs.len() > 1;
                if has_more && lead.chars().count() <= HEADING_MAX_CHARS + marker.chars().count() {
                    if after.is_empty() {
                        runs.remove(0);
                    } else {
                        runs[0].text = after;
                    }
                    runs.insert(0, Run::lead(level, lead));
                    self.push_paragraph(runs, raw);
                    return;
                }
            }
            let mut runs = inline(&format!("{marker}{rest}"));
            merge(&mut runs);
            self.push_paragraph(runs, raw);
            return;
        }
        self.push_paragraph(inline(&raw), raw);
    }
}

/// Closing punctuation: a paragraph ending with one of these is complete.
fn is_closing(c: char) -> bool {
    "。！？；：…”’）)」』】.!?;:".contains(c)
}

/// "(一) " → "（一）", "1. " → "1.": full-width parentheses and no space after the marker
/// (one is kept before a digit: "1. 5G" is not "1.5G").
fn normalise_marker(marker: &str, rest: &str) -> String {
    let trimmed = marker.trim_end_matches([' ', '\u{3000}']);
    let marker = if trimmed.len() < marker.len() && rest.starts_with(|c: char| c.is_ascii_digit()) {
        &marker[..trimmed.len() + 1]
    } else {
        trimmed
    };
    marker.replace('(', "（").replace(')', "）")
}

fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.len() - line.trim_start_matches('#').len();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &line[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim();
    // A closing sequence of `#` counts only after a space.
    let without = text.trim_end_matches('#');
    let text = if without.is_empty() || without.ends_with([' ', '\t']) { without.trim_end() } else { text };
    Some((hashes, text))
}

fn is_page_break(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3 && ['-', '*', '_'].iter().any(|&m| compact.chars().all(|c| c == m))
}

/// `- 项`, `* 项`, `+ 项`.
fn list_item(line: &str) -> Option<&str> {
    ["- ", "* ", "+ "].iter().find_map(|marker| line.strip_prefix(marker)).map(str::trim_start)
}

/// `1. 项` or `1) 项` (with a space).
fn ordered_item(line: &str) -> Option<&str> {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let rest = &line[digits..];
    let rest = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))?;
    Some(rest.trim_start())
}

fn is_delimiter_row(line: &str) -> bool {
    let line = line.trim();
    if !line.contains('-') || !line.contains('|') && !line.starts_with('-') {
        return false;
    }
    split_cells(line).iter().all(|cell| {
        let cell = cell.trim();
        let core = cell.trim_start_matches(':').trim_end_matches(':');
        !core.is_empty() && core.chars().all(|c| c == '-')
    })
}

/// The cells of a table row, split at unescaped `|`, outer pipes dropped, still escaped.
fn split_cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cell = cells.last_mut().expect("one cell");
                cell.push('\\');
                if let Some(next) = chars.next() {
                    cell.push(next);
                }
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("one cell").push(c),
        }
    }
    if cells.len() > 1 && cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells
}

/// The cells of a row: their text, and the link of the first `[文字](链接)` in each.
fn split_row(line: &str) -> Vec<(String, Option<String>)> {
    split_cells(line)
        .iter()
        .map(|cell| {
            let runs = inline(cell.trim());
            let link = runs.iter().find_map(|r| r.link.clone()).filter(|l| !l.is_empty());
            (plain_text(&runs), link)
        })
        .collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

/// Drops spaces between a Chinese character and a Latin letter or digit.
fn tighten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' && i > 0 {
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if let Some(&next) = chars.get(j) {
                let prev = chars[i - 1];
                let mixed = (is_cjk(prev) && (next.is_ascii_alphanumeric() || is_cjk(next)))
                    || (prev.is_ascii_alphanumeric() || prev == '%') && is_cjk(next);
                if mixed {
                    i = j;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Inline markup: `**bold**`, `[text](url)`, `` `code` ``, backslash escapes.
fn inline(text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    inline_into(text, false, None, &mut runs);
    merge(&mut runs);
    runs
}

fn inline_into(text: &str, bold: bool, link: Option<&str>, runs: &mut Vec<Run>) {
    let mut current = String::new();
    let flush = |current: &mut String, runs: &mut Vec<Run>| {
        if !current.is_empty() {
            runs.push(Run { text: std::mem::take(current), bold, link: link.map(str::to_owned), lead: None });
        }
    };
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().expect("not at end");
        if c == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            current.push(next);
            i += 1 + next.len_utf8();
            continue;
        }
        if rest.starts_with("**")
            && !bold
            && let Some(end) = find_unescaped(&rest[2..], "**")
            && end > 0
        {
            flush(&mut current, runs);
            inline_into(&rest[2..2 + end], true, link, runs);
            i += 2 + end + 2;
            continue;
        }
        if c == '['
            && link.is_none()
            && let Some(close) = find_unescaped(&rest[1..], "](")
            && let Some(end) = rest[1 + close + 2..].find(')')
        {
            flush(&mut current, runs);
            let label = &rest[1..1 + close];
            let url = &rest[1 + close + 2..1 + close + 2 + end];
            inline_into(label, bold, Some(url.trim()), runs);
            i += 1 + close + 2 + end + 1;
            continue;
        }
        if c == '`'
            && let Some(end) = rest[1..].find('`')
        {
            current.push_str(&rest[1..1 + end]);
            i += 1 + end + 1;
            continue;
        }
        current.push(c);
        i += c.len_utf8();
    }
    flush(&mut current, runs);
}

/// The byte offset of `needle` in `text`, skipping backslash-escaped characters.
fn find_unescaped(text: &str, needle: &str) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(escaped) = rest.strip_prefix('\\') {
            i += 1 + escaped.chars().next().map_or(0, char::len_utf8);
            continue;
        }
        if rest.starts_with(needle) {
            return Some(i);
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Joins neighbouring runs that look the same, and trims the spaces at both ends.
fn merge(runs: &mut Vec<Run>) {
    join_alike(runs);
    if let Some(first) = runs.first_mut() {
        first.text = first.text.trim_start().to_owned();
    }
    if let Some(last) = runs.last_mut() {
        last.text = last.text.trim_end().to_owned();
    }
    runs.retain(|r| !r.text.is_empty());
}

fn join_alike(runs: &mut Vec<Run>) {
    let mut merged: Vec<Run> = Vec::with_capacity(runs.len());
    for run in runs.drain(..) {
        match merged.last_mut() {
            Some(last) if last.bold == run.bold && last.link == run.link && last.lead == run.lead => {
                last.text.push_str(&run.text);
            }
            _ => merged.push(run),
        }
    }
    *runs = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 40 lines of the seed (its parts 一 and 四, as extracted, page cuts included).
    const SEED: &str = include_str!("../tests/data/seed_excerpt.md");

    fn headings(doc: &Doc) -> Vec<(u8, &str)> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(level, text) => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    fn paragraphs(doc: &Doc) -> Vec<&[Run]> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(runs) => Some(runs.as_slice()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reads_the_seed_excerpt() {
        let doc = parse_with(SEED, Options::extracted());
        assert_eq!(doc.title, "襄垣经济技术开发区管理委员会2025年上半年工作总结和下半年工作计划");
        assert_eq!(
            headings(&doc),
            vec![
                (1, "一、上半年工作总结"),
                (1, "四、下半年工作计划"),
                (2, "（一）重点项目谋划情况"),
                (2, "（二）拟推进的重点工作任务"),
            ]
        );
        let paras = paragraphs(&doc);
        // 七 run-in parts of 一 (two cut by page ends), one of 四(一), four of 四(二) (one cut).
        assert_eq!(paras.len(), 7 + 1 + 4);
        let leads: Vec<String> =
            paras.iter().filter(|runs| runs[0].lead == Some(2)).map(|runs| runs[0].text.clone()).collect();
        assert_eq!(leads.len(), 7);
        assert_eq!(leads[0], "（一）经济运行稳中提质。");
        assert_eq!(leads[6], "（七）学习教育扎实开展。");
        let first = plain_text(paras[0]);
        assert!(first.contains("1-5月份，规上工业增加值完成27.97亿元，同比增长22.9%，全市开发区绝对量排名第一"));
        // The paragraph cut after "金属自动化装备" is whole again.
        assert!(plain_text(paras[2]).contains("金属自动化装备制造等10余个项目开工建设。"));
        assert!(plain_text(paras[5]).contains("资产移交给县水务集团"));
        assert!(plain_text(paras[7]).contains("谋划项目58个，总投资273.76亿元"));
        // Bold runs of 四(二), and the paragraph cut after "煤化工、".
        assert_eq!(paras[8][0], Run::plain("一是"));
        assert_eq!(paras[8][1], Run::bold("聚焦党的建设，引领发展提质增效"));
        assert!(plain_text(paras[9]).contains("持续深耕煤化工、固废综合利用"));
        assert!(plain_text(paras[9]).contains("力争全年签约项目52个、开工项目42个、投产项目26个。"));
        assert_eq!(paras[10][0], Run::bold("三是聚焦增加效益，强化项目攻坚突破。"));
    }

    #[test]
    fn reads_the_seed_excerpt_as_written() {
        let doc = parse(SEED);
        assert_eq!(doc.title, "襄垣经济技术开发区管理委员会 2025 年上半年工作总结和下半年工作计划");
        // Without the repairs the three page cuts stay separate paragraphs.
        assert_eq!(paragraphs(&doc).len(), 12 + 3);
        assert_eq!(headings(&doc).len(), 4);
    }

    #[test]
    fn round_trips_through_markdown() {
        let doc = parse_with(SEED, Options::extracted());
        let md = doc.to_markdown();
        assert_eq!(parse(&md), doc);
        assert_eq!(parse(&md).to_markdown(), md);
    }

    #[test]
    fn round_trips_every_block_kind() {
        let doc = Doc {
            title: "标题 <&>".into(),
            subtitle: Some("2025年7月1日".into()),
            blocks: vec![
                Block::text("（附：不是副标题）"),
                Block::Heading(1, "一、总体情况".into()),
                Block::Heading(2, "（一）经济运行".into()),
                Block::Heading(3, "1.工业".into()),
                Block::Paragraph(vec![
                    Run::lead(3, "2.投资。"),
                    Run::plain("完成"),
                    Run::link("16.9亿元", "/indicators?code=industrial_investment&period=2025-05"),
                    Run::plain("，"),
                    Run::bold("增长1.4%"),
                    Run::plain("。星号*、竖线|、反斜杠\\、[括号]都照原样。"),
                ]),
                Block::text("1.5亿元的项目已开工。"),
                Block::text("3.不是标题"),
                Block::List { ordered: false, items: vec![vec![Run::plain("甲")], vec![Run::bold("乙")]] },
                Block::List {
                    ordered: true, items: vec![vec![Run::plain("第一项")], vec![Run::plain("第二项")]]
                },
                Block::Table(Table {
                    caption: Some("表1 主要指标".into()),
                    headers: vec!["指标".into(), "1-5月".into(), "增速".into()],
                    rows: vec![
                        vec!["规上工业增加值（亿元）".into(), "27.97".into(), "22.9%".into()],
                        vec!["a|b".into(), "".into(), "-".into()],
                    ],
                    note: Some("增速为同比。".into()),
                    links: vec![vec![None, Some("/indicators/1?until=2025-05".into()), None], vec![None, None, None]],
                }),
                Block::text("注：这一段不是表注。"),
                Block::PageBreak,
                Block::text("# 不是标题"),
            ],
        };
        let md = doc.to_markdown();
        assert_eq!(parse(&md), doc, "{md}");
    }

    #[test]
    fn chinese_numbering_sets_the_level() {
        let doc = parse("# 题目\n\n#### 四、计划\n\n## （二）任务\n\n### 3.道路\n\n## 概况\n\n### 细节\n\n##### 更细");
        assert_eq!(
            headings(&doc),
            vec![(1, "四、计划"), (2, "（二）任务"), (3, "3.道路"), (1, "概况"), (2, "细节"), (3, "更细")]
        );
    }

    #[test]
    fn numbered_lines_are_headings_run_ins_or_paragraphs() {
        let doc = parse(
            "(一) 经济运行\n\n1. 强化项目调度。按期召开调度会。\n\n二、这是一个很长很长的段落，没有句号但是超过了四十个字的限度，所以它只能是一个普通的段落而不是标题",
        );
        assert_eq!(doc.blocks[0], Block::Heading(2, "（一）经济运行".into()));
        assert_eq!(
            doc.blocks[1],
            Block::Paragraph(vec![Run::lead(3, "1.强化项目调度。"), Run::plain("按期召开调度会。")])
        );
        assert!(matches!(&doc.blocks[2], Block::Paragraph(runs) if runs[0].lead.is_none()));
    }

    #[test]
    fn lists_tables_and_inline_markup() {
        let md = "- 甲\n- **乙**\n\n1. 一\n2. 二\n\n前言 [链接](/a?b=1) `代码` \\*星\\*\n\n| 名称 | 数 |\n|:--|--:|\n| 甲 | 1 |\n| 乙 |\n";
        let doc = parse(md);
        assert_eq!(
            doc.blocks[0],
            Block::List { ordered: false, items: vec![vec![Run::plain("甲")], vec![Run::bold("乙")]] }
        );
        assert!(matches!(&doc.blocks[1], Block::List { ordered: true, items } if items.len() == 2));
        assert_eq!(
            doc.blocks[2],
            Block::Paragraph(vec![Run::plain("前言 "), Run::link("链接", "/a?b=1"), Run::plain(" 代码 *星*")])
        );
        let Block::Table(table) = &doc.blocks[3] else { panic!("table expected") };
        assert_eq!(table.headers, vec!["名称", "数"]);
        assert_eq!(table.rows, vec![vec!["甲".to_owned(), "1".into()], vec!["乙".into(), String::new()]]);
    }

    #[test]
    fn tightens_only_between_chinese_and_latin() {
        assert_eq!(tighten("1-5 月份 完成 27.97 亿元, PVC 深加工 a b"), "1-5月份完成27.97亿元, PVC深加工a b");
        assert_eq!(tighten("增长 22.9% 排名"), "增长22.9%排名");
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    const PIECES: [&str; 24] = [
        "一、",
        "（一）",
        "(二) ",
        "1.",
        "1. ",
        "2. ",
        "- ",
        "# ",
        "## ",
        "**",
        "*",
        "[",
        "](",
        ")",
        "\\",
        "|",
        "注：",
        "。",
        "文字",
        " ",
        "\n",
        "\n\n",
        "---",
        "`",
    ];

    /// Every string of three pieces: reading never panics, and what is written reads back.
    #[test]
    fn any_input_reads_and_round_trips() {
        for a in PIECES {
            for b in PIECES {
                for c in PIECES {
                    let input = format!("{a}{b}{c}文字");
                    for doc in [parse(&input), parse_with(&input, Options::extracted())] {
                        let md = doc.to_markdown();
                        assert_eq!(parse(&md), doc, "input {input:?} wrote {md:?}");
                    }
                }
            }
        }
    }
}
