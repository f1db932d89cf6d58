//! `kaifaqu audit verify`: walks the audit log's hash chains (see `kaifaqu_store::audit_chain`)
//! and says in plain Chinese whether the log is intact, or where each chain breaks. Exits
//! non-zero when anything is wrong, so a scheduled check can alert.
//!
//! `kaifaqu audit purge --before YYYY-MM-DD`: removes the records from before that day (Beijing
//! time), refusing any day less than 180 days ago and any log that does not verify; the chains
//! keep verifying from their anchors and the purge is itself audited.

use anyhow::{Result, anyhow, bail};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;

use crate::commands::{open, store_err};
use crate::config::Config;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every record of the audit log against its keyed hash chain.
    Verify,
    /// Remove the records from before a day at least 180 days ago (the chain stays verifiable).
    Purge {
        /// The first day kept, YYYY-MM-DD (Beijing time); at least 180 days ago.
        #[arg(long)]
        before: String,
    },
}

pub async fn run(cfg: &Config, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify => verify(cfg).await,
        AuditCommand::Purge { before } => purge(cfg, &before).await,
    }
}

async fn purge(cfg: &Config, before: &str) -> Result<()> {
    let day = NaiveDate::parse_from_str(before.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--before“{before}”格式有误，应为 2025-01-01 这样的日期"))?;
    let cut = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(kaifaqu_domain::time::shanghai()).single())
        .ok_or_else(|| anyhow!("--before“{before}”不是有效日期"))?
        .with_timezone(&Utc);
    let db = open(cfg).await?;
    let actor = kaifaqu_store::Actor::system("命令行");
    let report = kaifaqu_store::audit::purge(&db, &actor, cut, Utc::now()).await.map_err(store_err)?;
    println!("已清理 {day} 之前的审计记录 {} 条（保留期 180 天）。", report.purged);
    for (a, n) in &report.chains {
        let chain = if a.chain == 0 { "系统记录".to_string() } else { format!("开发区 {}", a.chain) };
        println!("  {chain}：{n} 条，链从第 {} 条之后继续校验", a.seq);
    }
    if report.unchained > 0 {
        println!("  另有早于审计链的记录 {} 条。", report.unchained);
    }
    println!("本次清理已记入审计日志；可用 kaifaqu audit verify 确认审计链完整。");
    Ok(())
}

async fn verify(cfg: &Config) -> Result<()> {
    let db = open(cfg).await?;
    let report = kaifaqu_store::audit_chain::verify(&db.conn).await.map_err(store_err)?;
    let old = if report.unchained > 0 {
        format!("；另有 {} 条记录早于审计链（结构版本 10 之前），未能校验", report.unchained)
    } else {
        String::new()
    };
    if report.is_intact() {
        println!("审计日志完整：{} 条链，{} 条记录逐条校验通过{old}。", report.chains, report.verified);
        return Ok(());
    }
    println!("审计日志被改动：{} 条链中有 {} 条断开。", report.chains, report.problems.len());
    for p in &report.problems {
        println!("  {p}");
    }
    println!("已校验通过 {} 条记录{old}。", report.verified);
    bail!("审计日志校验未通过")
}
