//! Issued certificates (Art 15), as projected from `certificate.issued` and
//! `certificate.revoked` entries: looked up by verification code, listed by
//! person. The ledger entry (by `seq`) is the authority; this is an index.

use crate::rows::TableRow;
use crate::{Store, StoreError};
use serde::Serialize;

crate::table_row! {
/// One issued certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateRow in "certificate" {
    pub code: String,
    pub person_id: String,
    pub kind: String,
    pub from_month: sirm_domain::rules::Month,
    pub to_month: sirm_domain::rules::Month,
    pub issued_at: String,
    pub pdf_sha256: String,
    pub seq: i64,
    /// 0 while in force; else the seq of the revocation entry.
    pub revoked_seq: i64,
    pub revoked_reason: String,
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
