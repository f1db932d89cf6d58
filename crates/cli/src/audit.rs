//! `kaifaqu audit verify`: walks the audit log's hash chains (see `kaifaqu_store::audit_chain`)
//! and says in plain Chinese whether the log is intact, or where each chain breaks. Exits
//! non-zero when anything is wrong, so a scheduled check can alert.

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::commands::{open, store_err};
use crate::config::Config;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every record of the audit log against its keyed hash chain.
    Verify,
}

pub async fn run(cfg: &Config, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify => verify(cfg).await,
    }
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
