//! `GET /api/v1/statistics` (统计用户, Art 17): aggregate figures without
//! anything that identifies a person; each read registered (Art 21).

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;

use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

/// Aggregate figures, as of `as_of`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatisticsBody {
    /// Registered insured persons (参保人数).
    pub persons: u64,
    /// Registered employers (参保单位数).
    pub employers: u64,
    /// Facts in the ledger.
    pub ledger_entries: u64,
    /// RFC 3339.
    pub as_of: String,
}

/// Aggregate figures for the statistics user (permission `statistics_read`).
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", responses(
    (status = 200, body = StatisticsBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn statistics(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<StatisticsBody>, ApiError> {
    let s = st.sirm.statistics(&c.principal).await?;
    Ok(Json(StatisticsBody {
        persons: s.persons,
        employers: s.employers,
        ledger_entries: s.ledger_entries,
        as_of: s.as_of,
    }))
}
