//! One security audit event (安全审计事件) and the one way it reaches the
//! ledger's security stream: [`Sirm::audit`] (on its own) or
//! [`Sirm::audit_draft`] (in the same batch as the action it records, so the
//! two are atomic).
//!
//! An event says whose account it is about, where the request came from,
//! what happened and how it ended, a detail, and who acted. Most events are
//! about the actor's own account ([`AuditEvent::own`]) or an account the actor
//! manages ([`AuditEvent::on`]); the rest name every part ([`AuditEvent::new`]).

use sirm_domain::records::{self, kind, SecurityEvent};
use sirm_ledger::{EntryDraft, Stream};

use super::Principal;
use crate::drafts::draft;
use crate::{AppError, Sirm};

/// How much of a detail an ordinary event keeps.
const DETAIL_CAP: usize = 400;
/// How much a long event (summaries, configuration snapshots) keeps.
const LONG_DETAIL_CAP: usize = 4000;
/// How much of an account, source or actor name is kept.
const NAME_CAP: usize = 64;

/// A security audit event before it is drafted.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    account: &'a str,
    source: &'a str,
    event: &'a str,
    outcome: &'static str,
    detail: String,
    actor: &'a str,
    cap: usize,
}

impl<'a> AuditEvent<'a> {
    /// An event about `account`, from `source`, done by `account` itself
    /// (change the actor with [`AuditEvent::by`]); outcome `success`, no
    /// detail until one is given.
    pub fn new(account: &'a str, source: &'a str, event: &'a str) -> Self {
        AuditEvent {
            account,
            source,
            event,
            outcome: "success",
            detail: String::new(),
            actor: account,
            cap: DETAIL_CAP,
        }
    }

    /// `who` acting on their own account.
    pub fn own(who: &'a Principal, event: &'a str) -> Self {
        Self::new(&who.username, &who.source, event)
    }

    /// `who` acting on `account` (an account they manage, a person key).
    pub fn on(who: &'a Principal, account: &'a str, event: &'a str) -> Self {
        Self::new(account, &who.source, event).by(&who.username)
    }

    /// Who acted (`sirm` for the system itself, `anonymous` for nobody
    /// signed in; empty is written as `anonymous`).
    pub fn by(mut self, actor: &'a str) -> Self {
        self.actor = actor;
        self
    }

    /// The action happened; `detail` says how.
    pub fn success(self, detail: impl Into<String>) -> Self {
        self.ended("success", detail)
    }

    /// The action was tried and failed (a wrong password, a wrong code).
    pub fn failure(self, detail: impl Into<String>) -> Self {
        self.ended("failure", detail)
    }

    /// The action was refused (no permission, outside the actor's scope).
    pub fn denied(self, detail: impl Into<String>) -> Self {
        self.ended("denied", detail)
    }

    /// An alarm was raised (安全告警); `detail` says what it is about.
    pub fn alarm(self, detail: impl Into<String>) -> Self {
        self.ended("alarm", detail)
    }

    /// Keep up to 4,000 characters of the detail instead of 400.
    pub fn long(mut self) -> Self {
        self.cap = LONG_DETAIL_CAP;
        self
    }

    fn ended(mut self, outcome: &'static str, detail: impl Into<String>) -> Self {
        self.outcome = outcome;
        self.detail = detail.into();
        self
    }

    /// The payload as the ledger keeps it, every part capped.
    fn payload(&self) -> SecurityEvent {
        SecurityEvent {
            event: self.event.to_string(),
            account: capped(self.account, NAME_CAP),
            source: capped(self.source, NAME_CAP),
            outcome: self.outcome.to_string(),
            detail: capped(&self.detail, self.cap),
        }
    }

    /// The actor as written: capped, `anonymous` when empty.
    fn actor(&self) -> String {
        match capped(self.actor, NAME_CAP) {
            a if a.is_empty() => "anonymous".to_string(),
            a => a,
        }
    }
}

fn capped(s: &str, cap: usize) -> String {
    s.chars().take(cap).collect()
}

impl Sirm {
    /// Append one security audit event to the ledger (security stream).
    pub async fn audit(&self, ev: AuditEvent<'_>) -> Result<(), AppError> {
        let d = self.audit_draft(ev)?;
        self.append(vec![d]).await?;
        Ok(())
    }

    /// A security audit event as a draft, to append in the same batch as the
    /// action it records (so the action and its audit record are atomic).
    pub fn audit_draft(&self, ev: AuditEvent<'_>) -> Result<EntryDraft, AppError> {
        let payload = ev.payload();
        draft(
            &self.config,
            Stream::Security,
            kind::SECURITY_EVENT,
            records::account_subject(&payload.account),
            &ev.actor(),
            &payload,
        )
    }
}
