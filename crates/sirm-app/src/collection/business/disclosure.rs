//! `disclosure.application` (对外提供信息申请, Art 19–20): another unit's
//! written application to query rights records, taken by a clerk at the
//! counter with the unit's credentials scanned. The review chain ends in a
//! grant (`disclosure.granted`: scope, validity, number of uses, the officer
//! who may read) or in a written refusal (`disclosure.refused`: a verifiable
//! PDF letter, see [`crate::disclosure::refusal`]) that closes the
//! application.
//!
//! Only a clerk files it (Art 19: a written application with the unit's
//! valid credentials, which the counter checks against the originals); the
//! unit's officer account cannot file online.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sirm_domain::access::Role;
use sirm_domain::records::{
    self, disclosure_subject, kind, ApplicationWithdrawn, DisclosureApplication, DisclosureGranted,
};
use sirm_domain::status::AccountStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{Business, DraftStream};
use crate::config::query::Item;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// The longest validity a grant may have (days).
pub const MAX_GRANT_DAYS: i64 = 366;
/// The most reads one grant may allow.
pub const MAX_GRANT_USES: u32 = 100;
/// The most persons one application may name (Art 22: no bulk exchange).
pub const MAX_GRANT_PERSONS: usize = 100;

/// `disclosure.application`.
pub(crate) struct Application;

/// Words a stated legal basis must contain one of: a law, regulation,
/// rule, decision or article (法, 条, 规, 令, 决定, Art, Law, §).
const BASIS_MARKERS: [&str; 8] = ["法", "条", "规", "令", "决定", "Art", "Law", "§"];

/// Split a typed list (spaces, commas, 、, new lines) or take a JSON array.
fn list_of(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect(),
        serde_json::Value::String(s) => s
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The grant id of an application (`AP-…` → `DG-…`).
pub(crate) fn grant_id_of(application: &str) -> String {
    format!(
        "DG-{}",
        application.strip_prefix("AP-").unwrap_or(application)
    )
}

/// The items named, parsed (the field is named on a bad one).
pub(crate) fn items_of(names: &[String]) -> Result<BTreeSet<Item>, AppError> {
    let mut out = BTreeSet::new();
    for (i, n) in names.iter().enumerate() {
        let item = Item::parse(n).ok_or_else(|| {
            AppError::invalid_by(
                format!("items[{}]", i + 1),
                RuleId::ApplicationData,
                format!(
                    "{n:?} is not a queryable item: registration, employment, contributions, account, benefit"
                ),
            )
        })?;
        out.insert(item);
    }
    if out.is_empty() {
        return Err(AppError::invalid_by(
            "items",
            RuleId::FieldRequired,
            "name the items asked for (Art 19 (3): 查询的内容)",
        ));
    }
    Ok(out)
}

fn granted(d: &DisclosureApplication, grant_id: String, application: &str) -> DisclosureGranted {
    DisclosureGranted {
        grant_id,
        application_id: application.to_string(),
        unit_name: d.unit_name.trim().to_string(),
        credit_code: d.credit_code.clone(),
        officer: d.officer.trim().to_string(),
        persons: d.persons.clone(),
        items: d.items.iter().map(|s| s.trim().to_string()).collect(),
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        uses_allowed: d.uses,
        purpose: d.purpose.trim().to_string(),
        basis: d.basis.trim().to_string(),
        credentials: d.credentials.trim().to_string(),
    }
}

/// The requested validity and uses: from ≤ until, until not before today,
/// at most [`MAX_GRANT_DAYS`], 1 to [`MAX_GRANT_USES`] uses.
fn check_validity(from: NaiveDate, until: NaiveDate, uses: u32) -> Result<(), AppError> {
    let today = crate::clock::today();
    let bad = |field: &str, msg: String| {
        Err(AppError::invalid_by(
            field.to_string(),
            RuleId::DisclosureValidity,
            msg,
        ))
    };
    if until < from {
        return bad(
            "valid_until",
            format!("{until} is before valid_from {from}"),
        );
    }
    if until < today {
        return bad(
            "valid_until",
            format!("{until} has passed (today is {today})"),
        );
    }
    if (until - from).num_days() >= MAX_GRANT_DAYS {
        return bad(
            "valid_until",
            format!("a grant is valid for at most {MAX_GRANT_DAYS} days"),
        );
    }
    if uses == 0 || uses > MAX_GRANT_USES {
        return bad(
            "uses",
            format!("{uses}: between 1 and {MAX_GRANT_USES} reads"),
        );
    }
    Ok(())
}

impl Business for Application {
    const NAME_ZH: &'static str = "其他单位查询申请（对外提供信息）";
    const WRITTEN_REFUSAL: bool = true;
    type Data = DisclosureApplication;

    /// The persons' ID numbers (typed as a list or a JSON array) become
    /// blind indexes; the items a list; the rest is the unit's, kept as filed.
    async fn protect(
        sirm: &Sirm,
        mut data: serde_json::Value,
    ) -> Result<serde_json::Value, AppError> {
        let Some(obj) = data.as_object_mut() else {
            return Ok(data);
        };
        if let Some(v) = obj.get("persons").cloned() {
            let mut keys = Vec::new();
            for (i, text) in list_of(&v).iter().enumerate() {
                let id: sirm_domain::id::ResidentId = text
                    .parse()
                    .map_err(|e| AppError::invalid_id(format!("persons[{}]", i + 1), e))?;
                keys.push(serde_json::Value::String(sirm.person_key(&id)?.to_string()));
            }
            obj.insert("persons".into(), serde_json::Value::Array(keys));
        }
        if let Some(v) = obj.get("items").cloned() {
            let items = list_of(&v).into_iter().map(serde_json::Value::String);
            obj.insert("items".into(), serde_json::Value::Array(items.collect()));
        }
        if let Some(serde_json::Value::String(u)) = obj.get("uses").cloned() {
            if let Ok(n) = u.trim().parse::<u32>() {
                obj.insert("uses".into(), n.into());
            }
        }
        Ok(data)
    }

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        d: &DisclosureApplication,
    ) -> Result<(), AppError> {
        // Art 19 (1): the unit's valid credentials, scanned and archived.
        let credentials = d.credentials.trim();
        if credentials.is_empty() {
            return Err(AppError::invalid_by(
                "credentials",
                RuleId::DisclosureCredentials,
                "attach the scan of the unit's valid credentials (有效证明文件, Art 19 (1))",
            ));
        }
        if sirm.archive.verified_path(credentials).await.is_err() {
            return Err(AppError::invalid_by(
                "credentials",
                RuleId::DisclosureCredentials,
                "the credentials scan is not in the archive: upload it with the application",
            ));
        }
        // Art 19 (2): purpose and legal basis.
        let basis = d.basis.trim();
        if basis.chars().count() < 6 || !BASIS_MARKERS.iter().any(|m| basis.contains(m)) {
            return Err(AppError::invalid_by(
                "basis",
                RuleId::DisclosureBasis,
                "name the law or regulation and its article the query relies on (法律依据, Art 19 (2))",
            ));
        }
        records::check_text("basis", basis, 400).map_err(AppError::invalid_record)?;
        records::check_text("unit_name", &d.unit_name, 100).map_err(AppError::invalid_record)?;
        records::check_text("contact", &d.contact, 100).map_err(AppError::invalid_record)?;
        records::check_text("purpose", &d.purpose, 400).map_err(AppError::invalid_record)?;
        // Art 19 (3): what is asked for, of whom.
        items_of(&d.items)?;
        if d.persons.is_empty() {
            return Err(AppError::invalid_by(
                "persons",
                RuleId::FieldRequired,
                "name the persons asked about (their ID numbers)",
            ));
        }
        if d.persons.len() > MAX_GRANT_PERSONS {
            return Err(AppError::invalid_by(
                "persons",
                RuleId::DisclosureValidity,
                format!("at most {MAX_GRANT_PERSONS} persons per application (Art 22)"),
            ));
        }
        for p in &d.persons {
            super::person_of_agency(sirm, who, p).await?;
        }
        check_validity(d.valid_from, d.valid_until, d.uses)?;
        // The officer who will read: an active account holding unit_officer.
        let officer = d.officer.trim();
        let ok = match sirm.store.account(officer).await? {
            Some(a) => {
                a.status == AccountStatus::Active
                    && a.roles.iter().any(|r| r == Role::UnitOfficer.as_str())
            }
            None => false,
        };
        if !ok {
            return Err(AppError::invalid_by(
                "officer",
                RuleId::DisclosureOfficer,
                format!(
                    "{officer:?} is not an active account with the role {}",
                    Role::UnitOfficer.label()
                ),
            ));
        }
        Ok(())
    }

    /// What approval will write: the grant (its id follows from the
    /// application's, given at approval).
    async fn drafts(
        sirm: &Sirm,
        d: &DisclosureApplication,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let g = granted(d, "DG-…".into(), "");
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::DISCLOSURE_GRANTED,
            disclosure_subject(&format!("unit:{}", d.credit_code)),
            actor,
            &g,
        )?])
    }

    fn subject(d: &DisclosureApplication, _drafts: &[EntryDraft]) -> String {
        disclosure_subject(&format!("unit:{}", d.credit_code))
    }

    /// The grant, with its id and the application it answers.
    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        d: &DisclosureApplication,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        let grant_id = grant_id_of(application);
        let g = granted(d, grant_id.clone(), application);
        let mut e = draft(
            &sirm.config,
            Stream::Business,
            kind::DISCLOSURE_GRANTED,
            disclosure_subject(&grant_id),
            &who.username,
            &g,
        )?;
        e.application = Some(application.to_string());
        e.actors = actors;
        Ok(Some(Box::new(std::iter::once(Ok(e)))))
    }

    /// A rejection is the written refusal (Art 20 (2)): the letter, and the
    /// application closed with its code.
    async fn on_rejection(
        sirm: &Sirm,
        who: &Principal,
        d: &DisclosureApplication,
        application: &str,
        reason: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let letter = sirm.refusal_letter(who, d, application, reason).await?;
        let closed = draft(
            &sirm.config,
            Stream::Business,
            kind::APPLICATION_WITHDRAWN,
            records::application_subject(application),
            &who.username,
            &ApplicationWithdrawn {
                application_id: application.to_string(),
                reason: format!("不予提供，已出具告知书 {} refused in writing", letter.0),
            },
        )?;
        Ok(vec![letter.1, closed])
    }
}
