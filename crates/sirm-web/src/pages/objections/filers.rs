//! Objections filed for someone else on the web: a clerk at the counter
//! for the person present (`/counter/objections`, ID document checked) and
//! an employer's agent for its own employee (`/employer/objections`). The
//! ID number travels in the form body only; the filed objection is shown
//! at once (its steps are then followed by the person in the portal).

use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::Extension;
use maud::html;

use super::{detail_html, filing_of, form_html, Filer, LABELS};
use crate::error::ApiError;
use crate::pages::ui::{field_error_notice, page, t};
use crate::routes::Caller;
use crate::AppState;

fn action(filer: Filer) -> &'static str {
    match filer {
        Filer::Counter => "/counter/objections",
        _ => "/employer/objections",
    }
}

fn form_page(st: &AppState, c: &Caller, filer: Filer, error: Option<&ApiError>) -> Response {
    let mut r = page(
        "异议受理 Objections",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("受理书面核查申请（异议）", "Take a written objection")) }
            p.en { (t("依据《社会保险个人权益记录管理办法》第十六条：须列明有异议的记录项目并提供证明材料。",
                "Art 16: name the items of the record and attach the evidence.")) }
            @if let Some(e) = error { (field_error_notice(e, LABELS)) }
            (form_html(c, &st.sirm.config.limits, filer, action(filer)))
        },
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

async fn file(st: &AppState, c: &Caller, filer: Filer, mp: &mut Multipart) -> Response {
    let (form, evidence, error) = crate::pages::work::intake::read_multipart(st, mp).await;
    if let Some(e) = error {
        return form_page(st, c, filer, Some(&e));
    }
    let filed = match filing_of(&form, evidence) {
        Ok(f) => st
            .sirm
            .file_objection(&c.principal, f)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let detail = match filed {
        Ok(number) => st
            .sirm
            .objection_detail(&c.principal, &number)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match detail {
        Ok(d) => page(
            "异议受理 Objections",
            Some((&c.principal, &c.csrf)),
            html! {
                h1 { (t("已受理", "Filed")) " " code id="number" { (d.view.number) } }
                (detail_html(&d, ""))
                p { a href=(action(filer)) { (t("继续受理", "Take another")) } }
            },
        ),
        Err(e) => form_page(st, c, filer, Some(&e)),
    }
}

/// `GET /counter/objections`
pub async fn counter_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    form_page(&st, &c, Filer::Counter, None)
}

/// `POST /counter/objections` (multipart)
pub async fn counter_file(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    file(&st, &c, Filer::Counter, &mut mp).await
}

/// `GET /employer/objections`
pub async fn employer_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    form_page(&st, &c, Filer::Employer, None)
}

/// `POST /employer/objections` (multipart)
pub async fn employer_file(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    file(&st, &c, Filer::Employer, &mut mp).await
}
