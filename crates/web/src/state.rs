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
}
