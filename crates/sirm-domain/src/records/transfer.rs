//! Transfer between regions (转移接续, Art 10): the application at the new
//! region (转入申请), the contact letter (联系函) to the old region, the
//! transfer out there (转出) with the figures of the rules engine, and the
//! acceptance at the new region (接收) of a signed, proven package.
//!
//! Every transfer entry is about the person (subject `person:<key>` of the
//! agency that writes it), so a person's transfers are read through the
//! ledger's `(subject, seq)` index and travel in the person's package.
//! What the figures are computed from is a pure function of the person's
//! ledger entries ([`transfer_inputs`]), used by the sending agency and
//! again by the receiving one on the entries it received.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::PersonKey;
use crate::rules::benefits::PensionTransfer;
use crate::rules::engine::MonthAmounts;
use crate::rules::{Month, RoundingRule, RuleSetRef};

/// `transfer.apply` (转入申请): raw data of the application at the new region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferApply {
    /// The person (registered at the new region), as a blind index once kept.
    pub id: PersonKey,
    /// The old region's agency code (a peer, or one not on SIRM: the
    /// letter is then exported as a file).
    pub from_agency: String,
}

/// `transfer.out` (转出) and `transfer.accept` (接收): raw data is the
/// transfer's number only; every figure is computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferStep {
    pub number: String,
}

/// `transfer.applied`: the new region took the application (written at
/// approval). The deadline is the new agency's for sending the letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferApplied {
    pub number: String,
    pub person: PersonKey,
    /// The new agency (this installation).
    pub to_agency: String,
    pub from_agency: String,
    pub applied_on: NaiveDate,
    pub deadline: NaiveDate,
}

/// `transfer.letter_sent` (new region) / `transfer.letter_received` (old
/// region): the contact letter as signed by the new agency, without the
/// ID number (which travels in the signed transport only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferLetterLogged {
    pub number: String,
    pub person: PersonKey,
    pub from_agency: String,
    pub to_agency: String,
    pub issued_on: NaiveDate,
    /// The deadline of the next step (the old agency's transfer out).
    pub deadline: NaiveDate,
    /// `online` or `file`.
    pub channel: String,
}

/// One month's contribution base in a transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBase {
    pub month: Month,
    pub base: Decimal,
}

/// The months of one region in a person's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSegment {
    /// The agency that recorded these months.
    pub agency: String,
    /// The months paid (实缴): they count as contribution months and move
    /// the pooled share.
    pub bases: Vec<TransferBase>,
    /// The months assessed and not paid when the region transferred the
    /// person out (欠费): they travel as arrears, count for nothing and
    /// move no money. Payment status is not in the person's entries
    /// (payments are employer entries): the sending agency attests it in
    /// its signed `transfer.out` entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arrears: Vec<TransferBase>,
    /// Of the months paid, those with a contribution of each insurance
    /// type (按险种缴费月数). Absent in entries written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_type: Option<TypeMonths>,
}

/// Months paid per insurance type: a paid month counts for a type when its
/// assessment carries a positive contribution of that type (employer and
/// employee parts together). Maternity insurance rides on medical (生育保险
/// 并入职工医保), so its months are the medical ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeMonths {
    pub pension: u32,
    pub medical: u32,
    pub unemployment: u32,
    pub work_injury: u32,
}

impl TypeMonths {
    /// The months of one paid month's amounts.
    pub fn of(a: &MonthAmounts) -> TypeMonths {
        let n = |d: Decimal| u32::from(d > Decimal::ZERO);
        TypeMonths {
            pension: n(a.pension_employer + a.pension_employee),
            medical: n(a.medical_employer + a.medical_employee),
            unemployment: n(a.unemployment_employer + a.unemployment_employee),
            work_injury: n(a.work_injury_employer),
        }
    }

    /// The sum of two counts.
    pub fn plus(self, o: TypeMonths) -> TypeMonths {
        TypeMonths {
            pension: self.pension.saturating_add(o.pension),
            medical: self.medical.saturating_add(o.medical),
            unemployment: self.unemployment.saturating_add(o.unemployment),
            work_injury: self.work_injury.saturating_add(o.work_injury),
        }
    }

    /// The sum over a history (segments without counts add nothing).
    pub fn of_history(history: &[RegionSegment]) -> TypeMonths {
        history
            .iter()
            .filter_map(|s| s.by_type)
            .fold(TypeMonths::default(), TypeMonths::plus)
    }
}

/// `transfer.out`: the old region computed the figures and marked the
/// record transferred out (the record stays, Art 10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferredOut {
    pub number: String,
    pub person: PersonKey,
    pub to_agency: String,
    /// The rule set in force when computed (id, version, hash) and its
    /// amount rounding, which the receiver recomputes with.
    pub rule_set: RuleSetRef,
    pub rounding: RoundingRule,
    /// Input of `pension_transfer`: the account balance.
    pub account_balance: Decimal,
    /// The history by region, oldest region first (this agency last).
    pub history: Vec<RegionSegment>,
    pub figures: PensionTransfer,
    pub transferred_on: NaiveDate,
}

/// `transfer.package_received`: a package that passed every check, kept as
/// received (the old agency's entries, proofs and signed checkpoint, the ID
/// number removed), so anyone can check it again later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPackageReceived {
    pub number: String,
    pub person: PersonKey,
    pub from_agency: String,
    pub package: serde_json::Value,
    /// The deadline of acceptance.
    pub deadline: NaiveDate,
}

/// `transfer.received` (接收): the new region accepted the transfer; the
/// person's record continues from these figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferReceived {
    pub number: String,
    pub person: PersonKey,
    pub from_agency: String,
    /// The old agency's signed checkpoint the package was proven against
    /// (C2SP signed note).
    pub checkpoint: String,
    pub rule_set: RuleSetRef,
    pub figures: PensionTransfer,
    pub history: Vec<RegionSegment>,
    pub received_on: NaiveDate,
}

/// `transfer.refused`: a step refused (a letter or a package failing a
/// check, here or at the peer), with the reason; recorded on both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRefused {
    pub number: String,
    pub person: PersonKey,
    pub peer: String,
    /// `letter` or `package`.
    pub step: String,
    /// The rule id of the refusal.
    pub rule: String,
    pub reason: String,
    /// `here` (this agency refused) or `peer` (the peer's answer).
    pub by: String,
}

/// What a transfer out computes from: the account balance and the history
/// of bases by region. A pure function of the person's ledger entries
/// `(kind, payload)` in ledger order and of the months `unpaid` here: the
/// latest assessment of each month (a correction replaces it), paid months
/// as bases and unpaid ones as arrears; the closing balance of the latest
/// settled year plus every account transferred in, less every account
/// transferred out; the histories of the transfers received. A transfer out
/// sends everything before it away: a person who comes back brings those
/// months back in the history received, not twice. The sending agency and
/// the receiving one call it on the same entries (the receiver with the
/// arrears the sender attested).
pub fn transfer_inputs<'a>(
    own_agency: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    unpaid: &BTreeSet<Month>,
) -> Result<(Decimal, Vec<RegionSegment>), serde_json::Error> {
    let mut own: BTreeMap<Month, (Decimal, MonthAmounts)> = BTreeMap::new();
    let mut settled: Option<(i32, Decimal)> = None;
    let mut moved = Decimal::ZERO;
    let mut earlier: Vec<RegionSegment> = Vec::new();
    for (kind, payload) in entries {
        match kind {
            super::kind::CONTRIBUTION_ASSESSED => {
                let a: super::ContributionAssessed = serde_json::from_str(payload)?;
                own.insert(a.month, (a.result.base, a.result.amounts));
            }
            super::kind::CONTRIBUTION_CORRECTED => {
                let c: super::ContributionCorrected = serde_json::from_str(payload)?;
                own.insert(
                    c.assessed.month,
                    (c.assessed.result.base, c.assessed.result.amounts),
                );
            }
            super::kind::ACCOUNT_SETTLED => {
                let s: super::AccountSettled = serde_json::from_str(payload)?;
                if settled.is_none_or(|(y, _)| s.year >= y) {
                    settled = Some((s.year, s.result.closing_balance));
                }
            }
            super::kind::TRANSFER_RECEIVED => {
                let r: TransferReceived = serde_json::from_str(payload)?;
                moved += r.figures.account_transfer;
                earlier.extend(r.history);
            }
            super::kind::TRANSFER_OUT => {
                let o: TransferredOut = serde_json::from_str(payload)?;
                moved -= o.figures.account_transfer;
                own.clear();
                earlier.clear();
            }
            _ => {}
        }
    }
    let balance = settled.map(|(_, b)| b).unwrap_or_default() + moved;
    let (mut bases, mut arrears) = (Vec::new(), Vec::new());
    let mut by_type = TypeMonths::default();
    for (month, (base, amounts)) in own {
        let b = TransferBase { month, base };
        if unpaid.contains(&month) {
            arrears.push(b);
        } else {
            bases.push(b);
            by_type = by_type.plus(TypeMonths::of(&amounts));
        }
    }
    earlier.push(RegionSegment {
        agency: own_agency.to_string(),
        bases,
        arrears,
        by_type: Some(by_type),
    });
    Ok((balance, earlier))
}

/// The months a history's last segment (the sender's own) carries as
/// arrears: what the receiver recomputes the sender's inputs with.
pub fn own_arrears(history: &[RegionSegment]) -> BTreeSet<Month> {
    history
        .last()
        .map(|s| s.arrears.iter().map(|b| b.month).collect())
        .unwrap_or_default()
}

/// Every (month, base) of a history, for `pension_transfer`.
pub fn bases_of(history: &[RegionSegment]) -> Vec<(Month, Decimal)> {
    history
        .iter()
        .flat_map(|s| s.bases.iter().map(|b| (b.month, b.base)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::kind;
    use crate::rules::{RoundingMode, RoundingRule};

    fn figures(account: i64, history: &[RegionSegment]) -> PensionTransfer {
        let r = RoundingRule::new(2, RoundingMode::HalfUp);
        crate::rules::benefits::pension_transfer(r, Decimal::from(account), &bases_of(history))
            .unwrap()
    }

    fn segment(agency: &str, months: &[&str], arrears: &[&str]) -> RegionSegment {
        let b = |m: &&str| TransferBase {
            month: Month::parse(m).unwrap(),
            base: Decimal::from(5000),
        };
        RegionSegment {
            agency: agency.into(),
            bases: months.iter().map(b).collect(),
            arrears: arrears.iter().map(b).collect(),
            by_type: Some(TypeMonths::default()),
        }
    }

    fn received(number: &str, account: i64, history: Vec<RegionSegment>) -> String {
        serde_json::to_string(&TransferReceived {
            number: number.into(),
            person: PersonKey::from_digest(&[1; 32]),
            from_agency: "X".into(),
            checkpoint: String::new(),
            rule_set: serde_json::from_value(serde_json::json!({"id": "national", "version": 1}))
                .unwrap(),
            figures: figures(account, &history),
            history,
            received_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        })
        .unwrap()
    }

    fn out(number: &str, account: i64, history: Vec<RegionSegment>) -> String {
        serde_json::to_string(&TransferredOut {
            number: number.into(),
            person: PersonKey::from_digest(&[1; 32]),
            to_agency: "B".into(),
            rule_set: serde_json::from_value(serde_json::json!({"id": "national", "version": 1}))
                .unwrap(),
            rounding: RoundingRule::new(2, RoundingMode::HalfUp),
            account_balance: Decimal::from(account),
            figures: figures(account, &history),
            history,
            transferred_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        })
        .unwrap()
    }

    /// A month counts for a type when that type's contribution is positive;
    /// segments without counts (earlier entries) add nothing.
    #[test]
    fn months_by_type_count_positive_contributions() {
        let d = Decimal::from;
        let a = MonthAmounts {
            pension_employer: d(800),
            pension_employee: d(400),
            medical_employer: d(0),
            medical_employee: d(100),
            unemployment_employer: d(0),
            unemployment_employee: d(0),
            work_injury_employer: d(20),
        };
        let m = TypeMonths::of(&a);
        assert_eq!(
            (m.pension, m.medical, m.unemployment, m.work_injury),
            (1, 1, 0, 1)
        );
        let mut old = segment("Q", &["2020-01"], &[]);
        old.by_type = None;
        let mut mine = segment("A", &["2021-01"], &[]);
        mine.by_type = Some(m.plus(m));
        assert_eq!(TypeMonths::of_history(&[old, mine]).work_injury, 2);
    }

    /// A → B → A: what A sent away is not sent again, and the balance is
    /// the one that came back, not A's old one added to it.
    #[test]
    fn a_return_trip_counts_once() {
        let first = received("N0", 100, vec![segment("Q", &["2020-01"], &["2020-02"])]);
        let gone = out("N1", 100, vec![segment("Q", &["2020-01"], &["2020-02"])]);
        let back = received(
            "N2",
            180,
            vec![
                segment("Q", &["2020-01"], &["2020-02"]),
                segment("A", &[], &[]),
                segment("B", &["2021-01", "2021-02"], &[]),
            ],
        );
        let entries = [
            (kind::TRANSFER_RECEIVED, first.as_str()),
            (kind::TRANSFER_OUT, gone.as_str()),
        ];
        let (balance, history) =
            transfer_inputs("A", entries.iter().copied(), &BTreeSet::new()).unwrap();
        assert_eq!(balance, Decimal::ZERO, "all of it went out");
        assert_eq!(history, vec![segment("A", &[], &[])]);
        let entries = [
            (kind::TRANSFER_RECEIVED, first.as_str()),
            (kind::TRANSFER_OUT, gone.as_str()),
            (kind::TRANSFER_RECEIVED, back.as_str()),
        ];
        let (balance, history) =
            transfer_inputs("A", entries.iter().copied(), &BTreeSet::new()).unwrap();
        assert_eq!(balance, Decimal::from(180));
        let agencies: Vec<&str> = history.iter().map(|s| s.agency.as_str()).collect();
        assert_eq!(agencies, ["Q", "A", "B", "A"]);
        // Arrears travel beside the paid months and count for nothing.
        let f = figures(180, &history);
        assert_eq!(f.months_counted, 3);
        assert_eq!(
            own_arrears(&[segment("A", &["2020-01"], &["2020-02"])]).len(),
            1
        );
    }
}
