//! What every handler can reach.

use std::sync::Arc;

use kaifaqu_store::Db;
use kaifaqu_store::attachments::Storage;
use kaifaqu_store::auth::AuthPolicy;

/// Request-size limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Ordinary request bodies (default 10 MiB).
    pub body_bytes: usize,
    /// Upload request bodies (default 50 MiB); each file is further capped by the storage limit.
    pub upload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 10 * 1024 * 1024, upload_bytes: 50 * 1024 * 1024 }
    }
}

/// Reminders: the scheduler inside the server and the optional webhook.
#[derive(Debug, Clone)]
pub struct Notify {
    /// Run the scheduler (the server does; tests start it themselves).
    pub scheduler: bool,
    /// How often it runs.
    pub interval: std::time::Duration,
    /// Where notifications are also sent (a group robot or any JSON endpoint).
    pub webhook_url: Option<String>,
    /// generic, dingtalk or wecom.
    pub webhook_format: String,
    /// When the daily digest goes out (Beijing time); None: no digest.
    pub digest_time: Option<chrono::NaiveTime>,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            scheduler: false,
            interval: std::time::Duration::from_secs(3600),
            webhook_url: None,
            webhook_format: "generic".into(),
            digest_time: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub storage: Storage,
    pub policy: Arc<AuthPolicy>,
    pub limits: Limits,
    /// Mark the session cookie `Secure` (when served over https).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    pub notify: Notify,
}
