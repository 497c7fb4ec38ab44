//! Acting on an application: a review stage's decision (large declaration
//! files decided in the background), resubmission after a return,
//! withdrawal, and serving a scanned material.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use sirm_app::collection::BusinessType;

use super::application::{after, application_page};
use super::fields::data_of;
use super::intake::read_multipart;
use crate::error::ApiError;
use crate::pages::error_page;
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize)]
pub struct DecisionForm {
    pub stage: String,
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let approve = f.decision == "approve";
    // A declaration file can take a minute to write: decide in the
    // background and show progress on the application page.
    let bt = st
        .sirm
        .application_business_type(&c.principal, &id)
        .await
        .ok()
        .flatten();
    let is_file = bt == Some(BusinessType::ContributionDeclareFile);
    if approve && is_file {
        let key = sirm_app::collection::declaration_file::decision_job(&id);
        if st
            .sirm
            .progress
            .get(&key)
            .is_some_and(|j| j.view().finished.is_none())
        {
            return after(&id, "working");
        }
        let job = st
            .sirm
            .progress
            .start(&key, &c.principal.username, "deciding");
        let (sirm, who, id2) = (st.sirm.clone(), c.principal.clone(), id.clone());
        tokio::spawn(async move {
            let r = sirm
                .decide_application(&who, &id2, &f.stage, true, &f.reason)
                .await;
            job.finish(r.map_err(|e| ApiError::from(e).into()));
        });
        return after(&id, "working");
    }
    match st
        .sirm
        .decide_application(&c.principal, &id, &f.stage, approve, &f.reason)
        .await
    {
        // A type answering a rejection in writing is closed by it: refused.
        Ok(status) if status == "returned" && bt.is_some_and(|b| b.written_refusal()) => {
            after(&id, "refused")
        }
        Ok(status) => after(&id, &status),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            let mut r =
                application_page(&st, &c, &id, Some(crate::pages::ui::Outcome::Err(e))).await;
            *r.status_mut() = status;
            r
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// Resubmit a returned application, with its raw data as corrected in the
/// form and any further scanned materials.
pub async fn resubmit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Response {
    let (form, materials, error) = read_multipart(&st, &mut mp).await;
    if let Some(e) = error {
        let status = e.status;
        let mut r = application_page(&st, &c, &id, Some(crate::pages::ui::Outcome::Err(e))).await;
        if r.status() == StatusCode::OK {
            *r.status_mut() = status;
        }
        return r;
    }
    let bt = st
        .sirm
        .application_business_type(&c.principal, &id)
        .await
        .ok()
        .flatten();
    let data = match bt {
        Some(bt) if form.keys().any(|k| k != "csrf") => Some(data_of(bt, &form)),
        _ => None,
    };
    let res = st
        .sirm
        .resubmit_application(&c.principal, &id, data, materials)
        .await;
    done(&st, &c, &id, res, "resubmitted").await
}

pub async fn withdraw(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    let res = st
        .sirm
        .withdraw_application(&c.principal, &id, &f.reason)
        .await;
    done(&st, &c, &id, res, "withdrawn").await
}

/// After an action on application `id`: on to its page saying `status`
/// (`?done=`) when the action succeeded, else the page with the error in
/// place.
async fn done(
    st: &AppState,
    c: &Caller,
    id: &str,
    res: Result<(), sirm_app::AppError>,
    status: &str,
) -> Response {
    match res {
        Ok(()) => after(id, status),
        Err(e) => {
            application_page(
                st,
                c,
                id,
                Some(crate::pages::ui::Outcome::Err(ApiError::from(e))),
            )
            .await
        }
    }
}

pub async fn material(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    match st.sirm.material(&c.principal, &id, &sha).await {
        Ok((m, bytes)) => {
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&m.media_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            );
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            r
        }
        Err(e) => error_page(ApiError::from(e)),
    }
}
