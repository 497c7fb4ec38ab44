//! The work queue and the application page: raw data, materials inline,
//! what approval writes (computed), review history, and the decision or
//! resubmission forms.

use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use sirm_app::collection::BusinessType;
use sirm_domain::access::Permission;
use sirm_domain::review::Stage;

use super::fields::{inputs, values_of};
use super::shown::People;
use crate::error::ApiError;
use crate::pages::glossary;
use crate::pages::{error_page, ui};
use crate::routes::Caller;
use crate::AppState;

/// Only the first entries of an effect are shown in full.
const EFFECT_SHOWN: usize = 20;

fn stage_label(s: &str) -> Markup {
    match Stage::parse(s) {
        Ok(st) => html! { (st.name_zh()) " " span.en { (st.as_str()) } },
        Err(_) => html! { (s) },
    }
}

/// The form's label of a raw-data field (Chinese, the key below), or the
/// key itself.
fn field_label(business_type: &str, key: &str) -> Markup {
    let field = business_type
        .parse::<BusinessType>()
        .ok()
        .and_then(|bt| super::fields::fields(bt).iter().find(|f| f.name == key));
    match (field, super::super::glossary::field(key)) {
        (Some(f), _) => html! { (f.zh) " " span.en { (f.en) } },
        (None, Some((zh, en))) => html! { (zh) " " span.en { (en) } },
        (None, None) => html! { (key) },
    }
}

/// An application's status in the one vocabulary of the API and the
/// screens ([`sirm_app::collection::outcome`], words from
/// [`crate::pages::zh::status_zh`]): a type that answers a rejection in
/// writing (a unit's disclosure application, Art 20 (2)) is closed by its
/// refusal — `refused`, 已驳回 like every other refusal, never 已撤回
/// (withdrawn by the clerk).
pub(crate) fn application_status_zh(
    status: sirm_domain::status::ApplicationStatus,
    business_type: &str,
) -> &'static str {
    crate::pages::zh::status_zh(sirm_app::collection::outcome(status, business_type))
}

fn type_label(b: &str) -> Markup {
    match b.parse::<BusinessType>() {
        Ok(bt) => html! { span data-type=(bt.as_str()) { (bt.name_zh()) } },
        Err(_) => html! { (b) },
    }
}

pub async fn queue(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let apps = match st.sirm.work_queue(&c.principal).await {
        Ok(a) => a,
        Err(e) => return error_page(ApiError::from(e)),
    };
    let may_take =
        c.principal.may(Permission::RecordCollect) || c.principal.may(Permission::RecordMaintain);
    let body = html! {
        h1 { (ui::t("待办业务", "Work queue")) }
        @if may_take {
            p { a href="/applications/new" { (ui::t("受理新业务", "New application")) } }
        }
        p { (apps.len()) " " (ui::t("件", "applications")) }
        table #queue {
            tr {
                th { (ui::t("编号", "Application")) }
                th { (ui::t("业务类型", "Type")) }
                th { (ui::t("对象", "Subject")) }
                th { (ui::t("状态", "Status")) }
                th { (ui::t("待处理环节", "Waiting for")) }
                th { (ui::t("受理人", "Taken by")) }
            }
            @for a in &apps {
                tr data-application=(a.application_id) {
                    td { a href={ "/applications/" (a.application_id) } { (a.application_id) } }
                    td { (type_label(&a.business_type)) }
                    td { (a.subject) }
                    td { (application_status_zh(a.status, &a.business_type)) }
                    td { @if let Some(s) = &a.next_stage { (stage_label(s)) } }
                    td { (a.submitted_by) }
                }
            }
        }
    };
    ui::page("待办业务 Work queue", Some((&c.principal, &c.csrf)), body)
}

/// What approval writes: one table per ledger entry, every computed figure
/// on its own row under its Chinese label (the one glossary), persons as
/// masked ID numbers with names; the first entries in full.
fn effect_html(effect: &[Value], people: &People) -> Markup {
    use super::transfer_effect as transfer;
    type Shown<'a> = (&'a str, Vec<(String, String)>, Option<Markup>);
    let entries: Vec<Shown> = effect
        .iter()
        .take(EFFECT_SHOWN)
        .map(|e| {
            let kind = e.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            let mut rows = Vec::new();
            let mut summary = None;
            if let Some(p) = e.get("payload") {
                glossary::flatten("", p, &mut rows);
                if transfer::is_transfer(kind) {
                    rows.retain(|(k, _)| !transfer::summarized(k));
                    summary = Some(transfer::summary(p));
                }
            }
            // A document filed as raw data is not shown a second time.
            if kind == "rule_set.approved" {
                for (k, v) in rows.iter_mut() {
                    if k == "text" {
                        *v = "（见原始数据“文本”）see the raw data".into();
                    }
                }
            }
            let rows = rows
                .into_iter()
                .map(|(k, v)| {
                    let shown = glossary::value_zh(glossary::last_key(&k), &people.show(&v));
                    (glossary::path_zh(&k), shown)
                })
                .collect();
            (kind, rows, summary)
        })
        .collect();
    let more = effect.len().saturating_sub(EFFECT_SHOWN);
    html! {
        div #effect {
            @for (kind, rows, summary) in &entries {
                h3 { (glossary::kind_zh(kind).unwrap_or("记录")) }
                @if let Some(m) = summary { (m) }
                table.effect {
                    @for (k, v) in rows {
                        tr { th { (k) } td { (v) } }
                    }
                }
            }
            @if more > 0 {
                p {
                    span.zh { "另有 " (more) " 条记录，按相同规则计算" } " "
                    span.en { (more) " more entries, computed the same way" }
                }
            }
        }
    }
}

/// A raw-data value that is not one line of text (a list, an object): a
/// table of its parts under their Chinese labels, never JSON.
fn data_value(val: &Value) -> Markup {
    let rows = glossary::rows_zh(val);
    html! {
        @if let [(k, v)] = rows.as_slice() {
            @if k.is_empty() { (v) } @else { (k) "：" (v) }
        } @else {
            table.nested {
                @for (k, v) in &rows { tr { th { (k) } td { (v) } } }
            }
        }
    }
}

/// One scanned material: a link, its size and digest, and the material
/// itself inline when the browser can show it.
fn material_item(id: &str, m: &sirm_domain::records::Material) -> Markup {
    let href = format!("/applications/{id}/materials/{}", m.sha256);
    html! {
        li {
            a href=(href) target="_blank" { (m.name) }
            " "
            span.en { (m.media_type) " · " (m.size) " bytes · SHA-256 " code { (m.sha256) } }
            @if m.media_type.starts_with("image/") {
                br;
                img src=(href) alt=(m.name) style="max-width:100%;max-height:30rem";
            } @else if m.media_type == "application/pdf" {
                br;
                iframe src=(href) title=(m.name) style="width:100%;height:30rem;border:1px solid #ccc" {}
            }
        }
    }
}

/// The decision form of a review stage.
fn decision_form(c: &Caller, id: &str, stage: Stage) -> Markup {
    html! {
        fieldset {
            legend {
                span.zh { (stage.name_zh()) "意见" } " " span.en { (stage.as_str()) " decision" }
            }
            form method="post" action={ "/applications/" (id) "/decision" } id="decide" {
                (ui::csrf(&c.csrf))
                input type="hidden" name="stage" value=(stage.as_str());
                label { (ui::t("意见/理由（退回时必填）", "Opinion / reason (required to return)")) " " input name="reason" size="40"; }
                button name="decision" value="approve" { (ui::t("通过", "Approve")) }
                " "
                button name="decision" value="reject" { (ui::t("退回", "Return")) }
            }
        }
    }
}

/// Resubmitting a returned application (raw data corrected, materials
/// added) or withdrawing it.
fn resubmit_forms(
    c: &Caller,
    limits: &sirm_app::limits::LimitsConfig,
    id: &str,
    inputs: Markup,
) -> Markup {
    html! {
        fieldset {
            legend { (ui::t("已退回：补正原始数据或补充材料后重新提交", "Returned: correct the raw data or add materials, then resubmit")) }
            form method="post" enctype="multipart/form-data" action={ "/applications/" (id) "/resubmit" } id="resubmit" {
                (ui::csrf(&c.csrf))
                (inputs)
                label {
                    (ui::t("补充材料（可选）", "Further materials (optional)")) " "
                    input type="file" name="material" accept="application/pdf,image/png,image/jpeg" multiple;
                }
                (ui::material_rules(limits))
                button { (ui::t("补正后重新提交", "Resubmit")) }
            }
            " "
            form method="post" action={ "/applications/" (id) "/withdraw" } class="inline" {
                (ui::csrf(&c.csrf))
                input name="reason" placeholder="撤回原因 reason" required;
                button { (ui::t("撤回", "Withdraw")) }
            }
        }
    }
}

pub(super) async fn application_page(
    st: &AppState,
    c: &Caller,
    id: &str,
    msg: Option<ui::Outcome>,
) -> Response {
    let v = match st.sirm.application_view(&c.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ApiError::from(e)),
    };
    let a = &v.application;
    let data: Value = serde_json::from_str(&a.data).unwrap_or(Value::Null);
    let effect = match a.status.as_str() {
        "approved" => ui::notice(
            "ok",
            "已写入账本（见审核记录与维护日志）written to the ledger",
        ),
        "withdrawn" => html! {},
        _ if v.file_preview.is_some() => match &v.file_preview {
            Some(p) => super::file_preview::preview_html(st, p).await,
            None => html! {},
        },
        _ if v.effect.is_empty() => ui::notice_opt(v.blocked.as_deref().map(|b| ("err", b))),
        _ => effect_html(
            &v.effect,
            &People::of(st, &v.effect.iter().collect::<Vec<_>>()).await,
        ),
    };
    let mut actions = html! {};
    if let (Some(stage), "pending") = (
        a.next_stage.as_deref().and_then(|s| Stage::parse(s).ok()),
        a.status.as_str(),
    ) {
        let round = v
            .steps
            .iter()
            .rposition(|s| s.step.stage == "preliminary" && s.step.approve)
            .unwrap_or(0);
        let acted = v.steps[round..]
            .iter()
            .any(|s| s.step.actor == c.principal.username);
        if c.principal.may(stage.permission()) && acted {
            actions = ui::error_notice(&ApiError::by_rule(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                sirm_domain::RuleId::FourEyes,
                "refused by rule four-eyes (Art 7): you already acted on this application; each stage needs a different person",
            ));
        } else if c.principal.may(stage.permission()) {
            actions = decision_form(c, id, stage);
        }
    }
    if a.status == sirm_domain::status::ApplicationStatus::Returned
        && c.principal
            .may(sirm_app::collection::taker_of(&a.business_type))
    {
        let inputs = a
            .business_type
            .parse::<BusinessType>()
            .map(|bt| inputs(bt, &values_of(bt, &data)))
            .unwrap_or_default();
        actions = resubmit_forms(c, &st.sirm.config.limits, id, inputs);
    }
    // A rule set import: the figures that change, for the reviewers.
    let rule_set = match a.status.as_str() {
        "pending" | "returned" => {
            match st.sirm.application_rule_set_preview(&c.principal, id).await {
                Ok(Some(Ok(p))) => html! {
                    h2 { (ui::t("规则集变化（与现行版本对比）", "Rule set changes (against the version in force)")) }
                    (super::rule_set::preview_html(&p))
                },
                Ok(Some(Err(e))) | Err(e) => ui::error_notice(&ApiError::from(e)),
                Ok(None) => html! {},
            }
        }
        _ => html! {},
    };
    let status_text = application_status_zh(a.status, &a.business_type);
    let outcome = match a.status.as_str() {
        "returned" if !a.reason.is_empty() => {
            ui::notice("err", &format!("退回理由 reason: {}", a.reason))
        }
        "withdrawn" if v.outcome == "refused" => {
            ui::notice("err", &format!("{status_text}：{}", a.reason))
        }
        "withdrawn" => ui::notice("ok", &format!("已撤回 withdrawn: {}", a.reason)),
        _ => html! {},
    };
    // A unit's application refused in writing (Art 20 (2)): its letter.
    let letters = if a.business_type == BusinessType::DisclosureApplication.as_str() {
        crate::pages::unit::letters_markup(st, c, id).await
    } else {
        html! {}
    };
    // Back to the queue, and on to the next application waiting for this
    // officer (the first in the queue other than this one).
    let next = st
        .sirm
        .work_queue(&c.principal)
        .await
        .ok()
        .and_then(|q| q.into_iter().find(|x| x.application_id != id))
        .map(|x| x.application_id);
    // A declaration file: its rejected rows as a table of their own.
    let is_file = a.business_type == BusinessType::ContributionDeclareFile.as_str();
    let rejected = if is_file {
        super::file_preview::rejected_lines(&data)
    } else {
        Vec::new()
    };
    let body = html! {
        h1 { (ui::t("业务", "Application")) " " (id) }
        (ui::Outcome::render_opt(msg.as_ref()))
        p #queue-links {
            a #back-to-queue href="/queue" { (ui::t("返回待办业务", "Back to the work queue")) }
            @if let Some(n) = &next {
                " · " a #next-item href={ "/applications/" (n) } { (ui::t("下一件", "Next application")) " " (n) }
            }
        }
        p {
            (type_label(&a.business_type)) " · " (ui::t("状态", "status")) " " span #status { (status_text) }
            " · " (ui::t("待处理环节", "waiting for")) " "
            @match a.next_stage.as_deref() { Some(s) => (stage_label(s)), None => "—" }
        }
        (outcome)
        (letters)
        (rule_set)
        h2 { (ui::t("原始数据", "Raw data")) }
        table #data {
            @if let Value::Object(m) = &data {
                @for (k, val) in m.iter().filter(|(k, _)| !(is_file && k.as_str() == "rejected")) {
                    tr {
                        th { (field_label(&a.business_type, k)) }
                        td {
                            @match val.as_str() {
                                // A document (a rule set file): as written.
                                Some(s) if s.contains('\n') => pre.doc { (s) },
                                Some(s) => (glossary::value_zh(k, s)),
                                None => (data_value(val)),
                            }
                        }
                    }
                }
            }
        }
        @if is_file && !rejected.is_empty() {
            (super::file_preview::rejected_table(&rejected, v.file_preview.as_ref().map_or(&[][..], |p| &p.rejected)))
        }
        h2 { (ui::t("原始材料", "Original materials")) }
        ul #materials { @for m in &v.materials { (material_item(id, m)) } }
        h2 { (ui::t("批准后写入账本的内容（系统计算）", "What approval writes to the ledger (computed)")) }
        (effect)
        h2 { (ui::t("审核记录", "Review history")) }
        (review_history(&v))
        (actions)
    };
    ui::page(&format!("业务 {id}"), Some((&c.principal, &c.csrf)), body)
}

/// A staff member as the pages name one: the username, and the display
/// name beside it when the account has one.
fn staff(username: &str, display_name: &str) -> Markup {
    html! {
        span.staff {
            (username)
            @if !display_name.is_empty() && display_name != username { "（" (display_name) "）" }
        }
    }
}

/// The review history (审核记录): every stage's decision from the
/// counter's (初审, taking the application) on, each with its Beijing time
/// (to the minute) and the staff member's name.
fn review_history(v: &sirm_app::collection::ApplicationView) -> Markup {
    let time = |us: Option<i64>| us.map(crate::pages::local_minute).unwrap_or_default();
    html! {
        table #steps {
            tr {
                th { "#" }
                th { (ui::t("时间（北京时间）", "Time (Beijing)")) }
                th { (ui::t("环节", "Stage")) }
                th { (ui::t("经办人", "By")) }
                th { (ui::t("结论", "Decision")) }
                th { (ui::t("意见", "Reason")) }
            }
            @for s in &v.steps {
                tr {
                    td { (s.step.seq) }
                    td.nowrap { (time(s.time_us)) }
                    td { (stage_label(&s.step.stage)) }
                    td { (staff(&s.step.actor, &s.actor_name)) }
                    td { @if s.step.approve { (ui::t("通过", "approved")) } @else { (ui::t("退回", "returned")) } }
                    td { (s.step.reason) }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    /// What the action that redirected here did (POST-redirect-GET).
    pub done: Option<String>,
}

/// The message of a completed action, by its stable name.
fn done_message(done: &str) -> Option<String> {
    Some(match done {
        "approved" => "已批准并写入账本 approved and written to the ledger".to_string(),
        "returned" => "已退回受理人 returned to the clerk".to_string(),
        "pending" => "已通过，转下一环节 passed on to the next stage".to_string(),
        "resubmitted" => "已重新提交 resubmitted".to_string(),
        "withdrawn" => "已撤回 withdrawn".to_string(),
        "refused" => "已驳回，已出具不予提供告知书 refused in writing".to_string(),
        "working" => "正在处理 working".to_string(),
        _ => return None,
    })
}

pub async fn application(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let mut msg = q
        .done
        .as_deref()
        .and_then(done_message)
        .map(ui::Outcome::Ok);
    // A decision running in the background: its progress, or its outcome.
    let key = sirm_app::collection::declaration_file::decision_job(&id);
    let mut refresh = false;
    if let Some(job) = st.sirm.progress.get(&key) {
        let v = job.view();
        match &v.finished {
            None => {
                refresh = true;
                msg = Some(ui::Outcome::Ok(format!(
                    "正在写入账本 writing to the ledger: {} / {} 行 rows",
                    v.done,
                    v.total.map(|t| t.to_string()).unwrap_or_else(|| "…".into()),
                )));
            }
            Some(Ok(status)) => {
                msg = done_message(status).map(ui::Outcome::Ok);
                st.sirm.progress.remove(&key);
            }
            Some(Err(e)) => {
                msg = Some(ui::Outcome::Err(ApiError::from(e)));
                st.sirm.progress.remove(&key);
            }
        }
    }
    let mut resp = application_page(&st, &c, &id, msg).await;
    if refresh {
        resp.headers_mut()
            .insert("refresh", HeaderValue::from_static("1"));
    }
    resp
}

/// After a successful action: back to the application page by GET, so a
/// reload never repeats the action.
pub(super) fn after(id: &str, done: &str) -> Response {
    let q = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
    Redirect::to(&format!("/applications/{id}?{q}")).into_response()
}
