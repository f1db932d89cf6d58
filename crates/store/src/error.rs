//! The store's one error type.

use kaifaqu_domain::Invalid;
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Bad input, by field; nothing was changed.
    #[error("输入有误：{0}")]
    Invalid(Invalid),
    /// Not found, or not in the caller's scope (the two are indistinguishable on purpose).
    #[error("记录不存在")]
    NotFound,
    /// The caller's role or scope does not allow this.
    #[error("无权操作：{0}")]
    Forbidden(String),
    /// Misconfiguration (bad URL, newer schema, …).
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached.
    #[error("{0}")]
    Unreachable(String),
    /// Attachment storage failed.
    #[error("附件存储出错：{0}")]
    Storage(String),
    /// An optimistic-version check failed: the record changed since the caller read it.
    /// Nothing was written (no audit record, no side effect). The web answers 409.
    #[error("该记录已被他人修改，请刷新后重试")]
    Stale,
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

/// Reads a form's or JSON body's `version` given as a number or a text (or null: none).
pub fn de_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
    }
    Ok(match <Option<V> as serde::Deserialize>::deserialize(d)? {
        Some(V::N(n)) => n.to_string(),
        Some(V::S(s)) => s,
        None => String::new(),
    })
}

/// The message of [`StoreError::Stale`], for forms that show it beside the hidden version field.
pub const STALE_MESSAGE: &str = "该记录已被他人修改，请刷新后重试";

impl From<Invalid> for StoreError {
    fn from(e: Invalid) -> Self {
        StoreError::Invalid(e)
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to a field error; other errors pass through.
    pub fn unique_as(err: DbErr, field: &str, message: &str) -> StoreError {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Invalid(Invalid::one(field, message)),
            _ => StoreError::Db(err),
        }
    }

    /// The version an edit was made on: `raw` from the form or JSON (`""`: the caller sent none
    /// and edits what is current). A version other than `current` is [`StoreError::Stale`].
    pub fn expected_version(raw: &str, current: i32) -> Result<i32, StoreError> {
        let raw = raw.trim().trim_matches('"');
        if raw.is_empty() {
            return Ok(current);
        }
        match raw.parse::<i32>() {
            Ok(v) if v == current => Ok(v),
            Ok(_) => Err(StoreError::Stale),
            Err(_) => Err(StoreError::Invalid(Invalid::one(
                "version",
                format!("版本号“{raw}”应为整数：请从记录页面打开编辑"),
            ))),
        }
    }

    pub fn is_foreign_key_violation(err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked() {
        assert_eq!(StoreError::expected_version("", 3).unwrap(), 3);
        assert_eq!(StoreError::expected_version(" 3 ", 3).unwrap(), 3);
        assert!(matches!(StoreError::expected_version("2", 3), Err(StoreError::Stale)));
        assert!(matches!(StoreError::expected_version("x", 3), Err(StoreError::Invalid(_))));
        assert_eq!(StoreError::Stale.to_string(), STALE_MESSAGE);
    }
}
