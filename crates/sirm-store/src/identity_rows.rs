//! The identity tables' rows: accounts, sessions, credential state, role
//! requests and delegations, each with its one mapping.

use chrono::NaiveDate;
use serde::Serialize;
use sirm_domain::status::{AccountKind, AccountStatus, RoleAction, RoleRequestStatus};

use crate::rows::{RawRow, Reader, TableRow};
use crate::StoreError;

/// An account with its roles in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub kind: AccountKind,
    pub status: AccountStatus,
    pub person_id: Option<String>,
    pub employer: Option<String>,
    pub roles: Vec<String>,
}

crate::table_row! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRequestRow in "role_request" {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub requested_by: String,
    pub reason: String,
    pub status: RoleRequestStatus,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub requested_seq: i64,
    pub action: RoleAction,
}
}

crate::table_row! {
/// Mutable credential state of one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialRow in "credential" {
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
}

crate::table_row! {
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow in "web_session" {
    pub username: String,
    pub csrf: String,
    pub source: String,
    pub created_us: i64,
    pub last_seen_us: i64,
    /// A message for the session's user (e.g. that the password was reset).
    pub notice: Option<String>,
}
}

crate::table_row! {
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DelegationRow in "delegation" {
    pub delegation_id: String,
    pub person_id: String,
    pub delegate_username: String,
    pub scope: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}
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
            kind: r.typed("kind")?,
            status: r.typed("status")?,
            person_id: r.opt_text("person_id")?,
            employer: r.opt_text("employer")?,
            roles: Vec::new(),
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
