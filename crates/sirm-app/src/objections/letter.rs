//! The written answer to an objection (异议核查答复书, Art 16): when the
//! maintenance officer's re-check finds no error, the letter — the number,
//! the person (ID number masked), the items, the officer's reasons, the
//! date — is rendered by `sirm-cert` like a certificate, kept in the
//! archive under its SHA-256, and recorded by one `objection.answered`
//! entry signed with the agency key. Its code verifies at `/verify/<code>`
//! like a certificate's (genuine, or altered), with the letter's own labels.
//! Verifying it reads no record (the masked number and the items are what
//! the letter itself says), so it is not written to a query log.

use sirm_domain::access::Permission;
use sirm_domain::records::{
    kind, objection_subject, CertificateContent, ObjectionAnswered, ObjectionItem, ObjectionLetter,
};
use sirm_domain::status::ObjectionStatus;
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::{Expect, ObjectionRow};

use crate::certificate::{
    normalize_code, CertificateCheck, CertificateKind, LetterCheck, SignedLetter,
};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

const FOOTER_NOTE: &str = "依据《社会保险个人权益记录管理办法》第十六条，社会保险经办机构对书面核查申请进行复核，确实存在错误的予以改正。对本答复有异议的，可依法申请行政复议或提起行政诉讼。请扫描二维码或访问核验网址核验本答复书真伪，以核验结果为准。";

fn no_such_letter() -> AppError {
    AppError::not_found(RuleId::NotFoundCertificate, "letter")
}

impl Sirm {
    /// The officer answers an open objection in writing: no error found,
    /// the reasons given. Returns the letter's verification code.
    pub async fn answer_objection(
        &self,
        who: &Principal,
        number: &str,
        reasons: &str,
        base_url: &str,
    ) -> Result<String, AppError> {
        self.authorize(who, Permission::RecordMaintain).await?;
        let row = self.objection_for(who, number).await?;
        if row.status != ObjectionStatus::Open {
            return Err(AppError::conflict_by(
                RuleId::ObjectionClosed,
                format!(
                    "objection {} is {}; a linked correction is withdrawn first",
                    row.number, row.status
                ),
            ));
        }
        sirm_domain::records::check_text("reasons", reasons, 2000)
            .map_err(AppError::invalid_record)?;
        let pk: sirm_domain::id::PersonKey = row
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person", e))?;
        let code = crate::certificate::new_code();
        let base = self
            .config
            .certificates
            .public_url
            .clone()
            .unwrap_or_else(|| base_url.to_string());
        let verify_url = format!("{}/verify/{code}", base.trim_end_matches('/'));
        let now = crate::clock::agency_now();
        let issued_at = now.format("%Y-%m-%d %H:%M:%S").to_string();
        let id_masked = match self.person_view(&pk).await? {
            Some(v) => v.id_masked(),
            None => crate::privacy::reveal::ERASED.to_string(),
        };
        let items: Vec<ObjectionItem> =
            serde_json::from_str(&row.items).map_err(|e| AppError::invalid("items", e))?;
        let letter = ObjectionLetter {
            agency_name: self.config.agency_name.clone(),
            number: row.number.clone(),
            id_masked,
            filed_on: row.filed_on.to_string(),
            answered_on: now.date().to_string(),
            items: items.iter().map(ObjectionItem::zh).collect(),
            reasons: reasons.trim().to_string(),
            verify_url: verify_url.clone(),
        };
        let content = content_of(&letter);
        let (pdf, pdf_sha256) = self
            .render_and_archive(
                sirm_cert::CertificateKind::ObjectionAnswer,
                &content,
                &code,
                &verify_url,
                &issued_at,
            )
            .await?;
        let mut rec = ObjectionAnswered {
            code: code.clone(),
            number: row.number.clone(),
            person: pk,
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
        let d = draft(
            &self.config,
            Stream::Business,
            kind::OBJECTION_ANSWERED,
            objection_subject(&row.number),
            &who.username,
            &rec,
        )?;
        self.append_with(
            vec![d],
            Some(Expect::ObjectionAt {
                number: row.number.clone(),
                last_seq: row.last_seq,
                application: None,
            }),
        )
        .await?;
        Ok(code)
    }

    /// The answer of a code with its entry, checked to be its
    /// `objection.answered` entry; `None` when no answer has the code.
    async fn objection_answer_of(
        &self,
        code: &str,
    ) -> Result<Option<(ObjectionRow, sirm_ledger::Entry, ObjectionAnswered)>, AppError> {
        let Some(code) = normalize_code(code) else {
            return Ok(None);
        };
        let Some(row) = self.store.objection_by_letter(&code).await? else {
            return Ok(None);
        };
        let (entry, rec) = self
            .letter_entry(
                row.last_seq,
                kind::OBJECTION_ANSWERED,
                &code,
                |r: &ObjectionAnswered| r.code.as_str(),
            )
            .await?;
        Ok(Some((row, entry, rec)))
    }

    /// Verify an objection answer by its code (and a file claimed to be
    /// it). `None` when the code is no answer's.
    pub(crate) async fn check_objection_letter(
        &self,
        code: &str,
        file: Option<&[u8]>,
    ) -> Result<Option<CertificateCheck>, AppError> {
        let Some((row, entry, rec)) = self.objection_answer_of(code).await? else {
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
        let kind = CertificateKind::ObjectionAnswer;
        Ok(Some(CertificateCheck {
            verdict,
            code: row.letter_code,
            kind,
            title: kind.title().to_string(),
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

    /// The PDF of an objection's written answer, for whoever may see the
    /// objection.
    pub async fn objection_letter_pdf(
        &self,
        who: &Principal,
        number: &str,
    ) -> Result<Vec<u8>, AppError> {
        let row = self.objection_for(who, number).await?;
        let (_, _, rec) = self
            .objection_answer_of(&row.letter_code)
            .await?
            .ok_or_else(no_such_letter)?;
        self.archive.get(&rec.pdf_sha256).await
    }
}

/// The letter as the certificate layout and the verification page show it.
fn content_of(l: &ObjectionLetter) -> CertificateContent {
    CertificateContent {
        agency_name: l.agency_name.clone(),
        person_name: l.number.clone(),
        id_masked: l.id_masked.clone(),
        period: l.filed_on.clone(),
        summary: vec![
            ("答复日期".into(), l.answered_on.clone()),
            ("核查结果".into(), "经复核，未发现所列记录存在错误".into()),
            ("理由".into(), l.reasons.clone()),
        ],
        header: vec!["序号".into(), "记录项目".into()],
        rows: l
            .items
            .iter()
            .enumerate()
            .map(|(i, p)| vec![(i + 1).to_string(), p.clone()])
            .collect(),
        verify_url: l.verify_url.clone(),
        footer_note: FOOTER_NOTE.to_string(),
    }
}
