//! Small hand-written inline SVG charts (no dependencies, integer arithmetic only), for the
//! web pages (indicators, targets, the cockpit, the city view; `kaifaqu_web::charts` re-exports
//! this module) and the reports ([`crate::chart_block`] places them in documents): bars with a
//! line on a second axis, a single line with an optional dashed target/pace line, a funnel,
//! progress bars and small multiples, each with a `*_table` data table as its fallback.
//!
//! Values are integers in a fixed-point unit (`scale` of them make one displayed unit: 10,000 for
//! [`Fixed`](kaifaqu_domain::indicator::Fixed), 100 for [`Pct`](kaifaqu_domain::indicator::Pct)).
//! Axis ticks are "nice" steps (1, 2 or 5 × 10^k) computed with integers. Every text is escaped;
//! the output is an accessible `<svg role="img">` with a `<title>` and a `<desc>`.

use std::fmt::Write;

/// One series; `None` is a gap (no data for that label).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Option<i64>>,
}

const WIDTH: i64 = 760;
const HEIGHT: i64 = 340;
const LEFT: i64 = 72;
const RIGHT: i64 = 72;
const TOP: i64 = 52;
const BOTTOM: i64 = 96;
const PLOT_W: i64 = WIDTH - LEFT - RIGHT;
const PLOT_H: i64 = HEIGHT - TOP - BOTTOM;
/// At most this many x labels are written (others are skipped evenly).
const MAX_X_LABELS: usize = 12;
const TICKS: i128 = 5;

const BAR_COLOR: &str = "#3d6fa8";
const BAR_NEG_COLOR: &str = "#9bb5d3";
const LINE_COLOR: &str = "#c0392b";
const DASH_COLOR: &str = "#6b7785";
const GRID_COLOR: &str = "#e3e7ec";
const AXIS_COLOR: &str = "#8a94a0";
const TEXT_COLOR: &str = "#333";

/// Escapes text for element content and attribute values; characters XML does not allow
/// (control characters, U+FFFE/U+FFFF) are dropped, so the SVG stays a well-formed part of a
/// Word file whatever a record's name holds.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod esc_tests {
    #[test]
    fn markup_is_escaped_and_xml_invalid_characters_dropped() {
        assert_eq!(super::esc("a<b>&\"'\u{1}\u{b}c\td\u{ffff}"), "a&lt;b&gt;&amp;&quot;&#39;c\td");
    }
}

/// Decimal digits needed to show 1/`scale` of a unit (100 → 2, 10,000 → 4, 1 → 0; other
/// divisors round to the next power of ten).
fn digits_of(scale: i64) -> u32 {
    let mut d = 0;
    let mut p: i128 = 1;
    while p < i128::from(scale.max(1)) && d < 18 {
        p *= 10;
        d += 1;
    }
    d
}

/// `v ÷ scale` as text with trailing zeros trimmed: 279_700 / 10_000 → "27.97".
pub fn units_text(v: i128, scale: i64) -> String {
    let scale = i128::from(scale.max(1));
    let d = digits_of(i64::try_from(scale).unwrap_or(i64::MAX));
    let pow = 10_i128.pow(d);
    // round half away from zero to d decimals
    let n = v.unsigned_abs().saturating_mul(pow.unsigned_abs());
    let s = scale.unsigned_abs();
    let q = n / s + u128::from((n % s) * 2 >= s);
    let sign = if v < 0 && q != 0 { "-" } else { "" };
    let p = pow.unsigned_abs();
    if d == 0 {
        return format!("{sign}{q}");
    }
    let frac = format!("{:0width$}", q % p, width = d as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{}", q / p) } else { format!("{sign}{}.{frac}", q / p) }
}

/// The smallest 1, 2 or 5 × 10^k (k ≥ 0) at least `range / ticks`.
fn nice_step(range: i128, ticks: i128) -> i128 {
    let raw = ((range + ticks - 1) / ticks).max(1);
    let mut p: i128 = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p >= raw {
                return m * p;
            }
        }
        p *= 10;
    }
}

/// A value axis: from `lo` to `hi` in steps of `step`, always including zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Axis {
    lo: i128,
    hi: i128,
    step: i128,
}

impl Axis {
    fn of(values: impl Iterator<Item = i64>, scale: i64) -> Axis {
        let (mut min, mut max) = (0_i128, 0_i128);
        for v in values {
            min = min.min(i128::from(v));
            max = max.max(i128::from(v));
        }
        if min == max {
            max = i128::from(scale.max(1));
        }
        let step = nice_step(max - min, TICKS);
        let lo = min.div_euclid(step) * step;
        let hi = -((-max).div_euclid(step)) * step;
        Axis { lo, hi: if hi > lo { hi } else { lo + step }, step }
    }

    fn ticks(&self) -> Vec<i128> {
        let mut out = Vec::new();
        let mut t = self.lo;
        while t <= self.hi {
            out.push(t);
            t += self.step;
        }
        out
    }

    /// The y coordinate of `v`.
    fn y(&self, v: i128) -> i64 {
        let off = (self.hi - v.clamp(self.lo, self.hi)) * i128::from(PLOT_H) / (self.hi - self.lo);
        TOP + i64::try_from(off).unwrap_or(0)
    }
}

/// Horizontal layout of `n` labels.
struct Slots {
    n: i64,
    width: i64,
}

impl Slots {
    fn new(n: usize) -> Slots {
        let n = i64::try_from(n).unwrap_or(i64::MAX).max(1);
        Slots { n, width: (PLOT_W / n).max(1) }
    }

    fn center(&self, i: usize) -> i64 {
        let i = i64::try_from(i).unwrap_or(0).min(self.n - 1);
        LEFT + i * self.width + self.width / 2
    }
}

fn point(s: &Series, i: usize) -> Option<i64> {
    s.points.get(i).copied().flatten()
}

fn open_svg(out: &mut String, title: &str, desc: &str) {
    open_svg_as(out, title, desc, HEIGHT, "", 12);
}

/// The opening of every chart: the `<svg>` element of `height` with its accessible title and
/// description (`kind`: an extra class such as " funnel"), and the title drawn on top.
fn open_svg_as(out: &mut String, title: &str, desc: &str, height: i64, kind: &str, font_size: u32) {
    let t = esc(title);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{t}\" \
         class=\"chart-svg{kind}\" font-size=\"{font_size}\" fill=\"{TEXT_COLOR}\"><title>{t}</title><desc>{}</desc>",
        esc(desc)
    );
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{t}</text>",
        WIDTH / 2
    );
}

/// Gridlines and tick labels of the left axis (`right`: labels on the right side, no gridlines).
fn axis_marks(out: &mut String, axis: &Axis, scale: i64, unit: &str, right: bool) {
    let _ = write!(out, "<g class=\"axis\">");
    let x_text = if right { WIDTH - RIGHT + 8 } else { LEFT - 8 };
    let anchor = if right { "start" } else { "end" };
    let suffix = if unit == "%" { "%" } else { "" };
    for t in axis.ticks() {
        let y = axis.y(t);
        if !right {
            let color = if t == 0 { AXIS_COLOR } else { GRID_COLOR };
            let _ = write!(
                out,
                "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"1\"/>",
                WIDTH - RIGHT
            );
        }
        let _ = write!(
            out,
            "<text x=\"{x_text}\" y=\"{}\" text-anchor=\"{anchor}\">{}{suffix}</text>",
            y + 4,
            esc(&units_text(t, scale))
        );
    }
    let caption = if unit == "%" { "单位：%".to_string() } else { format!("单位：{unit}") };
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#666\">{}</text></g>",
        if right { WIDTH - RIGHT + 8 } else { LEFT - 8 },
        TOP - 12,
        esc(&caption)
    );
}

/// The x labels (every k-th when there are many), rotated to fit.
fn x_labels(out: &mut String, labels: &[String], slots: &Slots) {
    let every = labels.len().div_ceil(MAX_X_LABELS).max(1);
    let y = TOP + PLOT_H + 16;
    let _ = write!(
        out,
        "<g class=\"x-labels\"><line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{AXIS_COLOR}\"/>",
        TOP + PLOT_H,
        WIDTH - RIGHT,
        TOP + PLOT_H
    );
    let last = labels.len().saturating_sub(1);
    for (i, l) in labels.iter().enumerate() {
        // always show the latest label; skip others evenly, counting back from it
        if !(last - i).is_multiple_of(every) {
            continue;
        }
        let x = slots.center(i);
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\" transform=\"rotate(-35 {x} {y})\">{}</text>",
            esc(l)
        );
    }
    out.push_str("</g>");
}

enum Swatch {
    Bar,
    Line,
    Dashed,
}

fn legend(out: &mut String, items: &[(Swatch, &str)]) {
    let y = HEIGHT - 14;
    let mut x = LEFT;
    out.push_str("<g class=\"legend\">");
    for (kind, name) in items {
        match kind {
            Swatch::Bar => {
                let _ =
                    write!(out, "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{BAR_COLOR}\"/>", y - 9);
            }
            Swatch::Line => {
                let _ = write!(
                    out,
                    "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{LINE_COLOR}\" stroke-width=\"2\"/>\
                     <circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{LINE_COLOR}\"/>",
                    y - 4,
                    x + 14,
                    y - 4,
                    x + 7,
                    y - 4
                );
            }
            Swatch::Dashed => {
                let _ = write!(
                    out,
                    "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{DASH_COLOR}\" stroke-width=\"2\" \
                     stroke-dasharray=\"5 3\"/>",
                    y - 4,
                    x + 16,
                    y - 4
                );
            }
        }
        let _ = write!(out, "<text x=\"{}\" y=\"{y}\">{}</text>", x + 20, esc(name));
        let chars = i64::try_from(name.chars().count()).unwrap_or(0);
        x += 20 + chars * 13 + 24;
    }
    out.push_str("</g>");
}

fn value_label(v: i64, scale: i64, unit: &str) -> String {
    let n = units_text(i128::from(v), scale);
    if unit == "%" { format!("{n}%") } else { format!("{n} {unit}") }
}

/// A polyline broken at gaps, with a marker and tooltip per point (`dashed`: no markers).
#[allow(clippy::too_many_arguments)]
fn draw_line(
    out: &mut String,
    s: &Series,
    labels: &[String],
    slots: &Slots,
    axis: &Axis,
    scale: i64,
    unit: &str,
    dashed: bool,
) {
    let mut d = String::new();
    let mut pen_down = false;
    for i in 0..labels.len() {
        match point(s, i) {
            Some(v) => {
                let _ = write!(d, "{}{} {} ", if pen_down { "L" } else { "M" }, slots.center(i), axis.y(i128::from(v)));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let (color, class) = if dashed { (DASH_COLOR, "dashed") } else { (LINE_COLOR, "line") };
    let _ = write!(out, "<g class=\"{class}\">");
    if !d.is_empty() {
        let dash = if dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        let _ = write!(out, "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>", d.trim_end());
    }
    for (i, label) in labels.iter().enumerate() {
        let Some(v) = point(s, i) else { continue };
        let r = if dashed { 2 } else { 3 };
        let _ = write!(
            out,
            "<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"{r}\" fill=\"{color}\"><title>{}</title></circle>",
            slots.center(i),
            axis.y(i128::from(v)),
            esc(&format!("{label} {}：{}", s.name, value_label(v, scale, unit)))
        );
    }
    out.push_str("</g>");
}

fn count_points(s: &Series, n: usize) -> usize {
    (0..n).filter(|&i| point(s, i).is_some()).count()
}

fn no_data(out: &mut String) {
    no_data_at(out, LEFT + PLOT_W / 2, TOP + PLOT_H / 2);
}

fn no_data_at(out: &mut String, x: i64, y: i64) {
    let _ = write!(out, "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#888\">暂无数据</text>");
}

/// Bars for `bars` (in `bar_unit`, 1/`scale` of it) and, optionally, a line with markers for
/// `line` on a second axis at the right (in `line_unit`). A line in "%" beside bars in another
/// unit is in hundredths of a percent ([`Pct`](kaifaqu_domain::indicator::Pct)); a line whose
/// unit equals `bar_unit` shares the bars' axis and scale (e.g. the 序时进度 line).
pub fn bar_line(
    title: &str,
    labels: &[String],
    bars: &Series,
    bar_unit: &str,
    line: Option<&Series>,
    line_unit: &str,
    scale: i64,
) -> String {
    let n = labels.len();
    let line_scale = if line_unit == "%" && bar_unit != "%" { 100 } else { scale };
    let shared = line.is_some() && line_unit == bar_unit;
    let bar_values = (0..n).filter_map(|i| point(bars, i));
    let line_values = line.map(|l| (0..n).filter_map(|i| point(l, i)).collect::<Vec<_>>()).unwrap_or_default();
    let axis = if shared {
        Axis::of(bar_values.chain(line_values.iter().copied()), scale)
    } else {
        Axis::of(bar_values, scale)
    };
    let line_axis = if shared { axis } else { Axis::of(line_values.iter().copied(), line_scale) };
    let slots = Slots::new(n);

    let present = count_points(bars, n);
    let mut desc = format!("{}：{n} 期中有数据 {present} 期", bars.name);
    if let Some(l) = line {
        let _ = write!(desc, "；{}：有数据 {} 期", l.name, count_points(l, n));
    }
    let mut out = String::new();
    open_svg(&mut out, title, &desc);
    axis_marks(&mut out, &axis, scale, bar_unit, false);
    if line.is_some() && !shared {
        axis_marks(&mut out, &line_axis, line_scale, line_unit, true);
    }
    let zero = axis.y(0);
    let bw = (slots.width * 3 / 5).max(1);
    out.push_str("<g class=\"bars\">");
    for (i, label) in labels.iter().enumerate() {
        let Some(v) = point(bars, i) else { continue };
        let y = axis.y(i128::from(v));
        let (top, h) = if y <= zero { (y, zero - y) } else { (zero, y - zero) };
        let color = if v < 0 { BAR_NEG_COLOR } else { BAR_COLOR };
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{}\" y=\"{top}\" width=\"{bw}\" height=\"{h}\" fill=\"{color}\"><title>{}</title></rect>",
            slots.center(i) - bw / 2,
            esc(&format!("{label} {}：{}", bars.name, value_label(v, scale, bar_unit)))
        );
    }
    out.push_str("</g>");
    if let Some(l) = line {
        draw_line(&mut out, l, labels, &slots, &line_axis, line_scale, line_unit, false);
    }
    if present == 0 && line.is_none_or(|l| count_points(l, n) == 0) {
        no_data(&mut out);
    }
    x_labels(&mut out, labels, &slots);
    let mut items = vec![(Swatch::Bar, bars.name.as_str())];
    if let Some(l) = line {
        items.push((Swatch::Line, l.name.as_str()));
    }
    legend(&mut out, &items);
    out.push_str("</svg>");
    out
}

/// One line with markers (in `unit`, 1/`scale` of it) and, optionally, a dashed line on the
/// same axis (a target or the pace).
pub fn line(
    title: &str,
    labels: &[String],
    series: &Series,
    unit: &str,
    dashed: Option<&Series>,
    scale: i64,
) -> String {
    let n = labels.len();
    let values = (0..n).filter_map(|i| point(series, i));
    let dashed_values = dashed.map(|d| (0..n).filter_map(|i| point(d, i)).collect::<Vec<_>>()).unwrap_or_default();
    let axis = Axis::of(values.chain(dashed_values.iter().copied()), scale);
    let slots = Slots::new(n);
    let present = count_points(series, n);
    let mut desc = format!("{}：{n} 期中有数据 {present} 期", series.name);
    if let Some(d) = dashed {
        let _ = write!(desc, "；{}（虚线）", d.name);
    }
    let mut out = String::new();
    open_svg(&mut out, title, &desc);
    axis_marks(&mut out, &axis, scale, unit, false);
    if let Some(d) = dashed {
        draw_line(&mut out, d, labels, &slots, &axis, scale, unit, true);
    }
    draw_line(&mut out, series, labels, &slots, &axis, scale, unit, false);
    if present == 0 && dashed_values.is_empty() {
        no_data(&mut out);
    }
    x_labels(&mut out, labels, &slots);
    let mut items = vec![(Swatch::Line, series.name.as_str())];
    if let Some(d) = dashed {
        items.push((Swatch::Dashed, d.name.as_str()));
    }
    legend(&mut out, &items);
    out.push_str("</svg>");
    out
}

// ---------------------------------------------------------------------------------------------
// Funnel, progress bars, small multiples (the cockpit; reports can embed them too)
// ---------------------------------------------------------------------------------------------

const FUNNEL_COLORS: [&str; 5] = ["#6d8fbf", "#3d6fa8", "#2f8a6a", "#c98a2b", "#b5523b"];
const ROUTE_COLOR: &str = "#c0392b";
const TRACK_COLOR: &str = "#e8ecf1";
const DONE_COLOR: &str = "#2f8a6a";
const BEHIND_COLOR: &str = "#c98a2b";

/// `part × full ÷ whole`, clamped to 0..=full (0 when `whole` ≤ 0).
fn share(part: i64, whole: i64, full: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let v = i128::from(part.max(0)) * i128::from(full) / i128::from(whole);
    i64::try_from(v.clamp(0, i128::from(full))).unwrap_or(0)
}

fn with_unit(v: i64, scale: i64, unit: &str) -> String {
    value_label(v, scale, unit)
}

/// One step of a funnel: 对接 67 次 (target 120 次).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelStep {
    pub label: String,
    pub value: i64,
    /// The unit after the value: 次, 个.
    pub unit: String,
    pub target: Option<i64>,
    /// The year's count so far, which the completion against the year's target is measured by
    /// (the period shown may be a month or a half-year); the step's own value when absent.
    pub to_date: Option<i64>,
}

/// A funnel: one centred band per step, its width proportional to its value (the widest step
/// fills the width), the value and the step's target written beside it.
pub fn funnel(title: &str, steps: &[FunnelStep]) -> String {
    let row_h: i64 = 52;
    let top: i64 = 44;
    let n = i64::try_from(steps.len()).unwrap_or(0);
    let height = top + n.max(1) * row_h + 16;
    let (label_w, text_w) = (96_i64, 230_i64);
    let band_w = WIDTH - label_w - text_w;
    let center = label_w + band_w / 2;
    let max = steps.iter().map(|s| s.value).max().unwrap_or(0);
    let desc: Vec<String> = steps
        .iter()
        .map(|s| {
            let t = s.target.map(|t| format!("（全年目标 {t} {}）", s.unit)).unwrap_or_default();
            format!("{} {} {}{t}", s.label, s.value, s.unit)
        })
        .collect();
    let mut out = String::new();
    open_svg_as(&mut out, title, &desc.join("；"), height, " funnel", 14);
    if steps.is_empty() {
        no_data_at(&mut out, WIDTH / 2, top + 26);
    }
    for (i, s) in steps.iter().enumerate() {
        let y = top + i64::try_from(i).unwrap_or(0) * row_h;
        let w = share(s.value, max, band_w).max(4);
        let color = FUNNEL_COLORS[i % FUNNEL_COLORS.len()];
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>\
             <rect class=\"band\" x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"4\" fill=\"{color}\"><title>{}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"18\" font-weight=\"bold\">{} {}</text>",
            label_w - 10,
            y + 28,
            esc(&s.label),
            center - w / 2,
            y + 6,
            row_h - 12,
            esc(&desc[i]),
            label_w + band_w + 12,
            y + 26,
            s.value,
            esc(&s.unit),
        );
        if let Some(t) = s.target {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" fill=\"#666\" font-size=\"12\">全年目标 {t} {}（全年累计 {}，完成 {}%）</text>",
                label_w + band_w + 12,
                y + 44,
                esc(&s.unit),
                s.to_date.unwrap_or(s.value),
                units_text(i128::from(share(s.to_date.unwrap_or(s.value), t, 10_000)), 100)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The data of a funnel as a table (the chart's readable fallback).
pub fn funnel_table(caption: &str, steps: &[FunnelStep]) -> String {
    let mut out = format!(
        "<table class=\"chart-data\"><caption>{}</caption><thead><tr><th>环节</th><th class=\"num\">数量</th>\
         <th class=\"num\">全年目标</th></tr></thead><tbody>",
        esc(caption)
    );
    for s in steps {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{} {}</td><td class=\"num\">{}</td></tr>",
            esc(&s.label),
            s.value,
            esc(&s.unit),
            s.target.map(|t| format!("{t} {}", esc(&s.unit))).unwrap_or_else(|| "—".into())
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// One progress bar: actual against target, with where the route (序时进度 or the monthly
/// route) says it should be. Values in 1/`scale` of `unit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub label: String,
    pub actual: Option<i64>,
    pub target: i64,
    pub route: Option<i64>,
    pub unit: String,
    pub scale: i64,
}

/// Horizontal progress bars, one per row: the track is the target, the fill the actual (capped
/// at the target; the text gives the exact figures), a red tick where the route stands.
pub fn progress(title: &str, rows: &[Progress]) -> String {
    let row_h: i64 = 46;
    let top: i64 = 44;
    let n = i64::try_from(rows.len()).unwrap_or(0);
    let height = top + n.max(1) * row_h + 30;
    let (label_w, text_w) = (150_i64, 250_i64);
    let track_w = WIDTH - label_w - text_w - 20;
    let x0 = label_w;
    let desc: Vec<String> = rows.iter().map(progress_text).collect();
    let mut out = String::new();
    open_svg_as(&mut out, title, &desc.join("；"), height, " progress", 13);
    if rows.is_empty() {
        no_data_at(&mut out, WIDTH / 2, top + 20);
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + i64::try_from(i).unwrap_or(0) * row_h;
        let fill = r.actual.map(|a| share(a, r.target, track_w)).unwrap_or(0);
        let behind = matches!((r.actual, r.route), (Some(a), Some(route)) if a < route) || r.actual.is_none();
        let color = if behind { BEHIND_COLOR } else { DONE_COLOR };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"track\" x=\"{x0}\" y=\"{}\" width=\"{track_w}\" height=\"18\" rx=\"3\" fill=\"{TRACK_COLOR}\"/>\
             <rect class=\"fill\" x=\"{x0}\" y=\"{}\" width=\"{fill}\" height=\"18\" rx=\"3\" fill=\"{color}\"><title>{}</title></rect>",
            label_w - 10,
            y + 18,
            esc(&r.label),
            y + 4,
            y + 4,
            esc(&desc[i]),
        );
        if let Some(route) = r.route {
            let x = x0 + share(route, r.target, track_w);
            let _ = write!(
                out,
                "<line class=\"route\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{ROUTE_COLOR}\" stroke-width=\"3\"/>",
                y,
                y + 26
            );
        }
        let _ = write!(out, "<text x=\"{}\" y=\"{}\">{}</text>", x0 + track_w + 12, y + 18, esc(&progress_short(r)));
    }
    let ly = height - 12;
    let _ = write!(
        out,
        "<g class=\"legend\"><rect x=\"{x0}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{DONE_COLOR}\"/><text x=\"{}\" y=\"{ly}\">实际（整条为全年目标）</text>\
         <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{ROUTE_COLOR}\" stroke-width=\"3\"/><text x=\"{}\" y=\"{ly}\">应达进度（路线图 / 序时进度）</text></g>",
        ly - 9,
        x0 + 20,
        x0 + 230,
        ly - 12,
        x0 + 230,
        x0 + 240
    );
    out.push_str("</svg>");
    out
}

fn progress_short(r: &Progress) -> String {
    let a = r.actual.map(|a| units_text(i128::from(a), r.scale)).unwrap_or_else(|| "—".into());
    let t = units_text(i128::from(r.target), r.scale);
    let u = if r.unit == "%" { "%".to_string() } else { format!(" {}", r.unit) };
    format!("{a} / {t}{u}")
}

fn progress_text(r: &Progress) -> String {
    let mut s = format!(
        "{}：实际 {}，全年目标 {}",
        r.label,
        r.actual.map(|a| with_unit(a, r.scale, &r.unit)).unwrap_or_else(|| "尚无数据".into()),
        with_unit(r.target, r.scale, &r.unit)
    );
    if let Some(route) = r.route {
        let _ = write!(s, "，应达 {}", with_unit(route, r.scale, &r.unit));
    }
    s
}

/// The data of progress bars as a table.
pub fn progress_table(caption: &str, rows: &[Progress]) -> String {
    let mut out = format!(
        "<table class=\"chart-data\"><caption>{}</caption><thead><tr><th>项目</th><th class=\"num\">实际</th>\
         <th class=\"num\">应达</th><th class=\"num\">全年目标</th></tr></thead><tbody>",
        esc(caption)
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.label),
            r.actual.map(|a| esc(&with_unit(a, r.scale, &r.unit))).unwrap_or_else(|| "尚无数据".into()),
            r.route.map(|v| esc(&with_unit(v, r.scale, &r.unit))).unwrap_or_else(|| "—".into()),
            esc(&with_unit(r.target, r.scale, &r.unit))
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// One panel of small multiples: bars for `labels` on the panel's own axis from zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Panel {
    pub title: String,
    pub unit: String,
    pub scale: i64,
    pub labels: Vec<String>,
    pub values: Vec<Option<i64>>,
    /// The bar drawn darker (the viewer's zone).
    pub highlight: Option<usize>,
}

/// Small multiples: one small bar chart per panel, `columns` to a row, each with its title and
/// unit, bars labelled with their value (gaps written as 缺报).
pub fn small_multiples(title: &str, panels: &[Panel], columns: usize) -> String {
    let columns = i64::try_from(columns.max(1)).unwrap_or(1);
    let n = i64::try_from(panels.len()).unwrap_or(0);
    let rows = (n + columns - 1) / columns;
    let (pw, ph) = (WIDTH / columns, 230_i64);
    let height = 40 + rows.max(1) * ph;
    let mut out = String::new();
    let desc: Vec<String> = panels
        .iter()
        .map(|p| {
            let items: Vec<String> = p
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let v = p.values.get(i).copied().flatten();
                    format!("{l} {}", v.map(|v| with_unit(v, p.scale, &p.unit)).unwrap_or_else(|| "缺报".into()))
                })
                .collect();
            format!("{}：{}", p.title, items.join("，"))
        })
        .collect();
    open_svg_as(&mut out, title, &desc.join("；"), height, " multiples", 11);
    if panels.is_empty() {
        no_data_at(&mut out, WIDTH / 2, 70);
    }
    for (k, p) in panels.iter().enumerate() {
        let k = i64::try_from(k).unwrap_or(0);
        let (px, py) = ((k % columns) * pw, 40 + (k / columns) * ph);
        let (plot_top, plot_h) = (py + 40, ph - 100);
        let base = plot_top + plot_h;
        let m = i64::try_from(p.labels.len()).unwrap_or(0).max(1);
        // room on the left for the first rotated label
        let (pad_l, pad_r) = (56_i64.min(pw / 3), 8_i64);
        let slot = ((pw - pad_l - pad_r) / m).max(1);
        let bw = (slot * 3 / 5).max(1);
        let max = p.values.iter().flatten().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        let max = i64::try_from(max).unwrap_or(i64::MAX).max(1);
        let unit = if p.unit == "%" { "单位：%".to_string() } else { format!("单位：{}", p.unit) };
        let _ = write!(
            out,
            "<g class=\"panel\"><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">{}</text>\
             <line x1=\"{}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"{AXIS_COLOR}\"/>",
            px + pw / 2,
            py + 14,
            esc(&p.title),
            px + pw / 2,
            py + 30,
            esc(&unit),
            px + pad_l,
            px + pw - pad_r
        );
        for (i, l) in p.labels.iter().enumerate() {
            let cx = px + pad_l + i64::try_from(i).unwrap_or(0) * slot + slot / 2;
            let v = p.values.get(i).copied().flatten();
            match v {
                Some(v) => {
                    let h = share(v.abs(), max, plot_h);
                    let (y, color) = if v < 0 { (base, BAR_NEG_COLOR) } else { (base - h, BAR_COLOR) };
                    let color = if p.highlight == Some(i) { "#1d3f6b" } else { color };
                    let _ = write!(
                        out,
                        "<rect class=\"bar\" x=\"{}\" y=\"{y}\" width=\"{bw}\" height=\"{h}\" fill=\"{color}\"><title>{}</title></rect>\
                         <text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                        cx - bw / 2,
                        esc(&format!("{l}：{}", with_unit(v, p.scale, &p.unit))),
                        if v < 0 { base + h + 12 } else { y - 3 },
                        esc(&units_text(i128::from(v), p.scale))
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888\">缺报</text>",
                        base - 4
                    );
                }
            }
            let ly = base + 14;
            let _ = write!(
                out,
                "<text x=\"{cx}\" y=\"{ly}\" text-anchor=\"end\" transform=\"rotate(-40 {cx} {ly})\">{}</text>",
                esc(l)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// The data of small multiples as a table: a row per label, a column per panel.
pub fn small_multiples_table(caption: &str, panels: &[Panel]) -> String {
    let mut out = format!("<table class=\"chart-data\"><caption>{}</caption><thead><tr><th></th>", esc(caption));
    for p in panels {
        let _ = write!(out, "<th class=\"num\">{}（{}）</th>", esc(&p.title), esc(&p.unit));
    }
    out.push_str("</tr></thead><tbody>");
    let labels = panels.iter().map(|p| p.labels.len()).max().unwrap_or(0);
    for i in 0..labels {
        let l = panels.iter().find_map(|p| p.labels.get(i)).cloned().unwrap_or_default();
        let _ = write!(out, "<tr><td>{}</td>", esc(&l));
        for p in panels {
            let v = p.values.get(i).copied().flatten();
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                v.map(|v| esc(&units_text(i128::from(v), p.scale))).unwrap_or_else(|| "缺报".into())
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A chart with its data table folded beneath it (`<details>`), for pages and reports.
pub fn figure(svg: &str, table: &str) -> String {
    format!(
        "<figure class=\"chart\">{svg}<details class=\"chart-table\"><summary>查看数据表</summary>{table}</details></figure>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that every element is closed in order and that '&' only starts an entity.
    fn assert_well_formed(svg: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            let after = &rest[i + 1..];
            let end = after.find('>').expect("tag closes");
            let tag = &after[..end];
            assert!(!tag.contains('<'), "stray '<' in {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().unwrap_or_else(|| panic!("closing {name} without an opening tag"));
                assert_eq!(open, name.trim(), "tags cross");
            } else if !tag.ends_with('/') {
                let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
                stack.push(name);
            }
            // text between tags has no raw '>' either
            rest = &after[end + 1..];
            let text_end = rest.find('<').unwrap_or(rest.len());
            assert!(!rest[..text_end].contains('>'), "raw '>' in text");
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        for (i, _) in svg.match_indices('&') {
            let tail = &svg[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| tail.starts_with(e)),
                "bare & at {}",
                &tail[..tail.len().min(10)]
            );
        }
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        for t in ["svg", "g", "text", "title", "rect", "circle"] {
            let opens = svg.matches(&format!("<{t} ")).count() + svg.matches(&format!("<{t}>")).count();
            let self_closed = svg
                .match_indices(&format!("<{t} "))
                .filter(|(i, _)| svg[*i..].find('>').is_some_and(|e| svg[*i..*i + e].ends_with('/')))
                .count();
            assert_eq!(opens - self_closed, svg.matches(&format!("</{t}>")).count(), "<{t}> balanced");
        }
    }

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("1-{}月", i + 2)).collect()
    }

    fn s(name: &str, points: &[Option<i64>]) -> Series {
        Series { name: name.into(), points: points.to_vec() }
    }

    #[test]
    fn bars_with_a_growth_line() {
        let bars = s("累计值", &[Some(104_000), Some(162_500), None, Some(279_700)]);
        let growth = s("同比增长", &[Some(2_140), Some(2_190), Some(2_240), Some(2_290)]);
        let svg = bar_line("规上工业增加值 <累计> & \"增速\"", &labels(4), &bars, "亿元", Some(&growth), "%", 10_000);
        assert_well_formed(&svg);
        assert!(svg.contains("<title>规上工业增加值 &lt;累计&gt; &amp; &quot;增速&quot;</title>"));
        assert!(svg.contains("role=\"img\" aria-label=\"规上工业增加值 &lt;累计&gt;"));
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3, "one rect per value");
        assert_eq!(svg.matches("<circle class=\"pt\"").count(), 4);
        assert!(svg.contains("27.97 亿元"), "bar tooltip in units");
        assert!(svg.contains("22.9%"), "growth tooltip");
        assert!(svg.contains("单位：亿元") && svg.contains("单位：%"), "both axes captioned");
        assert!(svg.contains(">30</text>"), "nice tick at 30 亿元: {svg}");
        assert!(svg.contains("class=\"legend\"") && svg.contains(">同比增长</text>"));
    }

    #[test]
    fn a_line_with_the_same_unit_shares_the_axis() {
        let bars = s("累计值", &[Some(100_000), Some(200_000)]);
        let pace = s("序时进度", &[Some(110_000), Some(220_000)]);
        let svg = bar_line("工业投资", &labels(2), &bars, "亿元", Some(&pace), "亿元", 10_000);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("单位：").count(), 1, "one axis");
        assert!(svg.contains(">25</text>"), "axis covers the line: {svg}");
    }

    #[test]
    fn all_gaps_draw_an_empty_chart() {
        let bars = s("累计值", &[None, None, None]);
        let svg = bar_line("空", &labels(3), &bars, "亿元", Some(&s("增速", &[None, None, None])), "%", 10_000);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 0);
        assert!(!svg.contains("<path"), "no line without points");
        assert!(svg.contains("暂无数据"));
        let svg = bar_line("无期间", &[], &s("累计值", &[]), "亿元", None, "", 10_000);
        assert_well_formed(&svg);
        assert!(svg.contains("暂无数据"));
        let svg = line("空", &labels(2), &s("增速", &[]), "%", None, 100);
        assert_well_formed(&svg);
        assert!(svg.contains("暂无数据"));
    }

    #[test]
    fn negative_values_go_below_zero() {
        let bars = s("利润总额", &[Some(-25_000), Some(40_000), Some(0)]);
        let svg = bar_line("利润", &labels(3), &bars, "亿元", None, "", 10_000);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
        assert!(svg.contains(">-4</text>") || svg.contains(">-3</text>") || svg.contains(">-2.5</text>"), "{svg}");
        assert!(svg.contains("-2.5 亿元"));
        let a = Axis::of([-25_000, 40_000].into_iter(), 10_000);
        assert!(a.lo <= -25_000 && a.hi >= 40_000 && a.lo % a.step == 0 && a.hi % a.step == 0);
        // the negative bar starts at the zero line and goes down
        let zero = a.y(0);
        assert!(a.y(-25_000) > zero && a.y(40_000) < zero);
        let g = line("增速", &labels(3), &s("增速", &[Some(-340), None, Some(1_260)]), "%", None, 100);
        assert_well_formed(&g);
        let d = g.split("<path d=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        assert_eq!(d.matches('M').count(), 2, "the gap breaks the line: {d}");
    }

    #[test]
    fn a_dashed_target_line() {
        let g = s("同比增长", &[Some(2_140), Some(2_290)]);
        let t = s("增速目标", &[Some(2_000), Some(2_000)]);
        let svg = line("增速", &labels(2), &g, "%", Some(&t), 100);
        assert_well_formed(&svg);
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
        assert!(svg.contains(">增速目标</text>"));
    }

    #[test]
    fn many_labels_are_thinned() {
        let n = 24;
        let bars = Series { name: "v".into(), points: (0..n).map(|i| Some(i * 1_000)).collect() };
        let ls: Vec<String> = (0..n).map(|i| format!("L{i}")).collect();
        let svg = bar_line("多", &ls, &bars, "亿元", None, "", 10_000);
        assert_well_formed(&svg);
        assert!(svg.contains(">L23</text>"), "the latest label shows");
        assert!(!svg.contains(">L22</text>"));
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 24);
    }

    #[test]
    fn nice_steps_and_unit_text() {
        assert_eq!(nice_step(279_700, 5), 100_000);
        assert_eq!(nice_step(2_290, 5), 500);
        assert_eq!(nice_step(1, 5), 1);
        assert_eq!(nice_step(11, 5), 5);
        assert_eq!(units_text(279_700, 10_000), "27.97");
        assert_eq!(units_text(-25_000, 10_000), "-2.5");
        assert_eq!(units_text(300_000, 10_000), "30");
        assert_eq!(units_text(2_290, 100), "22.9");
        assert_eq!(units_text(7, 1), "7");
        assert_eq!(units_text(5, 3), "1.7");
        assert_eq!(units_text(i128::from(i64::MAX), 10_000), "922337203685477.5807");
        let a = Axis::of([i64::MIN, i64::MAX].into_iter(), 10_000);
        assert!(a.lo <= i128::from(i64::MIN) && a.hi >= i128::from(i64::MAX));
        assert_eq!(Axis::of(std::iter::empty(), 100), Axis { lo: 0, hi: 100, step: 20 });
    }

    #[test]
    fn a_funnel_escapes_and_scales() {
        let steps = vec![
            FunnelStep { label: "对接 <&>".into(), value: 67, unit: "次".into(), target: Some(120), to_date: None },
            FunnelStep { label: "签约".into(), value: 14, unit: "个".into(), target: Some(52), to_date: None },
            FunnelStep { label: "落地".into(), value: 8, unit: "个".into(), target: None, to_date: None },
            FunnelStep { label: "投产".into(), value: 0, unit: "个".into(), target: Some(0), to_date: None },
        ];
        let svg = funnel("2025年上半年 \"招商\" 漏斗", &steps);
        assert_well_formed(&svg);
        assert!(svg.contains("<title>2025年上半年 &quot;招商&quot; 漏斗</title>"));
        assert!(svg.contains("对接 &lt;&amp;&gt;"));
        assert_eq!(svg.matches("<rect class=\"band\"").count(), 4);
        assert!(svg.contains(">14 个</text>") && svg.contains("全年目标 52 个（全年累计 14，完成 26.92%）"), "{svg}");
        assert!(svg.contains("width=\"434\""), "the widest step fills the band: {svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let t = funnel_table("漏斗", &steps);
        assert!(t.contains("<td>签约</td><td class=\"num\">14 个</td><td class=\"num\">52 个</td>"), "{t}");
        assert!(t.contains("<td class=\"num\">—</td>"));
        let empty = funnel("空", &[]);
        assert_well_formed(&empty);
        assert!(empty.contains("暂无数据"));
        let zeros = funnel(
            "零",
            &[FunnelStep { label: "签约".into(), value: 0, unit: "个".into(), target: None, to_date: None }],
        );
        assert_well_formed(&zeros); // a month's funnel measures completion by the year so far, not by the month's count
        let may = funnel(
            "5月",
            &[FunnelStep { label: "签约".into(), value: 2, unit: "个".into(), target: Some(20), to_date: Some(14) }],
        );
        assert!(may.contains("全年累计 14，完成 70%"), "{may}");
    }

    #[test]
    fn progress_bars_mark_the_route() {
        let rows = vec![
            Progress {
                label: "签约".into(),
                actual: Some(14),
                target: 52,
                route: Some(26),
                unit: "个".into(),
                scale: 1,
            },
            Progress {
                label: "规上工业增加值".into(),
                actual: Some(279_700),
                target: 660_000,
                route: Some(275_000),
                unit: "亿元".into(),
                scale: 10_000,
            },
            Progress {
                label: "超额".into(), actual: Some(80), target: 52, route: None, unit: "个".into(), scale: 1
            },
            Progress { label: "无数".into(), actual: None, target: 0, route: Some(0), unit: "%".into(), scale: 100 },
        ];
        let svg = progress("年度目标进度", &rows);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<rect class=\"fill\"").count(), 4);
        assert_eq!(svg.matches("<line class=\"route\"").count(), 3);
        assert!(svg.contains("14 / 52 个") && svg.contains("27.97 / 66 亿元"), "{svg}");
        assert!(svg.contains("签约：实际 14 个，全年目标 52 个，应达 26 个"));
        assert!(svg.contains("fill=\"#c98a2b\""), "behind the route is amber");
        // over the target: the fill stops at the track's end
        let track = svg.split("class=\"track\"").nth(3).unwrap();
        let tw = track.split("width=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let fill = svg.split("<rect class=\"fill\"").nth(3).unwrap();
        assert!(fill.contains(&format!("width=\"{tw}\"")), "{fill}");
        assert!(!svg.contains("NaN"));
        let t = progress_table("进度", &rows);
        assert!(t.contains("<td>无数</td><td class=\"num\">尚无数据</td><td class=\"num\">0%</td>"), "{t}");
        let empty = progress("空", &[]);
        assert_well_formed(&empty);
        assert!(empty.contains("暂无数据"));
    }

    #[test]
    fn small_multiples_draw_a_panel_each() {
        let zones: Vec<String> = ["襄垣", "甲 & 乙", "丙"].iter().map(|s| s.to_string()).collect();
        let panels = vec![
            Panel {
                title: "规上工业增加值".into(),
                unit: "亿元".into(),
                scale: 10_000,
                labels: zones.clone(),
                values: vec![Some(279_700), Some(254_000), None],
                highlight: Some(0),
            },
            Panel {
                title: "增速".into(),
                unit: "%".into(),
                scale: 100,
                labels: zones,
                values: vec![Some(2_290), Some(-340), Some(0)],
                highlight: None,
            },
            Panel {
                title: "空面板".into(),
                unit: "个".into(),
                scale: 1,
                labels: vec![],
                values: vec![],
                highlight: None,
            },
        ];
        let svg = small_multiples("全市对比 <小图>", &panels, 2);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<g class=\"panel\">").count(), 3);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 5);
        assert!(svg.contains("甲 &amp; 乙") && svg.contains("缺报") && svg.contains(">27.97</text>"));
        assert!(svg.contains("单位：亿元") && svg.contains("单位：%"));
        assert!(svg.contains("fill=\"#1d3f6b\""), "the own zone stands out");
        assert!(!svg.contains("NaN"));
        let t = small_multiples_table("数据", &panels);
        assert!(t.contains("<tr><td>丙</td><td class=\"num\">缺报</td><td class=\"num\">0</td>"), "{t}");
        let empty = small_multiples("空", &[], 3);
        assert_well_formed(&empty);
        assert!(empty.contains("暂无数据"));
        let f = figure(&empty, &t);
        assert!(f.starts_with("<figure class=\"chart\"><svg") && f.contains("<details class=\"chart-table\">"));
    }
}
