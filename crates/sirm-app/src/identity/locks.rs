//! Why an account cannot sign in (锁定原因), for the accounts page: locked
//! by an administrator or by SIRM itself (an alarm on its reading pattern),
//! retired (注销), or locked for a while after failed sign-ins (per source
//! address, or the whole account when several addresses guessed). Read from
//! the ledger entries about the account (`account:{username}`) and its
//! credential state; nothing here changes anything.

use std::collections::HashMap;

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind};
use sirm_domain::status::AccountStatus;

use super::Principal;
use crate::{AppError, Sirm};

/// What locked an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockCause {
    /// A system administrator locked it (account.locked by a person).
    Administrator,
    /// SIRM locked it pending review after an alarm (account.locked by `sirm`).
    System,
    /// Retired for good (account.retired).
    Retired,
    /// Failed sign-ins: some source addresses, or the whole account, are
    /// locked out until `until_us`.
    FailedSignIns,
}

/// One account's lock, as the accounts page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct LockNote {
    pub cause: LockCause,
    /// When it was locked (microseconds since the epoch, UTC).
    pub time_us: i64,
    /// Who locked it (`sirm` for SIRM itself).
    pub by: String,
    /// The reason as recorded (the administrator's words, or SIRM's).
    pub reason: String,
    /// A failed-sign-in lock ends by itself at this time.
    pub until_us: Option<i64>,
    /// A failed-sign-in lock: how many source addresses are locked out.
    pub sources: i64,
    /// A failed-sign-in lock covers the whole account (several addresses).
    pub whole_account: bool,
}

impl Sirm {
    /// The lock of every locked, retired or temporarily locked-out account
    /// of the caller's agency, by username (needs `account_manage`).
    pub async fn account_locks(
        &self,
        who: &Principal,
    ) -> Result<HashMap<String, LockNote>, AppError> {
        self.authorize(who, Permission::AccountManage).await?;
        let now = crate::clock::time_us();
        let mut out = HashMap::new();
        for a in self.store.accounts().await? {
            if a.agency != who.agency {
                continue;
            }
            let subject = records::account_subject(&a.username);
            let note = match a.status {
                AccountStatus::Locked | AccountStatus::Retired => {
                    let want = if a.status == AccountStatus::Retired {
                        kind::ACCOUNT_RETIRED
                    } else {
                        kind::ACCOUNT_LOCKED
                    };
                    let rows = self
                        .store
                        .subject_entries_of_kinds(&subject, &[want])
                        .await?;
                    rows.last().map(|r| {
                        let by = first_actor(&r.actors);
                        let reason = serde_json::from_str::<serde_json::Value>(&r.payload)
                            .ok()
                            .and_then(|v| {
                                v.get("reason").and_then(|x| x.as_str()).map(str::to_string)
                            })
                            .unwrap_or_default();
                        let cause = match (a.status, by.as_str()) {
                            (AccountStatus::Retired, _) => LockCause::Retired,
                            (_, "sirm") => LockCause::System,
                            _ => LockCause::Administrator,
                        };
                        LockNote {
                            cause,
                            time_us: r.time_us,
                            by,
                            reason,
                            until_us: None,
                            sources: 0,
                            whole_account: false,
                        }
                    })
                }
                AccountStatus::Active => {
                    let whole = self
                        .store
                        .credential_state(&a.username)
                        .await?
                        .map(|c| c.locked_until_us)
                        .filter(|u| *u > now);
                    let sources = self.store.locked_sources(&a.username, now).await?;
                    if whole.is_none() && sources == 0 {
                        None
                    } else {
                        self.lockout_note(&subject, whole, sources).await?
                    }
                }
            };
            if let Some(n) = note {
                out.insert(a.username, n);
            }
        }
        Ok(out)
    }

    /// The last `lockout` security event about the account: when, and the
    /// lock's end (the whole account's, else the event's time plus the
    /// policy's lockout minutes).
    async fn lockout_note(
        &self,
        subject: &str,
        whole: Option<i64>,
        sources: i64,
    ) -> Result<Option<LockNote>, AppError> {
        let rows = self
            .store
            .subject_entries_of_kinds(subject, &[kind::SECURITY_EVENT])
            .await?;
        let last = rows.iter().rev().find_map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.payload).ok()?;
            (v.get("event")?.as_str()? == "lockout").then(|| {
                let detail = v.get("detail").and_then(|d| d.as_str()).unwrap_or("");
                (r.time_us, detail.to_string())
            })
        });
        let minutes = i64::from(self.password_policy().lockout_minutes);
        Ok(last.map(|(time_us, reason)| LockNote {
            cause: LockCause::FailedSignIns,
            time_us,
            by: "sirm".into(),
            reason,
            until_us: whole.or(Some(time_us + minutes * 60_000_000)),
            sources,
            whole_account: whole.is_some(),
        }))
    }
}

/// The first name of a stored actors list (a JSON array of usernames).
fn first_actor(actors: &str) -> String {
    serde_json::from_str::<Vec<String>>(actors)
        .ok()
        .and_then(|v| v.into_iter().next())
        .unwrap_or_default()
}
