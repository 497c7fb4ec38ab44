//! The workbench's transfers (转移接续, Art 10): every transfer of the
//! agency with its step, deadline (overdue ones marked) and who holds it,
//! and the clerk's buttons to send the contact letter or the package
//! (online to the peer, or as a file). The applications themselves
//! (`transfer.apply`, `transfer.out`, `transfer.accept`) are taken at
//! “受理新业务” and pass the review chain like every other.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use maud::Markup;
use serde::Deserialize;
use sirm_app::transfer::letter::Channel;
use sirm_app::transfer::{kind_zh, Direction, Step, TransferView};
use sirm_domain::RuleId;

use crate::error::ApiError;
use crate::pages::ui::{csrf, error_notice, head_cells, page, t};
use crate::pages::zh::rule_zh;
use crate::routes::Caller;
use crate::AppState;

/// The peer: its region and name as known here, with its code.
fn peer_cell(v: &TransferView) -> Markup {
    html! {
        @if v.peer_name.is_empty() { (v.peer) } @else { (v.peer_name) " " small { "(" (v.peer) ")" } }
    }
}

/// The step, and the refusal with its rule in Chinese (the English message beside).
fn step_cell(v: &TransferView, history: bool) -> Markup {
    html! {
        (v.step.name_zh())
        @if let Some(f) = &v.refusal {
            br;
            span.warn {
                @if f.by == "peer" { (t("对端拒绝：", "refused by the peer: ")) } @else { (t("本机构拒绝：", "refused here: ")) }
                @match f.rule.parse::<RuleId>() {
                    Ok(rule) => (rule_zh(rule)),
                    Err(_) => (f.rule),
                }
                " " span.en { (f.reason) }
            }
        }
        @if history {
            @for s in &v.steps { br; small { (kind_zh(&s.kind)) " " (s.time.get(..10).unwrap_or_default()) } }
        }
    }
}

fn holder_zh(h: &str) -> &'static str {
    match h {
        "here" => "本机构",
        "peer" => "对端机构",
        _ => "已办结",
    }
}

async fn list_page(st: &AppState, c: &Caller, error: Option<&ApiError>) -> Response {
    let rows = match st.sirm.list_transfers(&c.principal).await {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    let peers = st.sirm.list_peers(&c.principal).await.unwrap_or_default();
    let mut r = page(
        "转移接续 Transfers",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("养老保险关系转移接续", "Transfers between regions")) }
            @if let Some(e) = error { (error_notice(e)) }
            p.en { (t("转入申请、转出、接收在“受理新业务”中受理，经审核、复核、审批后生效；联系函和信息包在此发出。每个环节办理时限 15 个工作日。",
                "Applications (transfer.apply, transfer.out, transfer.accept) are taken as new business and pass the review chain; letters and packages are sent here. Each step has 15 working days.")) }
            table id="transfers" {
                tr { (head_cells(&[("编号", "Number"), ("方向", "Direction"), ("对端机构", "Peer"), ("环节", "Step"),
                    ("办理时限", "Deadline"), ("当前办理方", "Held by"), ("操作", "Action")])) }
                @for v in &rows {
                    tr data-number=(v.number) class=[v.overdue.then_some("overdue")] {
                        td { code { (v.number) } }
                        td { @match v.direction { Direction::In => "转入", Direction::Out => "转出" } }
                        td { (peer_cell(v)) }
                        td { (step_cell(v, false)) }
                        td { @match v.deadline {
                            Some(d) if v.overdue => span.warn { (d.to_string()) " " (t("已逾期", "overdue")) },
                            Some(d) => (d.to_string()),
                            None => "—",
                        } }
                        td { (holder_zh(&v.holder)) }
                        td {
                            @let what = match (v.direction, v.step) {
                                (Direction::In, Step::Applied) => Some(("letter", "发出联系函")),
                                (Direction::Out, Step::TransferredOut) => Some(("package", "发送信息包")),
                                _ => None,
                            };
                            @let take = match (v.direction, v.step) {
                                (Direction::Out, Step::LetterReceived) => Some(("transfer.out", t("受理转出申请", "Take the transfer out"))),
                                (Direction::In, Step::PackageReceived) => Some(("transfer.accept", t("受理接收申请", "Take the acceptance"))),
                                _ => None,
                            };
                            @if let Some((bt, label)) = take {
                                a.take href={ "/applications/new?type=" (bt) "&number=" (v.number) } { (label) }
                            }
                            @if let Some((what, label)) = what {
                                form method="post" action={ "/transfers/" (v.number) "/send" } {
                                    (csrf(&c.csrf))
                                    input type="hidden" name="what" value=(what);
                                    select name="channel" {
                                        option value="online" { (t("在线发送", "Online")) }
                                        option value="file" { (t("导出文件", "As a file")) }
                                    }
                                    button { (label) }
                                }
                            }
                        }
                    }
                }
            }
            @if rows.is_empty() { p { (t("没有转移接续业务。", "No transfers.")) } }
            h2 { (t("对端经办机构", "Peers")) }
            table id="peers" {
                tr { (head_cells(&[("机构代码", "Agency"), ("统筹区", "Region"), ("名称", "Name"), ("地址", "URL")])) }
                @for p in &peers {
                    tr { td { (p.agency) } td { (p.region) } td { (p.name) }
                        td { @if p.url.is_empty() { (t("未接入（文件往来）", "not on SIRM (files)")) } @else { (p.url) } } }
                }
            }
        },
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

#[derive(Deserialize)]
pub struct MyQuery {
    /// A delegate: the written authorization (`DL-…`) naming the person.
    pub delegation: Option<String>,
}

/// `GET /my/transfers[?delegation=DL-…]`: the person's own transfers
/// (转移接续进度), or, for a delegate, those of the person of the
/// authorization, within its scope.
pub async fn my_list(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<MyQuery>,
) -> Response {
    let subject =
        match crate::pages::portal::subject_of(&st, &c, q.delegation.as_deref(), None).await {
            Ok(s) => s,
            Err(e) => return crate::pages::error_page(e),
        };
    let rows = match st.sirm.transfers_for(&c.principal, &subject).await {
        Ok(r) => r,
        Err(e) => return crate::pages::error_page(e.into()),
    };
    page(
        "转移接续进度 My transfers",
        Some((&c.principal, &c.csrf)),
        html! {
            h1 { (t("我的养老保险关系转移接续", "My transfers between regions")) }
            table id="my-transfers" {
                tr { (head_cells(&[("编号", "Number"), ("方向", "Direction"), ("对端机构", "Other region"),
                    ("当前环节", "Step"), ("办理时限", "Deadline"), ("当前办理方", "Held by"),
                    ("按险种实缴月数", "Months paid by insurance type")])) }
                @for v in &rows {
                    tr class=[v.overdue.then_some("overdue")] {
                        td { code { (v.number) } }
                        td { @match v.direction { Direction::In => "转入", Direction::Out => "转出" } }
                        td { (peer_cell(v)) }
                        td { (step_cell(v, true)) }
                        td { @match v.deadline {
                            Some(d) if v.overdue => span.warn { (d.to_string()) " " (t("已逾期", "overdue")) },
                            Some(d) => (d.to_string()),
                            None => "—",
                        } }
                        td { (holder_zh(&v.holder)) }
                        td { (crate::pages::record::type_months(v.months_by_type.as_ref())) }
                    }
                }
            }
            @if rows.is_empty() { p { (t("没有转移接续业务。", "No transfers.")) } }
        },
    )
}

/// `GET /transfers`
pub async fn list(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    list_page(&st, &c, None).await
}

#[derive(Deserialize)]
pub struct SendForm {
    /// `letter` or `package`.
    pub what: String,
    pub channel: Channel,
}

/// `POST /transfers/{number}/send`: the letter or the package, online (back
/// to the list) or as a file (downloaded).
pub async fn send_form(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(number): Path<String>,
    Form(f): Form<SendForm>,
) -> Response {
    let sent = if f.what == "package" {
        st.sirm.send_package(&c.principal, &number, f.channel).await
    } else {
        st.sirm.send_letter(&c.principal, &number, f.channel).await
    };
    match sent {
        Ok(s) => match s.file {
            Some(file) => (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}-{}.json\"", f.what, s.number),
                    ),
                ],
                file.to_string(),
            )
                .into_response(),
            None => Redirect::to("/transfers").into_response(),
        },
        Err(e) => list_page(&st, &c, Some(&e.into())).await,
    }
}
