//! Certificates (出具证明, Art 15): a contribution certificate (参保缴费证明)
//! or a benefit certificate (待遇领取证明), issued free of charge as a PDF
//! that anyone can verify.
//!
//! - **Issuing** goes through the one query path ([`Sirm::query_rights`]):
//!   the requester's capacity and the channel's queryable content decide
//!   whether the record may be read, and the read is in the query log. The
//!   content is built from the rights record, rendered by `sirm-cert`, the
//!   PDF kept in the archive under its SHA-256, and one `certificate.issued`
//!   ledger entry records the content, the PDF's hash and the agency's
//!   ed25519 signature over [`CertificateIssued::statement`].
//! - **Verifying** (public, no login) looks the code up, reads the ledger
//!   entry, checks the signature, recomputes the entry's leaf hash and checks
//!   its inclusion proof against the signed checkpoint of the append that
//!   wrote it (O(log n), see [`Sirm::anchored_inclusion_proof`]), and — when a
//!   PDF is given — compares its SHA-256 with the one issued. The answer is
//!   genuine, altered or revoked; an unknown or malformed code is one
//!   "not found".
//! - **Revoking** (作废) is a `certificate.revoked` entry by a maintenance
//!   officer with a reason; the code then verifies as revoked.

mod claims;
mod content;
mod verify;
pub(crate) use verify::{LetterCheck, SignedLetter};

use content::{benefit_content, contribution_content};

use sirm_domain::RuleId;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{self, kind, CertificateContent, CertificateIssued, CertificateRevoked};
use sirm_domain::rules::Month;
use sirm_ledger::{Entry, Stream};
use sirm_store::CertificateRow;

use crate::clock::current_month;
pub use crate::config::certificate::CertificateConfig;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::ledger::InclusionProof;
use crate::query::{Channel, Item, Requester};
pub use crate::rights::mask_id_text;
use crate::rights::{MonthStatus, RightsRecord};
use crate::{AppError, Sirm};

/// Fonts (loaded on first use) and one render slot per core.
pub struct Renderer {
    fonts: OnceLock<Arc<sirm_cert::Fonts>>,
    slots: tokio::sync::Semaphore,
}

impl Default for Renderer {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Renderer {
            fonts: OnceLock::new(),
            slots: tokio::sync::Semaphore::new(cores),
        }
    }
}

/// Which certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 参保缴费证明
    Contribution,
    /// 待遇领取证明
    Benefit,
    /// 工伤保险待遇证明
    WorkInjuryBenefit,
    /// 生育保险待遇证明
    MaternityBenefit,
    /// 失业保险待遇证明
    UnemploymentBenefit,
    /// 医疗保险个人账户证明
    MedicalAccount,
    /// 不予提供告知书: a unit's application refused in writing (Art 20 (2);
    /// `crate::disclosure::refusal`). Not issued on request, not of a person.
    DisclosureRefusal,
    /// 异议核查答复书: an objection answered in writing (Art 16;
    /// `crate::objections`). Not issued on request.
    ObjectionAnswer,
}

impl CertificateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Contribution => "contribution",
            CertificateKind::Benefit => "benefit",
            CertificateKind::WorkInjuryBenefit => "work_injury_benefit",
            CertificateKind::MaternityBenefit => "maternity_benefit",
            CertificateKind::UnemploymentBenefit => "unemployment_benefit",
            CertificateKind::MedicalAccount => "medical_account",
            CertificateKind::DisclosureRefusal => "disclosure_refusal",
            CertificateKind::ObjectionAnswer => "objection_answer",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "contribution" => Ok(CertificateKind::Contribution),
            "benefit" => Ok(CertificateKind::Benefit),
            "work_injury_benefit" => Ok(CertificateKind::WorkInjuryBenefit),
            "maternity_benefit" => Ok(CertificateKind::MaternityBenefit),
            "unemployment_benefit" => Ok(CertificateKind::UnemploymentBenefit),
            "medical_account" => Ok(CertificateKind::MedicalAccount),
            other => Err(AppError::invalid(
                "kind",
                format!("{other:?} is not a certificate kind; use contribution (参保缴费证明), benefit (待遇领取证明), work_injury_benefit (工伤保险待遇证明), maternity_benefit (生育保险待遇证明), unemployment_benefit (失业保险待遇证明) or medical_account (医疗保险个人账户证明)"),
            )),
        }
    }
    /// The printed title.
    pub fn title(self) -> &'static str {
        self.to_cert().title()
    }
    /// The labels of the three lines naming whom the document is about
    /// (a certificate: name, ID number, period; a letter: its own).
    pub fn labels(self) -> [&'static str; 3] {
        self.to_cert().person_labels()
    }
    pub(crate) fn to_cert(self) -> sirm_cert::CertificateKind {
        match self {
            CertificateKind::Contribution => sirm_cert::CertificateKind::Contribution,
            CertificateKind::Benefit => sirm_cert::CertificateKind::Benefit,
            CertificateKind::WorkInjuryBenefit => sirm_cert::CertificateKind::WorkInjuryBenefit,
            CertificateKind::MaternityBenefit => sirm_cert::CertificateKind::MaternityBenefit,
            CertificateKind::UnemploymentBenefit => sirm_cert::CertificateKind::UnemploymentBenefit,
            CertificateKind::MedicalAccount => sirm_cert::CertificateKind::MedicalAccount,
            CertificateKind::DisclosureRefusal => sirm_cert::CertificateKind::DisclosureRefusal,
            CertificateKind::ObjectionAnswer => sirm_cert::CertificateKind::ObjectionAnswer,
        }
    }
    /// The item of the person's record the certificate shows (none for a
    /// refusal letter, which shows no record).
    fn item(self) -> Option<Item> {
        match self {
            CertificateKind::Contribution => Some(Item::Contributions),
            CertificateKind::Benefit
            | CertificateKind::WorkInjuryBenefit
            | CertificateKind::MaternityBenefit
            | CertificateKind::UnemploymentBenefit => Some(Item::Benefit),
            CertificateKind::MedicalAccount => Some(Item::Account),
            CertificateKind::DisclosureRefusal | CertificateKind::ObjectionAnswer => None,
        }
    }
}

/// What to issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    pub kind: CertificateKind,
    /// First month; absent: the first month on record.
    pub from: Option<Month>,
    /// Last month; absent: the last month on record.
    pub to: Option<Month>,
    /// Base of the verification address when `[certificates] public_url`
    /// is not set, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
}

/// A certificate just issued.
#[derive(Clone, Debug)]
pub struct IssuedCertificate {
    pub code: String,
    pub kind: CertificateKind,
    pub seq: u64,
    pub pdf_sha256: String,
    pub verify_url: String,
    pub pdf: Vec<u8>,
}

/// The verdict of a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Issued by this agency, unchanged, in force.
    Genuine,
    /// The file (or the record) does not match what was issued.
    Altered,
    /// Issued, then revoked.
    Revoked,
}

/// A PDF compared with the certificate issued under its code.
#[derive(Clone, Debug, Serialize)]
pub struct FileCheck {
    pub sha256: String,
    /// The code found in the file's metadata, if any.
    pub code_in_file: Option<String>,
    /// Byte for byte the PDF that was issued.
    pub matches: bool,
}

/// Everything the verification page shows.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateCheck {
    pub verdict: Verdict,
    pub code: String,
    pub kind: CertificateKind,
    pub title: String,
    pub issued_at: String,
    pub from_month: String,
    pub to_month: String,
    pub content: CertificateContent,
    pub pdf_sha256: String,
    pub seq: u64,
    /// The agency's signature over the certificate statement checks.
    pub signature_valid: bool,
    pub key_id: String,
    /// The entry's leaf hash, recomputed from the entry, is in the tree of
    /// a signed checkpoint (the one written with it), whose signature checks.
    pub anchored: bool,
    pub inclusion: Option<InclusionProof>,
    /// From the ledger: the `certificate.revoked` entry naming this code,
    /// if any (the index's `revoked_seq` is not consulted).
    pub revoked: Option<Revocation>,
    /// `certificate.revoked` entries about the same person, after the
    /// certificate, that fail verification against the signed tree: any of
    /// them may be this certificate's revocation altered, so the verdict is
    /// "altered" unless a verified one revokes it.
    pub unverified_revocations: Vec<u64>,
    pub file: Option<FileCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Revocation {
    pub seq: u64,
    pub reason: String,
}

/// The one "not found" of verification: unknown and malformed codes alike.
fn no_such_code() -> AppError {
    AppError::not_found(RuleId::NotFoundCertificate, "certificate")
}

/// Code alphabet without 0/O, 1/I/L (read aloud and typed by people).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new verification code: 16 random characters (about 79 bits), grouped
/// by four, e.g. `7KQ2-9XHM-D4PA-R3TB`.
pub(crate) fn new_code() -> String {
    crate::codes::grouped_code(CODE_ALPHABET)
}

/// Normalise a typed code (case, surrounding space); `None` when it cannot
/// be a code at all.
pub fn normalize_code(s: &str) -> Option<String> {
    let c = s.trim().to_ascii_uppercase();
    let ok = c.len() == 19
        && c.split('-').count() == 4
        && c.split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|b| CODE_ALPHABET.contains(&b)));
    ok.then_some(c)
}

const FOOTER_NOTE: &str = "本证明依据本机构社会保险个人权益记录出具，免费。请扫描二维码或访问核验网址核验真伪，以核验结果为准。";

impl Sirm {
    /// Sign bytes with the agency's ledger key (needs `Access::Sign`).
    pub(crate) fn certificate_signature(&self, msg: &[u8]) -> Result<(String, String), AppError> {
        let key = self.signing_key().ok_or_else(|| {
            AppError::invalid(
                "key",
                "this installation was opened read-only; certificates need the signing key",
            )
        })?;
        Ok((hex::encode(key.sign(msg)), self.public_key.key_id()))
    }

    /// The loaded fonts (first use loads them, off the async workers).
    async fn certificate_fonts(&self) -> Result<Arc<sirm_cert::Fonts>, AppError> {
        if let Some(f) = self.renderer.fonts.get() {
            return Ok(f.clone());
        }
        let paths = self.config.certificates.fonts.clone();
        // Configured (or Debian's) fonts; the embedded subset when they are
        // not installed, so that a fresh machine issues certificates.
        let (fonts, why) =
            tokio::task::spawn_blocking(move || sirm_cert::Fonts::configured_or_embedded(&paths))
                .await
                .map_err(|e| {
                    AppError::invalid("fonts", format!("font loading did not finish: {e}"))
                })?
                .map_err(|e| AppError::invalid("fonts", e.to_string()))?;
        if let Some(why) = why {
            tracing::warn!(
                "certificates use the embedded font subset (GB 2312; a character outside it is refused): {why}"
            );
        }
        Ok(self.renderer.fonts.get_or_init(|| Arc::new(fonts)).clone())
    }

    /// Render on a blocking thread, at most one render per core at a time.
    /// `content` rendered as a PDF of `kind` and kept in the archive under
    /// its code: the PDF and its SHA-256 (hex). Certificates and refusal
    /// letters are issued the same way.
    pub(crate) async fn render_and_archive(
        &self,
        kind: sirm_cert::CertificateKind,
        content: &CertificateContent,
        code: &str,
        verify_url: &str,
        issued_at: &str,
    ) -> Result<(Vec<u8>, String), AppError> {
        let pdf = self
            .render_certificate(sirm_cert::Certificate {
                kind,
                agency_name: content.agency_name.clone(),
                code: code.to_string(),
                verify_url: verify_url.to_string(),
                issued_at: issued_at.to_string(),
                person_name: content.person_name.clone(),
                id_number_masked: content.id_masked.clone(),
                period: content.period.clone(),
                summary: content.summary.clone(),
                table_header: content.header.clone(),
                rows: content.rows.clone(),
                footer_note: content.footer_note.clone(),
            })
            .await?;
        let pdf_sha256 = hex::encode(Sha256::digest(&pdf));
        self.archive
            .put_data(&format!("{code}.pdf"), &pdf, "application/pdf")
            .await?;
        Ok((pdf, pdf_sha256))
    }

    pub(crate) async fn render_certificate(
        &self,
        cert: sirm_cert::Certificate,
    ) -> Result<Vec<u8>, AppError> {
        let fonts = self.certificate_fonts().await?;
        let _slot = self
            .renderer
            .slots
            .acquire()
            .await
            .map_err(|e| AppError::invalid("certificate", e.to_string()))?;
        tokio::task::spawn_blocking(move || sirm_cert::render_pdf(&cert, &fonts))
            .await
            .map_err(|e| {
                AppError::invalid("certificate", format!("rendering did not finish: {e}"))
            })?
            .map_err(|e| match e {
                sirm_cert::CertError::MissingGlyph { field, ch, .. } => AppError::invalid(
                    "certificate",
                    format!(
                        "证明无法出具：{}中的字符 U+{:04X} 不在证明所用字体中，打印出来会是空白方框。请管理员在 [certificates] fonts 配置包含该字符的字体（如 fonts-noto-cjk），或到柜台办理。",
                        field_label(&field),
                        u32::from(ch)
                    ),
                ),
                e => AppError::invalid("certificate", e.to_string()),
            })
    }

    /// Issue a certificate of `subject`'s record to `who` through `channel`.
    pub async fn issue_certificate(
        &self,
        who: &Principal,
        channel: Channel,
        subject: &PersonKey,
        req: &CertificateRequest,
    ) -> Result<IssuedCertificate, AppError> {
        // A delegate's authorization must be in force and cover the
        // certificate's item; otherwise the same "not found" as a person
        // the requester may not see. Checked before the query is logged.
        let (requester, items, _) = self.capacity(who, channel, subject).await?;
        let item = req
            .kind
            .item()
            .ok_or_else(|| AppError::invalid("kind", "not a certificate of a person's record"))?;
        if requester == Requester::Delegate
            && !(items.contains(&item)
                && self
                    .config
                    .queries
                    .allowed(channel, requester)
                    .contains(&item))
        {
            return Err(AppError::not_found(RuleId::NotFoundRecord, "record"));
        }
        let code = new_code();
        // The query log says a certificate was asked for (an organ states
        // its own basis; it is not a certificate channel). The record is read
        // whether or not the request is then refused (a period the record
        // cannot show, a benefit certificate without a benefit), so the log
        // names the request, not a code that may never be issued: the
        // issued certificate is its own ledger entry.
        let basis = format!("certificate ({}) requested", req.kind.as_str());
        let basis = (channel != Channel::Organ).then_some(basis.as_str());
        // Read from the primary, never a replica behind it (docs/scaling.md).
        let view =
            crate::query::on_primary(self.query_rights(who, channel, subject, basis)).await?;
        if !view.items.contains(&item) {
            return Err(AppError::Forbidden {
                rule: RuleId::QueryableContent,
                message: format!(
                    "the {} channel does not give {} to a {} requester (Art 14 configuration)",
                    channel.as_str(),
                    item.as_str(),
                    view.requester.as_str()
                ),
            });
        }
        let r = &view.record;
        let (from, to, summary, header, rows) = match req.kind {
            CertificateKind::Contribution => contribution_content(self, r, req).await?,
            CertificateKind::Benefit => benefit_content(r, req)?,
            CertificateKind::WorkInjuryBenefit => claims::claims_content(r, req, "work_injury")?,
            CertificateKind::MaternityBenefit => claims::claims_content(r, req, "maternity")?,
            CertificateKind::UnemploymentBenefit => claims::unemployment_content(r, req)?,
            CertificateKind::MedicalAccount => claims::medical_content(r, req)?,
            CertificateKind::DisclosureRefusal | CertificateKind::ObjectionAnswer => {
                return Err(no_such_code())
            }
        };
        let base = self
            .config
            .certificates
            .public_url
            .clone()
            .unwrap_or_else(|| req.base_url.clone());
        let verify_url = format!("{}/verify/{code}", base.trim_end_matches('/'));
        let issued_at = crate::clock::agency_now()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let content = CertificateContent {
            agency_name: self.config.agency_name.clone(),
            person_name: r.person.name.clone(),
            id_masked: mask_id_text(&r.person.id_number),
            period: format!("{from} 至 {to}"),
            summary,
            header,
            rows,
            verify_url: verify_url.clone(),
            footer_note: FOOTER_NOTE.to_string(),
        };
        let (pdf, pdf_sha256) = self
            .render_and_archive(req.kind.to_cert(), &content, &code, &verify_url, &issued_at)
            .await?;
        let content_json =
            serde_json::to_vec(&content).map_err(|e| AppError::invalid("content", e))?;
        let mut rec = CertificateIssued {
            code: code.clone(),
            kind: req.kind.as_str().to_string(),
            id: subject.clone(),
            from_month: from,
            to_month: to,
            issued_at,
            content: self
                .seal_for(subject, crate::privacy::field::CERTIFICATE, &content_json)
                .await?,
            pdf_sha256: pdf_sha256.clone(),
            pdf_bytes: pdf.len() as u64,
            channel: channel.as_str().to_string(),
            key_id: String::new(),
            signature: String::new(),
        };
        let (signature, key_id) = self.certificate_signature(&rec.statement())?;
        rec.signature = signature;
        rec.key_id = key_id;
        let d = draft(
            &self.config,
            Stream::Business,
            kind::CERTIFICATE_ISSUED,
            records::person_subject(subject),
            &who.username,
            &rec,
        )?;
        let out = self.append(vec![d]).await?;
        Ok(IssuedCertificate {
            code,
            kind: req.kind,
            seq: out.last_seq,
            pdf_sha256,
            verify_url,
            pdf,
        })
    }

    /// What capacity `who` has for certificates of `kind` about `subject`
    /// through `channel`: the capacity of reading the record, whose items
    /// (for a delegate: the authorization's scope, while in force) and the
    /// channel's queryable content must both cover the kind's item.
    /// Otherwise `None`.
    async fn certificate_capacity(
        &self,
        who: &Principal,
        channel: Channel,
        subject: &PersonKey,
        kind: CertificateKind,
    ) -> Option<Requester> {
        let (requester, items, _) = self.capacity(who, channel, subject).await.ok()?;
        let item = kind.item()?;
        (items.contains(&item)
            && self
                .config
                .queries
                .allowed(channel, requester)
                .contains(&item))
        .then_some(requester)
    }

    /// The certificates of `subject` that `who` may see: those of the kinds
    /// whose item the capacity (a delegate: an authorization in force, within
    /// its scope) and the channel's queryable content cover. None at all is
    /// the same "not found" as a record the requester may not read. Not
    /// logged as a query: the list shows codes and dates only.
    pub async fn certificates_of(
        &self,
        who: &Principal,
        channel: Channel,
        subject: &PersonKey,
    ) -> Result<Vec<CertificateRow>, AppError> {
        self.capacity(who, channel, subject).await?;
        let mut kinds = Vec::new();
        for k in [
            CertificateKind::Contribution,
            CertificateKind::Benefit,
            CertificateKind::WorkInjuryBenefit,
            CertificateKind::MaternityBenefit,
            CertificateKind::UnemploymentBenefit,
            CertificateKind::MedicalAccount,
        ] {
            if self
                .certificate_capacity(who, channel, subject, k)
                .await
                .is_some()
            {
                kinds.push(k.as_str());
            }
        }
        if kinds.is_empty() {
            return Err(AppError::not_found(RuleId::NotFoundRecord, "record"));
        }
        Ok(self
            .store
            .certificates_of(subject.as_str())
            .await?
            .into_iter()
            .filter(|c| kinds.contains(&c.kind.as_str()))
            .collect())
    }

    /// The PDF of an issued certificate, for whoever may read the item it
    /// certifies of the person's record through `channel` (a delegate: an
    /// authorization in force whose scope covers it). Unknown codes, other
    /// persons' certificates and certificates outside the scope are the same
    /// "not found". Every download is written to the person's query log
    /// (requester, capacity, channel, item, source) before the PDF is
    /// handed over.
    pub async fn certificate_pdf(
        &self,
        who: &Principal,
        channel: Channel,
        code: &str,
    ) -> Result<(CertificateRow, Vec<u8>), AppError> {
        let (mut row, _, issued) = self
            .issued_certificate(code)
            .await
            .map_err(|_| no_such_code())?;
        let kind = CertificateKind::parse(&issued.kind).map_err(|_| no_such_code())?;
        let requester = self
            .certificate_capacity(who, channel, &issued.id, kind)
            .await
            .ok_or_else(no_such_code)?;
        let pdf = self.archive.get(&issued.pdf_sha256).await?;
        self.store
            .log_query(&sirm_store::QueryLogRow {
                time_us: crate::clock::time_us(),
                channel: channel.as_str().into(),
                requester_kind: requester.as_str().into(),
                requester: who.username.clone(),
                subject: issued.id.as_str().to_string(),
                items: kind.item().map(Item::as_str).unwrap_or_default().into(),
                basis: format!("certificate {} ({}) downloaded", issued.code, kind.as_str()),
                source: who.source.clone(),
            })
            .await?;
        row.person_id = issued.id.as_str().to_string();
        row.kind = issued.kind;
        row.pdf_sha256 = issued.pdf_sha256;
        Ok((row, pdf))
    }

    /// Revoke (作废) a certificate, with the reason. Maintenance officers of
    /// the person's agency only; a revoked certificate stays revoked.
    pub async fn revoke_certificate(
        &self,
        who: &Principal,
        code: &str,
        reason: &str,
    ) -> Result<u64, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "say why the certificate is revoked",
            ));
        }
        let (row, entry, issued) = self.issued_certificate(code).await?;
        let code = row.code.clone();
        let id = issued.id;
        self.person_of_agency(who, &id).await?;
        if let (Some(r), _) = self.ledger_revocation(&id, entry.seq, &code).await? {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!(
                    "certificate {code} was already revoked (entry {}): {}",
                    r.seq, r.reason
                ),
            ));
        }
        let d = draft(
            &self.config,
            Stream::Business,
            kind::CERTIFICATE_REVOKED,
            records::person_subject(&id),
            &who.username,
            &CertificateRevoked {
                code,
                reason: reason.chars().take(400).collect(),
            },
        )?;
        Ok(self.append(vec![d]).await?.last_seq)
    }
}

/// The Chinese name of a `sirm_cert::Certificate` field, for messages.
fn field_label(field: &str) -> &'static str {
    match field {
        "agency_name" => "机构名称",
        "person_name" => "姓名",
        "id_number_masked" => "证件号码",
        "period" => "证明期间",
        "summary" | "table_header" | "rows" => "证明内容",
        _ => "证明文字",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_distinct() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(normalize_code(&a).as_deref(), Some(a.as_str()));
        assert_eq!(
            normalize_code(&a.to_lowercase()).as_deref(),
            Some(a.as_str())
        );
        assert_eq!(
            normalize_code(&format!("  {a} ")).as_deref(),
            Some(a.as_str())
        );
        assert!(normalize_code("7KQ2-9XHM-D4PA-R3T").is_none());
        assert!(
            normalize_code("7KQ2-9XHM-D4PA-R3T0").is_none(),
            "0 is not in the alphabet"
        );
        assert!(normalize_code("../../etc/passwd").is_none());
        assert!(normalize_code("").is_none());
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(
            CertificateKind::parse("benefit").unwrap(),
            CertificateKind::Benefit
        );
        let e = CertificateKind::parse("pension").unwrap_err().to_string();
        assert!(e.contains("kind") && e.contains("contribution"), "{e}");
    }
}
