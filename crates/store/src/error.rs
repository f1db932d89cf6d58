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
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

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

    pub fn is_foreign_key_violation(err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
    }
}
