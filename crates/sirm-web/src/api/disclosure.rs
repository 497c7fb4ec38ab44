//! Disclosure to organs (Art 18, 21, 22): `POST /api/v1/organ-queries`,
//! an organ officer's query within the organ's prescribed scope.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use sirm_app::disclosure::organ::OrganRequest;
use sirm_app::query::Item;
use sirm_app::AppError;
use sirm_domain::id::ResidentId;
use sirm_domain::RuleId;

use crate::error::{parse_id, ApiError};
use crate::routes::Caller;
use crate::AppState;

/// An organ's query.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganQueryBody {
    /// One person's ID number (or use `ids`).
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub id: Option<String>,
    /// The persons' ID numbers, at most the scope's `per_request`.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Items asked for (`registration`, `employment`, `contributions`,
    /// `account`, `benefit`); absent: all the organ's scope covers.
    #[serde(default)]
    pub items: Option<Vec<String>>,
    /// The case or document number (案号/文书编号).
    pub case_number: String,
    /// The law and article the query relies on; must name a law of the
    /// organ's scope (docs/disclosure.md).
    pub basis: String,
}

/// The answer: one record per person named, in order; `null` where no
/// such person is registered in this agency.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganAnswerBody {
    pub organ: String,
    pub kind: String,
    pub case_number: String,
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<Option<sirm_app::query::RecordView>>,
}

/// An organ officer's query (role `organ_officer`, Art 18): within the
/// organ's prescribed items, bases and volumes; registered in the query
/// log and the security audit trail (Art 21).
#[utoipa::path(post, path = "/api/v1/organ-queries", tag = "disclosure", request_body = OrganQueryBody,
    responses((status = 200, body = OrganAnswerBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn organ_query(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<OrganQueryBody>,
) -> Result<Json<OrganAnswerBody>, ApiError> {
    let texts: Vec<&String> = b.id.iter().chain(b.ids.iter()).collect();
    // Bounded before any work: the scope's cap is checked by the use case.
    if texts.len() > 200 {
        return Err(AppError::Forbidden {
            rule: RuleId::DisclosureVolume,
            message: format!("{} persons in one query", texts.len()),
        }
        .into());
    }
    let mut persons = Vec::with_capacity(texts.len());
    for (i, t) in texts.iter().enumerate() {
        let id: ResidentId = parse_id(&format!("ids[{i}]"), t)?;
        persons.push(st.sirm.person_key(&id)?);
    }
    let items = match &b.items {
        Some(list) => {
            let mut set = BTreeSet::new();
            for (i, s) in list.iter().enumerate() {
                set.insert(Item::parse(s).ok_or_else(|| {
                    AppError::invalid_by(
                        format!("items[{i}]"),
                        RuleId::DisclosureScope,
                        "not a record item (registration, employment, contributions, account, benefit)",
                    )
                })?);
            }
            Some(set)
        }
        None => None,
    };
    let a = st
        .sirm
        .organ_query(
            &c.principal,
            &OrganRequest {
                persons,
                items,
                case_number: b.case_number,
                basis: b.basis,
            },
        )
        .await?;
    Ok(Json(OrganAnswerBody {
        organ: a.organ,
        kind: a.kind.as_str().to_string(),
        case_number: a.case_number,
        records: a.records,
    }))
}
