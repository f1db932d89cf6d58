//! Attachments (evidence, photos, contracts): bytes in an object store, metadata in the
//! database. The type is sniffed from the content and must be on the allow-list.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use kaifaqu_domain::audit::Action;
use kaifaqu_domain::{Invalid, Permission};
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::entities::attachment;
use crate::{Actor, Db, Scope, StoreError};

/// Allowed content types: (MIME type, extension, Chinese name).
pub const ALLOWED: &[(&str, &str, &str)] = &[
    ("application/pdf", "pdf", "PDF 文档"),
    ("image/png", "png", "PNG 图片"),
    ("image/jpeg", "jpg", "JPEG 图片"),
    ("image/gif", "gif", "GIF 图片"),
    ("image/webp", "webp", "WebP 图片"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word 文档"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel 表格"),
];

/// Where attachment bytes go.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    pub max_bytes: u64,
}

impl Storage {
    /// A local folder (created when missing).
    pub fn local(dir: &std::path::Path, max_bytes: u64) -> Result<Storage, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("无法创建附件目录 {}：{e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| StoreError::Config(format!("附件目录不可用 {}：{e}", dir.display())))?;
        Ok(Storage { store: Arc::new(fs), max_bytes })
    }

    /// Any object store (S3-compatible stores in multi-server deployments, memory in tests).
    pub fn with_store(store: Arc<dyn ObjectStore>, max_bytes: u64) -> Storage {
        Storage { store, max_bytes }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub zone_id: i64,
    pub file_name: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub sha256: String,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub uploaded_by: i64,
    pub created_at: DateTime<Utc>,
}

fn to_attachment(m: attachment::Model) -> Attachment {
    Attachment {
        id: m.id,
        zone_id: m.zone_id,
        file_name: m.file_name,
        size_bytes: m.size_bytes,
        content_type: m.content_type,
        sha256: m.sha256,
        entity: m.entity,
        entity_id: m.entity_id,
        uploaded_by: m.uploaded_by,
        created_at: m.created_at,
    }
}

/// The MIME type of `bytes` if it is an allowed kind.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let t = infer::get(bytes)?;
    ALLOWED.iter().find(|(mime, _, _)| *mime == t.mime_type()).map(|(m, _, _)| *m)
}

/// e.g. `20.0 MB`, computed in integers.
pub fn human_size(bytes: u64) -> String {
    let tenths = bytes * 10 / 1_048_576;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() { "附件".into() } else { cleaned.trim().to_string() }
}

/// Stores an upload of the actor's zone, optionally linked to a record (`entity`, `entity_id`).
pub async fn upload(
    db: &Db,
    storage: &Storage,
    actor: &Actor,
    file_name: &str,
    bytes: Bytes,
    link: Option<(&str, &str)>,
) -> Result<Attachment, StoreError> {
    actor.require(Permission::Write)?;
    let zone_id = actor.own_write_zone()?;
    let uploader = actor.user_id.ok_or(StoreError::Forbidden("附件须由登录用户上传".into()))?;
    if bytes.is_empty() {
        return Err(Invalid::one("file", "请选择要上传的文件（文件为空）").into());
    }
    if bytes.len() as u64 > storage.max_bytes {
        return Err(Invalid::one(
            "file",
            format!("文件过大：{}，上限 {}", human_size(bytes.len() as u64), human_size(storage.max_bytes)),
        )
        .into());
    }
    let Some(content_type) = sniff(&bytes) else {
        let names: Vec<&str> = ALLOWED.iter().map(|(_, e, _)| *e).collect();
        return Err(Invalid::one("file", format!("不支持的文件类型：只接受 {}", names.join("、"))).into());
    };
    let sha = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let key = format!("zones/{zone_id}/{}/{sha}", &sha[..2]);
    storage
        .store
        .put(&ObjectPath::from(key.as_str()), bytes.clone().into())
        .await
        .map_err(|e| StoreError::Storage(e.to_string()))?;
    let txn = db.conn.begin().await?;
    let m = attachment::ActiveModel {
        zone_id: Set(zone_id),
        file_name: Set(clean_name(file_name)),
        size_bytes: Set(bytes.len() as i64),
        content_type: Set(content_type.to_string()),
        sha256: Set(sha),
        storage_key: Set(key),
        entity: Set(link.map(|(e, _)| e.to_string())),
        entity_id: Set(link.map(|(_, i)| i.to_string())),
        uploaded_by: Set(uploader),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        actor,
        Change {
            zone_id: Some(zone_id),
            entity: "attachment",
            entity_id: Some(m.id.to_string()),
            action: Action::Create,
            summary: format!("上传附件 {}", m.file_name),
            before: serde_json::Value::Null,
            after: json!({"file_name": m.file_name, "size_bytes": m.size_bytes, "content_type": m.content_type, "sha256": m.sha256}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_attachment(m))
}

async fn find_scoped(db: &Db, scope: &Scope, id: i64) -> Result<attachment::Model, StoreError> {
    let m = attachment::Entity::find_by_id(id).one(&db.conn).await?.ok_or(StoreError::NotFound)?;
    crate::zones::get(db, scope, m.zone_id).await?;
    Ok(m)
}

pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Attachment, StoreError> {
    Ok(to_attachment(find_scoped(db, scope, id).await?))
}

/// The bytes of an attachment the actor may see; the download is audited.
pub async fn download(db: &Db, storage: &Storage, actor: &Actor, id: i64) -> Result<(Attachment, Bytes), StoreError> {
    let m = find_scoped(db, &actor.scope(), id).await?;
    let bytes = storage
        .store
        .get(&ObjectPath::from(m.storage_key.as_str()))
        .await
        .map_err(|e| StoreError::Storage(e.to_string()))?
        .bytes()
        .await
        .map_err(|e| StoreError::Storage(e.to_string()))?;
    audit::append(
        &db.conn,
        actor,
        Change {
            zone_id: Some(m.zone_id),
            entity: "attachment",
            entity_id: Some(m.id.to_string()),
            action: Action::Download,
            summary: format!("下载附件 {}", m.file_name),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    Ok((to_attachment(m), bytes))
}

/// The attachments of the zone in scope, newest first, a page at a time.
pub async fn list(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<crate::Page<Attachment>, StoreError> {
    let z = crate::zones::get(db, scope, zone_id).await?;
    let q = attachment::Entity::find()
        .filter(attachment::Column::ZoneId.eq(z.id))
        .order_by_desc(attachment::Column::CreatedAt)
        .order_by_desc(attachment::Column::Id);
    let (rows, total, page, per_page) = crate::fetch_page(&db.conn, q, page, per_page, 500).await?;
    Ok(crate::Page { rows: rows.into_iter().map(to_attachment).collect(), total, page, per_page })
}

/// The attachments linked to any of `links` ((entity, id) pairs) in a zone, oldest first.
pub async fn linked(
    db: &Db,
    scope: &Scope,
    zone_id: i64,
    links: &[(&str, String)],
) -> Result<Vec<Attachment>, StoreError> {
    let z = crate::zones::get(db, scope, zone_id).await?;
    let mut cond = sea_orm::Condition::any();
    for (entity, id) in links {
        cond = cond.add(
            sea_orm::Condition::all()
                .add(attachment::Column::Entity.eq(*entity))
                .add(attachment::Column::EntityId.eq(id.clone())),
        );
    }
    if links.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .filter(attachment::Column::ZoneId.eq(z.id))
        .filter(cond)
        .order_by_asc(attachment::Column::Id)
        .all(&db.conn)
        .await?
        .into_iter()
        .map(to_attachment)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\0 this is an exe"), None);
        assert_eq!(sniff(b"plain text"), None);
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\docs\\合同.pdf"), "合同.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\nb.pdf"), "ab.pdf");
        assert_eq!(clean_name("  "), "附件");
    }
}
