use std::path::PathBuf;

use sirm_domain::RuleId;
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
    /// A personal-data key that is missing, of another installation, or
    /// does not open a wrapped data key.
    #[error("personal-data key: {0}")]
    KeyMissing(String),
    /// A sealed field that does not open (altered, or sealed for someone else).
    #[error("sealed field does not open: {0}")]
    Unsealed(String),
    /// A parameter that is not acceptable (HTTP 400). `rule` names the rule
    /// that refused it when there is one (password and query-PIN policy).
    #[error("invalid {field}: {message}")]
    Invalid {
        field: String,
        rule: Option<RuleId>,
        message: String,
    },
    #[error("not found: {0}")]
    NotFound(String),
    /// Not signed in, wrong credentials, expired session (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The password was right; a second factor (TOTP or recovery code) is needed.
    #[error("a second factor is required: enter the 6-digit code of your authenticator app or a recovery code")]
    SecondFactorRequired,
    /// A telephone (IVR) query refused: malformed or unknown ID number, no
    /// query PIN, wrong PIN or a locked PIN all get this one answer (HTTP 401),
    /// so it tells nothing about whether the person exists; the audit trail
    /// records which it was.
    #[error("query refused: the ID number and query PIN do not match a usable query PIN")]
    IvrRefused,
    /// Signed in, but a rule refuses the action (HTTP 403). `rule` is the
    /// stable id; `message` is English and usually starts with "refused by
    /// rule <rule>" (see [`AppError::forbidden`]).
    #[error("{message}")]
    Forbidden { rule: RuleId, message: String },
    /// Too much work waiting (e.g. password checks): try again shortly (HTTP 503).
    #[error("the server is busy; try again in a few seconds")]
    Busy,
    /// The request conflicts with what is recorded (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// A backup or restore that cannot go on (the reason names the
    /// destination, manifest, increment or target).
    #[error("{0}")]
    Backup(String),
    #[error(transparent)]
    Store(#[from] sirm_store::StoreError),
    #[error(transparent)]
    Ledger(#[from] sirm_ledger::LedgerError),
}

impl AppError {
    /// A refusal naming its rule: "refused by rule <rule>: <detail>".
    ///
    pub fn forbidden(rule: RuleId, detail: impl std::fmt::Display) -> Self {
        AppError::Forbidden {
            rule,
            message: format!("refused by rule {rule}: {detail}"),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        AppError::Invalid {
            field: field.into(),
            rule: None,
            message: message.to_string(),
        }
    }

    /// An invalid parameter refused by a named rule (e.g. `password.min_length`).
    pub fn invalid_by(
        field: impl Into<String>,
        rule: RuleId,
        message: impl std::fmt::Display,
    ) -> Self {
        AppError::Invalid {
            field: field.into(),
            rule: Some(rule),
            message: message.to_string(),
        }
    }

    /// The rule that refused the request, if a rule did.
    pub fn rule(&self) -> Option<RuleId> {
        match self {
            AppError::Forbidden { rule, .. } => Some(*rule),
            AppError::Invalid { rule, .. } => *rule,
            _ => None,
        }
    }
}
