//! 去标识化数据提取 (`disclosure.extract`, Art 17): a de-identified
//! extract for approved research or system development, filed by the
//! clerk on behalf of a statistics user (统计用户, who holds no business
//! permission) and decided along the review chain. Filing and every
//! decision build the extract and run its k-anonymity check (rule
//! `disclosure.k-anonymity`); approval builds it once more with the
//! pseudonym key of this application, seals the file into the archive and
//! writes one `disclosure.extract` entry with its row count and SHA-256.

use sirm_domain::records::{kind, ExtractReleased, ExtractRequest};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{Business, DraftStream};
use crate::disclosure::statistics::extract;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// `disclosure.extract`.
pub(crate) struct Extract;

fn required(field: &str, v: &str) -> Result<(), AppError> {
    if v.trim().is_empty() {
        return Err(AppError::invalid_by(
            field,
            RuleId::FieldRequired,
            format!("{field} is required"),
        ));
    }
    Ok(())
}

impl Business for Extract {
    const NAME_ZH: &'static str = "去标识化数据提取";
    type Data = ExtractRequest;

    /// Nothing personal in the request: kept as filed.
    async fn protect(_sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        Ok(data)
    }

    async fn check(sirm: &Sirm, who: &Principal, r: &ExtractRequest) -> Result<(), AppError> {
        required("purpose", &r.purpose)?;
        required("legal_basis", &r.legal_basis)?;
        if r.from > r.to {
            return Err(AppError::invalid_by(
                "from",
                RuleId::DateOrder,
                format!("from {} is after to {}", r.from, r.to),
            ));
        }
        let roles = sirm.store.roles_of(&r.requester).await?;
        if !roles.iter().any(|x| x == "statistics_user") {
            return Err(AppError::not_found(
                RuleId::NotFoundAccount,
                "requester: no statistics user account of that name",
            ));
        }
        let sources = extract::sources(sirm, r).await?;
        let checked = extract::check_k(r, &sources, sirm.config.disclosure.k());
        if let Err(e) = &checked {
            // Registered (Art 21): who asked, for whom, and the rule.
            sirm.audit(
                crate::AuditEvent::own(who, "disclosure.extract")
                    .denied(format!("requester {}: {e}", r.requester)),
            )
            .await?;
        }
        checked
    }

    /// Streamed at approval (the pseudonym key needs the application id).
    async fn drafts(_: &Sirm, _: &ExtractRequest, _: &str) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(r: &ExtractRequest, _: &[EntryDraft]) -> String {
        format!("disclosure:extract:{}:{}:{}", r.requester, r.from, r.to)
    }

    async fn on_approval(
        sirm: &Sirm,
        _who: &Principal,
        r: &ExtractRequest,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        let sources = extract::sources(sirm, r).await?;
        let built = extract::build(sirm, r, &sources, application)?;
        let material = sirm
            .archive
            .put_data(
                &format!("extract-{application}.csv"),
                &built.csv,
                "text/csv",
            )
            .await?;
        let released = ExtractReleased {
            request: r.clone(),
            k: sirm.config.disclosure.k(),
            rows: built.rows,
            sha256: material.sha256,
        };
        let mut d = draft(
            &sirm.config,
            Stream::Business,
            kind::DISCLOSURE_EXTRACT,
            format!("disclosure:extract:{}", r.requester),
            "sirm",
            &released,
        )?;
        d.application = Some(application.to_string());
        d.actors = actors;
        Ok(Some(Box::new(std::iter::once(Ok(d)))))
    }
}
