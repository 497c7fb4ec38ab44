//! Issued certificates (Art 15), as projected from `certificate.issued` and
//! `certificate.revoked` entries: looked up by verification code, listed by
//! person. The ledger entry (by `seq`) is the authority; this is an index.

use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError};

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

const COLUMNS: &str = "code, person_id, kind, from_month, to_month, issued_at, pdf_sha256, seq, \
                       revoked_seq, revoked_reason";

fn row(r: &sqlx::any::AnyRow) -> Result<CertificateRow, sqlx::Error> {
    Ok(CertificateRow {
        code: r.try_get(0)?,
        person_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        from_month: r.try_get(3)?,
        to_month: r.try_get(4)?,
        issued_at: r.try_get(5)?,
        pdf_sha256: r.try_get(6)?,
        seq: r.try_get(7)?,
        revoked_seq: r.try_get(8)?,
        revoked_reason: r.try_get(9)?,
    })
}

impl Store {
    /// The certificate with this verification code, if any.
    pub async fn certificate(&self, code: &str) -> Result<Option<CertificateRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificate WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| row(&r)).transpose()?)
    }

    /// A person's certificates, newest first.
    pub async fn certificates_of(
        &self,
        person_id: &str,
    ) -> Result<Vec<CertificateRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificate WHERE person_id = $1 ORDER BY seq DESC"
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
    }
}
