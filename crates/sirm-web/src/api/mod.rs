//! JSON API handlers, grouped by resource.

pub mod collection;
pub mod disclosure;
pub mod health;
pub mod identity;
pub mod ivr;
pub mod ledger;
pub mod life;
pub mod openapi;
pub mod pages_doc;
pub mod prepared;
pub mod rejection;
pub mod statistics;
pub mod transfer;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use utoipa::OpenApi;

use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SIRM API",
        description = "Social insurance personal rights records (社会保险个人权益记录管理). \
                       Ledger checkpoints and proofs let anyone check that no record was altered."
    ),
    paths(
        health::healthz, health::readyz, ledger::checkpoint, ledger::inclusion, ledger::consistency,
        identity::login, identity::logout, identity::me, identity::change_password, identity::totp_begin,
        identity::totp_confirm, identity::users, identity::add_user, identity::user_action, identity::request_role,
        identity::role_requests, identity::decide, identity::revoke_role, identity::audit, identity::person,
        identity::issue_activation, identity::activate, identity::add_employer_agent,
        collection::submit, collection::queue, collection::get, collection::decide, collection::maintenance_log,
        life::preview,
        prepared::file_agreement, prepared::list, prepared::take, prepared::decline,
        ivr::summary, ivr::set_query_pin, statistics::statistics, disclosure::organ_query,
        statistics::report,
        crate::pages::certificate::issue_api, crate::pages::certificate::verify_api,
        crate::pages::certificate::verify_file_api,
        crate::pages::unit::grants_api, crate::pages::unit::read_api, crate::pages::unit::letters_api,
        transfer::receive_letter, transfer::receive_package, transfer::list, transfer::detail,
        transfer::send_letter, transfer::send_package, transfer::import, transfer::peers,
        transfer::add_peer, transfer::remove_peer,
        identity::complete_reset, identity::counter_reset, openapi_json,
        pages_doc::my_record, pages_doc::employer, pages_doc::employee, pages_doc::arrears,
        pages_doc::declaration_job, pages_doc::pension_adjustments_csv,
        pages_doc::file_objection, pages_doc::my_objections, pages_doc::objection,
        pages_doc::link_objection, pages_doc::answer_objection, pages_doc::objection_queue,
        pages_doc::objection_report, pages_doc::discrepancies, pages_doc::resolve_discrepancy,
        pages_doc::questions, pages_doc::answer_question, pages_doc::metrics
    ),
    components(schemas(
        ledger::CheckpointDto,
        ledger::InclusionDto,
        ledger::ConsistencyDto,
        health::Ready,
        statistics::StatisticsBody,
        disclosure::OrganQueryBody,
        disclosure::OrganAnswerBody,
        statistics::ReportBody,
        statistics::ReportRowBody,
        statistics::CellBody,
        identity::LoginBody,
        identity::SessionBody,
        identity::MeBody,
        identity::PasswordBody,
        identity::TotpBody,
        identity::NewUser,
        identity::ReasonBody,
        identity::RoleRequestBody,
        identity::DecisionBody,
        identity::ActivationBody,
        identity::CounterResetBody,
        identity::ActivateBody,
        identity::AgentBody,
        collection::SubmitBody,
        collection::MaterialBody,
        prepared::AgreementBody,
        prepared::DeclineBody,
        collection::DecisionBody,
        ivr::IvrQueryBody,
        ivr::IvrSummaryBody,
        ivr::QueryPinBody,
        crate::pages::unit::GrantRead,
        transfer::SendBody,
        transfer::PeerBody,
        identity::ResetBody,
        pages_doc::ObjectionBody,
        pages_doc::ObjectionItemBody,
        pages_doc::EvidenceBody,
        pages_doc::ObjectionFiled,
        pages_doc::LinkBody,
        pages_doc::Linked,
        pages_doc::AnswerBody,
        pages_doc::Answered,
        pages_doc::ResolutionBody,
        pages_doc::DiscrepancyStatus,
        pages_doc::ResolveBody,
        pages_doc::Resolved,
        pages_doc::QuestionAnswerBody,
        pages_doc::QuestionAnswered,
        crate::error::ErrorBody,
        crate::error::ErrorDetail
    )),
    tags((name = "ledger", description = "Verifiable ledger (Art 6, 12, 28)"), (name = "identity", description = "Accounts, roles, sessions, audit (Art 7, 15, 26)"), (name = "collection", description = "Business transactions and the review chain (Art 5-7, 11-13)"), (name = "ivr", description = "Telephone channel: query PIN and IVR summary (Art 14)"), (name = "disclosure", description = "Queries by organs within their prescribed scope (Art 18-22)"), (name = "transfer", description = "Transfer between regions and peers (Art 10)"), (name = "portal", description = "The record as its person, delegate or employer reads it (Art 14)"), (name = "objections", description = "Objections to a record and their answers (Art 16)"), (name = "crosscheck", description = "Cross-checking with other departments' data (Art 9)"), (name = "health"))
)]
pub struct ApiDoc;

/// This document (OpenAPI 3.1), completed from the route table.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, description = "the OpenAPI document", body = Object)))]
pub async fn openapi_json() -> impl IntoResponse {
    Json(openapi::document())
}

/// Unknown URL: JSON for API clients, a page for browsers.
pub async fn not_found(headers: axum::http::HeaderMap) -> axum::response::Response {
    let e = ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        rule: None,
        field: None,
        message: "no such page or route (not found)".into(),
    };
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        crate::pages::error_page(e)
    } else {
        e.into_response()
    }
}
