//! Rule sets as reviewed data (Art 6): the maintenance officer files a
//! regional rule set, or a new version of it, as an application; the review
//! chain (at least two people) approves it; approval writes one
//! `rule_set.approved` entry with the whole document and its hash. The
//! checks live in [`crate::rulesets`] and run again at approval.

use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind, ContributionCorrected, RuleSetImport};
use sirm_ledger::{EntryDraft, Stream};

use super::Business;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// `rule_set.import`: a regional rule set or a new version of it.
pub(crate) struct Import;

impl Business for Import {
    const NAME_ZH: &'static str = "规则集导入（参数维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = RuleSetImport;

    /// A rule set holds no personal data: kept as filed.
    async fn protect(_sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        Ok(data)
    }

    /// Nothing beyond [`Self::drafts`], which runs the whole check
    /// (`check_rule_set_import`) once.
    async fn check(_sirm: &Sirm, _who: &Principal, _d: &RuleSetImport) -> Result<(), AppError> {
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        d: &RuleSetImport,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let (set, _, recomputed) = sirm.check_rule_set_import(d).await?;
        let mut drafts = vec![crate::rulesets::approved_draft(
            &sirm.config,
            &set,
            d,
            actor,
        )?];
        // A recalculation: each changed person-month, under the new version.
        for r in recomputed {
            let corrected = ContributionCorrected {
                previous_declared_wage: r.previous_declared_wage,
                reason: format!(
                    "重新核算 recalculated under {}: {}",
                    set.reference(),
                    d.reason
                ),
                assessed: r.assessed,
            };
            drafts.push(draft(
                &sirm.config,
                Stream::Business,
                kind::CONTRIBUTION_CORRECTED,
                records::person_subject(&corrected.assessed.id),
                actor,
                &corrected,
            )?);
        }
        Ok(drafts)
    }
}
