//! Projections of rights: contributions, account years, benefits,
//! payments, subsidies, certificates, employments, applications and
//! delegations.

use sirm_domain::records::{
    self, kind, ApplicationDecided, ApplicationSubmitted, ApplicationWithdrawn, ContributionPaid,
    DelegationRecorded, EmploymentEnd,
};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::summary;
use super::write::{amounts, erased, figure_columns, figures, history, payload, seq, step};
use crate::StoreError;

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::CERTIFICATE_ISSUED => {
            let c: records::CertificateIssued = payload(entry)?;
            sqlx::query(
                "INSERT INTO certificate (code, person_id, kind, from_month, to_month, issued_at, pdf_sha256, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&c.code)
            .bind(c.id.as_str())
            .bind(&c.kind)
            .bind(c.from_month.to_string())
            .bind(c.to_month.to_string())
            .bind(&c.issued_at)
            .bind(&c.pdf_sha256)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CERTIFICATE_REVOKED => {
            let r: records::CertificateRevoked = payload(entry)?;
            sqlx::query(
                "UPDATE certificate SET revoked_seq = $1, revoked_reason = $2 WHERE code = $3",
            )
            .bind(s)
            .bind(&r.reason)
            .bind(&r.code)
            .execute(&mut *conn)
            .await?;
        }
        kind::SUBSIDY_GRANTED => {
            let p: records::SubsidyGrant = payload(entry)?;
            let mut m = p.from_month;
            while m <= p.to_month {
                sqlx::query(
                    "INSERT INTO subsidy (person_id, month, kind, amount, basis, seq) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(p.id.as_str())
                .bind(m.to_string())
                .bind(&p.kind)
                .bind(p.monthly_amount.to_string())
                .bind(&p.basis)
                .bind(s)
                .execute(&mut *conn)
                .await?;
                m = m.add_months(1);
            }
        }
        kind::CONTRIBUTION_CORRECTED => {
            let c: records::ContributionCorrected = payload(entry)?;
            let p = &c.assessed;
            summary::correct(
                conn,
                p.id.as_str(),
                &p.month.to_string(),
                i64::from(p.month.year()),
                &amounts(&p.result),
            )
            .await?;
            let set: Vec<String> = figure_columns()
                .iter()
                .enumerate()
                .map(|(i, col)| format!("{col} = ${}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE contribution SET {}, seq = $12 WHERE person_id = $13 AND month = $14",
                set.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for f in figures(&p.result) {
                q = q.bind(f);
            }
            q.bind(s)
                .bind(p.id.as_str())
                .bind(p.month.to_string())
                .execute(&mut *conn)
                .await?;
        }
        kind::BENEFIT_STATUS => {
            let p: records::BenefitStatusChange = payload(entry)?;
            sqlx::query("UPDATE benefit SET status = $1, seq = $2 WHERE person_id = $3")
                .bind(p.status.as_str())
                .bind(s)
                .bind(p.id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        kind::CONTRIBUTION_PAID => {
            let p: ContributionPaid = payload(entry)?;
            summary::pay(
                conn,
                p.credit_code.as_str(),
                &p.month.to_string(),
                i64::from(p.month.year()),
            )
            .await?;
            sqlx::query(
                "UPDATE contribution SET status = 'paid' WHERE credit_code = $1 AND month = $2",
            )
            .bind(p.credit_code.as_str())
            .bind(p.month.to_string())
            .execute(&mut *conn)
            .await?;
        }
        kind::EMPLOYMENT_ENDED => {
            let p: EmploymentEnd = payload(entry)?;
            sqlx::query(
                "UPDATE employment SET end_on = $1, end_reason = $2, end_seq = $3 \
                 WHERE person_id = $4 AND credit_code = $5 AND end_on IS NULL",
            )
            .bind(p.end_on.to_string())
            .bind(&p.reason)
            .bind(s)
            .bind(p.id.as_str())
            .bind(p.credit_code.as_str())
            .execute(&mut *conn)
            .await?;
            history(
                conn,
                entry,
                &p.end_on.to_string(),
                format!("left {} ({})", p.credit_code, p.reason),
            )
            .await?;
        }
        kind::APPLICATION_SUBMITTED => {
            let p: ApplicationSubmitted = payload(entry)?;
            let actor = entry.actors.first().cloned().unwrap_or_default();
            let json = |v: &dyn erased::Ser| v.to_json();
            sqlx::query(
                "INSERT INTO application (application_id, business_type, subject, agency, data, materials, chain, status, \
                 next_stage, reason, submitted_by, submitted_seq, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $12) \
                 ON CONFLICT (application_id) DO UPDATE SET data = excluded.data, materials = excluded.materials, \
                 status = excluded.status, next_stage = excluded.next_stage, reason = '', last_seq = excluded.last_seq",
            )
            .bind(&p.application_id)
            .bind(&p.business_type)
            .bind(&p.subject)
            .bind(&entry.agency)
            .bind(json(&p.data))
            .bind(json(&p.materials))
            .bind(json(&p.chain))
            .bind(p.status.as_str())
            .bind(p.next_stage.map(|s| s.as_str().to_string()))
            .bind(&actor)
            .bind(s)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            step(conn, s, &p.application_id, "preliminary", &actor, true, "").await?;
        }
        kind::APPLICATION_DECIDED => {
            let p: ApplicationDecided = payload(entry)?;
            let actor = entry.actors.first().cloned().unwrap_or_default();
            sqlx::query(
                "UPDATE application SET status = $1, next_stage = $2, reason = $3, last_seq = $4 WHERE application_id = $5",
            )
            .bind(p.status.as_str())
            .bind(p.next_stage.map(|s| s.as_str().to_string()))
            .bind(&p.reason)
            .bind(s)
            .bind(&p.application_id)
            .execute(&mut *conn)
            .await?;
            step(
                conn,
                s,
                &p.application_id,
                p.stage.as_str(),
                &actor,
                p.approve,
                &p.reason,
            )
            .await?;
        }
        kind::APPLICATION_WITHDRAWN => {
            let p: ApplicationWithdrawn = payload(entry)?;
            sqlx::query(
                "UPDATE application SET status = 'withdrawn', next_stage = NULL, reason = $1, last_seq = $2 WHERE application_id = $3",
            )
            .bind(&p.reason)
            .bind(s)
            .bind(&p.application_id)
            .execute(&mut *conn)
            .await?;
        }
        kind::DELEGATION_RECORDED => {
            let p: DelegationRecorded = payload(entry)?;
            sqlx::query(
                "INSERT INTO delegation (delegation_id, person_id, delegate_username, scope, valid_from, valid_until, \
                 document_sha256, recorded_by, recorded_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&p.delegation_id)
            .bind(p.person_id.as_str())
            .bind(&p.delegate_username)
            .bind(p.scope.join(","))
            .bind(p.valid_from.to_string())
            .bind(p.valid_until.to_string())
            .bind(&p.document_sha256)
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
