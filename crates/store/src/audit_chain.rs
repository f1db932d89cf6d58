//! The audit log's keyed hash chain and its verifier (等保 2.0 安全审计 c; ASVS v5.0.0-16.4.2).
//!
//! Every zone's audit records form one chain (records without a zone — the system's — chain 0).
//! Record n carries its position `chain_seq` = n and
//! `chain_hash` = HMAC-SHA256(key, hash of record n−1 ‖ "\n" ‖ canonical JSON of record n), the
//! canonical form being the chain, the position and every stored field in a fixed order.
//! `audit_chain_heads` holds each chain's last position and hash and is advanced in the same
//! transaction as the record (see [`crate::audit::append`]), which serialises a zone's appends.
//!
//! The key lives outside the database (a file beside it, see the `audit` part of the README), so
//! someone who can change the database can neither recompute a hash for an altered record nor
//! forge a new one. [`verify`] walks every chain and reports, per chain, the first record that is
//! altered or forged, the first missing position, and a head that disagrees with the last record
//! (records cut off the end). One limit, stated: someone with both the key and the database can
//! rewrite history; keep the key file readable by the service account only.
//!
//! Retention (等保 / 网络安全法: at least six months): [`purge`] removes a prefix of each chain
//! older than a cut-off at least [`RETENTION_DAYS`] days back, only when every chain verifies,
//! and leaves an anchor per chain in `audit_chain_anchors` — the position and hash of the last
//! removed record and its id (the boundary, schema 20), with a MAC over them under the chain key —
//! from which [`verify`] restarts the chain; any record found at or below a boundary afterwards
//! (with or without a chain position) is reported as forged. The log stays append-only for
//! everything else: on SQLite the purge drops and recreates the `audit_log_no_delete` trigger
//! inside its own transaction (no other connection ever sees it missing: SQLite has one writer
//! and the change commits with the trigger back); on PostgreSQL the trigger lets a DELETE through
//! only in a transaction that set `kaifaqu.audit_purge` with SET LOCAL (migration 11) **and** runs
//! as the table's owner, the migrating role, never the application's role (migration 19). The
//! purge itself is an audit record.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::auth::hex;
use crate::entities::audit_log;

/// Length of the chain key in bytes.
pub const KEY_LEN: usize = 32;

/// The key used when none was installed: tests and tools that never write a real database.
/// `kaifaqu` installs the deployment's key file before it opens a database.
const DEVELOPMENT_KEY: [u8; KEY_LEN] = *b"kaifaqu-development-key-0000000!";

static KEY: OnceLock<[u8; KEY_LEN]> = OnceLock::new();

/// Installs the chain key for this process; a second, different key is refused.
pub fn install_key(key: [u8; KEY_LEN]) -> Result<(), StoreError> {
    let current = KEY.get_or_init(|| key);
    if *current == key {
        Ok(())
    } else {
        Err(StoreError::Config("审计链密钥已设置，不能在运行中更换".into()))
    }
}

fn key() -> &'static [u8; KEY_LEN] {
    KEY.get().unwrap_or(&DEVELOPMENT_KEY)
}

/// Reads the key file (64 hex digits), creating it with a fresh random key (readable by the
/// owner only) when it does not exist.
pub fn load_or_create_key_file(path: &Path) -> Result<[u8; KEY_LEN], StoreError> {
    let bad = |why: &str| StoreError::Config(format!("审计链密钥文件 {} {why}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => parse_hex_key(text.trim()).ok_or_else(|| bad("内容不对：应为 64 位十六进制数字")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; KEY_LEN];
            getrandom::fill(&mut key).map_err(|e| bad(&format!("无法生成：{e}")))?;
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| bad(&format!("所在目录无法创建：{e}")))?;
            }
            write_private(path, &format!("{}\n", hex(&key))).map_err(|e| bad(&format!("无法写入：{e}")))?;
            Ok(key)
        }
        Err(e) => Err(bad(&format!("无法读取：{e}"))),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(text.as_bytes())
}

fn parse_hex_key(s: &str) -> Option<[u8; KEY_LEN]> {
    if s.len() != KEY_LEN * 2 || !s.is_ascii() {
        return None;
    }
    let mut key = [0u8; KEY_LEN];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key` (at most one block, 64 bytes).
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&ipad).chain_update(msg).finalize();
    Sha256::new().chain_update(&opad).chain_update(inner).finalize().into()
}

/// The time stored in a record, at the precision both databases keep (microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The stored fields of one record that the hash covers.
#[derive(Clone, Copy)]
pub struct Linked<'a> {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login_name: Option<&'a str>,
    pub zone_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub action: &'a str,
    pub summary: &'a str,
    pub changes: &'a str,
}

/// The chain a record belongs to: its zone, or 0 for the system's records.
pub fn chain_of(zone_id: Option<i64>) -> i64 {
    zone_id.unwrap_or(0)
}

/// The hash of record `seq` of `chain` following the hash `prev` ("" for the first record).
pub fn link(prev: &str, chain: i64, seq: i64, r: &Linked<'_>) -> String {
    let canonical = serde_json::json!([
        chain,
        seq,
        r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        r.user_id,
        r.login_name,
        r.zone_id,
        r.ip,
        r.entity,
        r.entity_id,
        r.action,
        r.summary,
        r.changes,
    ]);
    let mut msg = Vec::with_capacity(prev.len() + 256);
    msg.extend_from_slice(prev.as_bytes());
    msg.push(b'\n');
    msg.extend_from_slice(canonical.to_string().as_bytes());
    hex(&hmac_sha256(key(), &msg))
}

fn sql(backend: DbBackend, postgres: &str) -> String {
    match backend {
        DbBackend::Postgres => postgres.to_string(),
        _ => {
            // `$1`, `$2` … → `?` in order (our statements use each parameter once, in order)
            let mut out = String::with_capacity(postgres.len());
            let mut chars = postgres.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Takes the next position of `chain` and returns it with the previous hash. Locks the chain's
/// head row until the transaction ends; call it inside the transaction that inserts the record.
pub async fn advance<C: ConnectionTrait>(conn: &C, chain: i64) -> Result<(i64, String), StoreError> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO audit_chain_heads (chain, seq, hash) VALUES ($1, 1, '') \
                 ON CONFLICT (chain) DO UPDATE SET seq = audit_chain_heads.seq + 1 RETURNING seq, hash",
            ),
            [Value::from(chain)],
        ))
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("audit_chain_heads".into())))?;
    Ok((row.try_get::<i64>("", "seq")?, row.try_get::<String>("", "hash")?))
}

/// Records `hash` as the head of `chain` (after [`advance`], in the same transaction).
pub async fn set_head<C: ConnectionTrait>(conn: &C, chain: i64, hash: &str) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(backend, "UPDATE audit_chain_heads SET hash = $1 WHERE chain = $2"),
        [Value::from(hash), Value::from(chain)],
    ))
    .await?;
    Ok(())
}

/// What is wrong at one place of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The record's content does not match its hash: changed, forged or moved.
    Altered,
    /// A position of the chain has no record: deleted (or its position removed).
    Missing,
    /// A record that should not be there: a second record at a position, or one without a
    /// position written after the chain began.
    Unexpected,
    /// The chain's head disagrees with its last record: records cut off the end, or the head
    /// itself changed.
    Head,
    /// The purge anchor the chain restarts from was changed or forged (its MAC does not match).
    Anchor,
}

impl ProblemKind {
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Altered => "内容被改动或伪造",
            ProblemKind::Missing => "记录缺失（被删除）",
            ProblemKind::Unexpected => "多出的记录",
            ProblemKind::Head => "链尾与链头不符（末尾记录被删除或链头被改）",
            ProblemKind::Anchor => "清理锚点被改动或伪造",
        }
    }
}

/// The first problem found in one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// The zone (0: the system's records).
    pub chain: i64,
    /// The position where the chain breaks.
    pub seq: i64,
    /// The record at that position, when there is one.
    pub record_id: Option<i64>,
    pub kind: ProblemKind,
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chain =
            if self.chain == 0 { "系统记录".to_string() } else { format!("开发区 {} 的记录", self.chain) };
        match self.record_id {
            Some(id) => write!(f, "{chain}第 {} 条（审计记录 #{id}）：{}", self.seq, self.kind.label()),
            None => write!(f, "{chain}第 {} 条：{}", self.seq, self.kind.label()),
        }
    }
}

/// What the verifier found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub chains: u64,
    /// Records checked and found in order.
    pub verified: u64,
    /// Records written before the chain existed (schema 10), not covered.
    pub unchained: u64,
    /// The first problem of each broken chain, in chain order.
    pub problems: Vec<ChainProblem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

const BATCH: u64 = 5_000;

/// Walks every chain and reports the first break of each. Reads in batches, so a large log does
/// not have to fit in memory.
pub async fn verify<C: ConnectionTrait>(conn: &C) -> Result<VerifyReport, StoreError> {
    let backend = conn.get_database_backend();
    let mut heads: Vec<(i64, i64, String)> = conn
        .query_all_raw(Statement::from_string(backend, "SELECT chain, seq, hash FROM audit_chain_heads"))
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get::<i64>("", "chain")?, r.try_get::<i64>("", "seq")?, r.try_get::<String>("", "hash")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    // chains that have records but lost their head row
    let zones: Vec<Option<i64>> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::ZoneId)
        .filter(audit_log::Column::ChainSeq.is_not_null())
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    for z in zones {
        let c = chain_of(z);
        if !heads.iter().any(|h| h.0 == c) {
            heads.push((c, 0, String::new()));
        }
    }
    heads.sort();
    let anchors = anchors(conn).await?;

    let mut report = VerifyReport { chains: heads.len() as u64, ..Default::default() };
    for (chain, head_seq, head_hash) in heads {
        let start = match anchors.iter().find(|a| a.chain == chain) {
            Some(a) if a.mac != anchor_mac(a.chain, a.seq, &a.hash, &a.purged_before, a.boundary) => {
                report.problems.push(ChainProblem { chain, seq: a.seq, record_id: None, kind: ProblemKind::Anchor });
                continue;
            }
            Some(a) => {
                // a record placed at or below the anchor after the purge is forged: verify_chain
                // starts above the anchor and would never read it
                if let Some(p) = forged_below(conn, a).await? {
                    report.problems.push(p);
                    continue;
                }
                (a.seq + 1, a.hash.clone())
            }
            None => (1, String::new()),
        };
        if let Some(p) = verify_chain(conn, chain, start, head_seq, &head_hash, &mut report.verified).await? {
            report.problems.push(p);
        }
    }

    // records without a position: before the chain began they are old; after, they are forged
    let first_chained: Option<i64> = audit_log::Entity::find()
        .select_only()
        .column_as(audit_log::Column::Id.min(), "m")
        .filter(audit_log::Column::ChainSeq.is_not_null())
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten();
    let unchained = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.is_null())
        .order_by_asc(audit_log::Column::Id)
        .all(conn)
        .await?;
    // below a purge's boundary nothing from before the chain is left (see `unchained_boundary`)
    let boundary = unchained_boundary(&anchors);
    for m in unchained {
        match first_chained {
            _ if boundary.is_some_and(|b| m.id <= b) => {
                let chain = chain_of(m.zone_id);
                if !report.problems.iter().any(|p| p.chain == chain) {
                    report.problems.push(ChainProblem {
                        chain,
                        seq: 0,
                        record_id: Some(m.id),
                        kind: ProblemKind::Unexpected,
                    });
                }
            }
            Some(first) if m.id > first => {
                let chain = chain_of(m.zone_id);
                if !report.problems.iter().any(|p| p.chain == chain) {
                    report.problems.push(ChainProblem {
                        chain,
                        seq: 0,
                        record_id: Some(m.id),
                        kind: ProblemKind::Unexpected,
                    });
                }
            }
            _ => report.unchained += 1,
        }
    }
    report.problems.sort_by_key(|p| p.chain);
    Ok(report)
}

/// The first record of `a`'s chain that a purge should have left nothing of: one at or below the
/// anchor's position, or (when the anchor has a boundary) with an id at or below the boundary —
/// a forged record with or without a chain position in an id the purge freed.
async fn forged_below<C: ConnectionTrait>(conn: &C, a: &Anchor) -> Result<Option<ChainProblem>, StoreError> {
    let mut cond = sea_orm::Condition::any().add(audit_log::Column::ChainSeq.lte(a.seq));
    if let Some(b) = a.boundary {
        cond = cond.add(audit_log::Column::Id.lte(b));
    }
    let mut below = audit_log::Entity::find().filter(cond);
    below = if a.chain == 0 {
        below.filter(audit_log::Column::ZoneId.is_null())
    } else {
        below.filter(audit_log::Column::ZoneId.eq(a.chain))
    };
    Ok(below.order_by_asc(audit_log::Column::Id).one(conn).await?.map(|m| ChainProblem {
        chain: a.chain,
        seq: m.chain_seq.unwrap_or(0),
        record_id: Some(m.id),
        kind: ProblemKind::Unexpected,
    }))
}

/// The id at or below which no record without a chain position may exist: the largest purge
/// boundary. Records from before the chain began are older than every chained record, so a purge
/// that removed chained records up to an id removed them as well ([`crate::audit::purge`] refuses
/// to leave one behind).
fn unchained_boundary(anchors: &[Anchor]) -> Option<i64> {
    anchors.iter().filter_map(|a| a.boundary).max()
}

/// After a purge, inside its transaction: the first record left at or below a boundary, if any
/// (the purge is then refused rather than leave a log that does not verify).
pub(crate) async fn left_below_boundaries<C: ConnectionTrait>(conn: &C) -> Result<Option<ChainProblem>, StoreError> {
    let anchors = anchors(conn).await?;
    for a in &anchors {
        if let Some(p) = forged_below(conn, a).await? {
            return Ok(Some(p));
        }
    }
    let Some(b) = unchained_boundary(&anchors) else { return Ok(None) };
    let left = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.is_null())
        .filter(audit_log::Column::Id.lte(b))
        .order_by_asc(audit_log::Column::Id)
        .one(conn)
        .await?;
    Ok(left.map(|m| ChainProblem {
        chain: chain_of(m.zone_id),
        seq: 0,
        record_id: Some(m.id),
        kind: ProblemKind::Unexpected,
    }))
}

/// Checks `chain` from position `start.0` (after the hash `start.1`: a purge anchor's, or "" at
/// position 1) to its head.
async fn verify_chain<C: ConnectionTrait>(
    conn: &C,
    chain: i64,
    start: (i64, String),
    head_seq: i64,
    head_hash: &str,
    verified: &mut u64,
) -> Result<Option<ChainProblem>, StoreError> {
    let (mut expected, mut prev) = start;
    loop {
        let mut q = audit_log::Entity::find().filter(audit_log::Column::ChainSeq.gte(expected));
        q = if chain == 0 {
            q.filter(audit_log::Column::ZoneId.is_null())
        } else {
            q.filter(audit_log::Column::ZoneId.eq(chain))
        };
        let rows = q
            .order_by_asc(audit_log::Column::ChainSeq)
            .order_by_asc(audit_log::Column::Id)
            .limit(BATCH)
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < BATCH;
        for m in &rows {
            let seq = m.chain_seq.unwrap_or(0);
            if seq < expected {
                return Ok(Some(ChainProblem { chain, seq, record_id: Some(m.id), kind: ProblemKind::Unexpected }));
            }
            if seq > expected {
                return Ok(Some(ChainProblem { chain, seq: expected, record_id: None, kind: ProblemKind::Missing }));
            }
            let hash = link(
                &prev,
                chain,
                seq,
                &Linked {
                    at: m.at,
                    user_id: m.user_id,
                    login_name: m.login_name.as_deref(),
                    zone_id: m.zone_id,
                    ip: m.ip.as_deref(),
                    entity: &m.entity,
                    entity_id: m.entity_id.as_deref(),
                    action: &m.action,
                    summary: &m.summary,
                    changes: &m.changes,
                },
            );
            if m.chain_hash.as_deref() != Some(hash.as_str()) || chain_of(m.zone_id) != chain {
                return Ok(Some(ChainProblem { chain, seq, record_id: Some(m.id), kind: ProblemKind::Altered }));
            }
            prev = hash;
            expected += 1;
            *verified += 1;
        }
        if done {
            break;
        }
    }
    let last = expected - 1;
    if last != head_seq || prev != head_hash {
        // the head says more records were written than are there, or it was changed
        return Ok(Some(ChainProblem { chain, seq: last.max(head_seq), record_id: None, kind: ProblemKind::Head }));
    }
    Ok(None)
}

/// The shortest time an audit record is kept (网络安全法 第二十一条: 不少于六个月).
pub const RETENTION_DAYS: i64 = 180;

/// The SQLite trigger of migration 1 that [`purge`] lifts and puts back inside its transaction.
const SQLITE_NO_DELETE: &str = "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;";

/// Where a purged chain restarts: the position and hash of its last removed record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub chain: i64,
    pub seq: i64,
    pub hash: String,
    /// The cut-off of the purge that set it (RFC 3339).
    pub purged_before: String,
    /// The id of the chain's last removed record: nothing of the chain may exist at or below it
    /// (schema 20; `None` for an anchor written before).
    pub boundary: Option<i64>,
    #[serde(skip)]
    pub mac: String,
}

/// The MAC that binds an anchor to the chain key (and its boundary, when it has one: an anchor
/// from before schema 20 keeps the MAC it was written with).
fn anchor_mac(chain: i64, seq: i64, hash: &str, purged_before: &str, boundary: Option<i64>) -> String {
    let mut msg = format!("anchor\n{chain}\n{seq}\n{hash}\n{purged_before}");
    if let Some(b) = boundary {
        msg.push_str(&format!("\nboundary {b}"));
    }
    hex(&hmac_sha256(key(), msg.as_bytes()))
}

/// Every chain's anchor (chains never purged have none).
pub async fn anchors<C: ConnectionTrait>(conn: &C) -> Result<Vec<Anchor>, StoreError> {
    let backend = conn.get_database_backend();
    Ok(conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT chain, seq, hash, purged_before, boundary, mac FROM audit_chain_anchors ORDER BY chain",
        ))
        .await?
        .into_iter()
        .map(|r| {
            Ok(Anchor {
                chain: r.try_get("", "chain")?,
                seq: r.try_get("", "seq")?,
                hash: r.try_get("", "hash")?,
                purged_before: r.try_get("", "purged_before")?,
                boundary: r.try_get("", "boundary")?,
                mac: r.try_get("", "mac")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()?)
}

/// What a purge removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    /// Records removed, in all.
    pub purged: u64,
    /// Per chain: the new anchor and the records removed from it.
    pub chains: Vec<(Anchor, u64)>,
    /// Records from before the chain existed (schema 10) removed.
    pub unchained: u64,
}

/// The latest cut-off allowed on `today`: [`RETENTION_DAYS`] days back.
pub fn latest_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::days(RETENTION_DAYS)
}

/// Removes, inside `txn`, each chain's records older than `before` (a prefix of the chain: the
/// records before the first one at or after `before`) and the unchained ones older than it,
/// moving each purged chain's anchor. The caller lifts the rule ([`lift_for_purge`]), checks the
/// cut-off and the chain, puts the rule back, appends the audit record of the purge and commits;
/// see [`crate::audit::purge`].
pub(crate) async fn purge_in<C: ConnectionTrait>(
    txn: &C,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PurgeReport, StoreError> {
    let backend = txn.get_database_backend();
    let heads: Vec<(i64, i64)> = txn
        .query_all_raw(Statement::from_string(backend, "SELECT chain, seq FROM audit_chain_heads ORDER BY chain"))
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get::<i64>("", "chain")?, r.try_get::<i64>("", "seq")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    let old = anchors(txn).await?;
    let cut = before.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let mut report = PurgeReport::default();
    for (chain, head_seq) in heads {
        let zone = |q: sea_orm::Select<audit_log::Entity>| {
            if chain == 0 {
                q.filter(audit_log::Column::ZoneId.is_null())
            } else {
                q.filter(audit_log::Column::ZoneId.eq(chain))
            }
        };
        let first_young: Option<i64> = zone(audit_log::Entity::find())
            .select_only()
            .column_as(audit_log::Column::ChainSeq.min(), "m")
            .filter(audit_log::Column::ChainSeq.is_not_null())
            .filter(audit_log::Column::At.gte(before))
            .into_tuple::<Option<i64>>()
            .one(txn)
            .await?
            .flatten();
        let last = first_young.map(|s| s - 1).unwrap_or(head_seq);
        let from = old.iter().find(|a| a.chain == chain).map(|a| a.seq).unwrap_or(0);
        if last <= from {
            continue;
        }
        let Some(m) = zone(audit_log::Entity::find()).filter(audit_log::Column::ChainSeq.eq(last)).one(txn).await?
        else {
            return Err(StoreError::Config(format!("审计链 {chain} 第 {last} 条记录缺失，不能清理")));
        };
        let hash = m.chain_hash.unwrap_or_default();
        let boundary = Some(m.id);
        let deleted = {
            let mut d = audit_log::Entity::delete_many().filter(audit_log::Column::ChainSeq.lte(last));
            d = if chain == 0 {
                d.filter(audit_log::Column::ZoneId.is_null())
            } else {
                d.filter(audit_log::Column::ZoneId.eq(chain))
            };
            d.exec(txn).await?.rows_affected
        };
        let anchor = Anchor {
            chain,
            seq: last,
            mac: anchor_mac(chain, last, &hash, &cut, boundary),
            hash,
            purged_before: cut.clone(),
            boundary,
        };
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "INSERT INTO audit_chain_anchors (chain, seq, hash, purged_before, purged_at, mac, boundary) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, \
                 hash = excluded.hash, purged_before = excluded.purged_before, purged_at = excluded.purged_at, \
                 mac = excluded.mac, boundary = excluded.boundary",
            ),
            [
                Value::from(chain),
                Value::from(last),
                Value::from(anchor.hash.clone()),
                Value::from(cut.clone()),
                Value::from(now.to_rfc3339()),
                Value::from(anchor.mac.clone()),
                Value::from(boundary),
            ],
        ))
        .await?;
        report.purged += deleted;
        report.chains.push((anchor, deleted));
    }
    let unchained = audit_log::Entity::delete_many()
        .filter(audit_log::Column::ChainSeq.is_null())
        .filter(audit_log::Column::At.lt(before))
        .exec(txn)
        .await?
        .rows_affected;
    report.unchained = unchained;
    report.purged += unchained;
    Ok(report)
}

/// Lifts the append-only rule for deletes in `txn` only, and holds every chain still until the
/// transaction ends (SQLite: the write lock, taken by the DDL; PostgreSQL: the head rows).
pub(crate) async fn lift_for_purge<C: ConnectionTrait>(txn: &C) -> Result<(), StoreError> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared("SELECT chain FROM audit_chain_heads FOR UPDATE").await?;
            txn.execute_unprepared("SELECT set_config('kaifaqu.audit_purge', 'on', true)").await?;
        }
        _ => {
            txn.execute_unprepared("DROP TRIGGER audit_log_no_delete").await?;
        }
    }
    Ok(())
}

/// Puts the append-only rule back in `txn`, before anything else is written.
pub(crate) async fn restore_after_purge<C: ConnectionTrait>(txn: &C) -> Result<(), StoreError> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared("SELECT set_config('kaifaqu.audit_purge', 'off', true)").await?;
        }
        _ => {
            txn.execute_unprepared(SQLITE_NO_DELETE).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_1_and_2() {
        let h = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(hex(&h), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        let h = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&h), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn positional_parameters_become_question_marks_for_sqlite() {
        assert_eq!(sql(DbBackend::Sqlite, "a = $1 AND b = $2, c = $10"), "a = ? AND b = ?, c = ?");
        assert_eq!(sql(DbBackend::Postgres, "a = $1"), "a = $1");
    }

    #[test]
    fn key_files_round_trip_and_bad_ones_are_named() {
        let dir = std::env::temp_dir().join(format!("kfq-key-{}", std::process::id()));
        let path = dir.join("sub").join("audit.key");
        let _ = std::fs::remove_dir_all(&dir);
        let k1 = load_or_create_key_file(&path).unwrap();
        let k2 = load_or_create_key_file(&path).unwrap();
        assert_eq!(k1, k2);
        assert_ne!(k1, [0u8; KEY_LEN]);
        std::fs::write(&path, "not hex").unwrap();
        let e = load_or_create_key_file(&path).unwrap_err().to_string();
        assert!(e.contains("64 位十六进制"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_field_changes_the_hash() {
        let at = DateTime::parse_from_rfc3339("2025-05-28T08:00:00.123456Z").unwrap().with_timezone(&Utc);
        let base = Linked {
            at,
            user_id: Some(1),
            login_name: Some("admin"),
            zone_id: Some(2),
            ip: Some("127.0.0.1"),
            entity: "project",
            entity_id: Some("3"),
            action: "update",
            summary: "改项目",
            changes: "[]",
        };
        let h = link("", 2, 1, &base);
        assert_eq!(h.len(), 64);
        let variants = [
            link("x", 2, 1, &base),
            link("", 3, 1, &base),
            link("", 2, 2, &base),
            link("", 2, 1, &Linked { at: at + chrono::Duration::microseconds(1), ..base }),
            link("", 2, 1, &Linked { user_id: None, ..base }),
            link("", 2, 1, &Linked { login_name: Some("admim"), ..base }),
            link("", 2, 1, &Linked { zone_id: None, ..base }),
            link("", 2, 1, &Linked { ip: None, ..base }),
            link("", 2, 1, &Linked { entity: "zone", ..base }),
            link("", 2, 1, &Linked { entity_id: Some("4"), ..base }),
            link("", 2, 1, &Linked { action: "delete", ..base }),
            link("", 2, 1, &Linked { summary: "改项目。", ..base }),
            link("", 2, 1, &Linked { changes: "[{}]", ..base }),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(*v, h, "variant {i} kept the hash");
        }
    }
}
