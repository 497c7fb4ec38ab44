//! Verifying a certificate (核验): by its code or from its PDF file, against
//! its `certificate.issued` ledger entry, the signed tree and the ledger's
//! revocations.

use super::*;
use crate::AuditEvent;

impl Sirm {
    /// The certificate of a typed code: its index row and its
    /// `certificate.issued` ledger entry, read by the `seq` the index names
    /// and checked to be that certificate's entry. Malformed and unknown
    /// codes are the same "not found"; an index row naming another entry is
    /// an error that sends to `sirm verify`. Whose certificate it is, its
    /// kind and its PDF's hash come from the entry, never from the row.
    pub(super) async fn issued_certificate(
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

    /// The ledger entry `seq` that a letter index row names for `code`,
    /// checked to be of `kind_` and to carry the code (`code_of`); an entry
    /// that is not sends to `sirm verify`.
    pub(crate) async fn letter_entry<T: serde::de::DeserializeOwned>(
        &self,
        seq: i64,
        kind_: &str,
        code: &str,
        code_of: fn(&T) -> &str,
    ) -> Result<(Entry, T), AppError> {
        let no_letter = || AppError::not_found(RuleId::NotFoundCertificate, "letter");
        let seq = u64::try_from(seq).map_err(|_| no_letter())?;
        let entry = self.store.entry(seq).await?.ok_or_else(no_letter)?;
        let rec: Option<T> = (entry.kind == kind_)
            .then(|| serde_json::from_str(&entry.payload).ok())
            .flatten()
            .filter(|r| code_of(r) == code);
        match rec {
            Some(rec) => Ok((entry, rec)),
            None => Err(AppError::invalid(
                "letter",
                format!("the index names entry {seq} for {code}, which is not its {kind_} entry; run `sirm verify`"),
            )),
        }
    }

    /// A signed letter checked (a refusal letter, an objection answer):
    /// the agency's signature over its statement, its entry in the signed
    /// tree, and a file claimed to be it against the recorded hash.
    pub(crate) async fn check_letter(
        &self,
        entry: &Entry,
        signed: SignedLetter<'_>,
        file: Option<&[u8]>,
    ) -> LetterCheck {
        let signature_valid = hex::decode(signed.signature)
            .ok()
            .is_some_and(|sig| self.public_key.verify(&signed.statement, &sig).is_ok())
            && signed.key_id == self.public_key.key_id();
        let (anchored, inclusion) = self.entry_is_anchored(entry).await;
        let file = file.map(|bytes| {
            let sha256 = hex::encode(Sha256::digest(bytes));
            FileCheck {
                matches: sha256 == signed.pdf_sha256,
                code_in_file: sirm_cert::extract_code(bytes),
                sha256,
            }
        });
        let verdict = if !signature_valid || !anchored || file.as_ref().is_some_and(|f| !f.matches)
        {
            Verdict::Altered
        } else {
            Verdict::Genuine
        };
        LetterCheck {
            signature_valid,
            anchored,
            inclusion,
            file,
            verdict,
        }
    }

    /// Is `entry` in the signed ledger as it is? Its leaf hash, recomputed
    /// from its content, is in the tree of a signed checkpoint whose
    /// signature checks (see [`Sirm::anchored_inclusion_proof`]).
    pub(crate) async fn entry_is_anchored(&self, entry: &Entry) -> (bool, Option<InclusionProof>) {
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
    pub(super) async fn ledger_revocation(
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
        // A written refusal to a unit (Art 20 (2)) shares the codes and the
        // verification page, not the person's certificate entry.
        if let Some(v) = self.check_refusal_letter(code, file).await? {
            return Ok(v);
        }
        // So does the written answer to an objection (Art 16).
        if let Some(v) = self.check_objection_letter(code, file).await? {
            return Ok(v);
        }
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
                    AuditEvent::new(issued.id.as_str(), source, "certificate.altered")
                        .by(requester)
                        .failure(&detail),
                )
                .await?;
            }
        }
        self.store
            .log_query(&sirm_store::QueryLogRow {
                time_us: crate::clock::time_us(),
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

/// What a signed letter carries to be checked.
pub(crate) struct SignedLetter<'a> {
    pub statement: Vec<u8>,
    pub signature: &'a str,
    pub key_id: &'a str,
    pub pdf_sha256: &'a str,
}

/// What checking a signed letter found.
pub(crate) struct LetterCheck {
    pub signature_valid: bool,
    pub anchored: bool,
    pub inclusion: Option<InclusionProof>,
    pub file: Option<FileCheck>,
    pub verdict: Verdict,
}
