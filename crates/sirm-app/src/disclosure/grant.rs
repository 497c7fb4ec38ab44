//! Reading under a disclosure grant (Art 20 (1), 21, 22): the unit
//! officer named in a grant reads exactly the granted items of a granted
//! person, while the grant is valid and has uses left, through the one
//! query path ([`Sirm::answer`], channel `unit`, capacity `third_party`).
//!
//! Each read first appends a `disclosure.used` entry that consumes one use;
//! the append checks, inside its serialized transaction, that the grant
//! has made exactly the uses seen and fewer than it allows
//! ([`sirm_store::Expect::GrantUses`]), so two reads racing for the last use
//! give one answer and one refusal (`disclosure.grant-used-up`). Then the
//! record is read: the query log row names the unit (requester) and the
//! grant (basis), and the security audit trail gets a `query.third_party`
//! event (Art 21). A refused read (no such grant, a person outside it,
//! outside its validity, used up) discloses nothing and is a `denied`
//! audit event naming the rule.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{disclosure_subject, kind, DisclosureUsed};
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::{DisclosureGrantRow, Expect, StoreError};

use crate::config::query::{Channel, Item, Requester};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::query::RecordView;
use crate::{AppError, AuditEvent, Sirm};

/// How often a read retries when another read of the same grant wrote first.
const RACE_RETRIES: usize = 8;

/// A grant as its officer sees it.
#[derive(Clone, Debug, Serialize)]
pub struct GrantView {
    pub grant_id: String,
    pub unit_name: String,
    pub credit_code: String,
    /// The persons, ID numbers masked (the unit named them; to read, the
    /// officer types the full number).
    pub persons_masked: Vec<String>,
    pub items: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub uses_allowed: i64,
    pub uses_made: i64,
    /// Valid today and uses left.
    pub usable: bool,
}

fn no_grant() -> AppError {
    AppError::not_found(RuleId::NotFoundGrant, "grant for this person")
}

impl Sirm {
    /// The grants naming the signed-in unit officer, newest first.
    pub async fn my_grants(&self, who: &Principal) -> Result<Vec<GrantView>, AppError> {
        self.authorize(who, Permission::GrantRead).await?;
        let today = crate::clock::today();
        let mut out = Vec::new();
        for g in self.store.disclosure_grants_of(&who.username).await? {
            let mut persons_masked = Vec::new();
            for p in &g.persons {
                let masked = match p.parse::<PersonKey>() {
                    Ok(pk) => match self.person_view(&pk).await? {
                        Some(v) => v.id_masked(),
                        None => crate::privacy::reveal::ERASED.to_string(),
                    },
                    Err(_) => crate::privacy::reveal::ERASED.to_string(),
                };
                persons_masked.push(masked);
            }
            out.push(GrantView {
                usable: g.valid_from <= today
                    && today <= g.valid_until
                    && g.uses_made < g.uses_allowed,
                grant_id: g.grant_id,
                unit_name: g.unit_name,
                credit_code: g.credit_code,
                persons_masked,
                items: g.items,
                valid_from: g.valid_from,
                valid_until: g.valid_until,
                uses_allowed: g.uses_allowed,
                uses_made: g.uses_made,
            });
        }
        Ok(out)
    }

    /// Read `subject`'s record under grant `grant_id`: exactly the granted
    /// items, one use consumed, the read registered (Art 21).
    pub async fn read_under_grant(
        &self,
        who: &Principal,
        grant_id: &str,
        subject: &PersonKey,
    ) -> Result<RecordView, AppError> {
        self.authorize(who, Permission::GrantRead).await?;
        let grant_id = grant_id.trim();
        for _ in 0..RACE_RETRIES {
            let g = self.usable_grant(who, grant_id, subject).await?;
            let use_no = u32::try_from(g.uses_made + 1).unwrap_or(u32::MAX);
            let used = draft(
                &self.config,
                Stream::Business,
                kind::DISCLOSURE_USED,
                disclosure_subject(&g.grant_id),
                &who.username,
                &DisclosureUsed {
                    grant_id: g.grant_id.clone(),
                    person: subject.clone(),
                    items: g.items.clone(),
                    use_no,
                },
            )?;
            let expect = Expect::GrantUses {
                grant_id: g.grant_id.clone(),
                uses_made: g.uses_made,
            };
            match self.append_with(vec![used], Some(expect)).await {
                Ok(_) => {}
                // Another read of this grant wrote first: look again.
                Err(AppError::Store(StoreError::Stale(_)))
                | Err(AppError::Conflict {
                    rule: Some(RuleId::StaleView),
                    ..
                }) => continue,
                Err(e) => return Err(e),
            }
            let items: BTreeSet<Item> = g.items.iter().filter_map(|s| Item::parse(s)).collect();
            let requester: String = format!("{}（{}）", g.unit_name, who.username)
                .chars()
                .take(100)
                .collect();
            return self
                .answer(
                    who,
                    &requester,
                    Channel::Unit,
                    Requester::ThirdParty,
                    items,
                    None,
                    subject,
                    &format!(
                        "查询授权 {}（申请 {}），第 {use_no}/{} 次",
                        g.grant_id, g.application_id, g.uses_allowed
                    ),
                )
                .await;
        }
        self.refuse_read(
            who,
            grant_id,
            AppError::forbidden(
                RuleId::GrantUsedUp,
                format!("grant {grant_id}: every use was taken by other reads"),
            ),
        )
        .await
    }

    /// The grant, if `who` is its officer, `subject` is in it, today is
    /// within its validity and it has uses left; else the refusal, audited.
    async fn usable_grant(
        &self,
        who: &Principal,
        grant_id: &str,
        subject: &PersonKey,
    ) -> Result<DisclosureGrantRow, AppError> {
        let g = self.store.disclosure_grant(grant_id).await?.filter(|g| {
            g.officer == who.username && g.persons.iter().any(|p| p == subject.as_str())
        });
        let Some(g) = g else {
            return self.refuse_read(who, grant_id, no_grant()).await;
        };
        let today = crate::clock::today();
        if today < g.valid_from || g.valid_until < today {
            let e = AppError::forbidden(
                RuleId::GrantExpired,
                format!(
                    "grant {} is valid from {} to {}, not today ({today})",
                    g.grant_id, g.valid_from, g.valid_until
                ),
            );
            return self.refuse_read(who, grant_id, e).await;
        }
        if g.uses_made >= g.uses_allowed {
            let e = AppError::forbidden(
                RuleId::GrantUsedUp,
                format!(
                    "grant {} allowed {} reads; all were made",
                    g.grant_id, g.uses_allowed
                ),
            );
            return self.refuse_read(who, grant_id, e).await;
        }
        Ok(g)
    }

    /// Register a refused read (Art 21) and refuse it.
    async fn refuse_read<T>(
        &self,
        who: &Principal,
        grant_id: &str,
        e: AppError,
    ) -> Result<T, AppError> {
        let rule = e.rule().map(|r| r.as_str()).unwrap_or("");
        let grant: String = grant_id.chars().take(40).collect();
        self.audit(
            AuditEvent::own(who, "query.third_party")
                .denied(format!("grant {grant}: refused by rule {rule}")),
        )
        .await?;
        Err(e)
    }
}
