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

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::id::PersonKey;
use crate::rules::benefits::PensionTransfer;
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
    pub bases: Vec<TransferBase>,
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
/// `(agency, kind, payload)` in ledger order: the latest assessment of each
/// month (a correction replaces it), the closing balance of the latest
/// settled year plus every account transferred in, and the histories of the
/// transfers received. The sending agency and the receiving one call it on
/// the same entries.
pub fn transfer_inputs<'a>(
    own_agency: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(Decimal, Vec<RegionSegment>), serde_json::Error> {
    let mut own: BTreeMap<Month, Decimal> = BTreeMap::new();
    let mut settled: Option<(i32, Decimal)> = None;
    let mut transferred = Decimal::ZERO;
    let mut earlier: Vec<RegionSegment> = Vec::new();
    for (kind, payload) in entries {
        match kind {
            super::kind::CONTRIBUTION_ASSESSED => {
                let a: super::ContributionAssessed = serde_json::from_str(payload)?;
                own.insert(a.month, a.result.base);
            }
            super::kind::CONTRIBUTION_CORRECTED => {
                let c: super::ContributionCorrected = serde_json::from_str(payload)?;
                own.insert(c.assessed.month, c.assessed.result.base);
            }
            super::kind::ACCOUNT_SETTLED => {
                let s: super::AccountSettled = serde_json::from_str(payload)?;
                if settled.is_none_or(|(y, _)| s.year >= y) {
                    settled = Some((s.year, s.result.closing_balance));
                }
            }
            super::kind::TRANSFER_RECEIVED => {
                let r: TransferReceived = serde_json::from_str(payload)?;
                transferred += r.figures.account_transfer;
                earlier.extend(r.history);
            }
            _ => {}
        }
    }
    let balance = settled.map(|(_, b)| b).unwrap_or_default() + transferred;
    earlier.push(RegionSegment {
        agency: own_agency.to_string(),
        bases: own
            .into_iter()
            .map(|(month, base)| TransferBase { month, base })
            .collect(),
    });
    Ok((balance, earlier))
}

/// Every (month, base) of a history, for `pension_transfer`.
pub fn bases_of(history: &[RegionSegment]) -> Vec<(Month, Decimal)> {
    history
        .iter()
        .flat_map(|s| s.bases.iter().map(|b| (b.month, b.base)))
        .collect()
}
