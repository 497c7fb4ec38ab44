//! Transfer between regions (转移接续, Art 10) between SIRM installations
//! (docs/transfer.md):
//!
//! - `transfer.apply` (转入申请, new region, review chain) → `transfer.applied`;
//!   the clerk sends the signed contact letter (联系函) online to the peer
//!   or exports it as a file ([`letter`]) → `transfer.letter_sent`; the old
//!   region checks it → `transfer.letter_received` (or refuses it).
//! - `transfer.out` (转出, old region, review chain) computes the figures with
//!   the rules engine → `transfer.out` (the record is kept, marked); the
//!   clerk sends the signed package of the person's entries with inclusion
//!   proofs against a signed checkpoint ([`package`]) → `transfer.package_sent`;
//!   the new region verifies it → `transfer.package_received` (or refuses).
//! - `transfer.accept` (接收, new region, review chain) verifies the kept
//!   package again → `transfer.received`; the record continues from it.
//!
//! Every entry is about the person (`person:<key>`), so a person's
//! transfers are a read of the `(subject, seq)` index; no projection table.

pub mod auth;
pub mod letter;
pub mod package;
pub mod peers;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{
    self, kind, RegionSegment, TransferApplied, TransferLetterLogged, TransferPackageReceived,
    TransferReceived, TransferRefused, TransferredOut, TypeMonths,
};
use sirm_domain::rules::benefits::PensionTransfer;
use sirm_domain::RuleId;
use sirm_ledger::Stream;

use crate::identity::Principal;
use crate::{AppError, Sirm};

pub use peers::Peer;

/// Every kind a transfer writes.
pub const KINDS: [&str; 8] = [
    kind::TRANSFER_APPLIED,
    kind::TRANSFER_LETTER_SENT,
    kind::TRANSFER_LETTER_RECEIVED,
    kind::TRANSFER_OUT,
    kind::TRANSFER_PACKAGE_SENT,
    kind::TRANSFER_PACKAGE_RECEIVED,
    kind::TRANSFER_RECEIVED,
    kind::TRANSFER_REFUSED,
];

/// Which side of the transfer this installation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 转入: this is the new region.
    In,
    /// 转出: this is the old region.
    Out,
}

/// Where a transfer stands here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Applied,
    LetterSent,
    LetterReceived,
    TransferredOut,
    PackageSent,
    PackageReceived,
    Received,
    Refused,
}

impl Step {
    pub fn name_zh(self) -> &'static str {
        match self {
            Step::Applied => "已受理转入申请，待发联系函",
            Step::LetterSent => "已发联系函，待转出地转出",
            Step::LetterReceived => "已收到联系函，待办理转出",
            Step::TransferredOut => "已转出，待发送信息包",
            Step::PackageSent => "已发送信息包",
            Step::PackageReceived => "已收到信息包，待接收",
            Step::Received => "已接收，转移完成",
            Step::Refused => "已拒绝",
        }
    }

    /// The stored name (`package_sent` …), as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Applied => "applied",
            Step::LetterSent => "letter_sent",
            Step::LetterReceived => "letter_received",
            Step::TransferredOut => "transferred_out",
            Step::PackageSent => "package_sent",
            Step::PackageReceived => "package_received",
            Step::Received => "received",
            Step::Refused => "refused",
        }
    }

    /// “已发送信息包” (package_sent): for a message.
    pub fn named(self) -> String {
        format!("“{}” ({})", self.name_zh(), self.as_str())
    }

    /// Whether the transfer is finished here.
    pub fn closed(self) -> bool {
        matches!(self, Step::PackageSent | Step::Received | Step::Refused)
    }
}

/// The Chinese name of a transfer entry's kind (a step as it happened).
pub fn kind_zh(kind: &str) -> &'static str {
    match kind {
        kind::TRANSFER_APPLIED => "受理转入申请",
        kind::TRANSFER_LETTER_SENT => "发出联系函",
        kind::TRANSFER_LETTER_RECEIVED => "收到联系函",
        kind::TRANSFER_OUT => "办理转出",
        kind::TRANSFER_PACKAGE_SENT => "发送转移信息包",
        kind::TRANSFER_PACKAGE_RECEIVED => "收到转移信息包",
        kind::TRANSFER_RECEIVED => "办理接收",
        kind::TRANSFER_REFUSED => "拒绝",
        _ => "其他",
    }
}

/// A refusal, here or at the peer.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    pub step: String,
    pub rule: String,
    pub reason: String,
    /// `here` or `peer`.
    pub by: String,
}

/// One step of a transfer as it happened here.
#[derive(Clone, Debug, Serialize)]
pub struct StepRow {
    pub kind: String,
    pub seq: i64,
    /// UTC, RFC 3339.
    pub time: String,
}

/// A transfer as this installation sees it.
#[derive(Clone, Debug, Serialize)]
pub struct TransferView {
    pub number: String,
    pub person: PersonKey,
    pub direction: Direction,
    /// The other agency's code.
    pub peer: String,
    /// The other agency's region and name, as this installation knows the
    /// peer (empty: no such peer now).
    pub peer_name: String,
    pub step: Step,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    /// Who holds it now: `here`, `peer` or `done`.
    pub holder: String,
    pub refusal: Option<Refusal>,
    pub figures: Option<PensionTransfer>,
    /// Months paid per insurance type of the whole history transferred
    /// (absent before the transfer out, or in entries of an earlier version).
    pub months_by_type: Option<TypeMonths>,
    pub steps: Vec<StepRow>,
}

fn corrupt(seq: i64, e: impl std::fmt::Display) -> AppError {
    AppError::Unsealed(format!("transfer entry {seq}: {e}"))
}

pub(crate) fn no_such_transfer(number: &str) -> AppError {
    let shown: String = number.chars().take(40).collect();
    AppError::not_found(RuleId::NotFoundTransfer, format!("transfer {shown}"))
}

fn not_found_record() -> AppError {
    AppError::not_found(RuleId::NotFoundRecord, "record")
}

pub(crate) fn wrong_step(message: impl Into<String>) -> AppError {
    AppError::conflict_by(RuleId::TransferStep, message.into())
}

/// The months per insurance type of a history, when its own (last) segment
/// counts them.
fn months_by_type(history: &[RegionSegment]) -> Option<TypeMonths> {
    history.last()?.by_type?;
    Some(TypeMonths::of_history(history))
}

/// Fold a person's transfer entries (ledger order) into one view per number.
pub(crate) fn fold(
    rows: &[sirm_store::StoredRow],
    today: NaiveDate,
) -> Result<Vec<TransferView>, AppError> {
    let mut out: Vec<TransferView> = Vec::new();
    for r in rows {
        let v: serde_json::Value =
            serde_json::from_str(&r.payload).map_err(|e| corrupt(r.seq, e))?;
        let number = v["number"].as_str().unwrap_or_default().to_string();
        let person: PersonKey = v["person"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|e| corrupt(r.seq, e))?;
        let pos = match out.iter().position(|t| t.number == number) {
            Some(i) => i,
            None => {
                let (direction, peer) = match r.kind.as_str() {
                    kind::TRANSFER_APPLIED | kind::TRANSFER_LETTER_SENT => {
                        (Direction::In, v["from_agency"].as_str())
                    }
                    kind::TRANSFER_LETTER_RECEIVED => (Direction::Out, v["from_agency"].as_str()),
                    _ => continue,
                };
                out.push(TransferView {
                    number: number.clone(),
                    person: person.clone(),
                    direction,
                    peer: peer.unwrap_or_default().to_string(),
                    peer_name: String::new(),
                    step: Step::Applied,
                    deadline: None,
                    overdue: false,
                    holder: "here".into(),
                    refusal: None,
                    figures: None,
                    months_by_type: None,
                    steps: Vec::new(),
                });
                out.len() - 1
            }
        };
        let t = &mut out[pos];
        let de = |e| corrupt(r.seq, e);
        match r.kind.as_str() {
            kind::TRANSFER_APPLIED => {
                let a: TransferApplied = serde_json::from_value(v).map_err(de)?;
                t.step = Step::Applied;
                t.deadline = Some(a.deadline);
                t.holder = "here".into();
            }
            kind::TRANSFER_LETTER_SENT => {
                let l: TransferLetterLogged = serde_json::from_value(v).map_err(de)?;
                t.step = Step::LetterSent;
                t.deadline = Some(l.deadline);
                t.holder = "peer".into();
            }
            kind::TRANSFER_LETTER_RECEIVED => {
                let l: TransferLetterLogged = serde_json::from_value(v).map_err(de)?;
                t.step = Step::LetterReceived;
                t.deadline = Some(l.deadline);
                t.holder = "here".into();
            }
            kind::TRANSFER_OUT => {
                let o: TransferredOut = serde_json::from_value(v).map_err(de)?;
                t.step = Step::TransferredOut;
                t.figures = Some(o.figures);
                t.months_by_type = months_by_type(&o.history);
                t.holder = "here".into();
            }
            kind::TRANSFER_PACKAGE_SENT => {
                t.step = Step::PackageSent;
                t.holder = "done".into();
            }
            kind::TRANSFER_PACKAGE_RECEIVED => {
                let p: TransferPackageReceived = serde_json::from_value(v).map_err(de)?;
                t.step = Step::PackageReceived;
                t.deadline = Some(p.deadline);
                t.holder = "here".into();
            }
            kind::TRANSFER_RECEIVED => {
                let rec: TransferReceived = serde_json::from_value(v).map_err(de)?;
                t.step = Step::Received;
                t.figures = Some(rec.figures);
                t.months_by_type = months_by_type(&rec.history);
                t.holder = "done".into();
            }
            kind::TRANSFER_REFUSED => {
                let f: TransferRefused = serde_json::from_value(v).map_err(de)?;
                // The old region refusing the letter ends the transfer; a
                // refused package (perhaps not the old agency's) does not:
                // the genuine one may still come within the deadline.
                if f.step == "letter" {
                    t.step = Step::Refused;
                    t.holder = "done".into();
                }
                t.refusal = Some(Refusal {
                    step: f.step,
                    rule: f.rule,
                    reason: f.reason,
                    by: f.by,
                });
            }
            _ => continue,
        }
        t.steps.push(StepRow {
            kind: r.kind.clone(),
            seq: r.seq,
            time: chrono::DateTime::from_timestamp_micros(r.time_us)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        });
    }
    for t in &mut out {
        t.overdue = !t.step.closed() && t.deadline.is_some_and(|d| d < today);
    }
    Ok(out)
}

/// Whether a person's transfers (ledger order) leave the person
/// transferred out: a transfer out not refused, and none received since.
pub(crate) fn out_of(transfers: &[TransferView]) -> bool {
    let mut out = false;
    for t in transfers {
        match (t.direction, t.step) {
            (Direction::Out, Step::TransferredOut | Step::PackageSent) => out = true,
            (Direction::In, Step::Received) => out = false,
            _ => {}
        }
    }
    out
}

impl Sirm {
    /// A person's transfers here, from the ledger.
    pub(crate) async fn transfers_of(
        &self,
        person: &PersonKey,
    ) -> Result<Vec<TransferView>, AppError> {
        let rows = self
            .store
            .subject_entries_of_kinds(&records::person_subject(person), &KINDS)
            .await?;
        fold(&rows, crate::clock::today())
    }

    /// The transfer `number` here (of any person).
    pub(crate) async fn transfer_by_number(&self, number: &str) -> Result<TransferView, AppError> {
        for k in [kind::TRANSFER_APPLIED, kind::TRANSFER_LETTER_RECEIVED] {
            for r in self
                .store
                .entries_of_kind(Stream::Business.as_str(), k)
                .await?
            {
                let v: serde_json::Value =
                    serde_json::from_str(&r.payload).map_err(|e| corrupt(r.seq, e))?;
                if v["number"].as_str() == Some(number) {
                    let pk: PersonKey = v["person"]
                        .as_str()
                        .unwrap_or_default()
                        .parse()
                        .map_err(|e| corrupt(r.seq, e))?;
                    return self
                        .transfers_of(&pk)
                        .await?
                        .into_iter()
                        .find(|t| t.number == number)
                        .ok_or_else(|| no_such_transfer(number));
                }
            }
        }
        Err(no_such_transfer(number))
    }

    /// Whether the person was transferred out of this region (a transfer
    /// out not refused, and no transfer received since).
    pub async fn transferred_out(&self, person: &PersonKey) -> Result<bool, AppError> {
        Ok(out_of(&self.transfers_of(person).await?))
    }

    /// Refuse with rule `transfer.open` when the person has a transfer open here.
    pub(crate) async fn no_open_transfer(&self, person: &PersonKey) -> Result<(), AppError> {
        if let Some(t) = self
            .transfers_of(person)
            .await?
            .into_iter()
            .find(|t| !t.step.closed())
        {
            return Err(AppError::conflict_by(
                RuleId::TransferOpen,
                format!(
                    "the person has transfer {} open (at step {})",
                    t.number,
                    t.step.named()
                ),
            ));
        }
        Ok(())
    }

    /// Every transfer of this agency, the most urgent deadline first (staff
    /// who run or review transfers).
    pub async fn list_transfers(&self, who: &Principal) -> Result<Vec<TransferView>, AppError> {
        self.transfer_staff(who).await?;
        let mut persons: Vec<PersonKey> = Vec::new();
        for k in [kind::TRANSFER_APPLIED, kind::TRANSFER_LETTER_RECEIVED] {
            for r in self
                .store
                .entries_of_kind(Stream::Business.as_str(), k)
                .await?
            {
                let v: serde_json::Value =
                    serde_json::from_str(&r.payload).map_err(|e| corrupt(r.seq, e))?;
                if let Ok(pk) = v["person"].as_str().unwrap_or_default().parse() {
                    if !persons.contains(&pk) {
                        persons.push(pk);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for pk in persons {
            if self.person_of_agency(who, &pk).await.is_ok() {
                out.extend(self.transfers_of(&pk).await?);
            }
        }
        out.sort_by_key(|t| (t.step.closed(), t.deadline));
        self.name_peers(out).await
    }

    /// Fill in each transfer's peer region and name.
    async fn name_peers(&self, mut rows: Vec<TransferView>) -> Result<Vec<TransferView>, AppError> {
        let peers = self.peers().await?;
        for t in &mut rows {
            if let Some(p) = peers.iter().find(|p| p.agency == t.peer) {
                t.peer_name = format!("{} {}", p.region, p.name);
            }
        }
        Ok(rows)
    }

    /// One transfer, for staff (an unknown number and one of no person of
    /// this installation are the same "not found").
    pub async fn transfer(&self, who: &Principal, number: &str) -> Result<TransferView, AppError> {
        self.transfer_staff(who).await?;
        let t = self.transfer_of_agency(who, number).await?;
        let mut named = self.name_peers(vec![t]).await?;
        named.pop().ok_or_else(|| no_such_transfer(number))
    }

    /// The transfer `number` of a person of the principal's agency; one of
    /// another agency's persons is the same "not found" as a missing one.
    pub(crate) async fn transfer_of_agency(
        &self,
        who: &Principal,
        number: &str,
    ) -> Result<TransferView, AppError> {
        let t = self.transfer_by_number(number).await?;
        self.person_of_agency(who, &t.person)
            .await
            .map_err(|_| no_such_transfer(number))?;
        Ok(t)
    }

    /// A person's transfers here for the portal: each step, its deadline
    /// and who holds it now. The person, or a delegate (委托代理人) whose
    /// written authorization in force covers the contribution record
    /// (transfers carry the months by region): the same capacity as the
    /// record's (`Sirm::capacity`). Anyone else gets the record's "not
    /// found". Not logged as a query: steps and dates only, no figures
    /// beyond what the record shows.
    pub async fn transfers_for(
        &self,
        who: &Principal,
        subject: &PersonKey,
    ) -> Result<Vec<TransferView>, AppError> {
        use crate::query::{Channel, Item, Requester};
        let (requester, items, _) = self
            .capacity(who, Channel::Portal, subject)
            .await
            .map_err(|_| not_found_record())?;
        let may = match requester {
            Requester::Person => true,
            Requester::Delegate => items.contains(&Item::Contributions),
            _ => false,
        };
        if !may {
            return Err(not_found_record());
        }
        let rows = self.transfers_of(subject).await?;
        self.name_peers(rows).await
    }

    /// Staff with a business role of the review chain, or the maintenance officer.
    async fn transfer_staff(&self, who: &Principal) -> Result<(), AppError> {
        for p in [
            Permission::RecordCollect,
            Permission::RecordReview,
            Permission::RecordRecheck,
            Permission::RecordApprove,
            Permission::RecordMaintain,
        ] {
            if who.may(p) {
                return self.authorize(who, p).await;
            }
        }
        self.authorize(who, Permission::RecordCollect).await
    }
}
