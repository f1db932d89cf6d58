//! What every handler can reach.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Failed logins per client address and logins waiting for their TOTP code (in memory).
    pub login_guard: LoginGuard,
}

/// How long a login may wait for its TOTP code, and how many wrong codes it may try.
const PENDING_FOR: Duration = Duration::from_secs(300);
const PENDING_ATTEMPTS: u32 = 3;
/// Addresses tracked before expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// Per-address login throttling (a sliding window of failure times per client address, on top
/// of the per-account lock in the database) and the logins whose password was right and whose
/// TOTP code is awaited. Per process: a restart forgets both, which only errs towards the user.
#[derive(Clone, Default)]
pub struct LoginGuard(Arc<Mutex<GuardInner>>);

#[derive(Default)]
struct GuardInner {
    failures: HashMap<String, VecDeque<Instant>>,
    pending: HashMap<String, Pending>,
}

struct Pending {
    user_id: i64,
    next: String,
    since: Instant,
    attempts: u32,
}

fn window(policy: &AuthPolicy) -> Duration {
    policy.ip_window.to_std().unwrap_or(Duration::from_secs(900))
}

impl LoginGuard {
    fn inner(&self) -> std::sync::MutexGuard<'_, GuardInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seconds until `ip` may try again, when it has failed too often within the window;
    /// otherwise the attempt is counted as a failure now, in the same lock, so parallel requests
    /// cannot all pass the check before any of them is counted. A login that succeeds gives its
    /// attempt back (`succeeded`).
    pub fn blocked(&self, ip: &str, policy: &AuthPolicy) -> Option<u64> {
        let win = window(policy);
        let now = Instant::now();
        let mut g = self.inner();
        if g.failures.len() >= SWEEP_AT {
            g.failures.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < win));
        }
        let q = g.failures.entry(ip.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= win) {
            q.pop_front();
        }
        if q.len() >= policy.ip_max_failures as usize {
            let oldest = *q.front()?;
            return Some(win.saturating_sub(now.duration_since(oldest)).as_secs().max(1));
        }
        q.push_back(now);
        None
    }

    /// The attempt `blocked` counted was a right password (or code): it is not a failure.
    pub fn succeeded(&self, ip: &str) {
        if let Some(q) = self.inner().failures.get_mut(ip) {
            q.pop_back();
        }
    }

    /// Remembers a login whose password was right; returns the token the code form carries.
    pub fn start_pending(&self, user_id: i64, next: String) -> String {
        let token = kaifaqu_store::auth::random_hex(32);
        let now = Instant::now();
        let mut g = self.inner();
        g.pending.retain(|_, p| now.duration_since(p.since) < PENDING_FOR);
        g.pending.insert(token.clone(), Pending { user_id, next, since: now, attempts: 0 });
        token
    }

    /// The account and the page after login of a waiting login, if it has not expired and has
    /// attempts left; the attempt is taken now, in the lock, so parallel codes cannot exceed three.
    pub fn pending(&self, token: &str) -> Option<(i64, String)> {
        let mut g = self.inner();
        let p = g.pending.get_mut(token)?;
        if p.since.elapsed() >= PENDING_FOR || p.attempts >= PENDING_ATTEMPTS {
            return None;
        }
        p.attempts += 1;
        Some((p.user_id, p.next.clone()))
    }

    /// A wrong code (its attempt already taken): the waiting login is dropped after three;
    /// returns whether it still waits.
    pub fn pending_failed(&self, token: &str) -> bool {
        let mut g = self.inner();
        let Some(p) = g.pending.get(token) else { return false };
        if p.attempts >= PENDING_ATTEMPTS {
            g.pending.remove(token);
            return false;
        }
        true
    }

    /// The login is complete (or abandoned).
    pub fn finish_pending(&self, token: &str) {
        self.inner().pending.remove(token);
    }
}
