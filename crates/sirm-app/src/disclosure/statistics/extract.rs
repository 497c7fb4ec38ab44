//! De-identified extracts (去标识化数据提取, Art 17): one row per person,
//! no ID number, name, address, phone, exact birth date or employer; a
//! pseudonym that differs per extract; birth and region generalised; and
//! a k-anonymity check over the quasi-identifiers (generalised birth,
//! gender, generalised region) that the extract must pass before release.
//! Filed and approved as the business type `disclosure.extract`
//! (`collection/business/disclosure.rs`); approval seals the file into
//! the archive and writes a `disclosure.extract` ledger entry with its row
//! count and SHA-256; the requester downloads it from the workspace.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sirm_domain::access::Permission;
use sirm_domain::records::{
    kind, BirthGeneralisation, ExtractField, ExtractReleased, ExtractRequest, RegionGeneralisation,
};
use sirm_domain::RuleId;
use sirm_store::ExtractSource;

use crate::{AppError, AuditEvent, Principal, Sirm};

/// The quasi-identifiers of one source row, generalised as asked.
pub fn quasi(req: &ExtractRequest, s: &ExtractSource) -> [String; 3] {
    let year: i32 = s
        .birth_date
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    let band = |w: i32| {
        let lo = year - year.rem_euclid(w);
        format!("{lo}–{}", lo + w - 1)
    };
    let birth = match req.birth {
        BirthGeneralisation::Year => year.to_string(),
        BirthGeneralisation::FiveYears => band(5),
        BirthGeneralisation::TenYears => band(10),
        BirthGeneralisation::None => "*".to_string(),
    };
    let region = match req.region {
        RegionGeneralisation::Agency => s.agency.clone(),
        RegionGeneralisation::Prefix => s.agency.chars().take(4).collect(),
        RegionGeneralisation::None => "*".to_string(),
    };
    [birth, s.gender.clone(), region]
}

/// k-anonymity: every combination of quasi-identifiers holds at least `k`
/// rows, or a refusal naming the rule and the smallest combination (its
/// values and size, never a person).
pub fn check_k(req: &ExtractRequest, sources: &[ExtractSource], k: u64) -> Result<(), AppError> {
    let mut groups: BTreeMap<[String; 3], u64> = BTreeMap::new();
    for s in sources {
        *groups.entry(quasi(req, s)).or_default() += 1;
    }
    let small = groups.iter().filter(|(_, n)| **n < k).count();
    match groups
        .iter()
        .filter(|(_, n)| **n < k)
        .min_by_key(|(_, n)| **n)
    {
        None => Ok(()),
        Some(([birth, gender, region], n)) => Err(AppError::invalid_by(
            "birth",
            RuleId::DisclosureKAnonymity,
            format!(
                "{small} combination(s) of the quasi-identifiers hold fewer than k = {k} records, \
                 e.g. birth {birth}, gender {gender}, region {region}: {n}; generalise birth or \
                 region further"
            ),
        )),
    }
}

/// The key of one extract's pseudonyms: HMAC-SHA256 under the blind-index
/// key of a label and the application id. Another extract (another
/// application) has another key, so its pseudonyms do not link.
fn pseudonym_key(sirm: &Sirm, application: &str) -> Result<Vec<u8>, AppError> {
    let vault = sirm.vault.as_ref().ok_or_else(|| {
        AppError::conflict("the personal-data keys are not loaded; extracts need them")
    })?;
    let mut mac = Hmac::<Sha256>::new_from_slice(vault.index_key().expose())
        .map_err(|e| AppError::conflict(format!("pseudonym key: {e}")))?;
    mac.update(b"sirm/disclosure.extract/pseudonym/v1\0");
    mac.update(application.as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

fn pseudonym(key: &[u8], person_id: &str) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| AppError::conflict(format!("pseudonym: {e}")))?;
    mac.update(person_id.as_bytes());
    let h = hex::encode(mac.finalize().into_bytes());
    Ok(format!("P{}", &h[..20]))
}

fn field_name(f: ExtractField) -> &'static str {
    match f {
        ExtractField::ContributionMonths => "contribution_months",
        ExtractField::ContributionAmount => "contribution_amount",
        ExtractField::ArrearsMonths => "arrears_months",
        ExtractField::BenefitStatus => "benefit_status",
    }
}

/// An extract built: the CSV and its row count.
pub struct Built {
    pub csv: Vec<u8>,
    pub rows: u64,
}

/// The source rows of a request, from one `GROUP BY` in the store.
pub async fn sources(sirm: &Sirm, req: &ExtractRequest) -> Result<Vec<ExtractSource>, AppError> {
    Ok(sirm
        .store
        .extract_sources(req.from, req.to, crate::clock::current_month())
        .await?)
}

/// Build the extract of `application`: k checked, pseudonyms keyed per
/// extract, rows in pseudonym order (nothing of the store's order).
pub fn build(
    sirm: &Sirm,
    req: &ExtractRequest,
    sources: &[ExtractSource],
    application: &str,
) -> Result<Built, AppError> {
    check_k(req, sources, sirm.config.disclosure.k())?;
    let key = pseudonym_key(sirm, application)?;
    let mut head = vec!["pseudonym", "birth", "gender", "region"];
    let measures = req.measures();
    head.extend(measures.iter().map(|f| field_name(*f)));
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(sources.len());
    for s in sources {
        let [birth, gender, region] = quasi(req, s);
        let mut row = vec![pseudonym(&key, &s.person_id)?, birth, gender, region];
        for f in &measures {
            row.push(match f {
                ExtractField::ContributionMonths => s.months.to_string(),
                ExtractField::ContributionAmount => s.amount.to_string(),
                ExtractField::ArrearsMonths => s.arrears_months.to_string(),
                ExtractField::BenefitStatus => s.benefit_status.clone().unwrap_or_default(),
            });
        }
        rows.push(row);
    }
    rows.sort();
    let n = rows.len() as u64;
    Ok(Built {
        csv: crate::export::csv(&head, &rows)?,
        rows: n,
    })
}

/// An extract released to the statistics user, from its ledger entry.
#[derive(Clone, Debug, Serialize)]
pub struct Released {
    pub application: String,
    pub seq: i64,
    /// UTC, RFC 3339.
    pub time: String,
    pub purpose: String,
    pub from: String,
    pub to: String,
    pub rows: u64,
    pub sha256: String,
}

impl Sirm {
    /// The extracts released to the signed-in statistics user, newest first
    /// (read from the ledger's `disclosure.extract` entries).
    pub async fn released_extracts(&self, who: &Principal) -> Result<Vec<Released>, AppError> {
        self.authorize(who, Permission::StatisticsRead).await?;
        let mut out = Vec::new();
        for r in self
            .store
            .entries_of_kind(
                sirm_ledger::Stream::Business.as_str(),
                kind::DISCLOSURE_EXTRACT,
            )
            .await?
        {
            let Ok(p) = serde_json::from_str::<ExtractReleased>(&r.payload) else {
                continue;
            };
            if p.request.requester != who.username {
                continue;
            }
            out.push(Released {
                application: r.application.clone().unwrap_or_default(),
                seq: r.seq,
                time: chrono::DateTime::from_timestamp_micros(r.time_us)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                purpose: p.request.purpose,
                from: p.request.from.to_string(),
                to: p.request.to.to_string(),
                rows: p.rows,
                sha256: p.sha256,
            });
        }
        out.reverse();
        Ok(out)
    }

    /// The file of an extract released to `who` (its requester): read from
    /// the sealed archive, checked against its SHA-256, the download
    /// registered. Anyone else's or no such: not found.
    pub async fn extract_file(
        &self,
        who: &Principal,
        application: &str,
    ) -> Result<(String, Vec<u8>), AppError> {
        let found = self
            .released_extracts(who)
            .await?
            .into_iter()
            .find(|e| e.application == application)
            .ok_or_else(|| {
                AppError::not_found(
                    RuleId::NotFoundApplication,
                    "no extract of that application released to you",
                )
            })?;
        let bytes = self.archive.get(&found.sha256).await?;
        self.audit(
            AuditEvent::own(who, "statistics.extract.download").success(format!(
                "extract {application} ({} rows, sha256 {})",
                found.rows, found.sha256
            )),
        )
        .await?;
        Ok((format!("sirm-extract-{application}.csv"), bytes))
    }
}
