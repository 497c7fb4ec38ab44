//! The written refusal (不予提供告知书, Art 20 (2)): when a reviewer rejects
//! a unit's application, the letter — the unit, the application, the
//! reviewer's reasons, the persons the unit named (ID numbers masked), the
//! date — is rendered by `sirm-cert` like a certificate, kept in the archive
//! under its SHA-256, and recorded by one `disclosure.refused` entry signed
//! with the agency key, written with the rejection. Its code verifies at
//! `/verify/<code>` like a certificate's (genuine, or altered when the
//! entry or an uploaded file does not match). Verifying a letter is not a
//! query of anyone's record (it shows masked ID numbers the unit itself
//! named), so it is not written to a person's query log.

use sirm_domain::access::Permission;
use sirm_domain::records::{
    disclosure_subject, kind, CertificateContent, DisclosureApplication, DisclosureRefused,
    RefusalLetter,
};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
pub use sirm_store::DisclosureLetterRow;

use crate::certificate::{
    normalize_code, CertificateCheck, CertificateKind, LetterCheck, SignedLetter,
};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

const FOOTER_NOTE: &str = "依据《社会保险个人权益记录管理办法》第二十条，对无法律依据的查询申请，社会保险经办机构不予提供并向申请人作出说明。请扫描二维码或访问核验网址核验本告知书真伪，以核验结果为准。";

fn no_such_letter() -> AppError {
    AppError::not_found(RuleId::NotFoundCertificate, "letter")
}

impl Sirm {
    /// Render, archive and sign the refusal letter of `application`; the
    /// `disclosure.refused` draft to write with the rejection, and its code.
    pub(crate) async fn refusal_letter(
        &self,
        who: &Principal,
        d: &DisclosureApplication,
        application: &str,
        reason: &str,
    ) -> Result<(String, EntryDraft), AppError> {
        let code = crate::certificate::new_code();
        let base = self
            .config
            .certificates
            .public_url
            .clone()
            .unwrap_or_default();
        let verify_url = format!("{}/verify/{code}", base.trim_end_matches('/'));
        let now = crate::clock::agency_now();
        let issued_at = now.format("%Y-%m-%d %H:%M:%S").to_string();
        let mut persons_masked = Vec::new();
        for p in &d.persons {
            persons_masked.push(match self.person_view(p).await? {
                Some(v) => v.id_masked(),
                None => crate::privacy::reveal::ERASED.to_string(),
            });
        }
        let items: Vec<String> = crate::collection::disclosure_items_of(&d.items)?
            .into_iter()
            .map(|i| item_zh(i).to_string())
            .collect();
        let letter = RefusalLetter {
            agency_name: self.config.agency_name.clone(),
            unit_name: d.unit_name.trim().to_string(),
            credit_code: d.credit_code.to_string(),
            application_id: application.to_string(),
            decided_on: now.date().to_string(),
            purpose: d.purpose.trim().to_string(),
            basis: d.basis.trim().to_string(),
            reason: reason.trim().to_string(),
            persons_masked,
            items,
            verify_url: verify_url.clone(),
        };
        let content = content_of(&letter);
        let (pdf, pdf_sha256) = self
            .render_and_archive(
                sirm_cert::CertificateKind::DisclosureRefusal,
                &content,
                &code,
                &verify_url,
                &issued_at,
            )
            .await?;
        let mut rec = DisclosureRefused {
            code: code.clone(),
            application_id: application.to_string(),
            credit_code: d.credit_code.clone(),
            issued_at,
            letter,
            pdf_sha256,
            pdf_bytes: pdf.len() as u64,
            key_id: String::new(),
            signature: String::new(),
        };
        let (signature, key_id) = self.certificate_signature(&rec.statement())?;
        rec.signature = signature;
        rec.key_id = key_id;
        let mut e = draft(
            &self.config,
            Stream::Business,
            kind::DISCLOSURE_REFUSED,
            disclosure_subject(application),
            &who.username,
            &rec,
        )?;
        e.application = Some(application.to_string());
        Ok((code, e))
    }

    /// The letter of a code and its ledger entry, checked to be its
    /// `disclosure.refused` entry; `None` when no letter has the code.
    async fn refusal_of(
        &self,
        code: &str,
    ) -> Result<Option<(DisclosureLetterRow, sirm_ledger::Entry, DisclosureRefused)>, AppError>
    {
        let Some(code) = normalize_code(code) else {
            return Ok(None);
        };
        let Some(row) = self.store.disclosure_letter(&code).await? else {
            return Ok(None);
        };
        let (entry, rec) = self
            .letter_entry(
                row.seq,
                kind::DISCLOSURE_REFUSED,
                &code,
                |r: &DisclosureRefused| r.code.as_str(),
            )
            .await?;
        Ok(Some((row, entry, rec)))
    }

    /// Verify a refusal letter by its code (and a file claimed to be it):
    /// its signature, its entry in the signed tree, the file's hash.
    /// `None` when the code is no letter's (it may be a certificate's).
    pub(crate) async fn check_refusal_letter(
        &self,
        code: &str,
        file: Option<&[u8]>,
    ) -> Result<Option<CertificateCheck>, AppError> {
        let Some((row, entry, rec)) = self.refusal_of(code).await? else {
            return Ok(None);
        };
        let LetterCheck {
            signature_valid,
            anchored,
            inclusion,
            file,
            verdict,
        } = self
            .check_letter(
                &entry,
                SignedLetter {
                    statement: rec.statement(),
                    signature: &rec.signature,
                    key_id: &rec.key_id,
                    pdf_sha256: &rec.pdf_sha256,
                },
                file,
            )
            .await;
        let kind = CertificateKind::DisclosureRefusal;
        Ok(Some(CertificateCheck {
            verdict,
            code: row.code,
            kind,
            title: kind.to_cert().title().to_string(),
            issued_at: rec.issued_at.clone(),
            from_month: String::new(),
            to_month: String::new(),
            content: content_of(&rec.letter),
            pdf_sha256: rec.pdf_sha256,
            seq: entry.seq,
            signature_valid,
            key_id: rec.key_id,
            anchored,
            inclusion,
            revoked: None,
            unverified_revocations: Vec::new(),
            file,
        }))
    }

    /// The refusal letters of an application, for the counter that hands
    /// them to the unit (clerks of the application's agency).
    pub async fn refusal_letters_of(
        &self,
        who: &Principal,
        application: &str,
    ) -> Result<Vec<DisclosureLetterRow>, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        self.application_of_agency(who, application).await?;
        Ok(self.store.disclosure_letters_of(application).await?)
    }

    /// The PDF of a refusal letter, for the clerk handing it over.
    pub async fn refusal_letter_pdf(
        &self,
        who: &Principal,
        code: &str,
    ) -> Result<Vec<u8>, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let (row, _, rec) = self.refusal_of(code).await?.ok_or_else(no_such_letter)?;
        self.application_of_agency(who, &row.application_id)
            .await
            .map_err(|_| no_such_letter())?;
        self.archive.get(&rec.pdf_sha256).await
    }
}

/// The queryable item's Chinese name.
pub fn item_zh(i: crate::config::query::Item) -> &'static str {
    use crate::config::query::Item;
    match i {
        Item::Registration => "参保登记信息",
        Item::Employment => "就业记录",
        Item::Contributions => "缴费记录",
        Item::Account => "个人账户",
        Item::Benefit => "待遇",
    }
}

/// The letter as the certificate layout and the verification page show it.
fn content_of(l: &RefusalLetter) -> CertificateContent {
    CertificateContent {
        agency_name: l.agency_name.clone(),
        person_name: l.unit_name.clone(),
        id_masked: l.credit_code.clone(),
        period: l.application_id.clone(),
        summary: vec![
            ("决定日期".into(), l.decided_on.clone()),
            ("查询目的".into(), l.purpose.clone()),
            ("申请所称依据".into(), l.basis.clone()),
            ("申请查询的项目".into(), l.items.join("、")),
            ("不予提供的理由".into(), l.reason.clone()),
        ],
        header: vec!["序号".into(), "公民身份号码（部分隐去）".into()],
        rows: l
            .persons_masked
            .iter()
            .enumerate()
            .map(|(i, p)| vec![(i + 1).to_string(), p.clone()])
            .collect(),
        verify_url: l.verify_url.clone(),
        footer_note: FOOTER_NOTE.to_string(),
    }
}
