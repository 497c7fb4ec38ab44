//! The maintenance officer's certificate page (`/certificates`): look a
//! certificate up by its code, revoke it with a reason.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::AppError;

use super::super::ui::{csrf, error_notice, notice_opt, page, t, FieldKind};
use super::super::ui::{hidden, FormField, Input};
use super::verify::{content_html, not_found_html, verdict_html};
use super::CodeQuery;
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

const CODE: Input = FormField::new("code", "核验码", "Verification code", FieldKind::Text).input();
const REASON: Input = FormField::new("reason", "作废原因", "Reason", FieldKind::Text)
    .input()
    .with_maxlength(400);

#[derive(Deserialize)]
pub struct RevokeForm {
    pub code: String,
    pub reason: String,
}

/// The maintenance officer's page: look a certificate up, revoke it.
pub async fn staff_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<CodeQuery>,
) -> Response {
    staff_body(&st, &c, q.code.as_deref(), None).await
}

/// The certificate of `code` with the revocation form, or why there is none.
async fn found(st: &AppState, c: &Caller, code: &str) -> Markup {
    match st.sirm.verify_certificate_as(&c.principal, code).await {
        Ok(v) => html! {
            (verdict_html(&v))
            (content_html(&v))
            form method="post" action="/certificates/revoke" id="revoke" {
                (csrf(&c.csrf))
                (hidden("code", &v.code))
                (REASON.empty())
                button { (t("作废此证明", "Revoke this certificate")) }
            }
        },
        Err(AppError::NotFound { .. }) => not_found_html(),
        Err(e) => error_notice(&ApiError::from(e)),
    }
}

async fn staff_body(
    st: &AppState,
    c: &Caller,
    code: Option<&str>,
    msg: Option<String>,
) -> Response {
    let found = match code.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(found(st, c, code).await),
        None => None,
    };
    let body = html! {
        h1 { (t("证明管理", "Certificates")) }
        (notice_opt(msg.as_deref().map(|m| ("ok", m))))
        form method="get" action="/certificates" {
            (CODE.empty())
            button { (t("查找", "Find")) }
        }
        @if let Some(f) = found { (f) }
    };
    page("证明管理 Certificates", Some((&c.principal, &c.csrf)), body)
}

pub async fn revoke(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Form(f): Form<RevokeForm>,
) -> Response {
    match st
        .sirm
        .revoke_certificate(&c.principal, &f.code, &f.reason)
        .await
    {
        Ok(seq) => {
            staff_body(
                &st,
                &c,
                Some(&f.code),
                Some(format!(
                    "已作废（账本记录 {seq}）。Revoked (ledger entry {seq})."
                )),
            )
            .await
        }
        Err(e) => super::super::error_page(e.into()),
    }
}
