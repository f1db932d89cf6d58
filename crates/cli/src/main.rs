//! `kaifaqu`: the one binary — serve the web application, load demo data, migrate, manage
//! zones and users, back up.

mod audit;
mod commands;
mod config;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kaifaqu", version, about = "开发区管委会工作平台 kaifaqu")]
struct Cli {
    /// Configuration file (default: ./kaifaqu.toml when present).
    #[arg(long, global = true, env = "KAIFAQU_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://… (overrides the file and KAIFAQU_DATABASE_URL).
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrations run first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo data first (only into an empty or demo database).
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo data into the configured database and exit.
    Demo {
        /// Generate a large invented data set instead (zone, city, province or national) into
        /// an empty database, for benchmarks.
        #[arg(long)]
        scale: Option<String>,
        /// The seed of the generator (the same seed writes the same rows).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Development zones.
    Zone {
        #[command(subcommand)]
        command: commands::ZoneCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: commands::UserCommand,
    },
    /// Back up the database: a consistent SQLite copy, or the pg_dump command for PostgreSQL.
    Backup {
        /// The file to write (must not exist).
        file: PathBuf,
    },
    /// Write a report of a zone for a period (Markdown or DOCX) from the live data.
    Report(report::ReportArgs),
    /// The audit log: verify its hash chain.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Data-encryption keys: rotate.
    Keys {
        #[command(subcommand)]
        command: commands::KeysCommand,
    },
    /// Print the program and schema versions.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let flags = config::Flags {
        database: cli.database.clone(),
        listen: match &cli.command {
            Command::Serve { listen, .. } => listen.clone(),
            _ => None,
        },
    };
    let env = |k: &str| std::env::var(k).ok();
    let cfg = match config::Config::load(cli.config.as_deref(), &env, &flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("配置有误：{e:#}");
            return ExitCode::from(2);
        }
    };
    commands::init_logging(&cfg.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, .. } => commands::serve(&cfg, demo).await,
            Command::Demo { scale: Some(scale), seed } => commands::demo_scale(&cfg, &scale, seed).await,
            Command::Demo { scale: None, .. } => commands::demo(&cfg).await,
            Command::Migrate => commands::migrate(&cfg).await,
            Command::Zone { command } => commands::zone(&cfg, command).await,
            Command::User { command } => commands::user(&cfg, command).await,
            Command::Backup { file } => commands::backup(&cfg, &file).await,
            Command::Report(args) => report::report(&cfg, args).await,
            Command::Audit { command } => audit::run(&cfg, command).await,
            Command::Keys { command } => commands::keys(&cfg, command).await,
            Command::Version => {
                println!(
                    "kaifaqu {}（数据库结构版本 {}）",
                    env!("CARGO_PKG_VERSION"),
                    kaifaqu_store::migrate::latest_version()
                );
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
