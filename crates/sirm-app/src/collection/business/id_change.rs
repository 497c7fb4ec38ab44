//! 人员身份证号码变更（维护）: a person's resident ID number changed by
//! public security (a 15→18-digit upgrade, a correction). The maintenance
//! officer takes it with the public-security notice as material; on
//! approval `person.id_changed` is written under the person's canonical
//! subject, the new number's blind index becomes an alias of the person
//! (`person_alias`, resolved in `privacy/aliases.rs`) and the person row's
//! sealed ID number is the new one (docs/crosscheck.md "Applying an ID
//! change").

use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind, DiscrepancyKind, PersonIdChange};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{parse, person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 人员身份证号码变更（维护）.
pub(crate) struct PersonIdChangeOf;

impl Business for PersonIdChangeOf {
    const NAME_ZH: &'static str = "人员身份证号码变更（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = PersonIdChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn protect(sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        // Each number named by its field before serde would (its message
        // names no field).
        for f in ["id", "new_id_number"] {
            if let Some(t) = data.get(f).and_then(|v| v.as_str()) {
                t.parse::<sirm_domain::id::ResidentId>()
                    .map_err(|e| AppError::invalid_id(f, e))?;
            }
        }
        let d: records::PersonIdChangeDetails = parse(&data)?;
        serde_json::to_value(sirm.seal_id_change(&d).await?)
            .map_err(|e| AppError::invalid("data", e))
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &PersonIdChange) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await?;
        records::check_text("reason", &c.reason, 400).map_err(AppError::invalid_record)?;
        // Erased: the new number could not be sealed for anyone to read.
        sirm.live_data_key(&c.id, false).await?;
        let pid = c.id.as_str();
        let changes = sirm.store.id_changes_of(pid).await?;
        let current = changes.last().map_or(pid, |r| r.alias_id.as_str());
        let new = c.alias.as_str();
        if new == current {
            return Err(AppError::invalid_by(
                "new_id_number",
                RuleId::IdChangeSame,
                "is the number the person holds now",
            ));
        }
        // Read from the tables, not from this process's alias copy.
        let held_before = new == pid || changes.iter().any(|r| r.alias_id == new);
        let another = sirm.store.person(new).await?.is_some()
            || sirm.store.alias_target(new).await?.is_some();
        if held_before || another {
            return Err(AppError::invalid_by(
                "new_id_number",
                RuleId::IdChangeTaken,
                if held_before {
                    "is a number this person held before"
                } else {
                    "belongs to another registered person"
                },
            ));
        }
        if let Some(id) = &c.discrepancy_id {
            check_discrepancy(sirm, c, id).await?;
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        c: &PersonIdChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::PERSON_ID_CHANGED,
            records::person_subject(&c.id),
            actor,
            c,
        )?])
    }
}

/// The discrepancy an ID change applies: an `id_changed` discrepancy of
/// this person and this new number, not dismissed and not applied yet.
async fn check_discrepancy(sirm: &Sirm, c: &PersonIdChange, id: &str) -> Result<(), AppError> {
    let fits = sirm.store.discrepancy(id).await?.is_some_and(|d| {
        d.kind == DiscrepancyKind::IdChanged.as_str()
            && d.subject == records::person_subject(&c.id)
            && d.fact == c.alias.as_str()
            && matches!(
                d.status.as_str(),
                "open" | "answered" | "asked" | "accepted"
            )
    });
    if fits {
        Ok(())
    } else {
        Err(AppError::invalid_by(
            "discrepancy_id",
            RuleId::IdChangeDiscrepancy,
            format!("{id} is not an open id_changed discrepancy of this person and number"),
        ))
    }
}
