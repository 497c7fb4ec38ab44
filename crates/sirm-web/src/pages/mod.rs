//! Web pages: the staff workbench, administration, audit, counter and the
//! public activation page. zh-CN first, English beside it. Every page is
//! rendered by the same [`layout`], every form carries the anti-forgery token.

pub mod account;
pub mod admin;
pub mod body;
pub mod certificate;
pub mod crosscheck;
pub mod employer_declare;
pub mod glossary;
pub mod home;
pub mod kiosk;
pub mod login;
pub mod medical;
pub mod objections;
pub mod operations;
pub mod organ;
pub mod portal;
pub mod questions;
pub mod record;
pub mod record_claims;
pub mod record_medical;
pub mod statement;
pub mod statistics;
pub mod transfer;
pub mod ui;
pub mod unit;
pub mod upload;
pub mod work;
pub mod zh;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use sirm_domain::access::Permission;

use crate::error::ApiError;

/// Menu entries: which page serves which permission.
pub const MENU: &[(Permission, &str, &str, &str)] = &[
    (
        Permission::RecordMaintain,
        "/queue",
        "待办业务",
        "Work queue",
    ),
    (
        Permission::RecordCollect,
        "/queue",
        "待办业务",
        "Work queue",
    ),
    (Permission::RecordReview, "/queue", "待办业务", "Work queue"),
    (
        Permission::RecordRecheck,
        "/queue",
        "待办业务",
        "Work queue",
    ),
    (
        Permission::RecordApprove,
        "/queue",
        "待办业务",
        "Work queue",
    ),
    (
        Permission::RecordCollect,
        "/transfers",
        "转移接续",
        "Transfers",
    ),
    (
        Permission::RecordMaintain,
        "/rules",
        "参数维护",
        "Parameters",
    ),
    (Permission::RecordReview, "/rules", "参数", "Parameters"),
    (Permission::RecordRecheck, "/rules", "参数", "Parameters"),
    (Permission::RecordApprove, "/rules", "参数", "Parameters"),
    (
        Permission::PersonQuery,
        "/maintenance-log",
        "维护日志",
        "Maintenance log",
    ),
    (Permission::PersonQuery, "/arrears", "欠费明细", "Arrears"),
    (
        Permission::StatisticsRead,
        "/statistics",
        "统计报表与去标识化数据",
        "Statistics and de-identified extracts",
    ),
    (
        Permission::RecordCollect,
        "/declarations/new",
        "批量申报",
        "Declaration file",
    ),
    (
        Permission::AccountManage,
        "/admin/users",
        "账户管理",
        "Accounts",
    ),
    (
        Permission::RoleApprove,
        "/admin/role-requests",
        "角色授权审批",
        "Role approvals",
    ),
    (
        Permission::AuditRead,
        "/audit",
        "安全审计",
        "Security audit trail",
    ),
    (
        Permission::DatabaseMaintain,
        "/operations",
        "运行维护",
        "Operations",
    ),
    (
        Permission::ExternalActivate,
        "/counter",
        "柜台服务",
        "Counter services",
    ),
    (
        Permission::RecordMaintain,
        "/certificates",
        "证明管理",
        "Certificates",
    ),
    (
        Permission::RecordMaintain,
        "/prepared",
        "外包预填业务",
        "Prepared by outside helpers",
    ),
    (
        Permission::RecordPrepare,
        "/prepared",
        "预填维护业务",
        "Prepared maintenance",
    ),
    (
        Permission::PersonQuery,
        "/persons",
        "参保人员查询",
        "Person lookup",
    ),
    (
        Permission::OwnRecordRead,
        "/my/record",
        "我的权益记录",
        "My record",
    ),
    (
        Permission::OwnRecordRead,
        "/my/transfers",
        "转移接续进度",
        "My transfers",
    ),
    (
        Permission::OwnRecordRead,
        "/my/certificates",
        "出具证明",
        "Certificates",
    ),
    (
        Permission::DelegatedRecordRead,
        "/my/record",
        "受托查询",
        "Delegations",
    ),
    (
        Permission::EmployerRecordRead,
        "/employer",
        "单位缴费",
        "Employer",
    ),
    (Permission::OrganQuery, "/organ", "机关查询", "Organ query"),
    (Permission::GrantRead, "/unit", "查询授权", "Grants"),
    (
        Permission::OwnRecordRead,
        "/my/objections",
        "异议核查",
        "Objections",
    ),
    (
        Permission::RecordMaintain,
        "/objections",
        "异议核查",
        "Objections",
    ),
    (
        Permission::RecordCollect,
        "/counter/objections",
        "异议受理",
        "Take an objection",
    ),
    (
        Permission::EmployerRecordRead,
        "/employer/objections",
        "职工记录异议",
        "Objections",
    ),
    (
        Permission::RecordMaintain,
        "/crosscheck",
        "信息比对",
        "Cross-checking",
    ),
    (
        Permission::EmployerRecordRead,
        "/questions",
        "核查询问",
        "Questions",
    ),
    (
        Permission::OwnRecordRead,
        "/questions",
        "核查询问",
        "Questions",
    ),
];

const STYLE: &str = r#"body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#0b4f6c;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff} header .en{color:#d9e8f0} header button .en{color:#52606d} main{max-width:64rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.4rem} table{border-collapse:collapse;width:100%;background:#fff} td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.en{color:#52606d;font-size:.85em} .err{background:#fde2e2;border:1px solid #e12d39;padding:.6rem;margin:.6rem 0}
.ok{background:#e3f9e5;border:1px solid #31b237;padding:.6rem;margin:.6rem 0} form.inline{display:inline}
fieldset{background:#fff;border:1px solid #ccc;margin:.8rem 0} label{display:block;margin:.3rem 0} input,select{font-size:1rem;padding:.2rem}
code{word-break:break-all} nav a{margin-right:.8rem}
#data th,table.effect th,#figures th{width:16rem;min-width:10rem} #data th code,table.effect th code,#figures th code{word-break:normal;overflow-wrap:anywhere}
pre.doc{white-space:pre-wrap;max-height:28rem;overflow:auto;background:#f6f8fa;border:1px solid #ddd;padding:.5rem;font-size:.85rem;margin:0}
.nowrap,.num{white-space:nowrap} .num{font-variant-numeric:tabular-nums} td:has(.num),th.num{text-align:right} tr.total td{font-weight:bold;border-top:2px solid #9aa5b1}
details.year{margin:.4rem 0;background:#fff;border:1px solid #ddd} details.year>summary{cursor:pointer;padding:.4rem .6rem;font-weight:bold} textarea{width:100%;font-family:ui-monospace,monospace}
html.lang-en .zh{display:none} html.lang-en .en{color:inherit;font-size:1em} .warn{color:#b44d12;font-weight:bold}
@media (max-width:40rem){main{padding:0 .4rem} table{display:block;overflow-x:auto} header{gap:.4rem} nav a{display:inline-block;margin:.2rem .6rem .2rem 0}
table.cards,table.cards tbody,table.cards tr{display:block} table.cards tr:first-child{display:none} table.cards tr{border-bottom:2px solid #9aa5b1;padding:.3rem 0}
table.cards td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.1rem .4rem;overflow-wrap:normal;text-align:right}
table.cards td::before{content:attr(data-label);color:#52606d;text-align:left;flex:none} table.cards td[colspan]::before{content:none}}
@media print{header,form,#lang{display:none} body{background:#fff}}"#;

/// An error rendered as a page, with the HTTP status of the error. The
/// error rides along in the response's extensions ([`ShownError`]), so that
/// the guard can show a 403 again with who is signed in ([`with_signed_in`]).
pub fn error_page(e: ApiError) -> Response {
    let mut r = error_page_as(&e, None);
    r.extensions_mut().insert(ShownError(e));
    r
}

/// The error a page response shows (see [`error_page`]).
#[derive(Clone, Debug)]
pub struct ShownError(pub ApiError);

/// The error page, with the signed-in account's header when `who` is given;
/// a refusal (403) then also says who is signed in, with the way home and
/// the way to sign in as somebody else.
pub fn error_page_as(e: &ApiError, who: Option<(&sirm_app::Principal, &str)>) -> Response {
    let zh = zh::error_zh(e);
    let forbidden = e.status == axum::http::StatusCode::FORBIDDEN;
    let body = html! {
        h1 { (ui::t("无法完成", "Not done")) }
        div.err id="error" data-code=(e.code) {
            strong { (zh) } br; span.en { (e.message) }
        }
        @match who.filter(|_| forbidden) {
            Some((p, token)) => {
                p id="signed-in" {
                    "当前登录：" (p.display_name) "（" (p.username)
                    @if !p.roles.is_empty() {
                        "，角色："
                        @for (i, r) in p.roles.iter().enumerate() {
                            @if i > 0 { "、" } (r.name_zh())
                        }
                    }
                    "）。此页面需要其他权限；如需办理，请换用有权限的账号登录。"
                    br;
                    span.en { "Signed in as " (p.username) "; this page needs another role." }
                }
                p {
                    a href="/home" { (ui::t("返回我的首页", "Back to my home")) } " "
                    form.inline method="post" action="/logout" {
                        (ui::csrf(token))
                        button { (ui::t("退出登录，换一个账号", "Sign out to use another account")) }
                    }
                }
            }
            None => p { a href="/home" { (ui::t("返回首页", "Back to home")) } },
        }
    };
    ui::rendered(e.status, "错误 Error", who, body)
}

/// A page refusal (403 from [`error_page`]) shown again with the caller
/// signed in: their header, name and roles, and the way out. Other
/// responses pass unchanged.
pub fn with_signed_in(resp: Response, caller: Option<&crate::caller::Caller>) -> Response {
    let Some(c) = caller else { return resp };
    if resp.status() != axum::http::StatusCode::FORBIDDEN {
        return resp;
    }
    match resp.extensions().get::<ShownError>() {
        Some(ShownError(e)) => error_page_as(e, Some((&c.principal, &c.csrf))),
        None => resp,
    }
}

/// Offset of the agency's local time (China Standard Time, UTC+8), seconds.
pub const LOCAL_OFFSET_SECS: i32 = 8 * 3600;

/// A ledger time (µs since the epoch) as local time to the second, e.g.
/// "2026-11-27 14:03:05" (the ledger keeps UTC µs; people read local time).
pub fn local_time(us: i64) -> String {
    local_format(us, "%Y-%m-%d %H:%M:%S")
}

/// A ledger time as Beijing time to the minute, e.g. "2026-12-06 22:41":
/// how the decision pages date a review step.
pub fn local_minute(us: i64) -> String {
    local_format(us, "%Y-%m-%d %H:%M")
}

fn local_format(us: i64, format: &str) -> String {
    let offset = chrono::FixedOffset::east_opt(LOCAL_OFFSET_SECS);
    match (chrono::DateTime::from_timestamp_micros(us), offset) {
        (Some(t), Some(o)) => t.with_timezone(&o).format(format).to_string(),
        _ => String::new(),
    }
}

/// A CSV download, written by the one CSV writer (`sirm_app::export::csv`:
/// quoted, formula cells neutralised, UTF-8 with BOM), and recorded as an
/// `export` security event first (an export is evidence like a look-up).
pub async fn csv_response(
    st: &crate::AppState,
    c: &crate::caller::Caller,
    filename: &str,
    head: &str,
    rows: &[Vec<String>],
) -> Response {
    if let Err(e) = st
        .sirm
        .record_export(&c.principal, filename, rows.len())
        .await
    {
        return ApiError::from(e).into_response();
    }
    let head: Vec<&str> = head.split(',').collect();
    match sirm_app::export::csv(&head, rows) {
        Ok(out) => csv_attachment(out, filename),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// CSV text as a download named `filename` (200, `text/csv`, an
/// attachment).
pub fn csv_attachment(csv: impl Into<axum::body::Body>, filename: &str) -> Response {
    let mut resp = Response::new(csv.into());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
