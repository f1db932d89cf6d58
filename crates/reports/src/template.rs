//! Report templates: Markdown with minijinja placeholders that read a report's data (a zone and
//! a period, gathered by `kaifaqu_store::report_data`) and the narrative paragraphs staff write.
//! Built-in templates are embedded here; a zone's edited copy replaces a built-in of the same
//! name and can be reset to it.
//!
//! Filters (the documents' wordings, `kaifaqu_domain::wording`): `yi` (万元 → "27.97 亿元",
//! `yi(0)` rounds), `yi_num` (the exact number of 亿元 for a table cell, "0.95"), `md` (user
//! text made safe inside Markdown and table cells), `wan`, `pct` (hundredths of a percent → "22.9%"), `points` ("提高 2.1 个百分
//! 点"), `rank` ("第一"), `cn_date` ("2025年5月28日"), `approx(unit)` ("300 余项"), `mu` (0.01 亩
//! → "220.41 亩"). Function: `narrative(key, hint)` — the staff's paragraph for `key`, or
//! "【待填写：hint】" until written.
//!
//! Charts: a ```` ```chart ```` block in the rendered text ([`crate::chart_block`], syntax in
//! [`CHART_HELP`]), its data lines written by loops over the data as tables are. Rendering
//! reads every chart block; one that does not read is an error naming the template's line.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kaifaqu_domain::indicator::Pct;
use kaifaqu_domain::money::{Mu100, Wan};
use kaifaqu_domain::wording;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::chart_block;

/// A template the program ships.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The stable name used by the command line and the pages.
    pub name: &'static str,
    pub title: &'static str,
    pub source: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "half_year",
        title: "半年（年度）工作总结和工作计划",
        source: include_str!("../templates/half_year.md"),
    },
    Builtin {
        name: "monthly_economy",
        title: "月度经济运行简报",
        source: include_str!("../templates/monthly_economy.md"),
    },
    Builtin {
        name: "key_projects", title: "重点项目进展月报", source: include_str!("../templates/key_projects.md")
    },
    Builtin {
        name: "safety_monthly", title: "安全生产月报", source: include_str!("../templates/safety_monthly.md")
    },
];

/// The names a template can use, for the editor's help box: (name, what it holds).
pub const DATA_HELP: &[(&str, &str)] = &[
    ("zone", "开发区名称"),
    (
        "period.label / period.key / period.year / period.from / period.to / period.next_label",
        "报告期间：“2025年上半年”、2025-H1、年份、起止日期、“下半年”",
    ),
    ("contacts.value / .href / .approx", "对接项目次数及其记录链接、约数（“60 余次”）"),
    (
        "by_stage.signed（landed / started / producing …）.count.value / .count.href / .investment / .projects",
        "本期达到某阶段的项目数、投资（万元）、项目列表（name、investor、investment、href）",
    ),
    ("stages / stages_ytd", "全部阶段（本期 / 本年累计），每项有 label、count、investment"),
    (
        "by_indicator.industrial_value_added.value / .growth / .rank_value / .rank_growth / .estimate / .href",
        "统计指标（indicators 为全部指标）；statistics_period 为统计期（“1-5月”）",
    ),
    (
        "plan.count / plan.total / plan.categories / plan.href",
        "本年项目谋划表：项目数、总投资（万元）、分类（label、count、total）",
    ),
    (
        "approvals.commitment_projects / approvals.agency_projects / parcels / parcel_area_text / plants",
        "审批代办、标准地、闲置厂房",
    ),
    (
        "safety_report.inspections / hazards / general / major / closed / overdue / supervised / rectification_rate / overdue_list",
        "安全生产：检查家次、隐患、整改率、超期隐患清单（每项有 value 和 href）",
    ),
    (
        "key_projects.count / .total / .levels / .projects",
        "省市重点项目：每个项目有 name、level、leader、stage、investment、notes、problems、overdue_problems、href",
    ),
    ("targets", "年度目标完成情况（target.name、target.target_text、actual_text、status_label、href）"),
];

/// The filters and functions, for the editor's help box.
pub const FILTER_HELP: &[(&str, &str)] = &[
    ("{{ x|yi }} / {{ x|yi(0) }}", "万元 → “27.97 亿元” / 取整"),
    ("{{ x|yi_num }}", "万元 → 表格中的亿元数（“0.95”）"),
    ("{{ x|wan }}", "“9500 万元”"),
    ("{{ x|pct }} / {{ x|points }}", "“22.9%” / “提高 2.1 个百分点”"),
    ("{{ x|rank }}", "“第一”"),
    ("{{ x|approx('项') }}", "“300 余项”"),
    ("{{ x|mu }}", "“220.41 亩”"),
    ("{{ d|cn_date }}", "“2025年5月28日”"),
    ("{{ text|md }}", "表格中的文字（转义竖线等符号）"),
    ("{{ narrative('key', '提示') }}", "科室填写的文字段落"),
    ("[文字](链接)", "链接到记录（预览中可点击；Word、Excel 中只保留文字）"),
];

pub use crate::chart_block::CHART_HELP;

/// The built-in template `name`.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Why a template could not be rendered, with the line when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", match .line { Some(l) => format!("模板第 {l} 行有误：{}", .message), None => format!("模板有误：{}", .message) })]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

fn template_error(e: &Error) -> TemplateError {
    let message = match e.kind() {
        ErrorKind::SyntaxError => format!("语法错误（{}）", e.detail().unwrap_or("")),
        ErrorKind::UndefinedError => "用到了不存在的数据项".to_string(),
        ErrorKind::UnknownFilter => format!("没有这个格式（{}）", e.detail().unwrap_or("")),
        ErrorKind::UnknownFunction => format!("没有这个函数（{}）", e.detail().unwrap_or("")),
        ErrorKind::OutOfFuel => "模板的计算量过大（循环太多），已停止：请减少循环的层数或次数".to_string(),
        _ => e.to_string(),
    };
    TemplateError { line: e.line(), message }
}

fn int(v: &Value, what: &str) -> Result<i64, Error> {
    i64::try_from(v.clone())
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("{what}需要一个整数，得到的是“{v}”")))
}

/// The work one rendering may do (template instructions): the built-in reports need a few
/// thousand; a loop of loops typed into the editor stops here instead of holding the server.
pub const FUEL: u64 = 2_000_000;

fn environment(narratives: BTreeMap<String, String>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.add_filter("yi", |v: Value, decimals: Option<u32>| -> Result<String, Error> {
        let w = Wan(int(&v, "yi")?);
        Ok(match decimals {
            Some(d) => wording::yi_rounded(w, d),
            None => wording::yi(w),
        })
    });
    env.add_filter("yi_num", |v: Value| -> Result<String, Error> { Ok(Wan(int(&v, "yi_num")?).yi_exact()) });
    env.add_filter("md", |v: Value| -> String {
        if v.is_undefined() || v.is_none() {
            return String::new();
        }
        let text = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
        crate::doc::md_escape(&text.replace(['\r', '\n'], " "))
    });
    env.add_filter("wan", |v: Value| -> Result<String, Error> { Ok(wording::wan(Wan(int(&v, "wan")?))) });
    env.add_filter("pct", |v: Value| -> Result<String, Error> { Ok(wording::percent(Pct(int(&v, "pct")?))) });
    env.add_filter("points", |v: Value| -> Result<String, Error> { Ok(wording::points(Pct(int(&v, "points")?))) });
    env.add_filter("rank", |v: Value| -> Result<String, Error> {
        let r =
            u32::try_from(int(&v, "rank")?).map_err(|_| Error::new(ErrorKind::InvalidOperation, "名次应为正整数"))?;
        Ok(wording::rank(r))
    });
    env.add_filter("mu", |v: Value| -> Result<String, Error> { Ok(format!("{} 亩", Mu100(int(&v, "mu")?).mu_2())) });
    env.add_filter("approx", |v: Value, unit: Option<String>| -> Result<String, Error> {
        let n = u64::try_from(int(&v, "approx")?)
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, "约数应为非负整数"))?;
        Ok(wording::approx(n, unit.as_deref().unwrap_or("")))
    });
    env.add_filter("cn_date", |v: String| -> Result<String, Error> {
        let d = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("日期应为 YYYY-MM-DD：{v}")))?;
        Ok(wording::date(d))
    });
    env.add_function("narrative", move |key: String, hint: Option<String>| -> String {
        match narratives.get(&key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            Some(text) => text.to_string(),
            None => format!("【待填写：{}】", hint.unwrap_or(key)),
        }
    });
    env
}

/// Renders `source` with `data` (any serialisable report data) and the staff's `narratives`
/// (key → paragraph) into Markdown.
pub fn render<D: Serialize>(
    source: &str,
    data: &D,
    narratives: &BTreeMap<String, String>,
) -> Result<String, TemplateError> {
    let env = environment(narratives.clone());
    let tmpl = env.template_from_str(source).map_err(|e| template_error(&e))?;
    let md = tmpl.render(Value::from(minijinja::value::Serde(data))).map_err(|e| template_error(&e))?;
    check_charts(source, &md)?;
    Ok(md)
}

/// Reads every chart block of the rendered text; the first that does not read is an error at
/// the template line that wrote the bad line (the k-th block of the output is taken to come
/// from the k-th block of the template).
fn check_charts(source: &str, md: &str) -> Result<(), TemplateError> {
    let out: Vec<&str> = md.lines().collect();
    let out_spans = chart_block::spans(&out);
    if out_spans.is_empty() {
        return Ok(());
    }
    let src: Vec<&str> = source.lines().collect();
    let src_spans = chart_block::spans(&src);
    for (k, (open, close)) in out_spans.iter().enumerate() {
        let src_span = src_spans.get(k).or(src_spans.first()).copied();
        let Some(close) = close else {
            return Err(TemplateError {
                line: src_span.map(|s| s.0 + 1),
                message: "图表块没有结束：缺少单独一行的 ```".to_string(),
            });
        };
        if let Err(e) = chart_block::parse(&out[open + 1..*close]) {
            let bad = out.get(open + 1 + e.line).copied().unwrap_or("");
            let line = src_span.map(|(so, sc)| source_line(&src, so + 1, sc.unwrap_or(src.len()), bad) + 1);
            return Err(TemplateError { line, message: format!("图表有误（{}）", e.message) });
        }
    }
    Ok(())
}

/// The template line between `from` and `to` (0-based) that wrote `bad`: the first whose
/// literal start (before any `{{` or `{%`) starts `bad`, else the first data line (with a `|`)
/// when `bad` is one, else `from`.
fn source_line(src: &[&str], from: usize, to: usize, bad: &str) -> usize {
    let bad = bad.trim();
    let range = from..to.min(src.len());
    let literal = |l: &str| -> String {
        let cut = [l.find("{{"), l.find("{%"), l.find("{#")].into_iter().flatten().min().unwrap_or(l.len());
        l[..cut].trim().to_string()
    };
    if let Some(j) = range.clone().find(|&j| {
        let lit = literal(src[j]);
        !lit.is_empty() && bad.starts_with(&lit)
    }) {
        return j;
    }
    if bad.contains('|')
        && let Some(j) = range.clone().find(|&j| src[j].contains('|'))
    {
        return j;
    }
    from.min(src.len().saturating_sub(1))
}

/// The narrative paragraphs a template asks for, in order of first use: (key, hint), from its
/// `narrative("key", "hint")` calls.
pub fn narrative_keys(source: &str) -> Vec<(String, String)> {
    fn quoted(s: &str) -> Option<(String, &str)> {
        let s = s.trim_start();
        let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &s[1..];
        let end = body.find(q)?;
        Some((body[..end].to_string(), &body[end + 1..]))
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("narrative(") {
        rest = &rest[at + "narrative(".len()..];
        let Some((key, after)) = quoted(rest) else { continue };
        let hint = after.trim_start().strip_prefix(',').and_then(quoted).map(|(h, _)| h).unwrap_or_else(|| key.clone());
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, hint));
        }
    }
    out
}

/// Checks that `source` parses (for the template editor); the error names the line.
pub fn check(source: &str) -> Result<(), TemplateError> {
    let env = environment(BTreeMap::new());
    env.template_from_str(source).map(|_| ()).map_err(|e| template_error(&e))?;
    let lines: Vec<&str> = source.lines().collect();
    if let Some((open, _)) = chart_block::spans(&lines).into_iter().find(|(_, close)| close.is_none()) {
        return Err(TemplateError {
            line: Some(open + 1), message: "图表块没有结束：缺少单独一行的 ```".to_string()
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_runaway_template_stops_with_a_plain_message() {
        let loops = "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}";
        let e = render(loops, &json!({}), &BTreeMap::new()).unwrap_err();
        assert!(e.message.contains("计算量过大"), "{e}");
        // the built-in reports stay far below the limit
        for b in BUILTINS {
            assert!(check(b.source).is_ok(), "{}", b.name);
        }
    }

    #[test]
    fn filters_word_figures_as_the_documents_do() {
        let data = json!({"va": 279_700, "small": 9_500, "g": 2_290, "d": 210, "r": 3, "n": 317, "mu": 22_041, "day": "2025-05-28"});
        let out = render(
            "{{ va|yi }}/{{ small|yi(0) }}/{{ small|wan }}/{{ g|pct }}/{{ d|points }}/{{ r|rank }}/{{ n|approx('项') }}/{{ mu|mu }}/{{ day|cn_date }}",
            &data,
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(out, "27.97 亿元/1 亿元/9500 万元/22.9%/提高 2.1 个百分点/第三/300 余项/220.41 亩/2025年5月28日");
    }

    #[test]
    fn narratives_and_their_placeholders() {
        let mut n = BTreeMap::new();
        n.insert("highlights".to_string(), "延长产业链条。".to_string());
        let out =
            render("{{ narrative('highlights', '亮点') }}|{{ narrative('problems', '存在问题') }}", &json!({}), &n)
                .unwrap();
        assert_eq!(out, "延长产业链条。|【待填写：存在问题】");
    }

    #[test]
    fn the_narratives_a_template_asks_for() {
        let keys = narrative_keys("{{ narrative('a', '甲') }} {{ narrative(\"b\") }} {{ narrative('a', '再次') }}");
        assert_eq!(keys, vec![("a".to_string(), "甲".to_string()), ("b".to_string(), "b".to_string())]);
        let half = narrative_keys(builtin("half_year").unwrap().source);
        assert!(half.iter().any(|(k, h)| k == "highlights" && h.contains("亮点")));
        assert!(half.len() >= 10);
    }

    #[test]
    fn errors_name_the_line_in_chinese() {
        let e = check("第一行\n{{ zone }\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().starts_with("模板第 2 行有误：语法错误"), "{e}");
        let e = render("{{ 5|nosuch }}", &json!({}), &BTreeMap::new()).unwrap_err();
        assert!(e.message.contains("没有这个格式"), "{e}");
        let e = render("{{ 'x'|yi }}", &json!({}), &BTreeMap::new()).unwrap_err();
        assert!(e.message.contains("yi需要一个整数"), "{e}");
        for b in BUILTINS {
            check(b.source).unwrap_or_else(|e| panic!("{}: {e}", b.name));
        }
    }

    #[test]
    fn chart_blocks_are_checked_and_errors_name_the_template_line() {
        let data =
            json!({"rows": [{"name": "签约", "n": 14, "href": "/x"}, {"name": "落地", "n": "八", "href": "/y"}]});
        let good = "前文\n\n```chart\n漏斗图：招商\n{% for r in rows[:1] %}{{ r.name }} | {{ r.n }} | 个 | | | {{ r.href }}\n{% endfor %}```\n";
        let md = render(good, &data, &BTreeMap::new()).unwrap();
        assert!(md.contains("签约 | 14 | 个 | | | /x"), "{md}");
        let doc = crate::markdown::parse(&md);
        assert!(matches!(doc.blocks.last(), Some(crate::doc::Block::Chart(_))), "{doc:?}");

        let bad_value =
            "前文\n\n```chart\n漏斗图：招商\n{% for r in rows %}\n{{ r.name }} | {{ r.n }} | 个\n{% endfor %}\n```\n";
        let e = render(bad_value, &data, &BTreeMap::new()).unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.to_string().starts_with("模板第 6 行有误：图表有误（数量“八”不是数字）"), "{e}");

        let bad_kind = "```chart\n饼图：{{ 1 }}\n甲 | 1\n```\n";
        let e = render(bad_kind, &data, &BTreeMap::new()).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("图表类型“饼图”不认识"), "{e}");

        let bad_setting = "```chart\n柱状图：甲\n颜色：红\n甲 | 1\n```\n";
        assert_eq!(render(bad_setting, &data, &BTreeMap::new()).unwrap_err().line, Some(3));

        let unclosed = "第一行\n```chart\n柱状图：甲\n甲 | 1\n";
        let e = check(unclosed).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().contains("图表块没有结束"), "{e}");
        assert_eq!(render(unclosed, &data, &BTreeMap::new()).unwrap_err().line, Some(2));
    }
}
