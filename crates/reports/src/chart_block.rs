//! Charts placed in documents: the ```` ```chart ```` block templates write, read into a
//! [`Chart`] (a title and a [`ChartSpec`]), drawn with [`crate::chart`] and tabulated as its
//! readable fallback.
//!
//! The block is line-based, like the pipe tables templates write: a first line naming the kind
//! and the title, optional settings, then one data line per label, columns separated by `|`
//! (a `\|` is a bar inside a text, as the `md` filter writes it), the last column optionally a
//! link to the records behind the line (`/projects?…`):
//!
//! ````text
//! ```chart
//! 漏斗图：2025年上半年项目招引
//! 对接 | 67 | 次 | 120 | | /contacts?from=2025-01-01&to=2025-06-30
//! 签约 | 14 | 个 | 52 | | /figures/stage?stage=signed&…
//! ```
//! ````
//!
//! Kinds and their data lines (a value is a decimal number, "—" or empty for none; a trailing
//! "%" is allowed; at most four decimals):
//! - `柱状图：标题` — `标签 | 柱值 [| 线值]`; settings `单位：亿元`, `柱：名称`, `线：名称（单位）`
//!   (a line on a second axis; a line in the bars' unit shares their axis).
//! - `折线图：标题` — `标签 | 值 [| 虚线值]`; settings `单位：%`, `线：名称`, `虚线：名称`.
//! - `漏斗图：标题` — `环节 | 数量 | 单位 [| 全年目标 [| 全年累计]]` (whole numbers).
//! - `进度图：标题` — `项目 | 实际 | 全年目标 | 单位 [| 应达]`.
//! - `小多图：标题` — `面板：名称（单位）` opens a panel, its lines `标签 | 值`; `每行：3`.
//!
//! Errors name the line of the block (0-based in [`ChartError::line`]) and say what is wrong,
//! in Chinese; [`crate::template::render`] turns them into "模板第 N 行有误：…".

use std::fmt::Write as _;

use crate::chart::{self, FunnelStep, Panel, Progress, Series, units_text};
use crate::doc::{Table, md_escape, safe_href};

/// The line opening a chart block.
pub const FENCE: &str = "```chart";
/// The line closing it.
pub const FENCE_END: &str = "```";
/// The most data lines one chart takes.
pub const MAX_LINES: usize = 500;
/// The most decimals of a value.
pub const MAX_DECIMALS: u32 = 4;

/// The chart syntax, for the template editor's help box: (what to write, what it means).
pub const CHART_HELP: &[(&str, &str)] = &[
    ("```chart … ```", "图表块：首行“类型：标题”，然后是设置行和数据行（各列用 | 分隔，末列可为以 / 开头的记录链接）"),
    ("柱状图：标题", "数据行“标签 | 柱值 | 线值（可省）”；设置“单位：亿元”“柱：名称”“线：名称（%）”"),
    ("折线图：标题", "数据行“标签 | 值 | 虚线值（可省）”；设置“单位：%”“线：名称”“虚线：名称”"),
    ("漏斗图：标题", "数据行“环节 | 数量 | 单位 | 全年目标（可省） | 全年累计（可省）”，数量为整数"),
    ("进度图：标题", "数据行“项目 | 实际 | 全年目标 | 单位 | 应达（可省）”"),
    ("小多图：标题", "“面板：名称（单位）”开始一个小图，其后数据行“标签 | 值”；设置“每行：3”"),
    ("数值", "十进制数，可带 %，最多 4 位小数；“—”或空表示无数据"),
];

/// A chart of a document: its title and what it draws, with the records behind each data line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub spec: ChartSpec,
    /// The link of each data line, in order (`None`: the line has none).
    pub links: Vec<Option<String>>,
}

/// The kind of a chart with its data, in the units of [`crate::chart`] (values in 1/`scale`
/// of the unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartSpec {
    Bars { labels: Vec<String>, bars: Series, unit: String, line: Option<Series>, line_unit: String, scale: i64 },
    Line { labels: Vec<String>, series: Series, unit: String, dashed: Option<Series>, scale: i64 },
    Funnel(Vec<FunnelStep>),
    Progress(Vec<Progress>),
    SmallMultiples { panels: Vec<Panel>, columns: usize },
}

/// What is wrong with a chart block, at `line` (0-based, counting the block's lines after the
/// opening fence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> ChartError {
    ChartError { line, message: message.into() }
}

/// The chart blocks of a text: (line of the opening fence, line of the closing fence or `None`
/// when the block runs to the end), 0-based.
pub fn spans(lines: &[&str]) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == FENCE {
            let close = (i + 1..lines.len()).find(|&j| lines[j].trim() == FENCE_END);
            out.push((i, close));
            i = close.map_or(lines.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The text with each chart block replaced by its data as a pipe table under its title in
/// bold (Markdown cannot carry the picture).
pub fn charts_as_tables(md: &str) -> String {
    let lines: Vec<&str> = md.lines().collect();
    let spans = spans(&lines);
    if spans.is_empty() {
        return md.to_string();
    }
    let mut out = String::new();
    let mut i = 0;
    for (open, close) in spans {
        for l in &lines[i..open] {
            out.push_str(l);
            out.push('\n');
        }
        let end = close.unwrap_or(lines.len());
        match parse(&lines[open + 1..end]) {
            Ok(chart) => {
                let mut doc = crate::doc::Doc::default();
                doc.blocks.push(crate::doc::Block::Table(chart.table()));
                out.push_str(&doc.to_markdown());
                out.push('\n');
            }
            Err(e) => {
                let _ = writeln!(out, "【图表有误：{}】", md_escape(&e.message));
            }
        }
        i = close.map_or(lines.len(), |c| c + 1);
    }
    for l in &lines[i.min(lines.len())..] {
        out.push_str(l);
        out.push('\n');
    }
    if !md.ends_with('\n') {
        out.pop();
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bars,
    Line,
    Funnel,
    Progress,
    Multiples,
}

const KINDS: &[(&str, Kind)] = &[
    ("柱状图", Kind::Bars),
    ("折线图", Kind::Line),
    ("漏斗图", Kind::Funnel),
    ("进度图", Kind::Progress),
    ("小多图", Kind::Multiples),
];

/// "键：值" (full-width or ASCII colon) when the line has no column bar.
fn setting(line: &str) -> Option<(&str, &str)> {
    if line.contains('|') {
        return None;
    }
    let at = line.find(['：', ':'])?;
    let sep = line[at..].chars().next()?.len_utf8();
    Some((line[..at].trim(), line[at + sep..].trim()))
}

/// The cells of a data line: split at unescaped bars, backslash escapes undone, trimmed; a
/// leading and a trailing bar are optional.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("one cell").push(n);
                }
            }
            '|' => out.push(String::new()),
            c => out.last_mut().expect("one cell").push(c),
        }
    }
    if line.ends_with('|') && !line.ends_with("\\|") && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// A decimal number as (value × 10^decimals, decimals).
type Decimal = (i128, u32);

/// A data line as read: (line in the block, cells, link, the small multiples' panel).
type DataLine = (usize, Vec<String>, Option<String>, Option<usize>);

/// A decimal number: (value × 10^decimals, decimals); `None` for "—", "-" or empty.
fn decimal(cell: &str, line: usize, what: &str) -> Result<Option<(i128, u32)>, ChartError> {
    let t = cell.trim().trim_end_matches(['%', '％']).trim();
    if t.is_empty() || t == "—" || t == "-" || t == "－" {
        return Ok(None);
    }
    let bad = || err(line, format!("{what}“{cell}”不是数字"));
    let (neg, body) = match t.strip_prefix('-').or_else(|| t.strip_prefix('－')) {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if body.ends_with('.') {
        return Err(bad());
    }
    let decimals = u32::try_from(frac.len()).unwrap_or(u32::MAX);
    if decimals > MAX_DECIMALS {
        return Err(err(line, format!("{what}“{cell}”的小数超过 {MAX_DECIMALS} 位")));
    }
    if int.len() > 15 {
        return Err(err(line, format!("{what}“{cell}”太大")));
    }
    let digits: i128 = format!("{int}{frac}").parse().map_err(|_| bad())?;
    Ok(Some((if neg { -digits } else { digits }, decimals)))
}

/// `v` (with `decimals`) in 1/10^`digits` units, rounded half away from zero.
fn at(v: (i128, u32), digits: u32) -> i64 {
    let (m, d) = v;
    let r = if d <= digits {
        m * 10_i128.pow(digits - d)
    } else {
        let div = 10_i128.pow(d - digits);
        let q = m.abs() / div + i128::from((m.abs() % div) * 2 >= div);
        if m < 0 { -q } else { q }
    };
    i64::try_from(r).unwrap_or(if r < 0 { i64::MIN } else { i64::MAX })
}

fn max_decimals<'a>(values: impl Iterator<Item = &'a Option<(i128, u32)>>) -> u32 {
    values.flatten().map(|v| v.1).max().unwrap_or(0)
}

/// "名称（单位）" or "名称(单位)" → (名称, 单位).
fn name_unit(text: &str) -> (String, String) {
    let t = text.trim();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = t.strip_suffix(close)
            && let Some(at) = rest.rfind(open)
        {
            return (rest[..at].trim().to_string(), rest[at + open.len_utf8()..].trim().to_string());
        }
    }
    (t.to_string(), String::new())
}

/// A data line: its cells without the link, and the link when the last cell is one.
fn data_line(line: &str, n: usize) -> Result<(Vec<String>, Option<String>), ChartError> {
    let mut cs = cells(line);
    let mut link = None;
    if cs.len() > 1 && cs.last().is_some_and(|c| c.starts_with('/')) {
        let l = cs.pop().unwrap_or_default();
        match safe_href(&l) {
            Some(ok) => link = Some(ok.to_string()),
            None => return Err(err(n, format!("链接“{l}”不是本系统内的地址"))),
        }
    } else if cs.len() > 1
        && cs.last().is_some_and(|c| c.contains("://") || c.to_ascii_lowercase().starts_with("javascript:"))
    {
        return Err(err(
            n,
            format!("链接“{}”不是本系统内的地址（应以 / 开头）", cs.last().cloned().unwrap_or_default()),
        ));
    }
    Ok((cs, link))
}

fn columns_error(n: usize, kind: &str, form: &str) -> ChartError {
    err(n, format!("{kind}的数据行应为“{form}”"))
}

/// Reads the lines of a chart block (between its fences) into a chart.
pub fn parse(lines: &[&str]) -> Result<Chart, ChartError> {
    let mut rows = lines.iter().enumerate().map(|(i, l)| (i, l.trim())).filter(|(_, l)| !l.is_empty());
    let Some((first_n, first)) = rows.next() else {
        return Err(err(0, "图表是空的：首行应为“类型：标题”，如“柱状图：主要指标增速”"));
    };
    let names = KINDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join("、");
    let Some((kind_text, title)) = setting(first) else {
        return Err(err(first_n, format!("图表首行应为“类型：标题”，类型为 {names} 之一")));
    };
    let Some(kind) = KINDS.iter().find(|(n, _)| *n == kind_text).map(|(_, k)| *k) else {
        return Err(err(first_n, format!("图表类型“{kind_text}”不认识：应为 {names} 之一")));
    };
    if title.is_empty() {
        return Err(err(first_n, "图表缺少标题（写在类型后的冒号之后）"));
    }
    let mut unit = String::new();
    let mut bar_name = "数值".to_string();
    let mut line_name: Option<(String, String)> = None;
    let mut dashed_name: Option<String> = None;
    let mut columns = 3_usize;
    // (line, label, values, link) of the data lines; for small multiples also the panel index
    let mut data: Vec<DataLine> = Vec::new();
    let mut panels: Vec<(String, String)> = Vec::new();
    for (n, line) in rows {
        if let Some((key, value)) = setting(line) {
            match (kind, key) {
                (Kind::Bars | Kind::Line, "单位") => unit = value.to_string(),
                (Kind::Bars, "柱") => bar_name = value.to_string(),
                (Kind::Bars | Kind::Line, "线") => line_name = Some(name_unit(value)),
                (Kind::Line, "虚线") => dashed_name = Some(value.to_string()),
                (Kind::Multiples, "面板") => {
                    let (name, u) = name_unit(value);
                    if name.is_empty() {
                        return Err(err(n, "面板缺少名称"));
                    }
                    panels.push((name, u));
                }
                (Kind::Multiples, "每行") => {
                    columns = value
                        .parse::<usize>()
                        .ok()
                        .filter(|c| (1..=6).contains(c))
                        .ok_or_else(|| err(n, format!("每行的小图数“{value}”应为 1 到 6 的整数")))?;
                }
                _ => return Err(err(n, format!("{kind_text}没有“{key}”这项设置"))),
            }
            continue;
        }
        if !line.contains('|') {
            return Err(err(n, format!("“{line}”既不是“设置：值”也不是数据行（数据行的各列用 | 分隔）")));
        }
        if data.len() >= MAX_LINES {
            return Err(err(n, format!("图表的数据行超过 {MAX_LINES} 行")));
        }
        if kind == Kind::Multiples && panels.is_empty() {
            return Err(err(n, "小多图的数据行之前应先写“面板：名称（单位）”"));
        }
        let (cs, link) = data_line(line, n)?;
        data.push((n, cs, link, panels.len().checked_sub(1)));
    }
    let links: Vec<Option<String>> = data.iter().map(|d| d.2.clone()).collect();
    let spec = match kind {
        Kind::Bars | Kind::Line => {
            let (what, form) = if kind == Kind::Bars {
                ("柱状图", "标签 | 柱值 | 线值（可省）")
            } else {
                ("折线图", "标签 | 值 | 虚线值（可省）")
            };
            let mut labels = Vec::new();
            let mut first = Vec::new();
            let mut second = Vec::new();
            for (n, cs, _, _) in &data {
                if !(2..=3).contains(&cs.len()) {
                    return Err(columns_error(*n, what, form));
                }
                labels.push(cs[0].clone());
                first.push(decimal(&cs[1], *n, "第 2 列")?);
                second.push(match cs.get(2) {
                    Some(c) => decimal(c, *n, "第 3 列")?,
                    None => None,
                });
            }
            let has_second = second.iter().any(Option::is_some);
            if kind == Kind::Bars {
                let (lname, lunit) = line_name.clone().unwrap_or_else(|| ("线".to_string(), unit.clone()));
                if has_second && line_name.is_none() {
                    return Err(err(
                        data.iter().find(|d| d.1.len() > 2).map_or(0, |d| d.0),
                        "有第 3 列（线值）时应写“线：名称（单位）”",
                    ));
                }
                let lunit = if lunit.is_empty() { unit.clone() } else { lunit };
                let separate_pct = lunit == "%" && unit != "%";
                let digits = if separate_pct {
                    max_decimals(first.iter())
                } else {
                    max_decimals(first.iter()).max(max_decimals(second.iter()))
                };
                let line_digits = if separate_pct { 2 } else { digits };
                let line = (line_name.is_some() || has_second).then(|| Series {
                    name: lname,
                    points: second.iter().map(|v| v.map(|v| at(v, line_digits))).collect(),
                });
                ChartSpec::Bars {
                    labels,
                    bars: Series { name: bar_name, points: first.iter().map(|v| v.map(|v| at(v, digits))).collect() },
                    unit,
                    line,
                    line_unit: lunit,
                    scale: 10_i64.pow(digits),
                }
            } else {
                if has_second && dashed_name.is_none() {
                    return Err(err(
                        data.iter().find(|d| d.1.len() > 2).map_or(0, |d| d.0),
                        "有第 3 列（虚线值）时应写“虚线：名称”",
                    ));
                }
                let digits = max_decimals(first.iter()).max(max_decimals(second.iter()));
                let name = line_name.map(|(n, _)| n).unwrap_or_else(|| "数值".to_string());
                ChartSpec::Line {
                    labels,
                    series: Series { name, points: first.iter().map(|v| v.map(|v| at(v, digits))).collect() },
                    unit,
                    dashed: dashed_name
                        .map(|name| Series { name, points: second.iter().map(|v| v.map(|v| at(v, digits))).collect() }),
                    scale: 10_i64.pow(digits),
                }
            }
        }
        Kind::Funnel => {
            let form = "环节 | 数量 | 单位 | 全年目标（可省） | 全年累计（可省）";
            let mut steps = Vec::new();
            for (n, cs, _, _) in &data {
                if !(3..=5).contains(&cs.len()) {
                    return Err(columns_error(*n, "漏斗图", form));
                }
                let whole = |i: usize, what: &str| -> Result<Option<i64>, ChartError> {
                    match cs.get(i).map(|c| decimal(c, *n, what)).transpose()?.flatten() {
                        Some((v, 0)) => Ok(Some(at((v, 0), 0))),
                        Some(_) => Err(err(*n, format!("{what}“{}”应为整数", cs[i]))),
                        None => Ok(None),
                    }
                };
                let value = whole(1, "数量")?.ok_or_else(|| err(*n, "漏斗图每个环节都要有数量"))?;
                steps.push(FunnelStep {
                    label: cs[0].clone(),
                    value,
                    unit: cs[2].clone(),
                    target: whole(3, "全年目标")?,
                    to_date: whole(4, "全年累计")?,
                });
            }
            ChartSpec::Funnel(steps)
        }
        Kind::Progress => {
            let form = "项目 | 实际 | 全年目标 | 单位 | 应达（可省）";
            let mut out = Vec::new();
            for (n, cs, _, _) in &data {
                if !(4..=5).contains(&cs.len()) {
                    return Err(columns_error(*n, "进度图", form));
                }
                let actual = decimal(&cs[1], *n, "实际")?;
                let target = decimal(&cs[2], *n, "全年目标")?.ok_or_else(|| err(*n, "进度图每行都要有全年目标"))?;
                let route = cs.get(4).map(|c| decimal(c, *n, "应达")).transpose()?.flatten();
                let digits = [actual, Some(target), route].iter().flatten().map(|v| v.1).max().unwrap_or(0);
                out.push(Progress {
                    label: cs[0].clone(),
                    actual: actual.map(|v| at(v, digits)),
                    target: at(target, digits),
                    route: route.map(|v| at(v, digits)),
                    unit: cs[3].clone(),
                    scale: 10_i64.pow(digits),
                });
            }
            ChartSpec::Progress(out)
        }
        Kind::Multiples => {
            let mut values: Vec<Vec<(String, Option<Decimal>)>> = vec![Vec::new(); panels.len()];
            for (n, cs, _, panel) in &data {
                if cs.len() != 2 {
                    return Err(columns_error(*n, "小多图", "标签 | 值"));
                }
                let v = decimal(&cs[1], *n, "值")?;
                values[panel.unwrap_or(0)].push((cs[0].clone(), v));
            }
            let panels = panels
                .into_iter()
                .zip(values)
                .map(|((title, unit), vs)| {
                    let digits = max_decimals(vs.iter().map(|(_, v)| v));
                    Panel {
                        title,
                        unit,
                        scale: 10_i64.pow(digits),
                        labels: vs.iter().map(|(l, _)| l.clone()).collect(),
                        values: vs.iter().map(|(_, v)| v.map(|v| at(v, digits))).collect(),
                        highlight: None,
                    }
                })
                .collect();
            ChartSpec::SmallMultiples { panels, columns }
        }
    };
    Ok(Chart { title: title.to_string(), spec, links })
}

fn opt_units(v: Option<i64>, scale: i64) -> String {
    v.map(|v| units_text(i128::from(v), scale)).unwrap_or_else(|| "—".into())
}

fn with_unit(v: i64, scale: i64, unit: &str) -> String {
    let n = units_text(i128::from(v), scale);
    if unit == "%" || unit.is_empty() { format!("{n}{unit}") } else { format!("{n} {unit}") }
}

fn header(name: &str, unit: &str) -> String {
    if unit.is_empty() { name.to_string() } else { format!("{name}（{unit}）") }
}

impl Chart {
    /// The chart as an inline `<svg>`; every text escaped.
    pub fn svg(&self) -> String {
        match &self.spec {
            ChartSpec::Bars { labels, bars, unit, line, line_unit, scale } => {
                chart::bar_line(&self.title, labels, bars, unit, line.as_ref(), line_unit, *scale)
            }
            ChartSpec::Line { labels, series, unit, dashed, scale } => {
                chart::line(&self.title, labels, series, unit, dashed.as_ref(), *scale)
            }
            ChartSpec::Funnel(steps) => chart::funnel(&self.title, steps),
            ChartSpec::Progress(rows) => chart::progress(&self.title, rows),
            ChartSpec::SmallMultiples { panels, columns } => chart::small_multiples(&self.title, panels, *columns),
        }
    }

    /// The drawing's size in its own units (the `viewBox`): width × height.
    pub fn size(svg: &str) -> (u32, u32) {
        let parse = || -> Option<(u32, u32)> {
            let at = svg.find("viewBox=\"")? + "viewBox=\"".len();
            let rest = &svg[at..];
            let mut parts = rest[..rest.find('"')?].split_whitespace().skip(2);
            Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
        };
        parse().filter(|(w, h)| *w > 0 && *h > 0).unwrap_or((760, 340))
    }

    /// The chart's data as a table captioned with its title, each data line's link on its
    /// first value: the fallback under the picture, the Markdown and the workbook's sheet.
    pub fn table(&self) -> Table {
        let mut t = Table { caption: Some(self.title.clone()), ..Table::default() };
        let link_of = |i: usize| self.links.get(i).cloned().flatten();
        match &self.spec {
            ChartSpec::Bars { labels, bars, unit, line, line_unit, scale } => {
                let line_scale = if line_unit == "%" && unit != "%" { 100 } else { *scale };
                t.headers = vec!["项目".into(), header(&bars.name, unit)];
                if let Some(l) = line {
                    t.headers.push(header(&l.name, line_unit));
                }
                for (i, label) in labels.iter().enumerate() {
                    let mut row = vec![label.clone(), opt_units(bars.points.get(i).copied().flatten(), *scale)];
                    if let Some(l) = line {
                        row.push(opt_units(l.points.get(i).copied().flatten(), line_scale));
                    }
                    t.rows.push(row);
                }
            }
            ChartSpec::Line { labels, series, unit, dashed, scale } => {
                t.headers = vec!["项目".into(), header(&series.name, unit)];
                if let Some(d) = dashed {
                    t.headers.push(header(&d.name, unit));
                }
                for (i, label) in labels.iter().enumerate() {
                    let mut row = vec![label.clone(), opt_units(series.points.get(i).copied().flatten(), *scale)];
                    if let Some(d) = dashed {
                        row.push(opt_units(d.points.get(i).copied().flatten(), *scale));
                    }
                    t.rows.push(row);
                }
            }
            ChartSpec::Funnel(steps) => {
                let to_date = steps.iter().any(|s| s.to_date.is_some());
                t.headers = vec!["环节".into(), "数量".into(), "全年目标".into()];
                if to_date {
                    t.headers.push("全年累计".into());
                }
                for s in steps {
                    let mut row = vec![
                        s.label.clone(),
                        with_unit(s.value, 1, &s.unit),
                        s.target.map(|v| with_unit(v, 1, &s.unit)).unwrap_or_else(|| "—".into()),
                    ];
                    if to_date {
                        row.push(s.to_date.map(|v| with_unit(v, 1, &s.unit)).unwrap_or_else(|| "—".into()));
                    }
                    t.rows.push(row);
                }
            }
            ChartSpec::Progress(rows) => {
                t.headers = vec!["项目".into(), "实际".into(), "应达".into(), "全年目标".into()];
                for r in rows {
                    t.rows.push(vec![
                        r.label.clone(),
                        r.actual.map(|v| with_unit(v, r.scale, &r.unit)).unwrap_or_else(|| "尚无数据".into()),
                        r.route.map(|v| with_unit(v, r.scale, &r.unit)).unwrap_or_else(|| "—".into()),
                        with_unit(r.target, r.scale, &r.unit),
                    ]);
                }
            }
            ChartSpec::SmallMultiples { panels, .. } => {
                t.headers = vec!["项目".into()];
                t.headers.extend(panels.iter().map(|p| header(&p.title, &p.unit)));
                let mut labels: Vec<&String> = Vec::new();
                for p in panels {
                    for l in &p.labels {
                        if !labels.contains(&l) {
                            labels.push(l);
                        }
                    }
                }
                for l in &labels {
                    let mut row = vec![(*l).clone()];
                    for p in panels {
                        let v = p.labels.iter().position(|x| x == *l).and_then(|i| p.values.get(i).copied().flatten());
                        row.push(v.map(|v| units_text(i128::from(v), p.scale)).unwrap_or_else(|| "缺报".into()));
                    }
                    t.rows.push(row);
                }
                // a label's link: that of its first data line
                let mut flat: Vec<&String> = Vec::new();
                for p in panels {
                    flat.extend(p.labels.iter());
                }
                t.links = labels
                    .iter()
                    .map(|l| {
                        let first = flat.iter().position(|x| x == l).and_then(link_of);
                        vec![None, first]
                    })
                    .collect();
                if t.links.iter().all(|r| r[1].is_none()) {
                    t.links.clear();
                }
                return t;
            }
        }
        if self.links.iter().any(Option::is_some) {
            t.links = (0..t.rows.len()).map(|i| vec![None, link_of(i)]).collect();
        }
        t
    }

    /// The chart for the HTML preview: the `<svg>` in a `<figure>` with the data table (with
    /// its links) folded beneath, as the cockpit shows its charts.
    pub fn html(&self) -> String {
        let mut table = String::new();
        crate::doc::html_table(&mut table, &self.table());
        chart::figure(&self.svg(), &table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Chart, ChartError> {
        let lines: Vec<&str> = text.lines().collect();
        parse(&lines)
    }

    #[test]
    fn bars_with_a_growth_line() {
        let c = p("柱状图：主要指标\n单位：亿元\n柱：累计值\n线：同比增长（%）\n\n规上工业增加值 | 27.97 | 22.9% | /indicators/1?until=2025-05\n工业投资 | 9.5 | — \n")
            .unwrap();
        let ChartSpec::Bars { labels, bars, line, unit, line_unit, scale } = &c.spec else { panic!("{c:?}") };
        assert_eq!(labels, &["规上工业增加值", "工业投资"]);
        assert_eq!((unit.as_str(), line_unit.as_str(), *scale), ("亿元", "%", 100));
        assert_eq!(bars.points, vec![Some(2797), Some(950)]);
        assert_eq!(line.as_ref().unwrap().points, vec![Some(2290), None]);
        assert_eq!(c.links, vec![Some("/indicators/1?until=2025-05".to_string()), None]);
        let t = c.table();
        assert_eq!(t.headers, vec!["项目", "累计值（亿元）", "同比增长（%）"]);
        assert_eq!(t.rows[0], vec!["规上工业增加值", "27.97", "22.9"]);
        assert_eq!(t.link(0, 1), Some("/indicators/1?until=2025-05"));
        let svg = c.svg();
        assert!(svg.contains("<title>主要指标</title>") && svg.contains("27.97 亿元"), "{svg}");
    }

    #[test]
    fn every_kind_reads() {
        let f =
            p("漏斗图：招商\n对接 | 67 | 次 | 120\n签约 | 14 | 个 | 52 | 14 | /figures/stage?stage=signed\n落地|8|个")
                .unwrap();
        let ChartSpec::Funnel(steps) = &f.spec else { panic!() };
        assert_eq!(
            steps[1],
            FunnelStep { label: "签约".into(), value: 14, unit: "个".into(), target: Some(52), to_date: Some(14) }
        );
        assert_eq!(steps[2].target, None);
        assert_eq!(f.table().rows[0], vec!["对接", "67 次", "120 次", "—"]);
        let g = p("进度图：目标\n签约 | 14 | 52 | 个 | 26\n投资 | 2.5 | 10 | 亿元\n无数 | — | 5 | 个").unwrap();
        let ChartSpec::Progress(rows) = &g.spec else { panic!() };
        assert_eq!((rows[1].actual, rows[1].target, rows[1].scale, rows[1].route), (Some(25), 100, 10, None));
        assert_eq!(rows[2].actual, None);
        assert_eq!(g.table().rows[0], vec!["签约", "14 个", "26 个", "52 个"]);
        let l = p("折线图：增速\n单位：%\n线：同比增长\n虚线：目标\n1-2月 | 21.4 | 20\n1-3月 | -3.45 | 20").unwrap();
        let ChartSpec::Line { series, dashed, scale, .. } = &l.spec else { panic!() };
        assert_eq!((series.points.clone(), *scale), (vec![Some(2140), Some(-345)], 100));
        assert_eq!(dashed.as_ref().unwrap().points, vec![Some(2000), Some(2000)]);
        let m = p(
            "小多图：对比\n每行：2\n面板：增加值（亿元）\n甲 | 27.97 | /a\n乙 | 25\n面板：增速（%）\n甲 | 22.9\n丙 | —",
        )
        .unwrap();
        let ChartSpec::SmallMultiples { panels, columns } = &m.spec else { panic!() };
        assert_eq!((panels.len(), *columns), (2, 2));
        assert_eq!(panels[0].values, vec![Some(2797), Some(2500)]);
        let t = m.table();
        assert_eq!(t.rows, vec![vec!["甲", "27.97", "22.9"], vec!["乙", "25", "缺报"], vec!["丙", "缺报", "缺报"]]);
        assert_eq!(t.link(0, 1), Some("/a"));
        for c in [f, g, l, m] {
            assert!(c.svg().starts_with("<svg ") && c.html().starts_with("<figure class=\"chart\"><svg"));
        }
    }

    #[test]
    fn bad_lines_are_named() {
        let cases = [
            ("", 0, "图表是空的"),
            ("饼图：份额\n甲 | 1", 0, "图表类型“饼图”不认识"),
            ("柱状图：\n甲 | 1", 0, "缺少标题"),
            ("柱状图 标题", 0, "首行应为“类型：标题”"),
            ("柱状图：甲\n颜色：红", 1, "柱状图没有“颜色”这项设置"),
            ("柱状图：甲\n\n甲 | 1\n乙 | 二", 3, "第 2 列“二”不是数字"),
            ("柱状图：甲\n甲 | 1.23456", 1, "小数超过 4 位"),
            ("柱状图：甲\n甲 | 1 | 2 | 3 | 4", 1, "柱状图的数据行应为"),
            ("柱状图：甲\n甲 | 1 | 2", 1, "应写“线：名称（单位）”"),
            ("漏斗图：甲\n签约 | 1.5 | 个", 1, "数量“1.5”应为整数"),
            ("漏斗图：甲\n签约 | — | 个", 1, "都要有数量"),
            ("进度图：甲\n签约 | 1 | 个", 1, "进度图的数据行应为"),
            ("小多图：甲\n甲 | 1", 1, "应先写“面板"),
            ("小多图：甲\n每行：9", 1, "1 到 6"),
            ("柱状图：甲\n只有文字", 1, "既不是“设置：值”也不是数据行"),
            ("柱状图：甲\n甲 | 1 | javascript:alert(1)", 1, "不是本系统内的地址"),
            ("柱状图：甲\n甲 | 1 | //evil.example", 1, "不是本系统内的地址"),
        ];
        for (text, line, message) in cases {
            let e = p(text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e:?}");
            assert!(e.message.contains(message), "{text}: {e:?}");
        }
    }

    #[test]
    fn escaped_bars_and_hostile_titles() {
        let c = p("柱状图：<script>alert(1)</script>\n甲\\|乙 | 1").unwrap();
        let ChartSpec::Bars { labels, .. } = &c.spec else { panic!() };
        assert_eq!(labels, &["甲|乙"]);
        let html = c.html();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn blocks_become_tables_in_markdown() {
        let md = "前文\n\n```chart\n漏斗图：招商\n签约 | 14 | 个 | 52 | | /x\n```\n\n后文\n";
        let out = charts_as_tables(md);
        assert!(out.starts_with("前文\n\n**招商**\n\n| 环节 | 数量 | 全年目标 |"), "{out}");
        assert!(out.contains("| 签约 | [14 个](/x) | 52 个 |") && out.ends_with("后文\n"), "{out}");
        assert!(!out.contains("```"));
        assert_eq!(spans(&["```chart", "a", "```", "x", "```chart", "b"]), vec![(0, Some(2)), (4, None)]);
        assert_eq!(Chart::size(&p("漏斗图：a\n签约 | 1 | 个").unwrap().svg()).0, 760);
    }
}
