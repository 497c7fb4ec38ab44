//! Issued certificates (Art 15), as projected from `certificate.issued` and
//! `certificate.revoked` entries: looked up by verification code, listed by
//! person. The ledger entry (by `seq`) is the authority; this is an index.

use crate::rows::{RawRow, Reader, TableRow};
use crate::{Store, StoreError};
use serde::Serialize;

/// One issued certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateRow {
    pub code: String,
    pub person_id: String,
    pub kind: String,
    pub from_month: String,
    pub to_month: String,
    pub issued_at: String,
    pub pdf_sha256: String,
    pub seq: i64,
    /// 0 while in force; else the seq of the revocation entry.
    pub revoked_seq: i64,
    pub revoked_reason: String,
}

impl TableRow for CertificateRow {
    const TABLE: &'static str = "certificate";
    const COLUMNS: &'static [&'static str] = &[
        "code",
        "person_id",
        "kind",
        "from_month",
        "to_month",
        "issued_at",
        "pdf_sha256",
        "seq",
        "revoked_seq",
        "revoked_reason",
    ];

    fn read<R: RawRow + ?Sized>(r: &Reader<'_, R>) -> Result<Self, StoreError> {
        Ok(CertificateRow {
            code: r.text("code")?,
            person_id: r.text("person_id")?,
            kind: r.text("kind")?,
            from_month: r.text("from_month")?,
            to_month: r.text("to_month")?,
            issued_at: r.text("issued_at")?,
            pdf_sha256: r.text("pdf_sha256")?,
            seq: r.int("seq")?,
            revoked_seq: r.int("revoked_seq")?,
            revoked_reason: r.text("revoked_reason")?,
        })
    }
}

impl Store {
    /// The certificate with this verification code, if any.
    pub async fn certificate(&self, code: &str) -> Result<Option<CertificateRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM certificate WHERE code = $1",
            CertificateRow::select_list()
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(CertificateRow::from_row).transpose()
    }

    /// A person's certificates, newest first.
    pub async fn certificates_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<CertificateRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM certificate WHERE person_id = $1 ORDER BY seq DESC",
            CertificateRow::select_list()
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        CertificateRow::from_rows(&rows)
    }
}
