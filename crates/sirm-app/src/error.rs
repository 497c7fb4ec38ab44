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
    /// Nothing of the kind `rule` names (`not-found.application`,
    /// `not-found.person` …) answers the request (HTTP 404); `message`
    /// names the thing in English.
    #[error("not found: {message}")]
    NotFound { rule: RuleId, message: String },
    /// Not signed in, wrong credentials, expired session (HTTP 401); `rule`
    /// names which.
    #[error("{message}")]
    Unauthenticated { rule: RuleId, message: String },
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
    /// The request conflicts with what is recorded (HTTP 409); `rule` names
    /// the reason when there is a stable one (duplicate, already decided …).
    #[error("{message}")]
    Conflict {
        rule: Option<RuleId>,
        message: String,
    },
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

    /// Not signed in or refused at sign-in, for the reason `rule` names.
    pub fn unauthenticated(rule: RuleId, message: impl Into<String>) -> Self {
        AppError::Unauthenticated {
            rule,
            message: message.into(),
        }
    }

    /// Not found: a thing of the kind `rule` names (e.g.
    /// [`RuleId::NotFoundApplication`]); `message` says which in English.
    pub fn not_found(rule: RuleId, message: impl Into<String>) -> Self {
        AppError::NotFound {
            rule,
            message: message.into(),
        }
    }

    /// A conflict with what is recorded that no stable reason names.
    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            rule: None,
            message: message.into(),
        }
    }

    /// A conflict with what is recorded, for the reason `rule` names.
    pub fn conflict_by(rule: RuleId, message: impl Into<String>) -> Self {
        AppError::Conflict {
            rule: Some(rule),
            message: message.into(),
        }
    }

    /// A malformed identifier: the rule follows its kind (resident ID
    /// number or credit code).
    pub fn invalid_id(field: impl Into<String>, e: sirm_domain::id::IdError) -> Self {
        match e.kind() {
            Some(sirm_domain::id::IdKind::CreditCode) => {
                AppError::invalid_by(field, RuleId::IdCreditCode, e)
            }
            Some(sirm_domain::id::IdKind::ResidentId) => {
                AppError::invalid_by(field, RuleId::IdResident, e)
            }
            _ => AppError::invalid(field, e),
        }
    }

    /// A raw record that fails its own checks: the field and the reason's
    /// id come from the typed error.
    pub fn invalid_record(e: sirm_domain::records::RecordError) -> Self {
        AppError::Invalid {
            field: e.field().to_string(),
            rule: e.rule(),
            message: e.to_string(),
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
            AppError::Invalid { rule, .. } | AppError::Conflict { rule, .. } => *rule,
            AppError::Unauthenticated { rule, .. } | AppError::NotFound { rule, .. } => Some(*rule),
            _ => None,
        }
    }
}
