//! The one scheduler inside the server: it runs the overdue rules of every module on start and
//! then every `interval` (no external cron), sends each user's daily digest of 我的待办 once a
//! working day after `digest_time`, and delivers new notifications to the webhook.
//! Every rule is idempotent (a notification is unique per item and step), so runs after a
//! restart, or two servers running it at once, notify nobody twice.

use std::time::Duration;

use kaifaqu_store::{notifications, todo};

use crate::state::AppState;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub created: usize,
    pub delivered: usize,
    pub failed: usize,
}

/// One run now (Beijing time).
pub async fn run_once(state: &AppState) -> Result<RunReport, kaifaqu_store::StoreError> {
    let now = chrono::Utc::now().with_timezone(&kaifaqu_domain::time::shanghai()).naive_local();
    run_once_at(state, now).await
}

/// One run as at `now` (Beijing time): the rules, the digests when `now` is past the digest
/// time, then delivery of what the webhook has not received yet.
/// The scheduler works on every zone: it runs as the system at the database (row-level
/// security, `kaifaqu_store::rls`).
pub async fn run_once_at(state: &AppState, now: chrono::NaiveDateTime) -> Result<RunReport, kaifaqu_store::StoreError> {
    kaifaqu_store::rls::system(run_rules(state, now)).await
}

async fn run_rules(state: &AppState, now: chrono::NaiveDateTime) -> Result<RunReport, kaifaqu_store::StoreError> {
    let mut created = notifications::run_escalation(&state.db, now.date()).await?;
    if state.notify.digest_time.is_some_and(|t| now.time() >= t) {
        created += todo::run_digest(&state.db, now.date()).await?;
    }
    let mut report = RunReport { created, ..Default::default() };
    let Some(url) = state.notify.webhook_url.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(report);
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| kaifaqu_store::StoreError::Config(format!("无法创建 HTTP 客户端：{e}")))?;
    for (n, user) in notifications::undelivered(&state.db, 200).await? {
        let body = notifications::webhook_body(&state.notify.webhook_format, &user, &n.message, &n.link);
        match client.post(url).json(&body).send().await {
            Ok(r) if r.status().is_success() => {
                notifications::mark_delivered(&state.db, n.id).await?;
                report.delivered += 1;
            }
            Ok(r) => {
                tracing::warn!(status = %r.status(), "webhook refused a notification; it will be retried");
                report.failed += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook unreachable; notifications will be retried");
                report.failed += 1;
                break;
            }
        }
    }
    Ok(report)
}

/// Starts the scheduler task.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            match run_once(&state).await {
                Ok(r) if r.created + r.delivered + r.failed > 0 => {
                    tracing::info!(created = r.created, delivered = r.delivered, failed = r.failed, "scheduler run")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "scheduler run failed"),
            }
            tokio::time::sleep(state.notify.interval).await;
        }
    });
}
