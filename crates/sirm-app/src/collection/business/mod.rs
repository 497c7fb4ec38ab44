//! Business types as modules: every business type (业务类型) implements
//! [`Business`] — its raw data, its check against what is registered now,
//! the ledger entries approval writes (the projection follows from those
//! entries), and for the large ones the entries streamed at approval.
//! Families of business types live in the submodules; `registry.rs` maps
//! each `BusinessType` to its implementation in one line.

pub(crate) mod accounts;
pub(crate) mod benefits;
pub(crate) mod claims;
pub(crate) mod contributions;
pub(crate) mod corrections;
pub(crate) mod disclosure;
pub(crate) mod employment;
pub(crate) mod extract;
pub(crate) mod id_change;
pub(crate) mod injury;
pub(crate) mod injury_pay;
pub(crate) mod legacy;
pub(crate) mod maternity;
pub(crate) mod medical;
pub(crate) mod paid_months;
pub(crate) mod payments;
pub(crate) mod pension_life;
pub(crate) mod recomputations;
pub(crate) mod registration;
pub(crate) mod relations;
pub(crate) mod rule_sets;
pub(crate) mod runs;
pub(crate) mod subsidies;
pub(crate) mod transfer;
pub(crate) mod unemployment;

use std::future::Future;

use serde::de::DeserializeOwned;
use sirm_domain::access::Permission;
use sirm_ledger::EntryDraft;

use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Entries written at approval one chunk at a time (a declaration file, a
/// settlement of every account, a payment run).
pub(crate) type DraftStream =
    Box<dyn Iterator<Item = Result<EntryDraft, sirm_store::StoreError>> + Send>;

/// One business type. Implementations are unit structs named after the
/// business type; the methods take the installation and the raw data.
pub(crate) trait Business {
    /// The name the counter and the reviewers see.
    const NAME_ZH: &'static str;
    /// Who takes (and resubmits or withdraws) an application: corrections
    /// are the maintenance officer's (Art 11), the rest the clerk's.
    const TAKER: Permission = Permission::RecordCollect;

    /// The raw data as kept with the application (after [`Business::protect`]).
    type Data: DeserializeOwned + Send + Sync;

    /// Raw data as the clerk or an API client entered it (ID numbers, names,
    /// addresses and phones in clear) → the form kept with the application
    /// and in the ledger. Default: ID numbers become blind indexes.
    fn protect(
        sirm: &Sirm,
        data: serde_json::Value,
    ) -> impl Future<Output = Result<serde_json::Value, AppError>> + Send {
        async move { key_person_ids(sirm, data) }
    }

    /// Does the record fit what is registered now?
    fn check(
        sirm: &Sirm,
        who: &Principal,
        data: &Self::Data,
    ) -> impl Future<Output = Result<(), AppError>> + Send;

    /// The ledger entries approval writes (computed figures included): what
    /// the reviewer sees as the effect.
    fn drafts(
        sirm: &Sirm,
        data: &Self::Data,
        actor: &str,
    ) -> impl Future<Output = Result<Vec<EntryDraft>, AppError>> + Send;

    /// The dates of the record that say what has happened (a registration,
    /// an employment's start or end, a payment received, a change in
    /// effect), by field: none may lie after today. Default: none (dates
    /// that may lie ahead, such as a delegation's end, are not listed).
    fn past_dates(_data: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        Vec::new()
    }

    /// The subject an application of this type is about. Default: the
    /// subject of its first entry.
    fn subject(_data: &Self::Data, drafts: &[EntryDraft]) -> String {
        drafts
            .first()
            .map(|d| d.subject.clone())
            .unwrap_or_default()
    }

    /// Entries streamed at approval instead of [`Business::drafts`] (which
    /// are then empty), stamped with the application and its actors.
    fn on_approval(
        _sirm: &Sirm,
        _who: &Principal,
        _data: &Self::Data,
        _application: &str,
        _actors: Vec<String>,
    ) -> impl Future<Output = Result<Option<DraftStream>, AppError>> + Send {
        async { Ok(None) }
    }

    /// Whether a rejection is answered in writing by [`Business::on_rejection`]
    /// (and closes the application). Default: no, it is returned to the clerk.
    const WRITTEN_REFUSAL: bool = false;

    /// Entries a rejection writes with the decision (a written refusal,
    /// Art 20 (2)), when [`Business::WRITTEN_REFUSAL`]. Default: none.
    fn on_rejection(
        _sirm: &Sirm,
        _who: &Principal,
        _data: &Self::Data,
        _application: &str,
        _reason: &str,
    ) -> impl Future<Output = Result<Vec<EntryDraft>, AppError>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// Raw data checked against the record, with what approval would write.
pub(crate) struct Validated {
    pub(crate) subject: String,
    pub(crate) drafts: Vec<EntryDraft>,
}

/// Parse raw data into a business type's data; serde names the field
/// ("unknown field `x`", "missing field `name`", "invalid …").
pub(crate) fn parse<T: DeserializeOwned>(data: &serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(data.clone())
        .map_err(|e| AppError::invalid_by("data", sirm_domain::RuleId::ApplicationData, e))
}

/// Parse, check and build the drafts of one business type.
pub(crate) async fn validate_as<B: Business>(
    sirm: &Sirm,
    who: &Principal,
    data: &serde_json::Value,
) -> Result<Validated, AppError> {
    let rec: B::Data = parse(data)?;
    let today = crate::clock::today();
    for (field, date) in B::past_dates(&rec) {
        sirm_domain::records::check_not_future(field, date, today)
            .map_err(AppError::invalid_record)?;
    }
    B::check(sirm, who, &rec).await?;
    // Build the drafts once: they carry every field check and, for
    // contributions, the computation itself.
    let drafts = B::drafts(sirm, &rec, &who.username).await?;
    let subject = B::subject(&rec, &drafts);
    Ok(Validated { subject, drafts })
}

/// The entries one business type streams at approval, if it streams.
pub(crate) async fn stream_as<B: Business>(
    sirm: &Sirm,
    who: &Principal,
    data: &serde_json::Value,
    application: &str,
    actors: Vec<String>,
) -> Result<Option<DraftStream>, AppError> {
    let rec: B::Data = parse(data)?;
    B::on_approval(sirm, who, &rec, application, actors).await
}

/// The entries one business type writes with a rejection.
pub(crate) async fn rejection_as<B: Business>(
    sirm: &Sirm,
    who: &Principal,
    data: &serde_json::Value,
    application: &str,
    reason: &str,
) -> Result<Vec<EntryDraft>, AppError> {
    if !B::WRITTEN_REFUSAL {
        return Ok(Vec::new());
    }
    let rec: B::Data = parse(data)?;
    B::on_rejection(sirm, who, &rec, application, reason).await
}

/// A registered person of the principal's agency (or not found).
pub(crate) async fn person_of_agency(
    sirm: &Sirm,
    who: &Principal,
    id: &sirm_domain::id::PersonKey,
) -> Result<(), AppError> {
    sirm.person_of_agency(who, id).await.map(drop)
}

/// The default protection: ID numbers (`id`, `lines[n].id`) become blind
/// indexes; nothing else is personal.
fn key_person_ids(sirm: &Sirm, mut data: serde_json::Value) -> Result<serde_json::Value, AppError> {
    check_lines(&data)?;
    let key = |field: &str, v: &mut serde_json::Value| -> Result<(), AppError> {
        if let Some(text) = v.as_str() {
            let id: sirm_domain::id::ResidentId = text
                .trim()
                .parse()
                .map_err(|e| AppError::invalid(field.to_string(), e))?;
            *v = serde_json::Value::String(sirm.person_key(&id)?.to_string());
        }
        Ok(())
    };
    if let Some(v) = data.get_mut("id") {
        key("id", v)?;
    }
    if let Some(lines) = data.get_mut("lines").and_then(|l| l.as_array_mut()) {
        for (i, line) in lines.iter_mut().enumerate() {
            if let Some(v) = line.get_mut("id") {
                key(&format!("lines[{}].id", i + 1), v)?;
            }
        }
    }
    Ok(data)
}

/// Name the line and field of a bad declaration line before serde would
/// (serde's message does not say which line).
fn check_lines(data: &serde_json::Value) -> Result<(), AppError> {
    let Some(lines) = data.get("lines").and_then(|l| l.as_array()) else {
        return Ok(());
    };
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let id = line.get("id").and_then(|v| v.as_str()).unwrap_or("");
        if let Err(e) = id.parse::<sirm_domain::id::ResidentId>() {
            return Err(AppError::invalid(format!("lines[{n}].id"), e));
        }
        match line.get("declared_wage") {
            Some(serde_json::Value::String(w))
                if w.trim().parse::<rust_decimal::Decimal>().is_ok() => {}
            Some(v) => {
                return Err(AppError::invalid(
                    format!("lines[{n}].declared_wage"),
                    format!("{v} is not a decimal amount (write it as a string, e.g. \"8000.00\")"),
                ))
            }
            None => {
                return Err(AppError::invalid(
                    format!("lines[{n}].declared_wage"),
                    "is missing",
                ))
            }
        }
    }
    Ok(())
}
