//! Subsidies: a social insurance subsidy (社会保险补贴) granted for a run of
//! months, never twice for the same month and kind.

use sirm_domain::records::{self, kind, SubsidyGrant};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 社会保险补贴.
pub(crate) struct Grant;

impl Business for Grant {
    const NAME_ZH: &'static str = "社会保险补贴";
    type Data = SubsidyGrant;

    async fn check(sirm: &Sirm, who: &Principal, g: &SubsidyGrant) -> Result<(), AppError> {
        person_of_agency(sirm, who, &g.id).await?;
        g.validate().map_err(AppError::invalid_record)?;
        let taken = sirm
            .store
            .subsidised_months(
                g.id.as_str(),
                &g.kind,
                &g.from_month.to_string(),
                &g.to_month.to_string(),
            )
            .await?;
        if let Some(m) = taken.first() {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!(
                    "from_month: {} already has a {} subsidy for {m}",
                    g.id.short(),
                    g.kind
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        g: &SubsidyGrant,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::SUBSIDY_GRANTED,
            records::person_subject(&g.id),
            actor,
            g,
        )?])
    }
}
