//! The audit trail: one append path used by every write, the search behind the admin page, and
//! the retention purge (records older than 180 days at the earliest, the chain kept verifiable).

use chrono::{DateTime, NaiveDate, Utc};
use kaifaqu_domain::audit::{Action, FieldChange, diff};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;

use crate::audit_chain;
use crate::entities::audit_log;
use crate::{Actor, Db, Page, Scope, StoreError};

/// Fields whose values never enter the audit log.
const SECRET_FIELDS: &[&str] = &["password_hash", "token_hash", "csrf_token"];

/// One audit record as shown to an auditor.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login_name: Option<String>,
    pub zone_id: Option<i64>,
    pub ip: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub summary: String,
    pub changes: Vec<FieldChange>,
}

impl AuditRecord {
    pub fn action_label(&self) -> &'static str {
        Action::parse(&self.action).map(Action::label).unwrap_or("其他")
    }
}

/// What changed: an entity, its id, and its state before and after (`Null` when absent).
pub struct Change<'a> {
    pub zone_id: Option<i64>,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub action: Action,
    pub summary: String,
    pub before: Value,
    pub after: Value,
}

/// Appends one record on `conn` (pass the write's transaction so both commit or neither),
/// linked into its zone's hash chain (see [`crate::audit_chain`]). If the record cannot be
/// written, the error fails the caller's transaction: no audited change happens unaudited.
pub async fn append<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let changes =
        serde_json::to_string(&diff(&change.before, &change.after, SECRET_FIELDS)).unwrap_or_else(|_| "[]".into());
    let zone_id = change.zone_id.or(actor.zone_id);
    let chain = audit_chain::chain_of(zone_id);
    let at = audit_chain::now();
    let action = change.action.code();
    // a savepoint inside the caller's transaction, or a transaction of its own
    let txn = conn.begin().await?;
    let (seq, prev) = audit_chain::advance(&txn, chain).await?;
    let hash = audit_chain::link(
        &prev,
        chain,
        seq,
        &audit_chain::Linked {
            at,
            user_id: actor.user_id,
            login_name: Some(&actor.login_name),
            zone_id,
            ip: actor.ip.as_deref(),
            entity: change.entity,
            entity_id: change.entity_id.as_deref(),
            action,
            summary: &change.summary,
            changes: &changes,
        },
    );
    audit_chain::set_head(&txn, chain, &hash).await?;
    let row = audit_log::ActiveModel {
        at: Set(at),
        user_id: Set(actor.user_id),
        login_name: Set(Some(actor.login_name.clone())),
        zone_id: Set(zone_id),
        ip: Set(actor.ip.clone()),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        action: Set(action.to_string()),
        summary: Set(change.summary),
        changes: Set(changes),
        chain_seq: Set(Some(seq)),
        chain_hash: Set(Some(hash)),
        ..Default::default()
    };
    // not read back: on PostgreSQL a scoped session may append a record of no zone (a city
    // user's action) that its row-level policy will not let it read (migration 0021)
    audit_log::Entity::insert(row).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes the audit records older than `before`, which must be at least
/// [`audit_chain::RETENTION_DAYS`] days before `now` (the command passes the real clock, tests a
/// fake one). Only the system (the command line) may purge; the chain must verify first, so a
/// purge never hides an alteration; each purged chain keeps an anchor so it still verifies; the
/// purge is itself an audit record (system chain). All in one transaction.
pub async fn purge(
    db: &Db,
    actor: &Actor,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<audit_chain::PurgeReport, StoreError> {
    if !actor.is_system() {
        return Err(StoreError::Forbidden("只能在服务器上用命令 kaifaqu audit purge 清理审计记录".into()));
    }
    let latest = audit_chain::latest_cutoff(now);
    if before > latest {
        let shanghai = kaifaqu_domain::time::shanghai();
        return Err(kaifaqu_domain::Invalid::one(
            "before",
            format!(
                "审计记录至少保留 {} 天：只能清理 {} 之前的记录，不能清理到 {}",
                audit_chain::RETENTION_DAYS,
                latest.with_timezone(&shanghai).format("%Y-%m-%d %H:%M"),
                before.with_timezone(&shanghai).format("%Y-%m-%d %H:%M"),
            ),
        )
        .into());
    }
    let txn = db.conn.begin().await?;
    audit_chain::lift_for_purge(&txn).await?;
    let check = audit_chain::verify(&txn).await?;
    if let Some(p) = check.problems.first() {
        return Err(StoreError::Config(format!(
            "审计日志校验未通过（{p}），不予清理：请先用 kaifaqu audit verify 查明改动"
        )));
    }
    let report = audit_chain::purge_in(&txn, before, now).await?;
    audit_chain::restore_after_purge(&txn).await?;
    // the boundaries just written must hold: a record from before the chain left below one
    // (only if the clock once ran backwards) would make the log fail verification
    if let Some(p) = audit_chain::left_below_boundaries(&txn).await? {
        return Err(StoreError::Config(format!(
            "清理后仍有记录位于清理边界之下（{p}），不予清理：请先用 kaifaqu audit verify 查明"
        )));
    }
    let anchors: Vec<Value> = report
        .chains
        .iter()
        .map(|(a, n)| serde_json::json!({"chain": a.chain, "anchor_seq": a.seq, "anchor_hash": a.hash, "purged": n}))
        .collect();
    append(
        &txn,
        actor,
        Change {
            zone_id: None,
            entity: "audit_log",
            entity_id: None,
            action: Action::Delete,
            summary: format!(
                "清理 {} 之前的审计记录 {} 条（保留期 {} 天）",
                before.with_timezone(&kaifaqu_domain::time::shanghai()).format("%Y-%m-%d %H:%M"),
                report.purged,
                audit_chain::RETENTION_DAYS
            ),
            before: serde_json::json!({"purged": report.purged, "unchained": report.unchained, "chains": anchors}),
            after: Value::Null,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

/// Filters of the audit search; all optional.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub action: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// An empty form field is "no value", not a parse error.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("日期“{v}”格式有误，应为 2025-05-28 这样的格式"))),
    }
}

/// Newest first. A zone admin sees the zone's records; the system sees all.
pub async fn search(db: &Db, scope: &Scope, f: &AuditFilter) -> Result<Page<AuditRecord>, StoreError> {
    let mut q = audit_log::Entity::find();
    match scope {
        Scope::Zone { zone_id, .. } => q = q.filter(audit_log::Column::ZoneId.eq(*zone_id)),
        Scope::City { .. } => {
            return Err(StoreError::Forbidden("市级账号不能查看开发区的审计日志".into()));
        }
        Scope::System => {}
    }
    if !f.user.trim().is_empty() {
        q = q.filter(audit_log::Column::LoginName.eq(f.user.trim()));
    }
    if !f.entity.trim().is_empty() {
        q = q.filter(audit_log::Column::Entity.eq(f.entity.trim()));
    }
    if !f.entity_id.trim().is_empty() {
        q = q.filter(audit_log::Column::EntityId.eq(f.entity_id.trim()));
    }
    if !f.action.trim().is_empty() {
        q = q.filter(audit_log::Column::Action.eq(f.action.trim()));
    }
    let offset = kaifaqu_domain::time::shanghai();
    if let Some(from) = f.from {
        let t = from.and_hms_opt(0, 0, 0).and_then(|d| d.and_local_timezone(offset).single());
        if let Some(t) = t {
            q = q.filter(audit_log::Column::At.gte(t.with_timezone(&Utc)));
        }
    }
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        let t = to.and_hms_opt(0, 0, 0).and_then(|d| d.and_local_timezone(offset).single());
        if let Some(t) = t {
            q = q.filter(audit_log::Column::At.lt(t.with_timezone(&Utc)));
        }
    }
    let (rows, total, page, per_page) = crate::fetch_page(
        &db.conn,
        q.order_by_desc(audit_log::Column::At).order_by_desc(audit_log::Column::Id),
        f.page,
        f.per_page,
        500,
    )
    .await?;
    Ok(Page { rows: rows.into_iter().map(to_record).collect(), total, page, per_page })
}

fn to_record(m: audit_log::Model) -> AuditRecord {
    AuditRecord {
        id: m.id,
        at: m.at,
        user_id: m.user_id,
        login_name: m.login_name,
        zone_id: m.zone_id,
        ip: m.ip,
        entity: m.entity,
        entity_id: m.entity_id,
        action: m.action,
        summary: m.summary,
        changes: mask_personal(serde_json::from_str(&m.changes).unwrap_or_default()),
    }
}

/// Phone numbers in the changes, masked for every reader: records written since schema 15 hold
/// them masked already, older ones whole — the log is append-only, so it is masked as it is read
/// (the chain's verifier reads the stored rows, not these).
fn mask_personal(mut changes: Vec<FieldChange>) -> Vec<FieldChange> {
    use kaifaqu_domain::personal::{is_masked, mask_phone};
    for c in changes.iter_mut().filter(|c| matches!(c.field.as_str(), "phone" | "contact_phone")) {
        for v in [&mut c.before, &mut c.after] {
            if let serde_json::Value::String(s) = v
                && !s.trim().is_empty()
                && !is_masked(s)
            {
                *v = serde_json::Value::String(mask_phone(s));
            }
        }
    }
    changes
}

/// The history of one record (its "历史" tab), oldest first.
pub async fn history(db: &Db, scope: &Scope, entity: &str, entity_id: &str) -> Result<Vec<AuditRecord>, StoreError> {
    let mut q = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq(entity))
        .filter(audit_log::Column::EntityId.eq(entity_id));
    match scope {
        Scope::Zone { zone_id, .. } => q = q.filter(audit_log::Column::ZoneId.eq(*zone_id)),
        Scope::City { .. } => return Ok(Vec::new()),
        Scope::System => {}
    }
    let rows = q.order_by_asc(audit_log::Column::At).order_by_asc(audit_log::Column::Id).all(&db.conn).await?;
    Ok(rows.into_iter().map(to_record).collect())
}

/// Entity codes and their Chinese names, for the filter box.
pub const ENTITIES: &[(&str, &str)] = &[
    ("zone", "开发区"),
    ("department", "科室"),
    ("user", "用户"),
    ("session", "会话"),
    ("api_token", "接口令牌"),
    ("dictionary_item", "字典项"),
    ("attachment", "附件"),
    ("enterprise", "企业"),
    ("project", "项目"),
    ("contact", "对接记录"),
    ("problem", "问题"),
    ("meeting", "调度会"),
    ("indicator", "指标"),
    ("indicator_value", "指标数据"),
    ("indicator_target", "指标目标"),
    ("inspection", "入企检查"),
    ("hazard", "隐患"),
    ("safety_profile", "企业安全档案"),
    ("safety_settings", "安全检查设置"),
    ("calendar", "工作日历"),
    ("approval_power", "审批权限"),
    ("approval_case", "审批代办事项"),
    ("approval_commitment", "承诺核查"),
    ("land_parcel", "标准地"),
    ("idle_plant", "闲置厂房"),
    ("per_mu_scheme", "亩均评价方案"),
    ("per_mu_record", "亩均评价数据"),
    ("target", "年度目标"),
    ("task", "重点工作任务"),
    ("task_milestone", "任务节点"),
    ("report_draft", "报告文字"),
    ("report_template", "报告模板"),
    ("audit_log", "审计日志"),
];

pub fn entity_label(code: &str) -> &str {
    ENTITIES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
}

/// One record, if it is in the scope.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Option<AuditRecord>, StoreError> {
    let Some(m) = audit_log::Entity::find_by_id(id).one(&db.conn).await? else {
        return Ok(None);
    };
    let visible = match scope {
        Scope::System => true,
        Scope::Zone { zone_id, .. } => m.zone_id == Some(*zone_id),
        Scope::City { .. } => false,
    };
    Ok(visible.then(|| to_record(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_in_old_records_are_masked_as_read() {
        let changes = vec![
            FieldChange { field: "contact_phone".into(), before: Value::Null, after: "13812345678".into() },
            FieldChange { field: "phone".into(), before: "0355-7000003".into(), after: "138****5678".into() },
            FieldChange { field: "name".into(), before: "甲".into(), after: "13812345678".into() },
        ];
        let m = mask_personal(changes);
        assert_eq!(m[0].after, Value::from("138****5678"));
        assert_eq!(m[0].before, Value::Null);
        assert_eq!(m[1].before, Value::from("0355-***0003"));
        assert_eq!(m[1].after, Value::from("138****5678"), "already masked: unchanged");
        assert_eq!(m[2].after, Value::from("13812345678"), "only the personal-data fields");
    }
}
