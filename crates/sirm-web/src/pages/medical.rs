//! Settlement files of contracted hospitals and pharmacies (医疗费用结算记录
//! 导入, docs/medical.md): the clerk uploads a CSV or XLSX file; every line
//! is checked (a bad line refuses the whole file, every bad line listed
//! with its line, field and rule) and the file becomes one application in
//! the review chain.

use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use sirm_app::collection::SettlementReport;
use sirm_app::medical_file::COLUMNS;

use super::body;
use super::ui::{csrf, error_notice, page, t, upload_rules};
use crate::error::ApiError;
use crate::routes::BodyClass;
use crate::routes::Caller;
use crate::AppState;

fn form(
    c: &Caller,
    limits: &sirm_app::limits::LimitsConfig,
    error: Option<&ApiError>,
    done: Option<&SettlementReport>,
) -> Markup {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(k, zh)| format!("{zh}（{k}）"))
        .collect();
    html! {
        h1 { (t("医疗费用结算记录导入", "Medical settlement file")) }
        @if let Some(e) = error { (error_notice(e)) }
        @if let Some(r) = done {
            p #submitted {
                (t("已提交审核：", "Submitted for review: ")) a href={ "/applications/" (r.application_id) } { (r.application_id) }
                " · " (r.rows) " " (t("笔", "settlements"))
                " · " (t("总额", "total")) " " (r.total)
                " · " (t("个人账户支付", "from accounts")) " " (r.account_paid)
            }
        }
        form method="post" action="/medical/settlements" enctype="multipart/form-data" id="settlement-upload" {
            (csrf(&c.csrf))
            label {
                (t("结算文件（CSV 或 XLSX，首行为列名：", "File (CSV or XLSX, first line names the columns: ")) (columns.join("、")) "）" " "
                input name="file" type="file" accept=".csv,.xlsx,text/csv" required;
            }
            (upload_rules(limits, BodyClass::Declaration, ("CSV 或 XLSX", "CSV or XLSX"), Some(sirm_app::medical_file::CSV_ENCODING), None))
            p.en { (t("任何一行有误则整个文件不导入，错误行逐一注明行号、字段和规则。", "Any bad line refuses the whole file; every bad line is listed with its line, field and rule.")) }
            button { (t("上传并校验", "Upload and check")) }
        }
    }
}

fn show(
    st: &AppState,
    c: &Caller,
    error: Option<&ApiError>,
    done: Option<&SettlementReport>,
) -> Response {
    let mut r = page(
        "医疗费用结算记录导入 Medical settlements",
        Some((&c.principal, &c.csrf)),
        form(c, &st.sirm.config.limits, error, done),
    );
    if let Some(e) = error {
        *r.status_mut() = e.status;
    }
    r
}

pub async fn upload_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    show(&st, &c, None, None)
}

/// Receive the file, check it whole and submit it.
pub async fn upload(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let limits = &st.sirm.config.limits;
    let cap = body::Cap::declaration(limits);
    let mut budget = body::Budget::new(cap);
    let archive = st.sirm.archive();
    let (mut name, mut file) = (String::new(), None);
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return show(
                    &st,
                    &c,
                    Some(&body::multipart_error("upload", &cap, &e)),
                    None,
                )
            }
        };
        let part = field.name().unwrap_or("").to_string();
        let read = match part.as_str() {
            "file" => body::file_part(&mut field, "file", "settlements.csv", &archive, &mut budget)
                .await
                .map(|(n, f)| {
                    name = n;
                    file = Some(f);
                }),
            _ => body::skip(&mut field, &part, &mut budget).await,
        };
        if let Err(e) = read {
            return show(&st, &c, Some(&e), None);
        }
    }
    let Some(scratch) = file.filter(|f| f.size() > 0) else {
        let e = sirm_app::AppError::invalid_by(
            "file",
            sirm_domain::RuleId::FieldRequired,
            "choose a non-empty CSV or XLSX file",
        );
        return show(&st, &c, Some(&e.into()), None);
    };
    let r = st
        .sirm
        .submit_settlement_file(&c.principal, &name, scratch.path())
        .await;
    drop(scratch);
    match r {
        Ok(report) => show(&st, &c, None, Some(&report)),
        Err(e) => show(&st, &c, Some(&e.into()), None),
    }
}
