//! The identity tables' rows: accounts, sessions, credential state, role
//! requests and delegations, each with its one mapping.

use serde::Serialize;

use crate::rows::{RawRow, Reader, TableRow};
use crate::StoreError;

/// An account with its roles in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    /// `staff` or `external`.
    pub kind: String,
    /// `active` or `locked`.
    pub status: String,
    pub person_id: Option<String>,
    pub employer: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRequestRow {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub requested_by: String,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub requested_seq: i64,
    /// `grant` or `revoke`.
    pub action: String,
}

/// Mutable credential state of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialRow {
    pub password_hash: String,
    pub must_change: bool,
    pub changed_us: i64,
    pub failed_count: i64,
    pub locked_until_us: i64,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    /// SHA-256 hex of each unused recovery code.
    pub recovery_codes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub username: String,
    pub csrf: String,
    pub source: String,
    pub created_us: i64,
    pub last_seen_us: i64,
    /// A message for the session's user (e.g. that the password was reset).
    pub notice: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DelegationRow {
    pub delegation_id: String,
    pub person_id: String,
    pub delegate_username: String,
    pub scope: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
}

/// A comma-separated list column (empty items dropped).
fn list_of(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The account's own columns; `roles` are read from `account_role` and
/// filled in by the caller.
impl TableRow for AccountRow {
    const TABLE: &'static str = "account";
    const COLUMNS: &'static [&'static str] = &[
        "username",
        "display_name",
        "agency",
        "kind",
        "status",
        "person_id",
        "employer",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(AccountRow {
            username: r.text("username")?,
            display_name: r.text("display_name")?,
            agency: r.text("agency")?,
            kind: r.text("kind")?,
            status: r.text("status")?,
            person_id: r.opt_text("person_id")?,
            employer: r.opt_text("employer")?,
            roles: Vec::new(),
        })
    }
}

impl TableRow for SessionRow {
    const TABLE: &'static str = "web_session";
    const COLUMNS: &'static [&'static str] = &[
        "username",
        "csrf",
        "source",
        "created_us",
        "last_seen_us",
        "notice",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(SessionRow {
            username: r.text("username")?,
            csrf: r.text("csrf")?,
            source: r.text("source")?,
            created_us: r.int("created_us")?,
            last_seen_us: r.int("last_seen_us")?,
            notice: r.opt_text("notice")?,
        })
    }
}

impl TableRow for CredentialRow {
    const TABLE: &'static str = "credential";
    const COLUMNS: &'static [&'static str] = &[
        "password_hash",
        "must_change",
        "changed_us",
        "failed_count",
        "locked_until_us",
        "totp_secret",
        "totp_last_step",
        "recovery_codes",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(CredentialRow {
            password_hash: r.text("password_hash")?,
            must_change: r.int("must_change")? != 0,
            changed_us: r.int("changed_us")?,
            failed_count: r.int("failed_count")?,
            locked_until_us: r.int("locked_until_us")?,
            totp_secret: r.opt_text("totp_secret")?,
            totp_last_step: r.opt_int("totp_last_step")?,
            recovery_codes: r
                .opt_text("recovery_codes")?
                .map(|c| list_of(&c))
                .unwrap_or_default(),
        })
    }
}

impl TableRow for RoleRequestRow {
    const TABLE: &'static str = "role_request";
    const COLUMNS: &'static [&'static str] = &[
        "request_id",
        "username",
        "role",
        "requested_by",
        "reason",
        "status",
        "decided_by",
        "decision_reason",
        "requested_seq",
        "action",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(RoleRequestRow {
            request_id: r.text("request_id")?,
            username: r.text("username")?,
            role: r.text("role")?,
            requested_by: r.text("requested_by")?,
            reason: r.text("reason")?,
            status: r.text("status")?,
            decided_by: r.opt_text("decided_by")?,
            decision_reason: r.opt_text("decision_reason")?,
            requested_seq: r.int("requested_seq")?,
            action: r.text("action")?,
        })
    }
}

impl TableRow for DelegationRow {
    const TABLE: &'static str = "delegation";
    const COLUMNS: &'static [&'static str] = &[
        "delegation_id",
        "person_id",
        "delegate_username",
        "scope",
        "valid_from",
        "valid_until",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(DelegationRow {
            delegation_id: r.text("delegation_id")?,
            person_id: r.text("person_id")?,
            delegate_username: r.text("delegate_username")?,
            scope: list_of(&r.text("scope")?),
            valid_from: r.text("valid_from")?,
            valid_until: r.text("valid_until")?,
        })
    }
}

/// What a request's bearer needs, read in one statement: the session, its
/// account with the roles in force, and the account's credential state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAccount {
    pub session: SessionRow,
    /// `None` when the account no longer exists.
    pub account: Option<AccountRow>,
    /// `None` when the account has no credential yet.
    pub credential: Option<CredentialRow>,
}
