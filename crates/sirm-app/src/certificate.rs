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

use sirm_domain::RuleId;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sirm_domain::access::Permission;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{self, kind, CertificateContent, CertificateIssued, CertificateRevoked};
use sirm_domain::rules::Month;
use sirm_ledger::{Entry, Stream};
use sirm_store::CertificateRow;

use crate::identity::Principal;
use crate::install::draft;
use crate::ledger::InclusionProof;
use crate::query::{Channel, Item, Requester};
use crate::rights::{current_month, MonthStatus, RightsRecord};
use crate::{AppError, Sirm};

/// `[certificates]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateConfig {
    /// The public address printed on certificates and in their QR code,
    /// e.g. `https://sirm.example.gov.cn`; `/verify/<code>` is appended.
    /// Absent: the address the request came to (the `Host` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Font files (regular, then bold) with Chinese glyphs; absent: Debian's
    /// fonts-noto-cjk (`/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fonts: Vec<PathBuf>,
}

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
}

impl CertificateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Contribution => "contribution",
            CertificateKind::Benefit => "benefit",
        }
    }
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "contribution" => Ok(CertificateKind::Contribution),
            "benefit" => Ok(CertificateKind::Benefit),
            other => Err(AppError::invalid(
                "kind",
                format!("{other:?} is not a certificate kind; use contribution (参保缴费证明) or benefit (待遇领取证明)"),
            )),
        }
    }
    /// The printed title.
    pub fn title(self) -> &'static str {
        self.to_cert().title()
    }
    fn to_cert(self) -> sirm_cert::CertificateKind {
        match self {
            CertificateKind::Contribution => sirm_cert::CertificateKind::Contribution,
            CertificateKind::Benefit => sirm_cert::CertificateKind::Benefit,
        }
    }
    fn item(self) -> Item {
        match self {
            CertificateKind::Contribution => Item::Contributions,
            CertificateKind::Benefit => Item::Benefit,
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
    AppError::NotFound("certificate".into())
}

/// Code alphabet without 0/O, 1/I/L (read aloud and typed by people).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new verification code: 16 random characters (about 79 bits), grouped
/// by four, e.g. `7KQ2-9XHM-D4PA-R3TB`.
fn new_code() -> String {
    let mut rng = rand::thread_rng();
    let chars: Vec<char> = (0..16)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
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

fn money(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn yuan(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

const FOOTER_NOTE: &str = "本证明依据本机构社会保险个人权益记录出具，免费。请扫描二维码或访问核验网址核验真伪，以核验结果为准。";

impl Sirm {
    /// Sign bytes with the agency's ledger key (needs `Access::Sign`).
    fn certificate_signature(&self, msg: &[u8]) -> Result<(String, String), AppError> {
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
        let fonts = tokio::task::spawn_blocking(move || {
            if paths.is_empty() {
                sirm_cert::Fonts::debian_default()
            } else {
                sirm_cert::Fonts::load(&paths)
            }
        })
        .await
        .map_err(|e| AppError::invalid("fonts", format!("font loading did not finish: {e}")))?
        .map_err(|e| AppError::invalid("fonts", e.to_string()))?;
        Ok(self.renderer.fonts.get_or_init(|| Arc::new(fonts)).clone())
    }

    /// Render on a blocking thread, at most one render per core at a time.
    async fn render_certificate(&self, cert: sirm_cert::Certificate) -> Result<Vec<u8>, AppError> {
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
            .map_err(|e| AppError::invalid("certificate", e.to_string()))
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
        let (requester, items, _) = self.capacity(who, channel, subject, None).await?;
        let item = req.kind.item();
        if requester == Requester::Delegate
            && !(items.contains(&item)
                && self
                    .config
                    .queries
                    .allowed(channel, requester)
                    .contains(&item))
        {
            return Err(AppError::NotFound("record".into()));
        }
        let code = new_code();
        // The query log names the certificate (an organ states its own
        // basis; it is not a certificate channel).
        let basis = format!("certificate {code} ({}) issued", req.kind.as_str());
        let basis = (channel != Channel::Organ).then_some(basis.as_str());
        let view = self.query_rights(who, channel, subject, basis).await?;
        if !view.items.contains(&req.kind.item()) {
            return Err(AppError::Forbidden {
                rule: RuleId::QueryableContent,
                message: format!(
                    "the {} channel does not give {} to a {} requester (Art 14 configuration)",
                    channel.as_str(),
                    req.kind.item().as_str(),
                    view.requester.as_str()
                ),
            });
        }
        let r = &view.record;
        let (from, to, summary, header, rows) = match req.kind {
            CertificateKind::Contribution => contribution_content(self, r, req).await?,
            CertificateKind::Benefit => benefit_content(r, req)?,
        };
        let base = self
            .config
            .certificates
            .public_url
            .clone()
            .unwrap_or_else(|| req.base_url.clone());
        let verify_url = format!("{}/verify/{code}", base.trim_end_matches('/'));
        let issued_at = crate::rights::agency_now()
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
        let pdf = self
            .render_certificate(sirm_cert::Certificate {
                kind: req.kind.to_cert(),
                agency_name: content.agency_name.clone(),
                code: code.clone(),
                verify_url: verify_url.clone(),
                issued_at: issued_at.clone(),
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

    /// The certificate of a typed code: its index row and its
    /// `certificate.issued` ledger entry, read by the `seq` the index names
    /// and checked to be that certificate's entry. Malformed and unknown
    /// codes are the same "not found"; an index row naming another entry is
    /// an error that sends to `sirm verify`. Whose certificate it is, its
    /// kind and its PDF's hash come from the entry, never from the row.
    async fn issued_certificate(
        &self,
        code: &str,
    ) -> Result<(CertificateRow, Entry, CertificateIssued), AppError> {
        let code = normalize_code(code).ok_or_else(no_such_code)?;
        let row = self
            .store
            .certificate(&code)
            .await?
            .ok_or_else(no_such_code)?;
        let seq = u64::try_from(row.seq).map_err(|_| no_such_code())?;
        let entry = self.store.entry(seq).await?.ok_or_else(no_such_code)?;
        let issued: Option<CertificateIssued> = (entry.kind == kind::CERTIFICATE_ISSUED)
            .then(|| serde_json::from_str(&entry.payload).ok())
            .flatten()
            .filter(|c: &CertificateIssued| c.code == code);
        let Some(issued) = issued else {
            return Err(AppError::invalid(
                "certificate",
                format!("the index names entry {seq} for {code}, which is not its certificate.issued entry; run `sirm verify`"),
            ));
        };
        Ok((row, entry, issued))
    }

    /// Is `entry` in the signed ledger as it is? Its leaf hash, recomputed
    /// from its content, is in the tree of a signed checkpoint whose
    /// signature checks (see [`Sirm::anchored_inclusion_proof`]).
    async fn entry_is_anchored(&self, entry: &Entry) -> (bool, Option<InclusionProof>) {
        let inclusion = self.anchored_inclusion_proof(entry).await.ok();
        let anchored = inclusion.as_ref().is_some_and(|p| {
            p.checkpoint.verify(&self.public_key).is_ok()
                && p.leaf_hash == hex::encode(entry.leaf_hash(p.checkpoint.profile))
        });
        (anchored, inclusion)
    }

    /// Whether the ledger revokes certificate `code` of `person`, issued by
    /// entry `issued_seq`: the `certificate.revoked` entries about the
    /// person after it, read from the ledger through its `(subject, seq)`
    /// index (no projection row is consulted, so clearing the index's
    /// `revoked_seq` hides nothing). Each is checked against the signed
    /// tree; the second value lists those that fail (an altered entry may
    /// be this certificate's revocation with its code changed).
    async fn ledger_revocation(
        &self,
        person: &PersonKey,
        issued_seq: u64,
        code: &str,
    ) -> Result<(Option<Revocation>, Vec<u64>), AppError> {
        let rows = self
            .store
            .subject_entries_of_kind(
                &records::person_subject(person),
                kind::CERTIFICATE_REVOKED,
                issued_seq,
            )
            .await?;
        let mut revoked = None;
        let mut failing = Vec::new();
        for row in rows {
            let seq = u64::try_from(row.seq).unwrap_or_default();
            let Ok((entry, _)) = row.decode() else {
                failing.push(seq);
                continue;
            };
            if !self.entry_is_anchored(&entry).await.0 {
                failing.push(seq);
                continue;
            }
            match serde_json::from_str::<CertificateRevoked>(&entry.payload) {
                Ok(r) if r.code == code => {
                    revoked.get_or_insert(Revocation {
                        seq,
                        reason: r.reason,
                    });
                }
                Ok(_) => {}
                Err(_) => failing.push(seq),
            }
        }
        Ok((revoked, failing))
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
        let (requester, items, _) = self.capacity(who, channel, subject, None).await.ok()?;
        let item = kind.item();
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
        self.capacity(who, channel, subject, None).await?;
        let mut kinds = Vec::new();
        for k in [CertificateKind::Contribution, CertificateKind::Benefit] {
            if self
                .certificate_capacity(who, channel, subject, k)
                .await
                .is_some()
            {
                kinds.push(k.as_str());
            }
        }
        if kinds.is_empty() {
            return Err(AppError::NotFound("record".into()));
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
                time_us: crate::identity::time_us(),
                channel: channel.as_str().into(),
                requester_kind: requester.as_str().into(),
                requester: who.username.clone(),
                subject: issued.id.as_str().to_string(),
                items: kind.item().as_str().into(),
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
            return Err(AppError::Conflict(format!(
                "certificate {code} was already revoked (entry {}): {}",
                r.seq, r.reason
            )));
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

    /// Verify a certificate by its code, and optionally a PDF claimed to be
    /// it. Public: needs no sign-in.
    ///
    /// A verification shows the certificate's content to whoever holds the
    /// code, so each one is written to the person's query log (channel
    /// `verification`, requester `public`, the source address): the person
    /// sees how often and from where their certificate was checked.
    pub async fn verify_certificate(
        &self,
        code: &str,
        file: Option<&[u8]>,
        source: &str,
    ) -> Result<CertificateCheck, AppError> {
        self.check_certificate(code, file, ("public", "anonymous", source))
            .await
    }

    /// The same check for a maintenance officer (e.g. before revoking),
    /// logged under the officer's name.
    pub async fn verify_certificate_as(
        &self,
        who: &Principal,
        code: &str,
    ) -> Result<CertificateCheck, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        self.check_certificate(code, None, ("staff", &who.username, &who.source))
            .await
    }

    async fn check_certificate(
        &self,
        code: &str,
        file: Option<&[u8]>,
        (requester_kind, requester, source): (&str, &str, &str),
    ) -> Result<CertificateCheck, AppError> {
        let (row, entry, issued) = self.issued_certificate(code).await?;
        let code = row.code.clone();
        let seq = entry.seq;
        let signature_valid = hex::decode(&issued.signature)
            .ok()
            .is_some_and(|sig| self.public_key.verify(&issued.statement(), &sig).is_ok())
            && issued.key_id == self.public_key.key_id();
        let (anchored, inclusion) = self.entry_is_anchored(&entry).await;
        // Revoked or not is the ledger's word, not the index's.
        let (revoked, unverified_revocations) =
            self.ledger_revocation(&issued.id, seq, &code).await?;
        let file = file.map(|bytes| {
            let sha256 = hex::encode(Sha256::digest(bytes));
            FileCheck {
                matches: sha256 == issued.pdf_sha256,
                code_in_file: sirm_cert::extract_code(bytes),
                sha256,
            }
        });
        let verdict = if revoked.is_some() {
            Verdict::Revoked
        } else if !signature_valid
            || !anchored
            || !unverified_revocations.is_empty()
            || file.as_ref().is_some_and(|f| !f.matches)
        {
            Verdict::Altered
        } else {
            Verdict::Genuine
        };
        let kind = CertificateKind::parse(&issued.kind)?;
        if verdict == Verdict::Altered {
            // Someone holds a document that does not match what was issued
            // (or the record itself fails its checks): the audit
            // administrator must see it. Presented anonymously, it is
            // counted in the source's refusal summary (one entry per source
            // and window, whatever the number of uploads); looked up by
            // staff, it is written at once.
            let detail = match &file {
                Some(f) if !f.matches => format!(
                    "certificate {code}: a file with SHA-256 {} was presented; the certificate issued has {}",
                    f.sha256, issued.pdf_sha256
                ),
                _ => format!(
                    "certificate {code}: its ledger record fails verification (signature valid: {signature_valid}, anchored: {anchored}, revocation entries of the person failing verification: {unverified_revocations:?})"
                ),
            };
            if requester_kind == "public" {
                self.refused(
                    source,
                    "certificate.altered",
                    Some(issued.id.as_str()),
                    &format!("certificate {code}"),
                );
            } else {
                self.audit(
                    issued.id.as_str(),
                    source,
                    "certificate.altered",
                    "failure",
                    &detail,
                    requester,
                )
                .await?;
            }
        }
        self.store
            .log_query(&sirm_store::QueryLogRow {
                time_us: crate::identity::time_us(),
                channel: "verification".into(),
                requester_kind: requester_kind.into(),
                requester: requester.chars().take(64).collect(),
                subject: issued.id.as_str().to_string(),
                items: format!("certificate.{}", kind.as_str()),
                basis: code.clone(),
                source: source.chars().take(64).collect(),
            })
            .await?;
        Ok(CertificateCheck {
            verdict,
            code,
            kind,
            title: kind.title().to_string(),
            issued_at: issued.issued_at.clone(),
            from_month: issued.from_month.to_string(),
            to_month: issued.to_month.to_string(),
            content: self.certificate_content(&issued).await?,
            pdf_sha256: issued.pdf_sha256,
            seq,
            signature_valid,
            key_id: issued.key_id,
            anchored,
            inclusion,
            revoked,
            unverified_revocations,
            file,
        })
    }

    /// What a certificate says, opened from its ledger entry (the person's
    /// data key); once the person's data was erased, only what is not
    /// personal remains.
    async fn certificate_content(
        &self,
        issued: &CertificateIssued,
    ) -> Result<CertificateContent, AppError> {
        let without = |what: &str| CertificateContent {
            agency_name: self.config.agency_name.clone(),
            person_name: what.into(),
            id_masked: what.into(),
            period: format!("{} 至 {}", issued.from_month, issued.to_month),
            summary: vec![],
            header: vec![],
            rows: vec![],
            verify_url: String::new(),
            footer_note: String::new(),
        };
        match self
            .open_for(
                &issued.id,
                crate::privacy::field::CERTIFICATE,
                issued.content.as_str(),
            )
            .await
        {
            Ok(text) => serde_json::from_str(&text).map_err(|e| AppError::invalid("content", e)),
            Err(AppError::Conflict(_)) => Ok(without(crate::privacy::reveal::ERASED)),
            // Checked without the keys (`sirm certificate verify` reads only
            // the public key): what is not personal remains.
            Err(AppError::KeyMissing(_)) => Ok(without("（未解密）")),
            // Sealed content that does not open was altered in the ledger
            // (the verdict says so): shown without it, not as a failure.
            Err(AppError::Unsealed(_)) => Ok(without("（无法解密）")),
            Err(e) => Err(e),
        }
    }

    /// Verify a PDF file alone: the code is read from the file.
    pub async fn verify_certificate_file(
        &self,
        bytes: &[u8],
        source: &str,
    ) -> Result<CertificateCheck, AppError> {
        let code = sirm_cert::extract_code(bytes).ok_or_else(|| {
            AppError::invalid(
                "file",
                "no SIRM verification code in this file: it is not a certificate issued by SIRM (or the code was removed)",
            )
        })?;
        self.verify_certificate(&code, Some(bytes), source).await
    }
}

/// `110105********0012` from an ID number's text (anything else as it is:
/// "（已删除）" for an erased person).
pub fn mask_id_text(id: &str) -> String {
    match id.parse::<sirm_domain::id::ResidentId>() {
        Ok(rid) => rid.masked(),
        Err(_) => id.to_string(),
    }
}

type Content = (
    Month,
    Month,
    Vec<(String, String)>,
    Vec<String>,
    Vec<Vec<String>>,
);

fn period_of(
    req: &CertificateRequest,
    first: Option<Month>,
    last: Option<Month>,
) -> Result<(Month, Month), AppError> {
    let current = current_month();
    let from = req.from.or(first).unwrap_or(current);
    let to = req.to.or(last).unwrap_or(current);
    if from > to {
        return Err(AppError::invalid(
            "from",
            format!("the period starts ({from}) after it ends ({to})"),
        ));
    }
    if to > current {
        return Err(AppError::invalid(
            "to",
            format!("{to} is in the future (this month is {current})"),
        ));
    }
    Ok((from, to))
}

async fn contribution_content(
    sirm: &Sirm,
    r: &RightsRecord,
    req: &CertificateRequest,
) -> Result<Content, AppError> {
    let months: Vec<Month> = r
        .contributions
        .iter()
        .filter_map(|c| Month::parse(&c.month).ok())
        .collect();
    let (from, to) = period_of(
        req,
        months.iter().min().copied(),
        months.iter().max().copied(),
    )?;
    let current = current_month();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    let (mut paid, mut arrears) = (0u32, 0u32);
    let (mut employer_total, mut personal_total) = (Decimal::ZERO, Decimal::ZERO);
    for c in &r.contributions {
        let Ok(m) = Month::parse(&c.month) else {
            continue;
        };
        if m < from || m > to {
            continue;
        }
        if !names.contains_key(&c.credit_code) {
            let name = sirm
                .store
                .employer_name(&c.credit_code)
                .await?
                .unwrap_or_else(|| c.credit_code.clone());
            names.insert(c.credit_code.clone(), name);
        }
        let employer = money(&c.pension_employer)
            + money(&c.medical_employer)
            + money(&c.unemployment_employer)
            + money(&c.work_injury_employer);
        let personal = money(&c.pension_employee)
            + money(&c.medical_employee)
            + money(&c.unemployment_employee);
        let status = match MonthStatus::of(&c.month, &c.status, current) {
            MonthStatus::Paid => {
                paid += 1;
                employer_total += employer;
                personal_total += personal;
                "已缴"
            }
            MonthStatus::Arrears => {
                arrears += 1;
                "欠缴"
            }
            MonthStatus::Due => "应缴",
        };
        rows.push(vec![
            c.month.clone(),
            names.get(&c.credit_code).cloned().unwrap_or_default(),
            c.base.clone(),
            yuan(employer),
            yuan(personal),
            status.to_string(),
        ]);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let y = &r.contribution_years;
    let mut summary = vec![
        ("期间实缴月数".to_string(), format!("{paid} 个月")),
        ("期间欠缴月数".to_string(), format!("{arrears} 个月")),
        (
            "期间单位缴费合计".to_string(),
            format!("{} 元", yuan(employer_total)),
        ),
        (
            "期间个人缴费合计".to_string(),
            format!("{} 元", yuan(personal_total)),
        ),
        (
            "累计缴费年限".to_string(),
            format!("{} 年 {} 个月（{} 个月）", y.years, y.months, y.paid_months),
        ),
    ];
    if let (Some(balance), Some(last)) = (&r.account_balance, r.account_years.last()) {
        summary.push((
            "个人账户余额".to_string(),
            format!("{balance} 元（{} 年末）", last.year),
        ));
    }
    let header = [
        "月份",
        "参保单位",
        "缴费基数",
        "单位缴费",
        "个人缴费",
        "状态",
    ]
    .map(String::from)
    .to_vec();
    Ok((from, to, summary, header, rows))
}

fn benefit_content(r: &RightsRecord, req: &CertificateRequest) -> Result<Content, AppError> {
    let b = r.benefit.as_ref().ok_or_else(|| {
        AppError::invalid(
            "kind",
            "no benefit on record for this person: a benefit certificate (待遇领取证明) cannot be issued; a contribution certificate can",
        )
    })?;
    let start: Option<Month> = Month::parse(&b.start_month).ok();
    let last: Option<Month> = r
        .payments
        .iter()
        .filter_map(|p| Month::parse(&p.month).ok())
        .max();
    let (from, to) = period_of(req, start, last.or(start))?;
    let mut total = Decimal::ZERO;
    let mut rows = Vec::new();
    for p in &r.payments {
        let Ok(m) = Month::parse(&p.month) else {
            continue;
        };
        if m < from || m > to {
            continue;
        }
        total += money(&p.amount);
        rows.push(vec![
            p.month.clone(),
            "基本养老金".to_string(),
            p.amount.clone(),
            p.rule_set.clone(),
        ]);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let status = match b.status.as_str() {
        "granted" => "正常发放",
        "suspended" => "暂停发放",
        "terminated" => "终止",
        _ => "—",
    };
    let summary = vec![
        ("待遇项目".to_string(), "基本养老金".to_string()),
        ("待遇状态".to_string(), status.to_string()),
        ("待遇起始月份".to_string(), b.start_month.clone()),
        ("月待遇标准".to_string(), format!("{} 元", b.total)),
        ("其中基础养老金".to_string(), format!("{} 元", b.basic)),
        ("个人账户养老金".to_string(), format!("{} 元", b.account)),
        ("过渡性养老金".to_string(), format!("{} 元", b.transitional)),
        ("计发规则".to_string(), b.rule_set.clone()),
        ("期间发放月数".to_string(), format!("{} 个月", rows.len())),
        ("期间发放合计".to_string(), format!("{} 元", yuan(total))),
    ];
    let header = ["月份", "项目", "发放金额（元）", "计发规则"]
        .map(String::from)
        .to_vec();
    Ok((from, to, summary, header, rows))
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
