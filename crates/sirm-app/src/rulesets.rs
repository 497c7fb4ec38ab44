//! Rule sets as installation data (Art 6): the regional rule set and its
//! versions are ledger entries (`rule_set.approved`, the whole document and
//! its hash) written by an approved `rule_set.import` application, or by
//! `sirm init --rules FILE` / `sirm demo` in the installation's first
//! transaction. The national base set they extend is the one compiled into
//! the binary (national law, the same for every agency).
//!
//! Every calculation asks [`Sirm::rules_for_month`] for the version in
//! force for its month; the loaded versions are cached and reloaded when a
//! newer `rule_set.approved` entry exists. This module does not know about
//! pages or the command line.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::CreditCode;
use sirm_domain::records::{self, kind, RuleSetApproved, RuleSetImport};
use sirm_domain::rules::ruleset::SuccessionError;
use sirm_domain::rules::ruleset::{diff, RuleSetDiff};
use sirm_domain::rules::{builtin, DocumentHash, Format, Month, RuleSet, Versions};
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{CryptoProfile, EntryDraft, Stream};
use sirm_store::ComputedSince;
use std::str::FromStr;

use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Config, Sirm};

/// Longest rule set document accepted (bytes).
pub const MAX_RULE_SET_BYTES: usize = 256 * 1024;

/// The rule sets of an installation: the national base and the approved
/// versions of the region's set.
#[derive(Debug)]
pub struct InstalledRules {
    pub national: Arc<RuleSet>,
    pub region: Versions,
    /// Sequence number of the newest `rule_set.approved` entry loaded.
    last_seq: Option<i64>,
}

/// The loaded rule sets, reloaded when a newer version is approved.
#[derive(Debug, Default)]
pub(crate) struct RulesCache(Mutex<Option<Arc<InstalledRules>>>);

/// One version, as `sirm rules list` and the parameters page show it.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSetInfo {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub region: Option<String>,
    pub valid_from: Option<String>,
    pub demo: bool,
    pub hash: Option<String>,
    pub years: Vec<i32>,
    pub sources: Vec<String>,
}

impl RuleSetInfo {
    pub fn of(s: &RuleSet) -> RuleSetInfo {
        RuleSetInfo {
            id: s.id().to_string(),
            version: s.version(),
            title: s.title().to_string(),
            region: s.region().map(str::to_string),
            valid_from: s.valid_from().map(|m| m.to_string()),
            demo: s.is_demo(),
            hash: s.reference().hash.map(|h| h.to_hex()),
            years: s.years().collect(),
            sources: s.sources().to_vec(),
        }
    }
}

/// What the approver of a rule set import sees: the new version, the
/// version it follows, which figures change, and what is already computed
/// in the period it would take force.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSetPreview {
    pub new: RuleSetInfo,
    pub previous: Option<RuleSetInfo>,
    pub diff: RuleSetDiff,
    /// Figures already computed from the month the new version takes force
    /// (`None` for a first version, which computes nothing retroactively).
    pub computed_since: Option<ComputedSince>,
    /// A recalculation (`recalculate`): every computed person-month whose
    /// figures change under the new version, old and new.
    pub recalculation: Vec<RecalculatedLine>,
}

/// One person-month a recalculation changes, as the reviewers see it.
#[derive(Clone, Debug, Serialize)]
pub struct RecalculatedLine {
    /// The person's masked ID number.
    pub person: String,
    pub month: String,
    pub old_base: String,
    pub new_base: String,
    /// Employer and personal contributions together.
    pub old_total: String,
    pub new_total: String,
    pub old_rule_set: String,
}

/// Most person-months one recalculation recomputes.
pub const MAX_RECALCULATED: i64 = 10_000;

/// A person-month recomputed under a new version, for approval to write.
pub(crate) struct Recomputed {
    pub(crate) assessed: records::ContributionAssessed,
    pub(crate) previous_declared_wage: rust_decimal::Decimal,
}

/// The format of a rule set document by its name (`toml` or `json`).
pub fn format_of(name: &str) -> Result<Format, AppError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "toml" => Ok(Format::Toml),
        "json" => Ok(Format::Json),
        other => Err(AppError::invalid_by(
            "format",
            RuleId::RuleSetInvalid,
            format!("{other:?}: must be toml or json"),
        )),
    }
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::invalid_by("rule_set", RuleId::RuleSetInvalid, e)
}

fn national() -> Result<Arc<RuleSet>, AppError> {
    let book = builtin::national_book().map_err(invalid)?;
    book.base()
        .cloned()
        .map(Arc::new)
        .ok_or_else(|| invalid("the embedded national rule set is missing"))
}

/// Parse a document over the national base and stamp it with its hash
/// under `profile`. Checks the document only, not the installation.
pub fn parse_rule_set(
    profile: CryptoProfile,
    format: Format,
    text: &str,
) -> Result<RuleSet, AppError> {
    if text.len() > MAX_RULE_SET_BYTES {
        return Err(invalid(format!(
            "the document has {} bytes; at most {MAX_RULE_SET_BYTES} are accepted",
            text.len()
        )));
    }
    let mut book = builtin::national_book().map_err(invalid)?;
    let set = book.add(text, format).map_err(invalid)?.clone();
    if set.region().is_none() {
        return Err(invalid(
            "rule_set.region is missing: an installation imports its pooling region's set; \
             the national base set is part of SIRM",
        ));
    }
    let hash = profile.digest(text.as_bytes());
    Ok(set.with_document_hash(DocumentHash(hash)))
}

/// Checks of a rule set against an installation, before anything is
/// written: region, demo figures.
pub(crate) fn check_for_installation(config: &Config, set: &RuleSet) -> Result<(), AppError> {
    check_for_region(&config.agency_code, config.demo, set)
}

/// [`check_for_installation`] before the installation exists.
pub(crate) fn check_for_region(
    agency_code: &str,
    demo: bool,
    set: &RuleSet,
) -> Result<(), AppError> {
    if set.region() != Some(agency_code) {
        return Err(AppError::invalid_by(
            "rule_set.region",
            RuleId::RuleSetRegion,
            format!(
                "rule_set.region = {:?}: this installation serves pooling region {}",
                set.region().unwrap_or(""),
                agency_code
            ),
        ));
    }
    if !set.is_demo() && set.sources().iter().all(|s| s.trim().is_empty()) {
        return Err(AppError::invalid_by(
            "rule_set.sources",
            RuleId::RuleSetInvalid,
            format!(
                "rule set {} names no sources: list the announcements (issuer, title, document \
                 number) its figures come from",
                set.reference()
            ),
        ));
    }
    if set.is_demo() && !demo {
        return Err(AppError::invalid_by(
            "rule_set.demo",
            RuleId::RuleSetDemo,
            format!(
                "rule set {} holds invented demo figures (rule_set.demo = true); only \
                 installations created with `sirm demo` accept it",
                set.reference()
            ),
        ));
    }
    Ok(())
}

/// The ledger entry that puts a version in force.
pub(crate) fn approved_draft(
    config: &Config,
    set: &RuleSet,
    import: &RuleSetImport,
    actor: &str,
) -> Result<EntryDraft, AppError> {
    let approved = RuleSetApproved {
        id: set.id().to_string(),
        version: set.version(),
        region: set.region().unwrap_or_default().to_string(),
        valid_from: set.valid_from(),
        demo: set.is_demo(),
        hash: set.reference().hash.map(|h| h.to_hex()).unwrap_or_default(),
        format: import.format.clone(),
        text: import.text.clone(),
        reason: import.reason.clone(),
    };
    draft(
        config,
        Stream::Business,
        kind::RULE_SET_APPROVED,
        records::rule_set_subject(set.id()),
        actor,
        &approved,
    )
}

impl Sirm {
    fn profile(&self) -> CryptoProfile {
        self.public_key.profile()
    }

    /// The installation's rule sets, loaded from the ledger (cached until a
    /// newer version is approved).
    pub async fn installed_rules(&self) -> Result<Arc<InstalledRules>, AppError> {
        let last = self
            .store
            .last_seq_of_kind(Stream::Business.as_str(), kind::RULE_SET_APPROVED)
            .await?;
        if let Ok(guard) = self.rules.0.lock() {
            if let Some(r) = guard.as_ref().filter(|r| r.last_seq == last) {
                return Ok(r.clone());
            }
        }
        let rows = self
            .store
            .entries_of_kind(Stream::Business.as_str(), kind::RULE_SET_APPROVED)
            .await?;
        let mut region = Versions::new();
        let mut last_seq = None;
        for row in rows {
            let seq = row.seq;
            let a: RuleSetApproved = serde_json::from_str(&row.payload).map_err(|e| {
                AppError::conflict(format!("ledger entry {seq}: rule set payload: {e}"))
            })?;
            let set = parse_rule_set(self.profile(), format_of(&a.format)?, &a.text)
                .map_err(|e| AppError::conflict(format!("ledger entry {seq}: {e}")))?;
            if set.reference().hash.map(|h| h.to_hex()).as_deref() != Some(a.hash.as_str()) {
                return Err(AppError::conflict(format!(
                    "ledger entry {seq}: the rule set text does not match its recorded hash"
                )));
            }
            region
                .push(Arc::new(set))
                .map_err(|e| AppError::conflict(format!("ledger entry {seq}: {e}")))?;
            last_seq = Some(seq);
        }
        let loaded = Arc::new(InstalledRules {
            national: national()?,
            region,
            last_seq,
        });
        if let Ok(mut guard) = self.rules.0.lock() {
            *guard = Some(loaded.clone());
        }
        Ok(loaded)
    }

    /// The version of the region's rule set in force for `month`, or a
    /// refusal naming the region and the month.
    pub async fn rules_for_month(&self, month: Month) -> Result<Arc<RuleSet>, AppError> {
        let rules = self.installed_rules().await?;
        rules.region.for_month(month).cloned().ok_or_else(|| {
            AppError::invalid_by(
                "rule_set",
                RuleId::RuleSetMissing,
                format!(
                    "no rule set for region {} for {month}: import one with `sirm rules import`",
                    self.config.agency_code
                ),
            )
        })
    }

    /// The version in force for December of `year` (a year's settlement).
    pub async fn rules_for_year(&self, year: i32) -> Result<Arc<RuleSet>, AppError> {
        let month = Month::new(year, 12).ok_or_else(|| AppError::invalid("year", year))?;
        self.rules_for_month(month).await
    }

    /// Every approved version, oldest first (any staff member with a
    /// business role: the figures are public announcements).
    pub async fn rule_sets(&self, who: &Principal) -> Result<Vec<RuleSetInfo>, AppError> {
        self.authorize_rules_read(who).await?;
        let rules = self.installed_rules().await?;
        Ok(rules
            .region
            .all()
            .iter()
            .map(|s| RuleSetInfo::of(s))
            .collect())
    }

    /// One approved version with its merged document.
    pub async fn rule_set_document(
        &self,
        who: &Principal,
        version: Option<u32>,
    ) -> Result<(RuleSetInfo, serde_json::Value), AppError> {
        self.authorize_rules_read(who).await?;
        let rules = self.installed_rules().await?;
        let set = match version {
            None => rules.region.latest(),
            Some(v) => rules.region.version(v),
        }
        .ok_or_else(|| AppError::not_found(RuleId::NotFoundRuleSet, "no such rule set version"))?;
        Ok((RuleSetInfo::of(set), set.document().clone()))
    }

    async fn authorize_rules_read(&self, who: &Principal) -> Result<(), AppError> {
        let readers = [
            Permission::RecordMaintain,
            Permission::RecordCollect,
            Permission::RecordReview,
            Permission::RecordRecheck,
            Permission::RecordApprove,
            Permission::PersonQuery,
        ];
        let p = readers
            .into_iter()
            .find(|p| who.may(*p))
            .unwrap_or(Permission::RecordMaintain);
        self.authorize(who, p).await
    }

    /// Check an import against the installation and the versions in force,
    /// and describe it for the approver. Refuses a document that fails
    /// validation, another region's set, demo figures in a real
    /// installation, a version out of sequence, and a version that would
    /// change figures already computed.
    pub(crate) async fn check_rule_set_import(
        &self,
        import: &RuleSetImport,
    ) -> Result<(RuleSet, RuleSetPreview, Vec<Recomputed>), AppError> {
        records::check_text("reason", &import.reason, 400).map_err(AppError::invalid_record)?;
        let set = parse_rule_set(self.profile(), format_of(&import.format)?, &import.text)?;
        check_for_installation(&self.config, &set)?;
        let rules = self.installed_rules().await?;
        rules.region.check_next(&set).map_err(|e| {
            let field = match e {
                SuccessionError::ValidFrom { .. } => "rule_set.valid_from",
                SuccessionError::Id { .. } => "rule_set.id",
                SuccessionError::Version { .. } => "rule_set.version",
            };
            AppError::invalid_by(field, RuleId::RuleSetSuccession, e)
        })?;
        let previous = rules.region.latest().cloned();
        let computed_since = match (&previous, set.valid_from()) {
            (Some(_), Some(from)) => Some(
                self.store
                    .computed_since(&self.config.agency_code, &from.to_string())
                    .await?,
            ),
            _ => None,
        };
        let mut recomputed = Vec::new();
        let mut recalculation = Vec::new();
        if let (Some(c), Some(from)) = (&computed_since, set.valid_from()) {
            if let Some(last) = c.last_month.as_deref() {
                let changed = months_changed(&rules.region, &set, from, last)?;
                match changed {
                    Some((first, last_changed)) if !import.recalculate => {
                        return Err(AppError::invalid_by(
                            "rule_set.valid_from",
                            RuleId::RuleSetPastFigures,
                            format!(
                                "version {} would change figures already computed for {first}–{last_changed} \
                                 ({} persons, {} person-months): a new version never rewrites past figures \
                                 by itself; take force after {last}, or file the import as a recalculation \
                                 (重新核算: `sirm rules import --recalculate`, or 是 in the form's \
                                 recalculate field), which lists each person-month and amount for the \
                                 reviewers",
                                set.version(),
                                c.persons,
                                c.person_months
                            ),
                        ));
                    }
                    Some(_) => {
                        (recomputed, recalculation) = self.recalculate_under(&set, from).await?;
                    }
                    None => {}
                }
            }
        }
        let preview = RuleSetPreview {
            new: RuleSetInfo::of(&set),
            previous: previous.as_deref().map(RuleSetInfo::of),
            diff: diff(previous.as_deref(), &set),
            computed_since,
            recalculation,
        };
        Ok((set, preview, recomputed))
    }

    /// Every computed person-month from `from` on, recomputed under `set`
    /// with its recorded declared wage: those whose figures change. Paid
    /// months are refused (settled by refund or supplementary payment).
    async fn recalculate_under(
        &self,
        set: &RuleSet,
        from: Month,
    ) -> Result<(Vec<Recomputed>, Vec<RecalculatedLine>), AppError> {
        let rows = self
            .store
            .contributions_since(
                &self.config.agency_code,
                &from.to_string(),
                MAX_RECALCULATED + 1,
            )
            .await?;
        if rows.len() as i64 > MAX_RECALCULATED {
            return Err(AppError::invalid_by(
                "recalculate",
                RuleId::RuleSetPastFigures,
                format!(
                    "more than {MAX_RECALCULATED} person-months are computed from {from}: \
                     a recalculation of this size is not supported; take force later"
                ),
            ));
        }
        let mut classes: std::collections::HashMap<String, u8> = Default::default();
        let mut recomputed = Vec::new();
        let mut lines = Vec::new();
        let mut paid = Vec::new();
        let not_active = crate::relations::NotActive::load(self).await?;
        for row in rows {
            // A flexibly employed person's month (no employer) is computed
            // by its own rule and not recalculated here (docs/relations.md).
            if row.credit_code.is_empty() {
                continue;
            }
            let (month, wage) = (row.month, row.declared_wage);
            let class = match classes.get(&row.credit_code) {
                Some(c) => *c,
                None => {
                    let code = CreditCode::from_str(&row.credit_code)
                        .map_err(|e| AppError::invalid_id("credit_code", e))?;
                    let c = self.industry_class(&code).await?;
                    classes.insert(row.credit_code.clone(), c);
                    c
                }
            };
            let params = set
                .year(month.year())
                .map_err(|e| AppError::invalid_by("rule_set", RuleId::RuleSetInvalid, e))?;
            let enrolled = not_active.of(&row.person_id, month);
            let result = sirm_domain::rules::engine::month_enrolled(params, wage, class, enrolled)
                .map_err(|e| AppError::invalid("declared_wage", e))?;
            let new_total = result.amounts.total();
            let old_total = row.employer_total() + row.employee_total();
            if row.base == result.base
                && old_total == new_total
                && row.account_credit == result.account_credit
            {
                continue;
            }
            let pk: sirm_domain::id::PersonKey = row
                .person_id
                .parse()
                .map_err(|e| AppError::invalid("person_id", e))?;
            let person = match self.person_view(&pk).await? {
                Some(v) => v.id_masked(),
                None => pk.short(),
            };
            if row.status == ContributionStatus::Paid {
                paid.push(format!("{person} {}", row.month));
                continue;
            }
            let credit_code = row
                .credit_code
                .parse()
                .map_err(|e| AppError::invalid("credit_code", e))?;
            lines.push(RecalculatedLine {
                person,
                month: row.month.to_string(),
                old_base: row.base.to_string(),
                new_base: result.base.to_string(),
                old_total: old_total.to_string(),
                new_total: new_total.to_string(),
                old_rule_set: row.rule_set.clone(),
            });
            recomputed.push(Recomputed {
                assessed: records::ContributionAssessed {
                    id: pk,
                    credit_code,
                    month,
                    result,
                },
                previous_declared_wage: wage,
            });
        }
        if !paid.is_empty() {
            return Err(AppError::invalid_by(
                "recalculate",
                RuleId::RuleSetPastFigures,
                format!(
                    "{} paid person-months would change ({}{}): a paid month is settled by refund \
                     or supplementary payment, not recalculated; take force after them",
                    paid.len(),
                    paid.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                    if paid.len() > 5 { ", …" } else { "" }
                ),
            ));
        }
        Ok((recomputed, lines))
    }

    /// The import a maintenance officer is about to file, checked and
    /// described (the parameters page shows this before submitting).
    pub async fn preview_rule_set(
        &self,
        who: &Principal,
        import: &RuleSetImport,
    ) -> Result<RuleSetPreview, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        self.check_rule_set_import(import).await.map(|(_, p, _)| p)
    }

    /// The preview of a pending `rule_set.import` application (what the
    /// reviewers see). `None` for an application of another type.
    pub async fn application_rule_set_preview(
        &self,
        who: &Principal,
        application: &str,
    ) -> Result<Option<Result<RuleSetPreview, AppError>>, AppError> {
        self.authorize_rules_read(who).await?;
        let app = self.application_of_agency(who, application).await?;
        if app.business_type != "rule_set.import" {
            return Ok(None);
        }
        let import: RuleSetImport =
            serde_json::from_str(&app.data).map_err(|e| AppError::invalid("data", e))?;
        Ok(Some(
            self.check_rule_set_import(&import).await.map(|(_, p, _)| p),
        ))
    }
}

/// The first and last month in `[from, last]` whose parameters differ
/// between the versions in force and `new`.
fn months_changed(
    versions: &Versions,
    new: &RuleSet,
    from: Month,
    last: &str,
) -> Result<Option<(Month, Month)>, AppError> {
    let last = Month::parse(last).map_err(|e| AppError::invalid("month", e))?;
    let mut first_changed = None;
    let mut last_changed = None;
    let mut m = from;
    while m <= last {
        let old = versions
            .for_month(m)
            .and_then(|s| s.year(m.year()).ok().cloned());
        let new_p = new.year(m.year()).ok().cloned();
        let same = match (&old, &new_p) {
            (Some(a), Some(b)) => same_figures(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            first_changed.get_or_insert(m);
            last_changed = Some(m);
        }
        m = m.add_months(1);
    }
    Ok(first_changed.zip(last_changed))
}

/// Same parameters, whatever rule set reference they carry.
fn same_figures(a: &sirm_domain::rules::Params, b: &sirm_domain::rules::Params) -> bool {
    let mut b = b.clone();
    b.rule_set = a.rule_set;
    *a == b
}
