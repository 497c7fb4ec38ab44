//! The telephone channel (电话查询, Art 14): `POST /api/v1/ivr/summary`,
//! called server to server by the IVR system with the caller's ID number and
//! query PIN (no session, no CSRF; rate-limited per source address, see
//! `ratelimit.rs`), and `POST /api/v1/query-pins`, where a clerk sets or
//! resets a person's query PIN after checking the ID document.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use sirm_app::identity::ivr::{BenefitStatus, IvrSummary};
use sirm_domain::id::ResidentId;

use crate::error::{parse_id, ApiError};
use crate::routes::{Caller, Source};
use crate::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IvrQueryBody {
    /// The caller's resident ID number (18 characters).
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    /// The 6-digit query PIN (查询密码) set at the counter.
    #[schema(pattern = r"^[0-9]{6}$")]
    pub pin: String,
}

/// The summary read out to the caller. Money is decimal text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IvrSummaryBody {
    /// Months whose contributions arrived (缴费月数).
    pub contribution_months: u32,
    /// `YYYY-MM` of the last paid month, or null.
    pub last_paid_month: Option<String>,
    /// Personal account balance at the last year-end settlement (decimal text, yuan).
    #[schema(example = "12345.67")]
    pub account_balance: String,
    /// `none`, `granted`, `suspended` or `terminated`.
    #[schema(example = "none")]
    pub benefit_status: String,
    /// Assessed months before the current one that are not paid (欠费月数).
    pub arrears_months: u32,
    /// Medical personal account balance (decimal text, yuan), or null
    /// when the person has no medical account.
    #[schema(example = "2345.60")]
    pub medical_account_balance: Option<String>,
    /// Monthly unemployment benefit of an open claim (decimal text), or null.
    pub unemployment_monthly: Option<String>,
    /// Date of the answer, `YYYY-MM-DD` (agency time).
    pub as_of: String,
}

impl From<IvrSummary> for IvrSummaryBody {
    fn from(s: IvrSummary) -> Self {
        IvrSummaryBody {
            contribution_months: s.contribution_months,
            last_paid_month: s.last_paid_month.map(|m| m.to_string()),
            account_balance: s.account_balance.to_string(),
            benefit_status: match s.benefit_status {
                BenefitStatus::None => "none",
                BenefitStatus::Granted => "granted",
                BenefitStatus::Suspended => "suspended",
                BenefitStatus::Terminated => "terminated",
            }
            .into(),
            arrears_months: s.arrears_months,
            medical_account_balance: s.medical_account_balance.map(|d| d.to_string()),
            unemployment_monthly: s.unemployment_monthly.map(|d| d.to_string()),
            as_of: s.as_of,
        }
    }
}

/// Telephone channel: a person's short summary for ID number + query PIN,
/// asked by a telephone system holding a client credential (`X-SIRM-Client`,
/// `[ivr] clients`).
/// Every refusal (malformed or unknown ID, no PIN, wrong PIN, locked PIN) is
/// the same `401 ivr_refused`; 5 wrong PINs in a row lock the PIN for 30
/// minutes; more than 10 calls per second (burst 20) from one address get
/// `429 rate_limited`.
#[utoipa::path(post, path = "/api/v1/ivr/summary", tag = "ivr", request_body = IvrQueryBody, responses(
    (status = 200, body = IvrSummaryBody),
    (status = 400, body = crate::error::ErrorBody),
    (status = 401, body = crate::error::ErrorBody),
    (status = 429, body = crate::error::ErrorBody)))]
pub async fn summary(
    State(st): State<AppState>,
    Extension(Source(src)): Extension<Source>,
    headers: axum::http::HeaderMap,
    body: Result<Json<IvrQueryBody>, JsonRejection>,
) -> Result<Json<IvrSummaryBody>, ApiError> {
    // The IVR system authenticates itself first (`[ivr] clients`); an
    // unknown client gets the same refusal as a wrong PIN.
    let client = headers
        .get("x-sirm-client")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !st.sirm.config.ivr.admits(client) {
        st.sirm
            .refused(&src, "ivr.refused", None, "unknown telephone (IVR) client");
        return Err(sirm_app::AppError::IvrRefused.into());
    }
    let Json(b) = body.map_err(|e| ApiError::bad_request(format!("body: {}", e.body_text())))?;
    let s = st.sirm.ivr_summary(&b.id_number, &b.pin, &src).await?;
    Ok(Json(s.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QueryPinBody {
    /// The person's resident ID number (ID document checked at the counter).
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub person_id: String,
    /// The new 6-digit query PIN.
    #[schema(pattern = r"^[0-9]{6}$")]
    pub pin: String,
    /// The clerk's statement that the person's ID document was checked in
    /// person (required: `true`; rule `id-document.unchecked`).
    #[serde(default)]
    pub id_document_checked: bool,
}

/// Set or reset a person's telephone query PIN after checking the ID document
/// (clerk). A weak PIN is refused naming its rule (`pin.format`,
/// `pin.repeated`, `pin.sequence`, `pin.birth_date`). Answers the masked
/// person, whether a PIN was replaced, and the audit entry's seq.
#[utoipa::path(post, path = "/api/v1/query-pins", tag = "ivr", request_body = QueryPinBody, responses(
    (status = 200), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn set_query_pin(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<QueryPinBody>,
) -> Result<Response, ApiError> {
    let id: ResidentId = parse_id("person_id", &b.person_id)?;
    let checked = sirm_app::identity::external::IdDocumentChecked::attested(
        b.id_document_checked,
        "id_document_checked",
    )?;
    let set = st
        .sirm
        .set_query_pin(&c.principal, &id, &b.pin, checked)
        .await?;
    Ok(Json(set).into_response())
}
