//! The telephone channel (电话查询, Art 14): an IVR system asks, server to
//! server, for a short summary of a person's record, authenticated by the
//! person's resident ID number and a 6-digit query PIN (查询密码).
//!
//! - The PIN is set (or reset) at the counter by a clerk after checking the ID
//!   document ([`Sirm::set_query_pin`], permission `external_activate`), and
//!   must pass the rules of [`sirm_domain::access::pin`]. Only an argon2id hash
//!   is stored, in the mutable table `query_pin`; setting it is a
//!   `query_pin.set` security event in the ledger (never the PIN or its hash).
//! - Every refusal — malformed ID, unknown ID, no PIN, wrong PIN, locked PIN —
//!   is the same [`AppError::IvrRefused`], and every path costs exactly one
//!   argon2 verification (against a dummy hash when there is no PIN), so
//!   neither the answer nor its timing tells whether the person exists. The
//!   audit trail records which it was, with the source address.
//! - 5 consecutive wrong PINs lock the PIN for 30 minutes
//!   ([`pin::PIN_LOCKOUT_THRESHOLD`], [`pin::PIN_LOCKOUT_MINUTES`]); a right
//!   PIN resets the count. Failures are anonymous refusals, counted per source
//!   and written as one `refusals.summary` event per source per window
//!   (`identity/refusals.rs`); each lock is a `query_pin.lockout` event, each
//!   answered query an `ivr.query` event naming the channel and the items
//!   answered. Events name the person by the masked ID number.

use crate::AuditEvent;
use chrono::{DateTime, Duration};
use serde::Serialize;
use sirm_domain::access::{pin, Permission};
use sirm_domain::id::{PersonKey, ResidentId};
use sirm_domain::rules::Month;
use sirm_domain::status::BenefitStatus as Recorded;

use super::auth::dummy_hash;
use super::Principal;
use crate::clock::time_us;
pub use crate::config::ivr::IvrConfig;
use crate::{password, AppError, Sirm};

/// The channel name written into the audit trail (and its actor).
pub const IVR_CHANNEL: &str = "ivr";

/// What an IVR answer tells, in this order (named in each `ivr.query` event).
pub const IVR_ITEMS: &[&str] = &[
    "contribution_months",
    "last_paid_month",
    "account_balance",
    "benefit_status",
    "arrears_months",
    "medical_account_balance",
    "unemployment_monthly",
];

/// A PIN was set at the counter.
#[derive(Clone, Debug, Serialize)]
pub struct QueryPinSet {
    /// The person, masked.
    pub person: String,
    /// A PIN existed before and was replaced.
    pub reset: bool,
    /// The ledger entry recording it.
    pub set_seq: u64,
}

/// The state of a person's retirement benefit, as the IVR says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitStatus {
    None,
    Granted,
    Suspended,
    Terminated,
}

impl BenefitStatus {
    fn of(status: Option<Recorded>) -> Self {
        match status {
            None => BenefitStatus::None,
            Some(Recorded::Granted) => BenefitStatus::Granted,
            Some(Recorded::Suspended) => BenefitStatus::Suspended,
            Some(Recorded::Terminated) => BenefitStatus::Terminated,
        }
    }
}

/// The short summary read out by the telephone channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IvrSummary {
    /// Months whose contributions arrived (缴费月数).
    pub contribution_months: u32,
    /// The last paid month.
    pub last_paid_month: Option<Month>,
    /// Personal account balance at the last year-end settlement.
    pub account_balance: rust_decimal::Decimal,
    pub benefit_status: BenefitStatus,
    /// Assessed months before the current one that are not paid (欠费月数).
    pub arrears_months: u32,
    /// The medical personal account balance (职工医保个人账户), when the
    /// person has one.
    pub medical_account_balance: Option<rust_decimal::Decimal>,
    /// The monthly unemployment benefit of an open claim (失业保险金领取中).
    pub unemployment_monthly: Option<rust_decimal::Decimal>,
    /// The date of the answer (`YYYY-MM-DD`, agency time UTC+8).
    pub as_of: String,
}

/// argon2 off the async workers, in the bounded password-check slots (an
/// IVR may call many times at once).
async fn verify_pin(given: &str, hash: &str) -> Result<bool, AppError> {
    password::verify_async(given, hash).await
}

async fn hash_pin(pin: &str) -> Result<String, AppError> {
    password::hash_async(pin).await
}

fn utc(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

impl Sirm {
    /// The clerk sets or resets a person's query PIN after checking the ID
    /// document at the counter. A refused PIN names its rule.
    pub async fn set_query_pin(
        &self,
        who: &Principal,
        id: &ResidentId,
        new_pin: &str,
        _checked: super::external::IdDocumentChecked,
    ) -> Result<QueryPinSet, AppError> {
        self.authorize(who, Permission::ExternalActivate).await?;
        let pk = self.person_key(id)?;
        let person = self.person_of_agency(who, &pk).await?;
        if let Err(v) = pin::check_query_pin(new_pin, id.birth_date()) {
            self.audit(AuditEvent::on(who, pk.as_str(), "query_pin.set").failure(v.to_string()))
                .await?;
            return Err(AppError::invalid_by("pin", v.rule, v));
        }
        let hash = hash_pin(new_pin).await?;
        let reset = self.store.query_pin(&person.person_id).await?.is_some();
        let ev = self.audit_draft(AuditEvent::on(who, pk.as_str(), "query_pin.set").success(
            format!(
                "query PIN {} for {pk} after the ID document was checked at the counter",
                if reset { "reset" } else { "set" },
            ),
        ))?;
        let out = self.append(vec![ev]).await?;
        let seq = i64::try_from(out.last_seq).unwrap_or(i64::MAX);
        if let Err(e) = self
            .store
            .set_query_pin(&person.person_id, &hash, seq)
            .await
        {
            self.audit(
                AuditEvent::on(who, pk.as_str(), "query_pin.set").failure(format!(
                    "not stored (entry {seq} did not take effect): storage error"
                )),
            )
            .await?;
            return Err(e.into());
        }
        Ok(QueryPinSet {
            person: id.masked(),
            reset,
            set_seq: out.last_seq,
        })
    }

    /// Count a refused PIN check (an anonymous refusal, summarised per
    /// source) and give the one refusal.
    fn pin_refused(&self, channel: &str, account: &str, source: &str, why: &str) -> AppError {
        self.refused(source, &format!("{channel}.failure"), Some(account), why);
        AppError::IvrRefused
    }

    /// The telephone channel: a person's summary for ID number + query PIN.
    /// No sign-in; `source` is the caller's address (for the audit trail).
    /// The figures come through the one query path (channel `telephone`,
    /// the person's own capacity), so the queryable-content configuration
    /// applies and the query is in the query log.
    pub async fn ivr_summary(
        &self,
        id_number: &str,
        given_pin: &str,
        source: &str,
    ) -> Result<IvrSummary, AppError> {
        let (id, who) = self
            .verify_query_pin(id_number, given_pin, source, IVR_CHANNEL)
            .await?;
        let r = self
            .query_rights(&who, crate::query::Channel::Telephone, &id, None)
            .await
            .map_err(|e| match e {
                AppError::NotFound { .. } => AppError::IvrRefused,
                other => other,
            })?
            .record;
        let summary = IvrSummary {
            contribution_months: r.contribution_years.paid_months,
            last_paid_month: r.contribution_years.last_paid,
            account_balance: r
                .account_balance
                .unwrap_or_else(|| rust_decimal::Decimal::new(0, 2)),
            benefit_status: BenefitStatus::of(r.benefit.as_ref().map(|b| b.status)),
            arrears_months: r.contribution_years.arrears_months,
            medical_account_balance: r.medical.balance,
            unemployment_monthly: r
                .life
                .unemployment_claims
                .iter()
                .rfind(|c| c.status == "open")
                .map(|c| c.monthly_amount),
            as_of: crate::clock::today().format("%Y-%m-%d").to_string(),
        };
        self.audit(
            AuditEvent::new(id.as_str(), source, "ivr.query")
                .by(IVR_CHANNEL)
                .success(format!(
                    "channel {IVR_CHANNEL}; items answered: {}",
                    IVR_ITEMS.join(", ")
                )),
        )
        .await?;
        Ok(summary)
    }

    /// Check a resident ID number and query PIN (telephone and kiosk): the
    /// same refusal for every failure, one argon2 verification on every path,
    /// lockout after repeated wrong PINs. On success, the person and a
    /// principal acting as that person on `channel` (no account needed).
    pub async fn verify_query_pin(
        &self,
        id_number: &str,
        given_pin: &str,
        source: &str,
        channel: &str,
    ) -> Result<(PersonKey, Principal), AppError> {
        let now = time_us();
        let id = match id_number.trim().parse::<ResidentId>() {
            Ok(rid) => Some(self.person_key(&rid)?),
            Err(_) => None,
        };
        let person = match &id {
            Some(id) => self.store.person(id.as_str()).await?,
            None => None,
        };
        let row = match &person {
            Some(p) => self.store.query_pin(&p.person_id).await?,
            None => None,
        };
        // Exactly one argon2 verification on every path. A PIN is 6 digits:
        // longer input is cut (it cannot match either way) to bound the work.
        let given: String = given_pin.chars().take(16).collect();
        let hash = row.as_ref().map_or(dummy_hash(), |r| r.pin_hash.as_str());
        let ok = verify_pin(&given, hash).await?;

        let Some(id) = id else {
            return Err(self.pin_refused(channel, "(malformed)", source, "malformed ID number"));
        };
        let masked = id.as_str().to_string();
        if person.is_none() {
            return Err(self.pin_refused(channel, &masked, source, "unknown ID number"));
        }
        let pid = id.as_str();
        let Some(row) = row else {
            return Err(self.pin_refused(channel, &masked, source, "no query PIN set"));
        };
        if row.locked_until_us > now {
            return Err(self.pin_refused(channel, &masked, source, "query PIN locked"));
        }
        if !ok {
            let until = now
                + Duration::minutes(i64::from(pin::PIN_LOCKOUT_MINUTES))
                    .num_microseconds()
                    .unwrap_or(0);
            let (_, locked) = self
                .store
                .record_query_pin_failure(pid, i64::from(pin::PIN_LOCKOUT_THRESHOLD), until)
                .await?;
            let refusal = self.pin_refused(channel, &masked, source, "wrong query PIN");
            if locked {
                // Bounded per person (one per lockout period): written at once.
                let detail = format!(
                    "channel {channel}: query PIN locked until {} after {} consecutive wrong PINs ({} minutes)",
                    utc(until),
                    pin::PIN_LOCKOUT_THRESHOLD,
                    pin::PIN_LOCKOUT_MINUTES
                );
                self.audit(
                    AuditEvent::new(&masked, source, "query_pin.lockout")
                        .by("sirm")
                        .success(detail),
                )
                .await?;
            }
            return Err(refusal);
        }
        self.store.clear_query_pin_failures(pid).await?;
        let agency = person.map(|p| p.agency).unwrap_or_default();
        let who = Principal {
            username: format!("{channel}:{}", id.short()),
            display_name: "参保人员".into(),
            agency,
            kind: sirm_domain::status::AccountKind::External,
            roles: vec![sirm_domain::access::Role::InsuredPerson],
            person_id: Some(pid.to_string()),
            employer: None,
            source: source.to_string(),
            pending: None,
            session: None,
            notice: None,
        };
        Ok((id, who))
    }
}

/// A new IVR client credential and the hash that goes into `[ivr] clients`.
pub fn new_client_credential() -> (String, String) {
    use sha2::Digest;
    let token = format!("sirm-ivr-{}", hex::encode(rand::random::<[u8; 24]>()));
    let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    (token, hash)
}
