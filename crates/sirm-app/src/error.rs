use std::path::PathBuf;

use thiserror::Error;

/// Errors of use cases. Each message says what is wrong and where.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("data directory {0} already holds a SIRM installation; refusing to overwrite it")]
    AlreadyInstalled(PathBuf),
    #[error("data directory {0} holds no SIRM installation (no sirm.toml); run `sirm init` or `sirm demo`")]
    NotInstalled(PathBuf),
    #[error("configuration {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("signing key {path} does not belong to this installation (key id {found}, installation expects {expected})")]
    WrongKey {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] sirm_store::StoreError),
    #[error(transparent)]
    Ledger(#[from] sirm_ledger::LedgerError),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.to_string(),
        }
    }
}
