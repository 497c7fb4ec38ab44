//! The OpenAPI description of the JSON routes whose handlers live beside
//! their pages (`pages/…`): the portal record, the employer's views,
//! objections (异议), cross-checking (数据比对) questions, arrears (欠费),
//! declaration jobs. Each function here only carries the `#[utoipa::path]`
//! of the route; the route table mounts the real handler. The request
//! schemas mirror the handlers' own types, as strict as they are
//! (`tests/openapi.rs` checks that every JSON route is described).

#![allow(dead_code)]

use serde::Deserialize;

use crate::error::ErrorBody;

/// `YYYY-MM`, as `Month::parse` takes it.
pub const MONTH: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])$";
/// A unified social credit code (统一社会信用代码): 18 characters of its
/// alphabet (lower case is taken as upper case); the check character is
/// checked by the server.
pub const CREDIT_CODE: &str = r"^[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}$";
/// A resident ID number (公民身份号码): 17 digits and a check character.
pub const ID_NUMBER: &str = r"^[0-9]{17}[0-9Xx]$";

/// Query of the portal record.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordParams {
    /// A delegate: the written authorization (委托书编号, `DL-…`) naming the
    /// person — never the person's ID number.
    pub delegation: Option<String>,
    /// The year of the contribution table (default: every year).
    pub year: Option<i32>,
}

/// The portal record (个人权益记录) as JSON: the signed-in person's own, or
/// that of the person a delegate's written authorization names. Logged as
/// a query like the page.
#[utoipa::path(get, path = "/api/v1/my/record", tag = "portal", params(RecordParams),
    responses((status = 200, description = "the record: registration, employments, months by insurance type, accounts, benefits", body = Object),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn my_record() {}

/// The employer overview (单位参保缴费信息) of the signed-in employer agent.
#[utoipa::path(get, path = "/api/v1/employer", tag = "portal",
    responses((status = 200, description = "the employer, its employees (by handle) and its months", body = Object)))]
fn employer() {}

/// One employee of the employer, by the handle the overview lists (never
/// an ID number in the URL).
#[utoipa::path(get, path = "/api/v1/employer/employees/{id}", tag = "portal",
    params(("id" = String, Path, description = "the employee's handle from `GET /api/v1/employer`")),
    responses((status = 200, description = "the employee's registration and contributions with this employer", body = Object),
              (status = 404, body = ErrorBody)))]
fn employee() {}

/// Filter of the arrears list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArrearsParams {
    /// Only this employer (统一社会信用代码).
    #[param(pattern = r"^\s*([0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18})?\s*$")]
    pub employer: Option<String>,
}

/// Employers' arrears (欠费): months declared and not paid, with the
/// amount due per insurance type.
#[utoipa::path(get, path = "/api/v1/arrears", tag = "collection", params(ArrearsParams),
    responses((status = 200, description = "one row per employer, month and insurance type", body = [Object]),
              (status = 400, body = ErrorBody)))]
fn arrears() {}

/// A declaration file's processing job (批量申报), as the upload page polls it.
#[utoipa::path(get, path = "/api/v1/declarations/jobs/{token}", tag = "collection",
    params(("token" = String, Path, description = "the job token the upload answered")),
    responses((status = 200, description = "the job: state, rows done, accepted and rejected rows", body = Object),
              (status = 404, body = ErrorBody)))]
fn declaration_job() {}

/// The yearly pension adjustment's lines as CSV (recorded as an export).
#[utoipa::path(get, path = "/api/v1/pension-adjustments.csv", tag = "collection",
    params(("year" = Option<i32>, Query, description = "the adjustment year")),
    responses((status = 200, description = "CSV, UTF-8", content_type = "text/csv", body = String),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
fn pension_adjustments_csv() {}

/// One item of the record an objection is about (`ObjectionItem`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectionItemBody {
    /// 某月缴费记录: the contributions of one month.
    ContributionMonth {
        #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
        month: String,
    },
    /// 就业（参保）期间: the employment with one employer.
    Employment {
        #[schema(pattern = r"^[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}$")]
        credit_code: String,
    },
    /// 登记信息: one registration field (`name`, `address`, `phone`, …).
    RegistrationField { field: String },
    /// 待遇支付: the benefit paid for one month.
    BenefitPayment {
        #[schema(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
        month: String,
    },
}

/// A scanned piece of evidence.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct EvidenceBody {
    pub name: String,
    /// The file, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// An objection (异议, Art 16). A person objects to their own record
/// (no `id`); a clerk files one at the counter with the person's `id` and
/// `id_document_checked`; an employer to its own employments and months.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ObjectionBody {
    /// The person's ID number (counter filing only).
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub id: Option<String>,
    #[serde(default)]
    pub items: Vec<ObjectionItemBody>,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceBody>,
    #[serde(default)]
    pub id_document_checked: bool,
}

#[derive(utoipa::ToSchema)]
pub struct ObjectionFiled {
    /// The objection number (异议编号).
    pub number: String,
}

/// File an objection (提出异议).
#[utoipa::path(post, path = "/api/v1/objections", tag = "objections", request_body = ObjectionBody,
    responses((status = 201, body = ObjectionFiled), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn file_objection() {}

/// The objections about the caller's own record.
#[utoipa::path(get, path = "/api/v1/my/objections", tag = "objections",
    responses((status = 200, body = [Object])))]
fn my_objections() {}

/// One objection with its items, evidence, linked applications and answer.
#[utoipa::path(get, path = "/api/v1/objections/{number}", tag = "objections",
    params(("number" = String, Path, description = "the objection number")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
fn objection() {}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LinkBody {
    /// The correction application (更正申请) that settles the objection.
    pub application: String,
}

#[derive(utoipa::ToSchema)]
pub struct Linked {
    pub linked: String,
}

/// Link the correction application that answers an objection.
#[utoipa::path(post, path = "/api/v1/objections/{number}/link", tag = "objections", request_body = LinkBody,
    params(("number" = String, Path, description = "the objection number")),
    responses((status = 200, body = Linked), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn link_objection() {}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerBody {
    /// The reasons given in the written answer (书面答复).
    pub reasons: String,
}

#[derive(utoipa::ToSchema)]
pub struct Answered {
    /// Verification code of the written answer (a certificate).
    pub code: String,
}

/// Answer an objection in writing.
#[utoipa::path(post, path = "/api/v1/objections/{number}/answer", tag = "objections", request_body = AnswerBody,
    params(("number" = String, Path, description = "the objection number")),
    responses((status = 200, body = Answered), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn answer_objection() {}

/// The objections to verify (异议核查队列).
#[utoipa::path(get, path = "/api/v1/objection-queue", tag = "objections",
    responses((status = 200, body = [Object])))]
fn objection_queue() {}

/// Counts and time limits of objections (异议处理情况).
#[utoipa::path(get, path = "/api/v1/objection-report", tag = "objections",
    responses((status = 200, body = Object)))]
fn objection_report() {}

/// Status of a cross-check discrepancy (比对差异).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionBody {
    Accepted,
    Dismissed,
    Asked,
}

/// Filter of the discrepancies.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiscrepancyParams {
    /// `open` (including those answered), `accepted`, `dismissed`, `asked`;
    /// default every status.
    #[param(inline)]
    pub status: Option<DiscrepancyStatus>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyStatus {
    Open,
    Accepted,
    Dismissed,
    Asked,
}

/// The discrepancies found by cross-checking (数据比对).
#[utoipa::path(get, path = "/api/v1/crosscheck/discrepancies", tag = "crosscheck", params(DiscrepancyParams),
    responses((status = 200, body = [Object]), (status = 400, body = ErrorBody)))]
fn discrepancies() {}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolveBody {
    pub resolution: ResolutionBody,
    #[serde(default)]
    pub reason: String,
}

#[derive(utoipa::ToSchema)]
pub struct Resolved {
    /// The correction application an accepted discrepancy opened, if any.
    pub application_id: Option<String>,
}

/// Resolve one discrepancy: accept (opens a correction), dismiss, or ask
/// the employer or person.
#[utoipa::path(post, path = "/api/v1/crosscheck/discrepancies/{id}", tag = "crosscheck", request_body = ResolveBody,
    params(("id" = String, Path, description = "the discrepancy id")),
    responses((status = 200, body = Resolved), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn resolve_discrepancy() {}

/// The cross-check questions asked of the caller (an employer or a person).
#[utoipa::path(get, path = "/api/v1/questions", tag = "crosscheck",
    responses((status = 200, body = [Object])))]
fn questions() {}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionAnswerBody {
    #[serde(default)]
    pub answer: String,
}

#[derive(utoipa::ToSchema)]
pub struct QuestionAnswered {
    pub discrepancy_id: String,
    /// Always `answered`.
    pub status: String,
}

/// Answer a cross-check question.
#[utoipa::path(post, path = "/api/v1/questions/{id}/answer", tag = "crosscheck", request_body = QuestionAnswerBody,
    params(("id" = String, Path, description = "the discrepancy id")),
    responses((status = 200, body = QuestionAnswered), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
fn answer_question() {}

/// Counters for monitoring, in the Prometheus text format (no identifiers).
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)))]
fn metrics() {}
