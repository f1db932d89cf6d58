//! Personal data at rest and on the way out (issue 10, L2/M2): the columns holding phone numbers
//! (and, should one be added, 居民身份证号码) are encrypted through `crypto` — the value's place
//! `<table>.<column>:<id>` as associated data — with a blind index beside each (`<column>_bidx`,
//! HMAC-SHA256 of the normalised number, `Keyring::blind_index`) so a search by number is an
//! exact, indexed match. Reads decrypt here; what a reader sees is decided by [`Reveal`]: whole
//! for the system and roles holding `Permission::ReadPersonal`, masked (`138****5678`, the
//! domain's `mask_phone`/`mask_id`) for the others and for every other caller of the scoped
//! reads. The audit log only ever records masked values.
//!
//! The inventory (schema 15): `enterprises.contact_phone` and `users.phone`; the schema holds no
//! ID numbers. [`seal_plaintext`] encrypts what was written in plain text (before schema 15, or
//! by a raw bulk load) and runs after every migration run; [`reencrypt_all`] moves the values to
//! the active key after `kaifaqu keys rotate`.

use kaifaqu_domain::Permission;
use kaifaqu_domain::personal;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, TransactionTrait, Value};

use crate::crypto::{self, Keyring, Reencrypted};
use crate::entities::user;
use crate::{Actor, Db, Scope, StoreError};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Phone,
    IdNumber,
}

impl Kind {
    /// The one form a blind index is computed from (`None`: not a number of this kind).
    pub fn normalise(self, s: &str) -> Option<String> {
        match self {
            Kind::Phone => personal::normalise_phone(s),
            Kind::IdNumber => personal::normalise_id(s),
        }
    }

    /// What a reader without the permission sees.
    pub fn mask(self, s: &str) -> String {
        match self {
            Kind::Phone => personal::mask_phone(s),
            Kind::IdNumber => personal::mask_id(s),
        }
    }

    fn code(self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::IdNumber => "id",
        }
    }
}

/// A column holding personal data, and its blind-index column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub table: &'static str,
    pub column: &'static str,
    pub bidx: &'static str,
    pub kind: Kind,
}

pub const ENTERPRISE_PHONE: Column =
    Column { table: "enterprises", column: "contact_phone", bidx: "contact_phone_bidx", kind: Kind::Phone };
pub const USER_PHONE: Column = Column { table: "users", column: "phone", bidx: "phone_bidx", kind: Kind::Phone };

/// Every column of personal data the schema has.
pub const COLUMNS: [Column; 2] = [ENTERPRISE_PHONE, USER_PHONE];

impl Column {
    /// The associated data of row `id`'s value (a value copied into another row does not decrypt).
    pub fn context(&self, id: i64) -> String {
        format!("{}.{}:{id}", self.table, self.column)
    }
}

/// A value as stored: the ciphertext and the blind index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub stored: String,
    pub bidx: Option<String>,
}

/// Encrypts `plain` for row `id` of `col` under the installed keyring.
pub fn seal(col: Column, id: i64, plain: &str) -> Result<Sealed, StoreError> {
    seal_with(&crypto::keyring(), col, id, plain)
}

fn seal_with(ring: &Keyring, col: Column, id: i64, plain: &str) -> Result<Sealed, StoreError> {
    Ok(Sealed {
        stored: ring.encrypt(plain.as_bytes(), &col.context(id))?,
        bidx: col.kind.normalise(plain).map(|n| ring.blind_index(col.kind.code(), &n)),
    })
}

fn is_sealed(stored: &str) -> bool {
    stored.starts_with(crypto::ALGORITHM) && stored[crypto::ALGORITHM.len()..].starts_with(':')
}

/// Decrypts row `id`'s value of `col`. A value not yet sealed (written in plain text by a bulk
/// load since the last start) is returned as it is.
pub fn open(col: Column, id: i64, stored: &str) -> Result<String, StoreError> {
    // a value under a key this process has not loaded yet (a rotation by another process) makes
    // the key file be re-read at once
    open_with(&crypto::keyring_for(stored), col, id, stored)
}

fn open_with(ring: &Keyring, col: Column, id: i64, stored: &str) -> Result<String, StoreError> {
    if is_sealed(stored) { ring.decrypt_string(stored, &col.context(id)) } else { Ok(stored.to_string()) }
}

/// The blind index a search for `text` looks up (`None`: not a number of this kind).
pub fn search_index(kind: Kind, text: &str) -> Option<String> {
    kind.normalise(text).map(|n| crypto::keyring().blind_index(kind.code(), &n))
}

/// The value the audit log records: masked, never the number (the log is append-only, so a
/// number written there could never be removed).
pub fn audit_value(col: Column, id: i64, stored: Option<&str>) -> Option<String> {
    stored.map(|s| match open(col, id, s) {
        Ok(p) => col.kind.mask(&p),
        Err(_) => "****".to_string(),
    })
}

/// The number a form or body sent, with a masked value that is the mask of the current one
/// taken as "unchanged" (a reader who saw it masked saves the form without touching it).
pub fn unmasked_input(kind: Kind, submitted: &str, current: Option<&str>) -> String {
    match current {
        Some(c) if personal::is_masked(submitted) && submitted.trim() == kind.mask(c) => c.to_string(),
        _ => submitted.to_string(),
    }
}

/// Whether a reader sees personal data whole or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    Whole,
    Masked,
}

impl Reveal {
    /// Whole for the system actor and roles holding `ReadPersonal`.
    pub fn for_actor(actor: &Actor) -> Reveal {
        if actor.is_system() || actor.role.has(Permission::ReadPersonal) { Reveal::Whole } else { Reveal::Masked }
    }

    /// The scoped reads: whole only for the system scope (a page showing the number whole asks
    /// with the actor, `…_as`).
    pub fn for_scope(scope: &Scope) -> Reveal {
        if matches!(scope, Scope::System) { Reveal::Whole } else { Reveal::Masked }
    }

    /// `plain` as this reader sees it.
    pub fn show(self, kind: Kind, plain: String) -> String {
        match self {
            Reveal::Whole => plain,
            Reveal::Masked => kind.mask(&plain),
        }
    }
}

/// Decrypts and shows a stored value of row `id` to a reader.
pub fn reveal(col: Column, id: i64, stored: Option<String>, r: Reveal) -> Result<Option<String>, StoreError> {
    stored.map(|s| open(col, id, &s).map(|p| r.show(col.kind, p))).transpose()
}

fn sql(backend: DbBackend, text: String) -> String {
    match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(text.len());
            let mut n = 0;
            for c in text.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => text,
    }
}

async fn write<C: ConnectionTrait>(conn: &C, col: Column, id: i64, s: &Sealed) -> Result<(), StoreError> {
    let b = conn.get_database_backend();
    let q = sql(b, format!("UPDATE {} SET {} = ?, {} = ? WHERE id = ?", col.table, col.column, col.bidx));
    conn.execute_raw(Statement::from_sql_and_values(
        b,
        q,
        [Value::from(s.stored.clone()), Value::from(s.bidx.clone()), Value::from(id)],
    ))
    .await?;
    Ok(())
}

/// [`write`], but only while the row still holds `old` (what the caller read before its
/// transaction): an edit committed meanwhile (the server runs during `keys rotate` and the
/// start-up sealing) is kept, not overwritten with the value read before it. Whether it wrote.
async fn write_if_unchanged<C: ConnectionTrait>(
    conn: &C,
    col: Column,
    id: i64,
    s: &Sealed,
    old: &str,
) -> Result<bool, StoreError> {
    let b = conn.get_database_backend();
    let q = sql(
        b,
        format!(
            "UPDATE {t} SET {c} = ?, {x} = ? WHERE id = ? AND {c} = ?",
            t = col.table,
            c = col.column,
            x = col.bidx
        ),
    );
    let res = conn
        .execute_raw(Statement::from_sql_and_values(
            b,
            q,
            [Value::from(s.stored.clone()), Value::from(s.bidx.clone()), Value::from(id), Value::from(old.to_string())],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Stores `plain` (or nothing) as row `id`'s value of `col`, inside the caller's transaction
/// (after the row's insert: the row id is part of the associated data).
pub(crate) async fn store<C: ConnectionTrait>(
    conn: &C,
    col: Column,
    id: i64,
    plain: Option<&str>,
) -> Result<(), StoreError> {
    match plain {
        Some(p) => write(conn, col, id, &seal(col, id, p)?).await,
        None => {
            let b = conn.get_database_backend();
            let q = sql(b, format!("UPDATE {} SET {} = NULL, {} = NULL WHERE id = ?", col.table, col.column, col.bidx));
            conn.execute_raw(Statement::from_sql_and_values(b, q, [Value::from(id)])).await?;
            Ok(())
        }
    }
}

/// Writes a user's phone (sealed, with its index) in the caller's transaction and returns the row
/// as stored (unchanged when the number is the same).
pub(crate) async fn set_user_phone<C: ConnectionTrait>(
    conn: &C,
    m: user::Model,
    phone: Option<&str>,
) -> Result<user::Model, StoreError> {
    let current = m.phone.as_deref().map(|s| open(USER_PHONE, m.id, s)).transpose()?;
    if current.as_deref() == phone && m.phone.as_deref().is_none_or(is_sealed) {
        return Ok(m);
    }
    store(conn, USER_PHONE, m.id, phone).await?;
    user::Entity::find_by_id(m.id).one(conn).await?.ok_or(StoreError::NotFound)
}

/// A user's phone decrypted (for the user themself and the scoped reads, which then mask it);
/// a value that does not decrypt (a key file without its key) shows as such, not as an error,
/// so the account still signs in.
pub(crate) fn user_phone(id: i64, stored: Option<&str>) -> Option<String> {
    stored.map(|s| {
        open(USER_PHONE, id, s).unwrap_or_else(|e| {
            tracing::warn!(user = id, error = %e, "phone number does not decrypt");
            "（无法解密）".to_string()
        })
    })
}

async fn rows<C: ConnectionTrait>(conn: &C, col: Column, plain_only: bool) -> Result<Vec<(i64, String)>, StoreError> {
    let b = conn.get_database_backend();
    let filter = if plain_only { format!(" AND {} NOT LIKE 'sm4gcm:%'", col.column) } else { String::new() };
    let q = format!(
        "SELECT id, {c} AS v FROM {t} WHERE {c} IS NOT NULL{filter} ORDER BY id",
        c = col.column,
        t = col.table
    );
    let found = conn.query_all_raw(Statement::from_string(b, q)).await?;
    found.into_iter().map(|r| Ok((r.try_get::<i64>("", "id")?, r.try_get::<String>("", "v")?))).collect()
}

/// Encrypts every value of the personal-data columns still in plain text (values written before
/// schema 15, or by a raw bulk load), with its blind index; an empty text becomes NULL. Idempotent;
/// returns how many values it sealed.
pub async fn seal_plaintext(db: &Db) -> Result<usize, StoreError> {
    let ring = crypto::keyring();
    let mut n = 0;
    for col in COLUMNS {
        let found = rows(&db.conn, col, true).await?;
        if found.is_empty() {
            continue;
        }
        let txn = db.conn.begin().await?;
        for (id, v) in found {
            let plain = v.trim();
            if plain.is_empty() {
                store(&txn, col, id, None).await?;
            } else if !write_if_unchanged(&txn, col, id, &seal_with(&ring, col, id, plain)?, &v).await? {
                continue; // edited (and so sealed) since the read
            }
            n += 1;
        }
        txn.commit().await?;
    }
    if n > 0 {
        tracing::info!(values = n, "personal data encrypted at rest");
    }
    Ok(n)
}

/// After a rotation: every personal-data value not under `ring`'s active key is re-encrypted
/// with it (each read with the key id it carries), and every blind index is recomputed.
pub async fn reencrypt_all(db: &Db, ring: &Keyring) -> Result<Reencrypted, StoreError> {
    let mut out = Reencrypted::default();
    for col in COLUMNS {
        let found = rows(&db.conn, col, false).await?;
        let txn = db.conn.begin().await?;
        for (id, v) in found {
            if is_sealed(&v) && crypto::key_id_of(&v) == Some(ring.active_id()) {
                out.already_current += 1;
                // the index may predate a change of derivation: recompute it all the same
                let plain = open_with(ring, col, id, &v)?;
                let bidx = col.kind.normalise(&plain).map(|n| ring.blind_index(col.kind.code(), &n));
                write_if_unchanged(&txn, col, id, &Sealed { stored: v.clone(), bidx }, &v).await?;
                continue;
            }
            let plain = open_with(ring, col, id, &v)?;
            // an edit since the read was sealed under the active key already: nothing to do
            if write_if_unchanged(&txn, col, id, &seal_with(ring, col, id, &plain)?, &v).await? {
                out.values += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let ring = Keyring::development();
        let s = seal_with(&ring, ENTERPRISE_PHONE, 7, "138-1234-5678").unwrap();
        assert!(s.stored.starts_with("sm4gcm:0:"), "{}", s.stored);
        assert!(!s.stored.contains("12345678"));
        assert_eq!(open_with(&ring, ENTERPRISE_PHONE, 7, &s.stored).unwrap(), "138-1234-5678");
        assert!(open_with(&ring, ENTERPRISE_PHONE, 8, &s.stored).is_err(), "copied to another row");
        assert!(open_with(&ring, USER_PHONE, 7, &s.stored).is_err(), "copied to another column");
        // the index is of the normalised number: the same for every way of writing it
        let t = seal_with(&ring, USER_PHONE, 9, "+86 13812345678").unwrap();
        assert_eq!(s.bidx, t.bidx);
        assert_eq!(s.bidx.as_ref().map(String::len), Some(64));
        assert_ne!(s.bidx, seal_with(&ring, USER_PHONE, 9, "13812345679").unwrap().bidx);
        // a rotation keeps the index
        assert_eq!(seal_with(&ring.rotated().unwrap(), USER_PHONE, 9, "13812345678").unwrap().bidx, t.bidx);
        // plain text (a bulk load not yet sealed) reads as it is
        assert_eq!(open_with(&ring, USER_PHONE, 1, "0355-7221234").unwrap(), "0355-7221234");
    }

    #[test]
    fn masked_input_is_taken_as_unchanged() {
        assert_eq!(unmasked_input(Kind::Phone, "138****5678", Some("13812345678")), "13812345678");
        assert_eq!(unmasked_input(Kind::Phone, "139****5678", Some("13812345678")), "139****5678");
        assert_eq!(unmasked_input(Kind::Phone, "13912345678", Some("13812345678")), "13912345678");
        assert_eq!(unmasked_input(Kind::Phone, "138****5678", None), "138****5678");
    }

    #[test]
    fn placeholders_for_postgres() {
        assert_eq!(sql(DbBackend::Postgres, "a = ?, b = ? WHERE id = ?".into()), "a = $1, b = $2 WHERE id = $3");
        assert_eq!(sql(DbBackend::Sqlite, "a = ?".into()), "a = ?");
    }
}
