//! Queries of rights records (Art 14, 15, 21): who may see which items of
//! whose record, through which channel — configuration, not code (Art 14:
//! 界定可供查询的内容) — and the one use case every channel calls,
//! [`Sirm::query_rights`], which decides the requester's capacity, filters
//! the record to the allowed items and logs the query.
//!
//! Refusals never tell "no such person" from "not yours": both are
//! `NotFound` (`not-found.record`).

use crate::AuditEvent;
use sirm_domain::RuleId;
use std::collections::BTreeSet;

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;

pub use crate::config::query::{Channel, Item, QueryConfig, Requester};
use crate::identity::Principal;
use crate::rights::RightsRecord;
use crate::{AppError, Sirm};

/// A record as one requester may see it.
#[derive(Clone, Debug, Serialize)]
pub struct RecordView {
    pub requester: Requester,
    pub channel: Channel,
    pub items: BTreeSet<Item>,
    pub record: RightsRecord,
}

tokio::task_local! {
    /// Set while a use case must read the primary although the query path
    /// could use a read replica: a certificate states the record as it is,
    /// not as a replica up to `replica_max_lag_seconds` behind saw it.
    static READ_PRIMARY: ();
}

/// Run `f` with every record read of the query path on the primary.
pub(crate) async fn on_primary<F: std::future::Future>(f: F) -> F::Output {
    READ_PRIMARY.scope((), f).await
}

fn not_found() -> AppError {
    AppError::not_found(RuleId::NotFoundRecord, "record")
}

impl Sirm {
    /// The one query path of every channel: decide the capacity, filter the
    /// record to the allowed items, log the query (`basis`, if any, with
    /// it). Organs ask through [`Sirm::organ_query`], which checks their
    /// prescribed scope first.
    pub async fn query_rights(
        &self,
        who: &Principal,
        channel: Channel,
        subject: &PersonKey,
        basis: Option<&str>,
    ) -> Result<RecordView, AppError> {
        let (requester, items, employer) = match self.capacity(who, channel, subject).await {
            Ok(c) => c,
            Err(e) => {
                if matches!(e, AppError::NotFound { .. }) {
                    self.watch_miss(who).await;
                }
                return Err(e);
            }
        };
        self.answer(
            who,
            &who.username,
            channel,
            requester,
            items,
            employer.as_deref(),
            subject,
            basis.unwrap_or(""),
        )
        .await
    }

    /// The authorizations naming `who` as delegate (for the delegate's
    /// portal), with whether each is in force today.
    pub async fn my_delegations(
        &self,
        who: &Principal,
    ) -> Result<Vec<(sirm_store::DelegationRow, bool)>, AppError> {
        self.authorize(who, Permission::DelegatedRecordRead).await?;
        let today = crate::clock::today();
        let mut out = Vec::new();
        for mut d in self.store.delegations_of(&who.username).await? {
            let in_force = d.valid_from <= today && today <= d.valid_until;
            // The delegate sees whose authorization it is, masked.
            d.person_id = match d.person_id.parse::<PersonKey>() {
                Ok(pk) => match self.person_view(&pk).await? {
                    Some(v) => v.id_masked(),
                    None => crate::privacy::reveal::ERASED.into(),
                },
                Err(_) => d.person_id,
            };
            out.push((d, in_force));
        }
        Ok(out)
    }

    /// The counter serving a delegate (委托代办): the written authorization
    /// on file must name this person and be in force today; the delegate
    /// sees only what it covers.
    pub async fn counter_query_for_delegate(
        &self,
        who: &Principal,
        subject: &PersonKey,
        delegation_id: &str,
    ) -> Result<RecordView, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let d = self
            .store
            .delegation(delegation_id.trim())
            .await?
            .filter(|d| d.person_id == subject.as_str())
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundAuthorization,
                    "authorization for this person",
                )
            })?;
        let today = crate::clock::today();
        if today < d.valid_from || d.valid_until < today {
            return Err(AppError::Forbidden {
                rule: RuleId::DelegationValidity,
                message: format!(
                    "the authorization {} is valid from {} to {}, not today",
                    d.delegation_id, d.valid_from, d.valid_until
                ),
            });
        }
        let scope: BTreeSet<Item> = d.scope.iter().filter_map(|s| Item::parse(s)).collect();
        self.answer(
            who,
            &d.delegate_username,
            Channel::Counter,
            Requester::Delegate,
            scope,
            None,
            subject,
            &format!(
                "authorization {} at the counter, served by {}",
                d.delegation_id, who.username
            ),
        )
        .await
    }

    /// Filter to what the capacity and the configuration allow, log, answer.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn answer(
        &self,
        who: &Principal,
        requester_name: &str,
        channel: Channel,
        requester: Requester,
        mut items: BTreeSet<Item>,
        employer: Option<&str>,
        subject: &PersonKey,
        basis: &str,
    ) -> Result<RecordView, AppError> {
        items.retain(|i| self.config.queries.allowed(channel, requester).contains(i));
        if items.is_empty() {
            return Err(not_found());
        }
        // Read-only: from a read replica when one is in use and has the
        // caller's own writes (docs/scaling.md); the query log below is a
        // write and goes to the primary.
        let reader = if READ_PRIMARY.try_with(|_| ()).is_ok() {
            self.store.clone()
        } else {
            self.store.reader(&who.username).await
        };
        let read = match self.rights_on(&reader, subject).await {
            // A replica that failed the read (gone, or the query cancelled
            // by a replay conflict): the primary answers instead.
            Err(AppError::Store(e)) if reader.is_replica() => {
                tracing::warn!(error = %e, "read replica failed a record read; reading the primary");
                self.rights_of(subject).await
            }
            other => other,
        };
        let mut record = read.map_err(|e| match e {
            AppError::NotFound { .. } => not_found(),
            other => other,
        })?;
        filter(&mut record, &items, employer);
        if requester == Requester::Staff && items.contains(&Item::Registration) {
            record.id_changes = self.id_change_notes(subject).await?;
        }
        let items_text: Vec<&str> = items.iter().map(|i| i.as_str()).collect();
        let basis = basis.trim().to_string();
        self.store
            .log_query(&sirm_store::QueryLogRow {
                time_us: chrono::Utc::now().timestamp_micros(),
                channel: channel.as_str().into(),
                requester_kind: requester.as_str().into(),
                requester: requester_name.to_string(),
                subject: subject.as_str().into(),
                items: items_text.join(","),
                basis: basis.clone(),
                source: who.source.clone(),
            })
            .await?;
        if requester == Requester::ThirdParty {
            self.audit(AuditEvent::own(who, "query.third_party").success(format!(
                "subject {}; items {}; basis {}",
                subject,
                items_text.join(","),
                basis
            )))
            .await?;
        }
        if requester != Requester::Person {
            self.watch_read(who, subject).await;
        }
        Ok(RecordView {
            requester,
            channel,
            items,
            record,
        })
    }

    /// In which capacity `who` asks about `subject`, the items that capacity
    /// could cover, and for an employer its credit code.
    pub(crate) async fn capacity(
        &self,
        who: &Principal,
        channel: Channel,
        subject: &PersonKey,
    ) -> Result<(Requester, BTreeSet<Item>, Option<String>), AppError> {
        let all: BTreeSet<Item> = Item::ALL.into_iter().collect();
        // The person.
        if who.person_id.as_deref() == Some(subject.as_str()) && who.may(Permission::OwnRecordRead)
        {
            return Ok((Requester::Person, all, None));
        }
        // A delegate with an authorization in force.
        if who.may(Permission::DelegatedRecordRead) {
            let today = crate::clock::today();
            let scope: BTreeSet<Item> = self
                .store
                .delegations_of(&who.username)
                .await?
                .into_iter()
                .filter(|d| {
                    d.person_id == subject.as_str()
                        && d.valid_from <= today
                        && today <= d.valid_until
                })
                .flat_map(|d| d.scope)
                .filter_map(|s| Item::parse(&s))
                .collect();
            if !scope.is_empty() {
                return Ok((Requester::Delegate, scope, None));
            }
        }
        // The employer, for an employee (now or before).
        if let (Some(code), true) = (&who.employer, who.may(Permission::EmployerRecordRead)) {
            let employed = self
                .store
                .employments_of(subject.as_str())
                .await?
                .iter()
                .any(|j| &j.credit_code == code);
            if employed {
                return Ok((Requester::Employer, all, Some(code.clone())));
            }
        }
        // Staff of the person's agency at the counter or the workbench.
        if channel == Channel::Counter && who.may(Permission::PersonQuery) {
            // Another agency's person: "not found", like a missing one (audited).
            self.person_in_agency(who, subject).await?;
            return Ok((Requester::Staff, all, None));
        }
        // Organs ask through `Sirm::organ_query` (disclosure/organ.rs),
        // which checks their prescribed scope first.
        Err(not_found())
    }
}

/// Drop what the items do not cover; an employer sees only its own months.
fn filter(r: &mut RightsRecord, items: &BTreeSet<Item>, employer: Option<&str>) {
    // Whether the employer employs the person now (read before anything is cleared).
    let current_employer = employer.is_some_and(|code| {
        r.employments
            .iter()
            .any(|j| j.credit_code == code && j.end_on.is_none())
    });
    if !items.contains(&Item::Registration) {
        r.person.address.clear();
        r.person.phone.clear();
        // The insurance relationships and a de-registration are
        // registration information (Art 2 (1)).
        r.relations.clear();
        r.deregistered = None;
    }
    if !items.contains(&Item::Employment) {
        r.employments.clear();
    }
    if !items.contains(&Item::Contributions) {
        r.contributions.clear();
        r.subsidies.clear();
        r.transferred_in.clear();
        r.transferred_away.clear();
        r.contribution_years =
            crate::rights::contribution_years(&[], crate::clock::current_month());
    }
    if !items.contains(&Item::Account) {
        r.account_years.clear();
        r.account_balance = None;
        // The medical personal account is an account (Art 2 (4)).
        r.medical.years.clear();
        r.medical.balance = None;
    }
    if !items.contains(&Item::Benefit) {
        r.benefit = None;
        r.payments.clear();
        // Work-injury and maternity claims are benefit items (待遇).
        r.claims = sirm_store::ClaimRows::default();
        r.life = crate::rights::LifeRecord::default();
        // Medical settlements are benefit items (医疗待遇).
        r.medical.settlements.clear();
    }
    r.corrections.retain(|n| match n.part {
        crate::rights::CorrectedPart::Contributions => items.contains(&Item::Contributions),
        crate::rights::CorrectedPart::Employment => items.contains(&Item::Employment),
        crate::rights::CorrectedPart::Account => items.contains(&Item::Account),
        crate::rights::CorrectedPart::Benefit => items.contains(&Item::Benefit),
    });
    if let Some(code) = employer {
        // An employer sees the corrections of its own months and employments.
        r.corrections
            .retain(|n| n.credit_code.as_deref() == Some(code));
        // A former employer sees the employment period's data only, not
        // where the person lives or can be reached now.
        if !current_employer {
            r.person.address.clear();
            r.person.phone.clear();
        }
        // Nor the person's other insurance relationships, nor the medical
        // account and treatment (not the employer's concern).
        r.relations.clear();
        r.medical = crate::medical::MedicalRecord::default();
        r.deregistered = None;
        r.employments.retain(|j| j.credit_code == code);
        r.contributions.retain(|c| c.credit_code == code);
        r.subsidies.clear();
        r.transferred_in.clear();
        r.contribution_years =
            crate::rights::contribution_years(&r.contributions, crate::clock::current_month());
        // An employer sees the injuries, events and benefits of its own
        // employment only.
        r.claims.injuries.retain(|i| i.credit_code == code);
        r.claims.maternity.retain(|m| m.credit_code == code);
        r.claims.benefits.retain(|b| b.credit_code == code);
    }
    r.keep_shown_employers();
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANNELS: [Channel; 7] = [
        Channel::Portal,
        Channel::Kiosk,
        Channel::Counter,
        Channel::Telephone,
        Channel::Employer,
        Channel::Organ,
        Channel::Unit,
    ];
    const REQUESTERS: [Requester; 5] = [
        Requester::Person,
        Requester::Delegate,
        Requester::Employer,
        Requester::Staff,
        Requester::ThirdParty,
    ];

    #[test]
    fn defaults_match_docs() {
        let doc = include_str!("../../../docs/queries.md");
        let mut documented: Vec<(String, String, String)> =
            crate::config::doc_table(doc, "defaults")
                .into_iter()
                .filter(|c| c.len() == 3)
                .map(|c| (c[0].clone(), c[1].clone(), c[2].clone()))
                .collect();
        let mut code = Vec::new();
        for c in CHANNELS {
            for r in REQUESTERS {
                let items = QueryConfig::default_items(c, r);
                if !items.is_empty() {
                    let names: Vec<&str> = Item::ALL
                        .iter()
                        .filter(|i| items.contains(i))
                        .map(|i| i.as_str())
                        .collect();
                    code.push((
                        c.as_str().to_string(),
                        r.as_str().to_string(),
                        names.join(", "),
                    ));
                }
            }
        }
        documented.sort();
        code.sort();
        assert_eq!(documented, code);
    }

    #[test]
    fn configuration_replaces_a_default_and_names_bad_keys() {
        let q: QueryConfig =
            toml::from_str("[telephone]\nself = [\"contributions\"]\n").unwrap_or_default();
        assert_eq!(
            q.allowed(Channel::Telephone, Requester::Person),
            [Item::Contributions].into_iter().collect()
        );
        assert_eq!(
            q.allowed(Channel::Portal, Requester::Person).len(),
            Item::ALL.len()
        );
        let bad = toml::from_str::<QueryConfig>("[telephone]\nself = [\"salary\"]\n");
        assert!(bad.is_err());
        let bad = toml::from_str::<QueryConfig>("[fax]\nself = [\"account\"]\n");
        assert!(bad.is_err());
    }
}
