//! `kaifaqu report`: a report of a zone for a period from the configured database, for scheduled
//! and scripted use — the zone's template (its edited copy, or the built-in) rendered with live
//! figures into Markdown, DOCX (GB/T 9704 layout) or the report's tables as XLSX. The
//! consistency checks run first: their problems go to standard error and the file is still
//! written, unless `--strict` refuses it. `kaifaqu report --list` prints the template names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use kaifaqu_reports::check::{self, Tally};
use kaifaqu_reports::{doc_xlsx, docx, markdown, template};
use kaifaqu_store::report_data::{self, ReportPeriod};
use kaifaqu_store::{Scope, report_drafts, report_templates, zones};

use crate::commands::{open, store_err};
use crate::config::Config;

#[derive(Args)]
pub struct ReportArgs {
    /// Print the available template names and exit.
    #[arg(long)]
    pub list: bool,
    /// The zone, by name or number (#id).
    #[arg(long)]
    pub zone: Option<String>,
    /// The template name (see --list).
    #[arg(long, default_value = "half_year")]
    pub template: String,
    /// The period: 2025-05 (month), 2025-H1 / 2025-H2 (half-year) or 2025 (year).
    #[arg(long)]
    pub period: Option<String>,
    /// md, docx, or xlsx (the report's tables, one sheet each).
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Refuse to write the file when the consistency checks find problems (exit status 1).
    #[arg(long)]
    pub strict: bool,
    /// The file to write (must not exist); standard output for md when absent.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn report(cfg: &Config, a: ReportArgs) -> Result<()> {
    if a.list {
        for b in template::BUILTINS {
            println!("{}\t{}", b.name, b.title);
        }
        return Ok(());
    }
    let tmpl = template::builtin(&a.template)
        .ok_or_else(|| anyhow!("没有名为“{}”的报告模板（kaifaqu report --list 列出可用模板）", a.template))?;
    let period = ReportPeriod::parse(a.period.as_deref().ok_or_else(|| anyhow!("请用 --period 指定期间，如 2025-H1"))?)
        .map_err(|m| anyhow!(m))?;
    if !matches!(a.format.as_str(), "md" | "docx" | "xlsx") {
        bail!("--format 应为 md、docx 或 xlsx");
    }
    if a.format != "md" && a.output.is_none() {
        bail!("{} 需要用 --output 指定文件", a.format.to_uppercase());
    }
    if let Some(out) = &a.output
        && out.exists()
    {
        bail!("文件 {} 已存在，不会覆盖", out.display());
    }
    let db = open(cfg).await?;
    let wanted = a.zone.as_deref().ok_or_else(|| anyhow!("请用 --zone 指定开发区（名称或 #编号）"))?.trim();
    let all = zones::list(&db, &Scope::System).await.map_err(store_err)?;
    let zone = all
        .iter()
        .find(|z| z.name == wanted || format!("#{}", z.id) == wanted || z.id.to_string() == wanted)
        .ok_or_else(|| anyhow!("找不到开发区“{wanted}”（kaifaqu zone list 列出全部）"))?;
    let data = report_data::gather(&db, &Scope::System, zone.id, &period).await.map_err(store_err)?;
    let source =
        report_templates::source(&db, &Scope::System, zone.id, tmpl.name, tmpl.source).await.map_err(store_err)?;
    // the staff's paragraphs: the latest saved version of this report's draft, as the pages use
    let draft =
        report_drafts::get(&db, &Scope::System, zone.id, tmpl.name, &period.key, None).await.map_err(store_err)?;
    let empty = BTreeMap::new();
    let narratives = draft.as_ref().map(|d| &d.narratives).unwrap_or(&empty);
    let md = template::render(&source, &data, narratives).map_err(|e| anyhow!("{e}"))?;
    let doc = markdown::parse(&md);
    let tallies: Vec<Tally> = data
        .tallies
        .iter()
        .map(|t| Tally::sum(t.what.clone(), t.stated, t.parts.clone(), Some(t.href.clone())))
        .collect();
    let problems = check::check(&doc, &tallies);
    if !problems.is_empty() {
        eprintln!("报告核对发现 {} 处不一致：", problems.len());
        for p in &problems {
            match &p.href {
                Some(h) => eprintln!("- {}（记录：{h}）", p.message),
                None => eprintln!("- {}", p.message),
            }
        }
        if a.strict {
            bail!("按 --strict 的要求，报告有不一致之处，未生成文件");
        }
    }
    let bytes = match a.format.as_str() {
        "docx" => docx::write(&doc).map_err(|e| anyhow!("生成 DOCX 失败：{e}"))?,
        "xlsx" => doc_xlsx::write(&doc).map_err(|e| anyhow!("{e}"))?,
        _ => kaifaqu_reports::chart_block::charts_as_tables(&md).into_bytes(),
    };
    match &a.output {
        Some(out) => {
            std::fs::write(out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            eprintln!("已生成 {}（{}，{}，{} 字节）", out.display(), zone.name, period.label, bytes.len());
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    Ok(())
}
