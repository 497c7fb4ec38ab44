//! The officer of another unit (其他单位查询人员, Art 19–20): the grants
//! naming the officer and a read under one of them (`/unit`,
//! `POST /unit/read`), the same as JSON (`GET /api/v1/unit/grants`,
//! `POST /api/v1/unit/reads`); and the counter's download of a refusal
//! letter (`/disclosure/letters/{code}/pdf`). Every read goes through
//! `Sirm::read_under_grant` (the one query path, logged, audited).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::disclosure::grant::GrantView;
use sirm_app::query::RecordView;
use sirm_domain::id::ResidentId;

use super::ui::{csrf, error_notice, head_cells, page, t};
use crate::error::{parse_id, ApiError};
use crate::routes::Caller;
use crate::AppState;

/// A read under a grant: the grant and the person's full ID number (in the
/// body, never in a URL).
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct GrantRead {
    /// The grant, e.g. `DG-…`.
    pub grant_id: String,
    /// The person's resident ID number.
    pub id: String,
}

/// The items' Chinese names (an unknown name as it is).
fn items_zh(items: &[String]) -> String {
    items
        .iter()
        .map(|i| match sirm_app::query::Item::parse(i) {
            Some(item) => sirm_app::disclosure::refusal::item_zh(item).to_string(),
            None => i.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn grants_html(grants: &[GrantView]) -> Markup {
    html! {
        table id="grants" {
            tr {
                (head_cells(&[("授权编号", "Grant"), ("单位", "Unit"), ("查询对象", "Persons"),
                    ("查询项目", "Items"), ("有效期", "Valid"), ("已查询/可查询次数", "Uses"), ("状态", "Status")]))
            }
            @for g in grants {
                tr data-grant=(g.grant_id) {
                    td { code { (g.grant_id) } }
                    td { (g.unit_name) }
                    td { (g.persons_masked.join("，")) }
                    td { (items_zh(&g.items)) }
                    td { (g.valid_from.to_string()) " – " (g.valid_until.to_string()) }
                    td { (g.uses_made) " / " (g.uses_allowed) }
                    td {
                        @if g.usable { (t("可查询", "usable")) }
                        @else { (t("已过期或次数已用完", "expired or used up")) }
                    }
                }
            }
        }
    }
}

fn read_form(token: &str, grant: &str) -> Markup {
    html! {
        h2 { (t("按授权查询", "Read under a grant")) }
        form method="post" action="/unit/read" id="grant-read" {
            (csrf(token))
            label {
                (t("授权编号", "Grant")) " "
                input name="grant_id" value=(grant) required maxlength="40" placeholder="DG-…";
            }
            label {
                (t("查询对象的公民身份号码", "The person's resident ID number")) " "
                input name="id" required maxlength="18";
            }
            button { (t("查询（计一次）", "Read (uses one)")) }
        }
    }
}

async fn unit_page(st: &AppState, c: &Caller, grant: &str, result: Markup) -> Response {
    let grants = match st.sirm.my_grants(&c.principal).await {
        Ok(g) => g,
        Err(e) => return super::error_page(e.into()),
    };
    let body = html! {
        h1 { (t("其他单位查询：查询授权", "Queries by other units: grants")) }
        p.en {
            (t(
                "只能在批准的范围、有效期和次数内查询；每次查询均被登记。",
                "Only within the granted persons, items, validity and number of reads; every read is registered."
            ))
        }
        (grants_html(&grants))
        (read_form(&c.csrf, grant))
        (result)
    };
    page("查询授权 Grants", Some((&c.principal, &c.csrf)), body)
}

/// `/unit`: the officer's grants and the read form.
pub async fn home(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    unit_page(&st, &c, "", html! {}).await
}

async fn read(st: &AppState, c: &Caller, f: &GrantRead) -> Result<RecordView, ApiError> {
    let id: ResidentId = parse_id("id", &f.id)?;
    let pk = st.sirm.person_key(&id)?;
    Ok(st
        .sirm
        .read_under_grant(&c.principal, &f.grant_id, &pk)
        .await?)
}

/// `POST /unit/read`: one read under a grant, shown with the grants.
pub async fn read_page(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(f): axum::Form<GrantRead>,
) -> Response {
    let result = match read(&st, &c, &f).await {
        Ok(v) => html! {
            h2 { (t("查询结果", "Result")) }
            div #record { (super::record::rights(&v.record, super::portal::sections(&v))) }
        },
        Err(e) => error_notice(&e),
    };
    unit_page(&st, &c, f.grant_id.trim(), result).await
}

/// `GET /api/v1/unit/grants`: the grants naming the signed-in officer.
#[utoipa::path(get, path = "/api/v1/unit/grants", tag = "disclosure",
    responses(
        (status = 200, description = "the grants naming the officer: unit, persons (masked), items, validity, uses", body = Object),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn grants_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Json<Vec<GrantView>>, ApiError> {
    Ok(Json(st.sirm.my_grants(&c.principal).await?))
}

/// `POST /api/v1/unit/reads`: one read under a grant (uses one).
#[utoipa::path(post, path = "/api/v1/unit/reads", tag = "disclosure",
    request_body = GrantRead,
    responses(
        (status = 200, description = "the granted items of the person's record", body = Object),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "outside the grant's validity (disclosure.grant-expired) or used up (disclosure.grant-used-up)", body = crate::error::ErrorBody),
        (status = 404, description = "no such grant of the officer, or the person is not in it (not-found.grant)", body = crate::error::ErrorBody)))]
pub async fn read_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(f): Json<GrantRead>,
) -> Result<Json<RecordView>, ApiError> {
    Ok(Json(read(&st, &c, &f).await?))
}

/// `GET /disclosure/letters/{code}/pdf`: a refusal letter (不予提供告知书)
/// for the clerk to hand to the unit.
pub async fn letter_pdf(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(code): Path<String>,
) -> Response {
    match st.sirm.refusal_letter_pdf(&c.principal, &code).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => super::error_page(e.into()),
    }
}

/// The refusal letters of an application, as links (the application page).
pub async fn letters_markup(st: &AppState, c: &Caller, application: &str) -> Markup {
    let Ok(letters) = st.sirm.refusal_letters_of(&c.principal, application).await else {
        return html! {};
    };
    if letters.is_empty() {
        return html! {};
    }
    html! {
        h2 { (t("不予提供告知书", "Written refusal")) }
        ul #letters {
            @for l in &letters {
                li {
                    a href={ "/disclosure/letters/" (l.code) "/pdf" } { (l.code) }
                    " · " (l.issued_at) " · "
                    a href={ "/verify/" (l.code) } { (t("核验", "verify")) }
                }
            }
        }
    }
}

/// `GET /api/v1/applications/{id}/refusal-letters`: the letters' codes.
#[utoipa::path(get, path = "/api/v1/applications/{id}/refusal-letters", tag = "disclosure",
    params(("id" = String, Path, description = "application id, AP-…")),
    responses(
        (status = 200, description = "the refusal letters (code, issued_at, pdf_sha256)", body = Object),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn letters_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Vec<sirm_app::disclosure::refusal::DisclosureLetterRow>>, ApiError> {
    Ok(Json(st.sirm.refusal_letters_of(&c.principal, &id).await?))
}
