//! A person's rights record (个人权益记录) assembled from the projections:
//! registration, employment history, contributions per month and insurance
//! type, contribution years, the personal account year by year, benefit
//! eligibility, payments and subsidies — each figure with the rule set that
//! produced it. Also the collector's arrears (欠费) list.
//!
//! Assembling does not authorize: the query use cases that call
//! [`Sirm::rights_of`] decide who may see which items.

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::{CreditCode, PersonKey};
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;
use sirm_store::{
    AccountYearRow, BenefitPaymentRow, BenefitRow, EmploymentRow, PersonRow, SubsidyRow,
};

pub use crate::clock::{agency_now, agency_offset, current_month, today};
pub use history::{CorrectedPart, CorrectionNote};
pub use sirm_store::{
    ClaimBenefitRow, ClaimRows, ContributionRow, InjuryClaimRow, MaternityClaimRow,
};

mod history;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Contribution years (缴费年限): the rules engine's count of distinct paid
/// months, with the months in arrears beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContributionYears {
    /// Distinct months whose contributions arrived.
    pub paid_months: u32,
    /// Assessed months before the current month that are not paid (欠费).
    pub arrears_months: u32,
    /// `paid_months` as whole years and remaining months.
    pub years: u32,
    pub months: u32,
    pub first_paid: Option<Month>,
    pub last_paid: Option<Month>,
    /// Of `paid_months`, those transferred in from other regions (Art 10).
    pub transferred_months: u32,
}

/// A transfer received from another region (转移接续, Art 10), from its
/// `transfer.received` entry: the months of each region before this one
/// and the account transferred in.
#[derive(Clone, Debug, Serialize)]
pub struct TransferredIn {
    pub number: String,
    pub from_agency: String,
    pub received_on: chrono::NaiveDate,
    pub regions: Vec<sirm_domain::records::RegionSegment>,
    /// The region and name of each agency of `regions` this installation
    /// knows (its peers, and itself), by agency code.
    pub agency_names: std::collections::BTreeMap<String, String>,
    pub account_transfer: Decimal,
    pub pooled_transfer: Decimal,
}

/// A transfer out of this region (转出), from its `transfer.out` entry: the
/// months and money that left with the person.
#[derive(Clone, Debug, Serialize)]
pub struct TransferredAway {
    pub number: String,
    pub to_agency: String,
    pub transferred_on: chrono::NaiveDate,
    /// Months paid that went, and months in arrears that went as arrears.
    pub months: u32,
    pub arrears_months: u32,
    /// Months paid per insurance type that went (absent in entries of an
    /// earlier version).
    pub by_type: Option<sirm_domain::records::TypeMonths>,
    pub account_transfer: Decimal,
    pub pooled_transfer: Decimal,
}

/// Everything the record holds on one person.
#[derive(Clone, Debug, Serialize)]
pub struct RightsRecord {
    pub person: PersonRow,
    pub employments: Vec<EmploymentRow>,
    pub contributions: Vec<ContributionRow>,
    pub contribution_years: ContributionYears,
    pub account_years: Vec<AccountYearRow>,
    /// The personal account now: the closing balance of the last settled
    /// year, plus every account transferred in, less every account
    /// transferred out (zero after a transfer out).
    pub account_balance: Option<Decimal>,
    pub benefit: Option<BenefitRow>,
    pub payments: Vec<BenefitPaymentRow>,
    pub subsidies: Vec<SubsidyRow>,
    /// Work injuries (工伤), births and miscarriages (生育) and the benefits
    /// granted for them.
    pub claims: sirm_store::ClaimRows,
    /// Corrections of paid months, employments, account years and the
    /// benefit (更正记录), oldest first, from their ledger entries.
    pub corrections: Vec<CorrectionNote>,
    /// Transfers received from other regions, oldest first (Art 10).
    pub transferred_in: Vec<TransferredIn>,
    /// Transferred out of this region: the record is kept as it was (Art 10).
    pub transferred_out: bool,
    /// Every transfer out of this region, oldest first, with what it moved.
    pub transferred_away: Vec<TransferredAway>,
    /// Unemployment claims and payments, yearly adjustments, death.
    pub life: LifeRecord,
    /// When and by whom the person's identifying data was erased, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased: Option<Erased>,
    /// ID-number changes (曾用身份证号), both numbers masked: filled for
    /// agency staff only (`Sirm::answer`), empty for every other reader.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_changes: Vec<crate::privacy::id_change::IdChangeNote>,
    /// The insurance relationships, one per insurance type (参保关系).
    pub relations: Vec<crate::relations::RelationView>,
    /// The de-registration (已注销), if the record is closed.
    pub deregistered: Option<crate::relations::DeregistrationView>,
    /// The medical personal account year by year and the settlements at
    /// contracted hospitals and pharmacies (docs/medical.md).
    pub medical: crate::medical::MedicalRecord,
    /// The registered name of each employer the record shows, by credit
    /// code (用人单位名称, shown beside the code): only the codes left
    /// after a view's filter ([`RightsRecord::keep_shown_employers`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub employer_names: std::collections::BTreeMap<String, String>,
}

impl RightsRecord {
    /// Every credit code the record shows (employments, contribution
    /// months, work-injury and maternity claims, corrections).
    pub fn credit_codes(&self) -> std::collections::BTreeSet<&str> {
        let c = &self.claims;
        self.employments
            .iter()
            .map(|j| j.credit_code.as_str())
            .chain(self.contributions.iter().map(|m| m.credit_code.as_str()))
            .chain(c.injuries.iter().map(|i| i.credit_code.as_str()))
            .chain(c.maternity.iter().map(|m| m.credit_code.as_str()))
            .chain(c.benefits.iter().map(|b| b.credit_code.as_str()))
            .chain(
                self.corrections
                    .iter()
                    .filter_map(|n| n.credit_code.as_deref()),
            )
            .filter(|code| !code.is_empty())
            .collect()
    }

    /// Drop the names of employers the (filtered) record no longer shows:
    /// an employer's view never learns the person's other employers.
    pub fn keep_shown_employers(&mut self) {
        let shown: std::collections::BTreeSet<String> = self
            .credit_codes()
            .into_iter()
            .map(str::to_string)
            .collect();
        self.employer_names.retain(|code, _| shown.contains(code));
    }
}

/// Unemployment insurance and the pension's life after the grant:
/// 失业保险金 claims and payments, yearly adjustments (养老金调整), and a
/// death with what it settled.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LifeRecord {
    pub unemployment_claims: Vec<sirm_store::UnemploymentClaimRow>,
    pub unemployment_payments: Vec<sirm_store::UnemploymentPaymentRow>,
    pub adjustments: Vec<sirm_store::PensionAdjustmentRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub death: Option<sirm_store::DeathRow>,
    /// Work-injury allowances and dependents' pensions paid (or recorded
    /// as the employer's) by the monthly runs, by month.
    pub injury_payments: Vec<sirm_domain::records::InjuryPaid>,
}

impl LifeRecord {
    /// The monthly pension in force: the last adjustment's new pension of
    /// the grant in force, else the grant's total.
    pub fn pension_in_force(&self, benefit: &BenefitRow) -> Decimal {
        self.adjustments
            .iter()
            .rfind(|a| a.granted_seq == benefit.seq)
            .map(|a| a.new_pension)
            .unwrap_or(benefit.total)
    }
}

/// The erasure of a person's identifying data, from its ledger entry.
#[derive(Clone, Debug, Serialize)]
pub struct Erased {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub time: String,
    /// Who approved it (the review chain's actors).
    pub actors: String,
    pub reason: String,
    pub basis: String,
}

/// Is an assessed, unpaid month in arrears? (Due by the end of the month
/// after the one it is for; SIRM counts every unpaid month before the
/// current one.)
pub fn in_arrears(month: Month, status: ContributionStatus, current: Month) -> bool {
    status == ContributionStatus::Assessed && month < current
}

/// Where an assessed contribution month stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthStatus {
    /// The contributions arrived.
    Paid,
    /// Unpaid, and before the current month ([`in_arrears`]).
    Arrears,
    /// Assessed, not yet due.
    Due,
    /// Paid, then refunded in whole (退费).
    Refunded,
}

impl MonthStatus {
    pub fn of(month: Month, status: ContributionStatus, current: Month) -> MonthStatus {
        if status == ContributionStatus::Paid {
            MonthStatus::Paid
        } else if status == ContributionStatus::Refunded {
            MonthStatus::Refunded
        } else if in_arrears(month, status, current) {
            MonthStatus::Arrears
        } else {
            MonthStatus::Due
        }
    }
}

/// Contribution years from a person's contribution rows, counted by the
/// rules engine (`sirm_domain::rules::engine::contribution_years`).
pub fn contribution_years(rows: &[ContributionRow], current: Month) -> ContributionYears {
    let paid: Vec<Month> = rows
        .iter()
        .filter(|c| c.status == ContributionStatus::Paid)
        .map(|c| c.month)
        .collect();
    let y = sirm_domain::rules::engine::contribution_years(&paid, 0);
    ContributionYears {
        paid_months: y.months,
        arrears_months: u32::try_from(
            rows.iter()
                .filter(|c| in_arrears(c.month, c.status, current))
                .count(),
        )
        .unwrap_or(u32::MAX),
        years: y.years,
        months: y.remaining_months,
        first_paid: y.paid_months.first().copied(),
        last_paid: y.paid_months.last().copied(),
        transferred_months: 0,
    }
}

/// Contribution years counting the months transferred in as well (a month
/// paid here and transferred in counts once).
/// Only paid months travel as bases: arrears count for nothing. Months of
/// this agency's own that came back (a return trip) are not counted as
/// transferred.
pub fn with_transferred(
    rows: &[ContributionRow],
    transferred: &[TransferredIn],
    own_agency: &str,
    current: Month,
) -> ContributionYears {
    let mut years = contribution_years(rows, current);
    let moved: Vec<Month> = transferred
        .iter()
        .flat_map(|t| t.regions.iter())
        .flat_map(|s| s.bases.iter().map(|b| b.month))
        .collect();
    if moved.is_empty() {
        return years;
    }
    let mut all: Vec<Month> = rows
        .iter()
        .filter(|c| c.status == ContributionStatus::Paid)
        .map(|c| c.month)
        .collect();
    all.extend(moved.iter().copied());
    let y = sirm_domain::rules::engine::contribution_years(&all, 0);
    let mut distinct: Vec<Month> = transferred
        .iter()
        .flat_map(|t| t.regions.iter())
        .filter(|s| s.agency != own_agency)
        .flat_map(|s| s.bases.iter().map(|b| b.month))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    years.paid_months = y.months;
    years.years = y.years;
    years.months = y.remaining_months;
    years.first_paid = y.paid_months.first().copied();
    years.last_paid = y.paid_months.last().copied();
    years.transferred_months = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
    years
}

/// What an employer owes for one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArrearsRow {
    pub credit_code: String,
    pub employer_name: String,
    pub month: Month,
    pub persons: u32,
    /// Employer and employee parts together, yuan.
    pub due: Decimal,
}

/// `110105********0012` from an ID number's text (anything else as it is:
/// "（已删除）" for an erased person).
pub fn mask_id_text(id: &str) -> String {
    match id.parse::<sirm_domain::id::ResidentId>() {
        Ok(rid) => rid.masked(),
        Err(_) => id.to_string(),
    }
}

impl Sirm {
    /// Assemble the rights record of a registered person. No authorization
    /// here: callers are the query use cases, which authorize first.
    ///
    /// The person row comes back with its identifying fields **opened**
    /// (`id_number`, `name`, `address`, `phone` in clear, "（已删除）" once
    /// erased): this is the one query path, and only its callers show it.
    pub async fn rights_of(&self, id: &PersonKey) -> Result<RightsRecord, AppError> {
        self.rights_on(&self.store, id).await
    }

    /// [`Sirm::rights_of`] read from `store`: the primary, or a read
    /// replica chosen by [`sirm_store::Store::reader`] (every part of the
    /// record from the same one; the person's data key from the primary).
    pub(crate) async fn rights_on(
        &self,
        store: &sirm_store::Store,
        id: &PersonKey,
    ) -> Result<RightsRecord, AppError> {
        // One snapshot, one trip (sirm-store's `record` module).
        let mut r = store.person_record(id.as_str()).await?.ok_or_else(|| {
            AppError::not_found(
                sirm_domain::RuleId::NotFoundPerson,
                format!("person {}", id.short()),
            )
        })?;
        let view = self.reveal_person(&r.person).await?;
        let erased = if view.erased {
            self.store
                .subject_entries_of_kind(
                    &sirm_domain::records::person_subject(id),
                    sirm_domain::records::kind::PERSON_ERASED,
                    0,
                )
                .await?
                .into_iter()
                .next()
                .map(|row| {
                    let p: Option<sirm_domain::records::PersonErasure> =
                        serde_json::from_str(&row.payload).ok();
                    Erased {
                        seq: row.seq,
                        time: chrono::DateTime::from_timestamp_micros(row.time_us)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                        actors: row.actors.clone(),
                        reason: p.as_ref().map(|p| p.reason.clone()).unwrap_or_default(),
                        basis: p.map(|p| p.basis).unwrap_or_default(),
                    }
                })
        } else {
            None
        };
        let corrections = self.corrections_on(store, id).await?;
        let (transferred_in, transferred_away, transferred_out) =
            self.transfer_state(store, id).await?;
        let moved: Decimal = transferred_in
            .iter()
            .map(|t| t.account_transfer)
            .sum::<Decimal>()
            - transferred_away
                .iter()
                .map(|t| t.account_transfer)
                .sum::<Decimal>();
        let settled = r.account_years.last().map(|y| y.closing_balance);
        let first_job = r.employments.iter().map(|j| j.start_on).min();
        let relations =
            crate::relations::relation_views(&store.relations_of(id.as_str()).await?, first_job);
        let deregistered = store
            .deregistration_of(id.as_str())
            .await?
            .map(|d| crate::relations::deregistration_view(&d));
        let pid = id.as_str();
        let life = LifeRecord {
            unemployment_claims: store.unemployment_claims_of(pid).await?,
            unemployment_payments: store.unemployment_payments_of(pid).await?,
            adjustments: store.adjustments_of(pid).await?,
            death: store.death_of(pid).await?,
            injury_payments: crate::collection::injury_payments_of(self, id).await?,
        };
        let medical = self
            .medical_account(
                &r.contributions,
                &r.payments,
                store.settlements_of(pid).await?,
            )
            .await?;
        r.person.id_number = view.id_text();
        r.person.name = view.name;
        r.person.address = view.address;
        r.person.phone = view.phone;
        let mut rec = RightsRecord {
            employments: r.employments,
            contribution_years: with_transferred(
                &r.contributions,
                &transferred_in,
                self.federation_agency(),
                current_month(),
            ),
            contributions: r.contributions,
            account_balance: match (settled, moved.is_zero() && transferred_away.is_empty()) {
                (None, true) => None,
                (s, _) => Some(s.unwrap_or_default() + moved),
            },
            account_years: r.account_years,
            benefit: r.benefit,
            payments: r.payments,
            subsidies: r.subsidies,
            claims: store.claims_of(id.as_str()).await?,
            corrections,
            transferred_in,
            transferred_out,
            transferred_away,
            life,
            person: r.person,
            erased,
            id_changes: Vec::new(),
            relations,
            deregistered,
            medical,
            employer_names: Default::default(),
        };
        let codes: Vec<String> = rec.credit_codes().into_iter().map(str::to_string).collect();
        rec.employer_names = self.employer_names_on(store, &codes).await?;
        Ok(rec)
    }

    /// The registered names of employers by credit code (one look-up each;
    /// an unknown code is left out): the one helper every page that shows
    /// a credit code uses to put the unit's name beside it.
    pub async fn employer_names(
        &self,
        codes: &[String],
    ) -> Result<std::collections::BTreeMap<String, String>, AppError> {
        self.employer_names_on(&self.store, codes).await
    }

    async fn employer_names_on(
        &self,
        store: &sirm_store::Store,
        codes: &[String],
    ) -> Result<std::collections::BTreeMap<String, String>, AppError> {
        let mut out = std::collections::BTreeMap::new();
        for code in codes {
            if code.is_empty() || out.contains_key(code) {
                continue;
            }
            if let Some(name) = store.employer_name(code).await? {
                out.insert(code.clone(), name);
            }
        }
        Ok(out)
    }

    /// Employer-months in arrears in the principal's agency (optionally one
    /// employer), oldest first within each employer.
    pub async fn arrears(
        &self,
        who: &Principal,
        credit_code: Option<&CreditCode>,
    ) -> Result<Vec<ArrearsRow>, AppError> {
        self.authorize(who, Permission::PersonQuery).await?;
        let rows = self
            .store
            .unpaid(
                &who.agency,
                credit_code.map(|c| c.as_str()),
                &current_month().to_string(),
            )
            .await?;
        let mut out: Vec<ArrearsRow> = Vec::new();
        for r in rows {
            let due: Decimal = r.amounts.iter().sum();
            match out.last_mut() {
                Some(last) if last.credit_code == r.credit_code && last.month == r.month => {
                    last.persons += 1;
                    last.due += due;
                }
                _ => out.push(ArrearsRow {
                    employer_name: String::new(),
                    credit_code: r.credit_code,
                    month: r.month,
                    persons: 1,
                    due,
                }),
            }
        }
        let codes: Vec<String> = out.iter().map(|r| r.credit_code.clone()).collect();
        let names = self.employer_names(&codes).await?;
        for row in &mut out {
            row.employer_name = names.get(&row.credit_code).cloned().unwrap_or_default();
        }
        Ok(out)
    }
}

/// One month of an employer's contributions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmployerMonth {
    pub month: Month,
    pub persons: u32,
    pub due: Decimal,
    /// `paid` when every person-month is paid, else `assessed`.
    pub status: ContributionStatus,
}

/// What an employer sees of itself.
#[derive(Clone, Debug, Serialize)]
pub struct EmployerOverview {
    pub credit_code: String,
    pub name: String,
    pub months: Vec<EmployerMonth>,
    /// Total of the months in arrears.
    pub arrears: Decimal,
    pub employees: Vec<EmployeeEntry>,
    /// Benefits the employer pays itself (the grade 5–6 work-injury
    /// disability allowance, 伤残津贴 paid by the employer), with the
    /// employee's masked ID number and name.
    pub pays: Vec<EmployerPays>,
}

/// One benefit item the employer pays an employee.
#[derive(Clone, Debug, Serialize)]
pub struct EmployerPays {
    /// Masked ID number and name, as in the employee list.
    pub id_number: String,
    pub name: String,
    #[serde(flatten)]
    pub item: ClaimBenefitRow,
}

/// An employee in the employer's list, with the opaque handle that links
/// to their record (`/employer/employees/{handle}`).
#[derive(Clone, Debug, Serialize)]
pub struct EmployeeEntry {
    #[serde(flatten)]
    pub row: sirm_store::EmployeeRow,
    pub handle: String,
}

impl Sirm {
    /// The employer agent's own employer: contributions and arrears by month,
    /// and its employees (names and periods only; their records are queried
    /// one by one through `query_rights`, which limits and logs).
    pub async fn employer_overview(&self, who: &Principal) -> Result<EmployerOverview, AppError> {
        self.authorize(who, Permission::EmployerRecordRead).await?;
        let code = who.employer.clone().ok_or_else(|| {
            AppError::not_found(sirm_domain::RuleId::NotFoundEmployer, "employer")
        })?;
        let mut months: Vec<EmployerMonth> = Vec::new();
        for (month, status, amounts) in self.store.employer_contributions(&code).await? {
            let due: Decimal = amounts.iter().sum();
            match months.last_mut() {
                Some(m) if m.month == month => {
                    m.persons += 1;
                    m.due += due;
                    if status == ContributionStatus::Assessed {
                        m.status = status;
                    }
                }
                _ => months.push(EmployerMonth {
                    month,
                    persons: 1,
                    due,
                    status,
                }),
            }
        }
        months.reverse();
        let current = current_month();
        let arrears = months
            .iter()
            .filter(|m| in_arrears(m.month, m.status, current))
            .map(|m| m.due)
            .sum();
        let mut employees = Vec::new();
        for mut row in self.store.employees_of(&code).await? {
            // The name only (the list shows who, not how to reach them).
            row.name = self
                .open_field(&row.person_id, crate::privacy::field::NAME, &row.name)
                .await?;
            let id = self
                .open_field(
                    &row.person_id,
                    crate::privacy::field::ID_NUMBER,
                    &row.id_number,
                )
                .await?;
            row.id_number = mask_id_text(&id);
            employees.push(EmployeeEntry {
                handle: self.employee_handle(&code, &row.person_id),
                row,
            });
        }
        let mut pays = Vec::new();
        for item in self.store.employer_paid_benefits(&code).await? {
            let who = employees.iter().find(|e| e.row.person_id == item.person_id);
            pays.push(EmployerPays {
                id_number: who.map(|e| e.row.id_number.clone()).unwrap_or_default(),
                name: who.map(|e| e.row.name.clone()).unwrap_or_default(),
                item,
            });
        }
        Ok(EmployerOverview {
            name: self.store.employer_name(&code).await?.unwrap_or_default(),
            employees,
            pays,
            credit_code: code,
            months,
            arrears,
        })
    }
}

impl Sirm {
    /// The transfers received for a person, those sent away and whether the
    /// person is transferred out now, from one read of the person's
    /// transfer entries.
    async fn transfer_state(
        &self,
        store: &sirm_store::Store,
        id: &PersonKey,
    ) -> Result<(Vec<TransferredIn>, Vec<TransferredAway>, bool), AppError> {
        use sirm_domain::records::{kind, TransferReceived, TransferredOut};
        let rows = store
            .subject_entries_of_kinds(
                &sirm_domain::records::person_subject(id),
                &crate::transfer::KINDS,
            )
            .await?;
        if rows.is_empty() {
            return Ok((Vec::new(), Vec::new(), false));
        }
        let out = crate::transfer::out_of(&crate::transfer::fold(&rows, today())?);
        let bad = |seq: i64, e: serde_json::Error| {
            AppError::Unsealed(format!("transfer entry {seq}: {e}"))
        };
        let (mut received, mut away) = (Vec::new(), Vec::new());
        for row in &rows {
            if row.kind == kind::TRANSFER_RECEIVED {
                let t: TransferReceived =
                    serde_json::from_str(&row.payload).map_err(|e| bad(row.seq, e))?;
                received.push(TransferredIn {
                    agency_names: Default::default(),
                    number: t.number,
                    from_agency: t.from_agency,
                    received_on: t.received_on,
                    regions: t.history,
                    account_transfer: t.figures.account_transfer,
                    pooled_transfer: t.figures.pooled_transfer,
                });
            } else if row.kind == kind::TRANSFER_OUT {
                let t: TransferredOut =
                    serde_json::from_str(&row.payload).map_err(|e| bad(row.seq, e))?;
                let count = |f: fn(&sirm_domain::records::RegionSegment) -> usize| {
                    u32::try_from(t.history.iter().map(f).sum::<usize>()).unwrap_or(u32::MAX)
                };
                away.push(TransferredAway {
                    months: count(|s| s.bases.len()),
                    arrears_months: count(|s| s.arrears.len()),
                    by_type: t
                        .history
                        .last()
                        .and_then(|s| s.by_type)
                        .map(|_| sirm_domain::records::TypeMonths::of_history(&t.history)),
                    number: t.number,
                    to_agency: t.to_agency,
                    transferred_on: t.transferred_on,
                    account_transfer: t.figures.account_transfer,
                    pooled_transfer: t.figures.pooled_transfer,
                });
            }
        }
        if !received.is_empty() {
            let peers = self.peers().await?;
            let own = self.federation_agency();
            for t in &mut received {
                for seg in &t.regions {
                    let name = match peers.iter().find(|p| p.agency == seg.agency) {
                        Some(p) => format!("{} {}", p.region, p.name),
                        None if seg.agency == own => "本机构 this agency".to_string(),
                        None => continue,
                    };
                    t.agency_names.insert(seg.agency.clone(), name);
                }
            }
        }
        Ok((received, away, out))
    }
}
