//! `kaifaqu report`: a report of a zone for a period from the configured database, for scheduled
//! and scripted use — the built-in template rendered with live figures into Markdown or DOCX
//! (GB/T 9704 layout). `kaifaqu report --list` prints the template names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use kaifaqu_reports::{docx, markdown, template};
use kaifaqu_store::report_data::{self, ReportPeriod};
use kaifaqu_store::{Scope, zones};

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
    /// md or docx.
    #[arg(long, default_value = "md")]
    pub format: String,
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
    if !matches!(a.format.as_str(), "md" | "docx") {
        bail!("--format 应为 md 或 docx");
    }
    if a.format == "docx" && a.output.is_none() {
        bail!("DOCX 需要用 --output 指定文件");
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
    let md = template::render(tmpl.source, &data, &BTreeMap::new()).map_err(|e| anyhow!("{e}"))?;
    let bytes = match a.format.as_str() {
        "docx" => docx::write(&markdown::parse(&md)).map_err(|e| anyhow!("生成 DOCX 失败：{e}"))?,
        _ => md.into_bytes(),
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
