//! Web pages: the staff workbench, administration, audit, counter and the
//! public activation page. zh-CN first, English beside it. Every page is
//! rendered by the same [`layout`], every form carries the anti-forgery token.

pub mod account;
pub mod admin;
pub mod body;
pub mod certificate;
pub mod home;
pub mod kiosk;
pub mod login;
pub mod operations;
pub mod portal;
pub mod record;
pub mod upload;
pub mod work;
pub mod zh;

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sirm_app::Principal;
use sirm_domain::access::Permission;

use crate::error::ApiError;

/// HTML-escape text.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A bilingual label: Chinese first, English beside it (the language switch
/// in the header shows English only).
pub fn t(zh: &str, en: &str) -> String {
    format!("<span class=\"zh\">{zh}</span> <span class=\"en\">{en}</span>")
}

/// Hidden anti-forgery field for forms.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(csrf)
    )
}

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
        Permission::PersonQuery,
        "/maintenance-log",
        "维护日志",
        "Maintenance log",
    ),
    (Permission::PersonQuery, "/arrears", "欠费明细", "Arrears"),
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
];

const STYLE: &str = r#"body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#0b4f6c;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff} header .en{color:#d9e8f0} header button .en{color:#52606d} main{max-width:64rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.4rem} table{border-collapse:collapse;width:100%;background:#fff} td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.en{color:#52606d;font-size:.85em} .err{background:#fde2e2;border:1px solid #e12d39;padding:.6rem;margin:.6rem 0}
.ok{background:#e3f9e5;border:1px solid #31b237;padding:.6rem;margin:.6rem 0} form.inline{display:inline}
fieldset{background:#fff;border:1px solid #ccc;margin:.8rem 0} label{display:block;margin:.3rem 0} input,select{font-size:1rem;padding:.2rem}
code{word-break:break-all} nav a{margin-right:.8rem}
html.lang-en .zh{display:none} html.lang-en .en{color:inherit;font-size:1em} .warn{color:#b44d12;font-weight:bold}
@media (max-width:40rem){main{padding:0 .4rem} table{display:block;overflow-x:auto} header{gap:.4rem} nav a{display:inline-block;margin:.2rem .6rem .2rem 0}}
@media print{header,form,#lang{display:none} body{background:#fff}}"#;

/// The page frame. `who` shows the account and the menu it may use, and
/// the session's notice (e.g. a password reset by an administrator).
pub fn layout(title: &str, who: Option<(&Principal, &str)>, body: &str) -> Html<String> {
    let nav = match who {
        None => format!("<a href=\"/login\">{}</a>", t("登录", "Sign in")),
        Some((p, csrf)) => {
            let mut links = vec![format!("<a href=\"/home\">{}</a>", t("首页", "Home"))];
            let mut seen = std::collections::BTreeSet::new();
            for (perm, href, zh, en) in MENU {
                if p.pending.is_none() && p.may(*perm) && seen.insert(*href) {
                    links.push(format!("<a href=\"{href}\">{}</a>", t(zh, en)));
                }
            }
            links.push(format!(
                "<a href=\"/account/password\">{}</a>",
                t("修改密码", "Password")
            ));
            format!(
                "<nav>{}</nav><span>{} ({})</span><form class=\"inline\" method=\"post\" action=\"/logout\">{}<button>{}</button></form>",
                links.join(""),
                esc(&p.display_name),
                esc(&p.username),
                csrf_field(csrf),
                t("退出", "Sign out")
            )
        }
    };
    let session_notice = who
        .and_then(|(p, _)| p.notice.as_deref())
        .map(|n| format!("<div class=\"err\" id=\"session-notice\">{}</div>", esc(n)))
        .unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style><script src=\"/static/sirm.js\"></script></head><body><header><strong>SIRM 社会保险个人权益记录</strong>{nav}\
         <button type=\"button\" id=\"lang\">中文 / English</button></header>\
         <main>{session_notice}{body}</main></body></html>"
    ))
}

/// An error rendered as a page, with the HTTP status of the error.
pub fn error_page(e: ApiError) -> Response {
    let zh = zh::message_zh(&e.message).unwrap_or_else(|| "无法完成此操作".into());
    let body = format!(
        "<h1>{}</h1><div class=\"err\" id=\"error\" data-code=\"{}\"><strong>{}</strong><br><span class=\"en\">{}</span></div><p><a href=\"/home\">{}</a></p>",
        t("无法完成", "Not done"),
        e.code,
        esc(&zh),
        esc(&e.message),
        t("返回首页", "Back to home")
    );
    let mut r = (e.status, layout("错误 Error", None, &body)).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

/// Message box for a page (`ok` or `err`). Errors lead with Chinese when the
/// message is recognised, the English detail below.
pub fn notice(class: &str, msg: &str) -> String {
    match (class, zh::message_zh(msg)) {
        ("err", Some(z)) => format!(
            "<div class=\"{class}\" id=\"{class}\"><strong>{}</strong><br><span class=\"en\">{}</span></div>",
            esc(&z),
            esc(msg)
        ),
        _ => format!("<div class=\"{class}\" id=\"{class}\">{}</div>", esc(msg)),
    }
}

/// 200 page response.
pub fn page(title: &str, who: Option<(&Principal, &str)>, body: &str) -> Response {
    let mut r = (StatusCode::OK, layout(title, who, body)).into_response();
    if who.is_some() {
        // Signed-in pages carry personal data and issued passwords: never
        // kept in a browser or proxy cache (no residual information).
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    r
}

/// Offset of the agency's local time (China Standard Time, UTC+8), seconds.
pub const LOCAL_OFFSET_SECS: i32 = 8 * 3600;

/// A ledger time (µs since the epoch) as local time to the second, e.g.
/// "2026-11-27 14:03:05" (the ledger keeps UTC µs; people read local time).
pub fn local_time(us: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(LOCAL_OFFSET_SECS);
    match (chrono::DateTime::from_timestamp_micros(us), offset) {
        (Some(t), Some(o)) => t.with_timezone(&o).format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => String::new(),
    }
}

/// A CSV download, written by the one CSV writer (`sirm_app::export::csv`:
/// quoted, formula cells neutralised, UTF-8 with BOM), and recorded as an
/// `export` security event first (an export is evidence like a look-up).
pub async fn csv_response(
    st: &crate::AppState,
    c: &crate::routes::Caller,
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
    let out = match sirm_app::export::csv(&head, rows) {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut resp = (StatusCode::OK, out).into_response();
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
