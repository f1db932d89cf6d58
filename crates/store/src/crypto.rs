//! Encryption at rest (issue 10 K1, L2): one interface for every secret the database keeps (the
//! TOTP secrets, and the phone numbers through `sensitive`, which also takes its blind indexes
//! from here). SM4 (GB/T 32907) in GCM mode — RustCrypto `sm4` inside `aes-gcm`'s generic
//! `AesGcm<Sm4, U12>` — with a fresh 96-bit nonce per value and the value's place (table, column,
//! row) as associated data, so a ciphertext copied into another row does not decrypt.
//!
//! A stored value is one line of text: `sm4gcm:<key id>:<nonce hex>:<ciphertext+tag hex>`; the
//! algorithm and the key id travel with it, so values written under an older key stay readable
//! after a rotation and [`reencrypt_all`] moves them to the active key.
//!
//! Keys live in a key file outside the database, like the audit chain's key: one key a line,
//! `<id> <32 hex digits>`, the last line being the active key; `kaifaqu keys rotate` appends a new
//! key and re-encrypts every value. A running server watches the file ([`install_file`]): it
//! reads it again when a value names a key it lacks, and picks up a new active key within a
//! second, so a rotation needs no restart. Without an installed key file (tests, tools) a fixed
//! development key is used.

use std::path::Path;
use std::sync::{Arc, RwLock};

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, Set};
use sm4::Sm4;

use crate::Db;
use crate::StoreError;
use crate::auth::hex;
use crate::entities::user;

type Sm4Gcm = AesGcm<Sm4, U12>;

/// The algorithm id written into every value.
pub const ALGORITHM: &str = "sm4gcm";
/// SM4 keys are 128 bits.
pub const KEY_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// The key used when no key file was installed.
const DEVELOPMENT_KEY: [u8; KEY_LEN] = *b"kfq-dev-sm4-key!";

/// Every key a deployment has had; the last one is active (new values are written with it).
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(u32, [u8; KEY_LEN])>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the key bytes
        f.debug_struct("Keyring").field("ids", &self.ids()).field("active", &self.active_id()).finish()
    }
}

fn crypto_err(why: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("加密数据无法解密：{why}"))
}

impl Keyring {
    /// A keyring of one key.
    pub fn single(id: u32, key: [u8; KEY_LEN]) -> Keyring {
        Keyring { keys: vec![(id, key)] }
    }

    /// The development keyring (key id 0).
    pub fn development() -> Keyring {
        Keyring::single(0, DEVELOPMENT_KEY)
    }

    /// A fresh random key appended as the active one (id: one more than the largest).
    pub fn rotated(&self) -> Result<Keyring, StoreError> {
        let id = self.keys.iter().map(|(i, _)| *i).max().unwrap_or(0) + 1;
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| StoreError::Config(format!("无法生成密钥：{e}")))?;
        let mut keys = self.keys.clone();
        keys.push((id, key));
        Ok(Keyring { keys })
    }

    pub fn ids(&self) -> Vec<u32> {
        self.keys.iter().map(|(i, _)| *i).collect()
    }

    pub fn active_id(&self) -> u32 {
        self.keys.last().map(|(i, _)| *i).unwrap_or(0)
    }

    fn key(&self, id: u32) -> Option<&[u8; KEY_LEN]> {
        self.keys.iter().rev().find(|(i, _)| *i == id).map(|(_, k)| k)
    }

    /// Encrypts `plain` under the active key, bound to `context` (where the value is stored).
    pub fn encrypt(&self, plain: &[u8], context: &str) -> Result<String, StoreError> {
        let (id, key) = self.keys.last().ok_or_else(|| StoreError::Config("没有可用的加密密钥".into()))?;
        let cipher = Sm4Gcm::new_from_slice(key).map_err(|e| StoreError::Config(format!("加密密钥有误：{e}")))?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Config(format!("无法生成随机数：{e}")))?;
        let ct = cipher
            .encrypt(&nonce.into(), Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| StoreError::Config("加密失败".into()))?;
        Ok(format!("{ALGORITHM}:{id}:{}:{}", hex(&nonce), hex(&ct)))
    }

    /// Decrypts a value written by [`Keyring::encrypt`] with the same `context`; an altered
    /// value, a wrong context or an unknown key id is an error.
    pub fn decrypt(&self, stored: &str, context: &str) -> Result<Vec<u8>, StoreError> {
        let (id, nonce, ct) = parse(stored)?;
        let key = self.key(id).ok_or_else(|| crypto_err(format!("密钥 {id} 不在密钥文件中")))?;
        let cipher = Sm4Gcm::new_from_slice(key).map_err(|e| StoreError::Config(format!("加密密钥有误：{e}")))?;
        cipher
            .decrypt(&nonce.into(), Payload { msg: &ct, aad: context.as_bytes() })
            .map_err(|_| crypto_err("密文被改动，或不属于这里"))
    }

    /// Decrypts into text.
    pub fn decrypt_string(&self, stored: &str, context: &str) -> Result<String, StoreError> {
        String::from_utf8(self.decrypt(stored, context)?).map_err(|_| crypto_err("内容不是文本"))
    }

    /// The blind index of a normalised value (issue 10, L2): HMAC-SHA256 under a key derived
    /// from the keyring's first key — which a rotation keeps, so indexes survive rotations — and
    /// bound to the value's kind (`phone`, `id`), in hex. Equal values give equal indexes, so a
    /// search for an exact number is one indexed lookup; the number cannot be read back from it
    /// without the key.
    pub fn blind_index(&self, kind: &str, normalised: &str) -> String {
        let first = self.keys.first().map(|(_, k)| *k).unwrap_or(DEVELOPMENT_KEY);
        let key = crate::audit_chain::hmac_sha256(&first, b"kaifaqu blind index v1");
        hex(&crate::audit_chain::hmac_sha256(&key, format!("{kind}\n{normalised}").as_bytes()))
    }

    /// The key file's text: one `<id> <hex>` line per key, the active key last.
    pub fn to_file_text(&self) -> String {
        let mut s =
            String::from("# kaifaqu 数据加密密钥（SM4-GCM）：每行“编号 密钥”，最后一行为当前密钥。勿删旧行。\n");
        for (id, key) in &self.keys {
            s.push_str(&format!("{id} {}\n", hex(key)));
        }
        s
    }

    /// Parses a key file's text.
    pub fn from_file_text(text: &str) -> Option<Keyring> {
        let mut keys = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (id, key) = line.split_once(char::is_whitespace)?;
            keys.push((id.trim().parse().ok()?, unhex::<KEY_LEN>(key.trim())?));
        }
        if keys.is_empty() { None } else { Some(Keyring { keys }) }
    }
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn unhex_vec(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// The key id, nonce and ciphertext of a stored value.
fn parse(stored: &str) -> Result<(u32, [u8; NONCE_LEN], Vec<u8>), StoreError> {
    let mut parts = stored.trim().split(':');
    let (Some(alg), Some(id), Some(nonce), Some(ct), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(crypto_err("格式不对"));
    };
    if alg != ALGORITHM {
        return Err(crypto_err(format!("不认识的算法“{alg}”")));
    }
    let id = id.parse().map_err(|_| crypto_err("密钥编号不对"))?;
    let nonce = unhex::<NONCE_LEN>(nonce).ok_or_else(|| crypto_err("随机数不对"))?;
    let ct = unhex_vec(ct).ok_or_else(|| crypto_err("密文不对"))?;
    Ok((id, nonce, ct))
}

/// The key id a stored value was written with.
pub fn key_id_of(stored: &str) -> Option<u32> {
    parse(stored).ok().map(|(id, _, _)| id)
}

static INSTALLED: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Installs `ring` for this process, as it is (tests, tools; `kaifaqu keys rotate` installs the
/// rotated one). A key file being watched ([`install_file`]) is no longer watched.
pub fn install(ring: Keyring) {
    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    *INSTALLED.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
}

/// Reads (or creates) the key file, installs its keyring and keeps watching the file, so that a
/// running server picks up `kaifaqu keys rotate` (run by another process) without a restart: a
/// value naming a key id the keyring lacks makes it look at the file at once, and
/// [`keyring`] looks at most once a second otherwise, so new values go under the newest key.
/// "Looking" is one `stat`; the file is read again only when it changed (its inode, size or
/// modification time: the rotation replaces it by a rename).
pub fn install_file(path: &Path) -> Result<(), StoreError> {
    let ring = load_or_create_key_file(path)?;
    *INSTALLED.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
    *WATCHED.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(Watched { path: path.to_path_buf(), stamp: stamp(path), checked: std::time::Instant::now() });
    Ok(())
}

/// The key file behind the installed keyring, when it is watched.
struct Watched {
    path: std::path::PathBuf,
    stamp: Option<Stamp>,
    checked: std::time::Instant,
}

static WATCHED: std::sync::Mutex<Option<Watched>> = std::sync::Mutex::new(None);

/// How often [`keyring`] looks at the watched key file.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What tells a changed key file: inode (unix), size and modification time.
type Stamp = (u64, u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Some((ino, m.len(), m.modified().ok()))
}

/// Reloads the watched key file if it changed; `now` skips the once-a-second limit.
fn refresh_from_file(now: bool) {
    let mut guard = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
    let Some(w) = guard.as_mut() else { return };
    if !now && w.checked.elapsed() < CHECK_EVERY {
        return;
    }
    w.checked = std::time::Instant::now();
    let current = stamp(&w.path);
    if current == w.stamp {
        return;
    }
    match std::fs::read_to_string(&w.path).ok().and_then(|t| Keyring::from_file_text(&t)) {
        Some(ring) => {
            tracing::info!(keys = ?ring.ids(), active = ring.active_id(), "data-encryption key file reloaded");
            *INSTALLED.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
            w.stamp = current;
        }
        // half-written or unreadable: keep the keys we have and look again next time
        None => tracing::warn!(path = %w.path.display(), "data-encryption key file changed but cannot be read"),
    }
}

/// The installed keyring (reloaded first if its watched key file changed), or the development
/// keyring.
pub fn keyring() -> Arc<Keyring> {
    refresh_from_file(false);
    installed()
}

fn installed() -> Arc<Keyring> {
    INSTALLED.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_else(|| Arc::new(Keyring::development()))
}

/// The keyring to read `stored` with: when it names a key the installed keyring lacks (a
/// rotation by another process), the watched key file is read again at once.
pub fn keyring_for(stored: &str) -> Arc<Keyring> {
    let ring = keyring();
    match key_id_of(stored) {
        Some(id) if ring.key(id).is_none() => {
            refresh_from_file(true);
            installed()
        }
        _ => ring,
    }
}

/// Decrypts a stored value with [`keyring_for`] it.
pub fn decrypt(stored: &str, context: &str) -> Result<Vec<u8>, StoreError> {
    keyring_for(stored).decrypt(stored, context)
}

/// Reads the key file, creating it with one fresh key (readable by the owner only) when missing.
pub fn load_or_create_key_file(path: &Path) -> Result<Keyring, StoreError> {
    let bad = |why: &str| StoreError::Config(format!("数据加密密钥文件 {} {why}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => Keyring::from_file_text(&text).ok_or_else(|| bad("内容不对：每行应为“编号 32 位十六进制密钥”")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let ring = Keyring { keys: vec![] }.rotated()?;
            write_key_file(path, &ring)?;
            Ok(ring)
        }
        Err(e) => Err(bad(&format!("无法读取：{e}"))),
    }
}

/// Writes the key file (owner-only), replacing it atomically.
pub fn write_key_file(path: &Path, ring: &Keyring) -> Result<(), StoreError> {
    let bad = |why: String| StoreError::Config(format!("数据加密密钥文件 {} {why}", path.display()));
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| bad(format!("所在目录无法创建：{e}")))?;
    }
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    write_private(&tmp, &ring.to_file_text()).map_err(|e| bad(format!("无法写入：{e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| bad(format!("无法替换：{e}")))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The associated data of a user's TOTP secret.
pub(crate) fn totp_context(user_id: i64) -> String {
    format!("users.totp_secret:{user_id}")
}

/// The associated data of a TOTP secret being enrolled (not yet confirmed by a code).
pub(crate) fn totp_pending_context(user_id: i64) -> String {
    format!("users.totp_pending:{user_id}")
}

/// Re-encrypts one value under the active key unless it already is; `None` when unchanged.
fn refresh(ring: &Keyring, stored: Option<&str>, ctx: &str) -> Result<Option<String>, StoreError> {
    match stored {
        Some(v) if key_id_of(v) != Some(ring.active_id()) => Ok(Some(ring.encrypt(&ring.decrypt(v, ctx)?, ctx)?)),
        _ => Ok(None),
    }
}

/// How many values [`reencrypt_all`] rewrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reencrypted {
    pub values: usize,
    pub already_current: usize,
}

/// Rewrites every encrypted value not under `ring`'s active key with it (after a rotation). Each
/// value is read with the key id it carries, so a rotation interrupted half-way loses nothing.
pub async fn reencrypt_all(db: &Db, ring: &Keyring) -> Result<Reencrypted, StoreError> {
    let mut out = Reencrypted::default();
    let rows = user::Entity::find()
        .filter(
            Condition::any().add(user::Column::TotpSecret.is_not_null()).add(user::Column::TotpPending.is_not_null()),
        )
        .all(&db.conn)
        .await?;
    for m in rows {
        let secret = refresh(ring, m.totp_secret.as_deref(), &totp_context(m.id))?;
        let pending = refresh(ring, m.totp_pending.as_deref(), &totp_pending_context(m.id))?;
        let present = usize::from(m.totp_secret.is_some()) + usize::from(m.totp_pending.is_some());
        let changed = usize::from(secret.is_some()) + usize::from(pending.is_some());
        out.values += changed;
        out.already_current += present - changed;
        if changed == 0 {
            continue;
        }
        let mut am = m.into_active_model();
        if let Some(v) = secret {
            am.totp_secret = Set(Some(v));
        }
        if let Some(v) = pending {
            am.totp_pending = Set(Some(v));
        }
        am.update(&db.conn).await?;
    }
    // the personal data columns (phone numbers), with their blind indexes
    let personal = crate::sensitive::reencrypt_all(db, ring).await?;
    out.values += personal.values;
    out.already_current += personal.already_current;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_nonces() {
        let ring = Keyring::development().rotated().unwrap();
        let a = ring.encrypt(b"JBSWY3DPEHPK3PXP", "ctx").unwrap();
        let b = ring.encrypt(b"JBSWY3DPEHPK3PXP", "ctx").unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(a.starts_with("sm4gcm:1:"), "{a}");
        assert!(!a.contains("JBSWY3DP"));
        assert_eq!(ring.decrypt(&a, "ctx").unwrap(), b"JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn tampering_or_another_place_is_an_error() {
        let ring = Keyring::development();
        let v = ring.encrypt(b"secret", "users.totp_secret:1").unwrap();
        // flip one hex digit of the ciphertext
        let mut t = v.clone().into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'0' { b'1' } else { b'0' };
        let t = String::from_utf8(t).unwrap();
        assert!(ring.decrypt(&t, "users.totp_secret:1").is_err());
        assert!(ring.decrypt(&v, "users.totp_secret:2").is_err(), "copied into another row");
        assert!(ring.decrypt("plain text", "x").is_err());
        assert!(ring.decrypt(&v.replace("sm4gcm", "aesgcm"), "users.totp_secret:1").is_err());
    }

    #[test]
    fn sm4_matches_the_standard_vector() {
        // GB/T 32907-2016 appendix A.1
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key = unhex::<16>("0123456789abcdeffedcba9876543210").unwrap();
        let mut block = sm4::cipher::generic_array::GenericArray::from(key);
        Sm4::new(&key.into()).encrypt_block(&mut block);
        assert_eq!(hex(&block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn a_watched_key_file_is_reloaded_after_a_rotation_by_another_process() {
        let dir = std::env::temp_dir().join(format!("kfq-crypto-{}", crate::auth::random_hex(6)));
        let path = dir.join("crypto.key");
        install_file(&path).unwrap();
        let first = keyring();
        let old = first.encrypt(b"secret", "c").unwrap();
        // another process rotates: a new file with keys 1 and 2 replaces this one
        let second = Keyring::from_file_text(&std::fs::read_to_string(&path).unwrap()).unwrap().rotated().unwrap();
        write_key_file(&path, &second).unwrap();
        let new = second.encrypt(b"secret", "c").unwrap();
        // a value under key 2 is read at once (no waiting for the once-a-second look)
        assert_eq!(decrypt(&new, "c").unwrap(), b"secret");
        assert_eq!(decrypt(&old, "c").unwrap(), b"secret");
        assert_eq!(keyring().active_id(), 2, "new values go under the new key");
        // a half-written file keeps the keys we have
        std::fs::write(&path, "nonsense").unwrap();
        refresh_from_file(true);
        assert_eq!(keyring().ids(), vec![1, 2]);
        install(Keyring::development());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_the_file_round_trips() {
        let one = Keyring::development().rotated().unwrap();
        let old = one.encrypt(b"x", "c").unwrap();
        let two = one.rotated().unwrap();
        assert_eq!(two.active_id(), 2);
        assert_eq!(key_id_of(&two.encrypt(b"x", "c").unwrap()), Some(2));
        assert_eq!(two.decrypt(&old, "c").unwrap(), b"x");
        let back = Keyring::from_file_text(&two.to_file_text()).unwrap();
        assert_eq!(back.ids(), vec![0, 1, 2]);
        assert_eq!(back.decrypt(&old, "c").unwrap(), b"x");
        assert!(!format!("{two:?}").contains(&hex(&DEVELOPMENT_KEY)));
        // a keyring without the old key cannot read it
        let fresh = Keyring { keys: vec![] }.rotated().unwrap();
        assert!(fresh.decrypt(&old, "c").is_err());
    }
}
