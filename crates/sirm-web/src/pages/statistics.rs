//! The statistics user's workspace (统计用户工作台, Art 17): the list of
//! predefined reports, each as a table and as CSV. Suppressed cells show
//! "—" (rule `disclosure.small-cell`); every read is registered by
//! `Sirm::statistics_report`, every CSV also as an `export` event.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use sirm_app::disclosure::statistics::{Cell, Report, ReportKind};

use crate::api::statistics::ReportQuery;
use crate::error::ApiError;
use crate::pages::{csv_response, error_page, ui};
use crate::routes::Caller;
use crate::AppState;

/// The Chinese label of a row heading or a column.
fn label(s: &str) -> String {
    let zh = match s {
        "region" => "地区（经办机构）",
        "age_band" => "年龄段",
        "gender" => "性别",
        "month" => "月份",
        "kind" => "类别",
        "pension" => "养老保险",
        "medical" => "医疗保险",
        "unemployment" => "失业保险",
        "work_injury" => "工伤保险",
        "persons" => "人数",
        "payment" => "待遇发放",
        "pension.granted" => "基本养老金（正常发放）",
        "pension.suspended" => "基本养老金（暂停发放）",
        "pension.terminated" => "基本养老金（终止）",
        other if other.starts_with("subsidy.") => "社会保险补贴",
        other if other.parse::<u8>().is_ok() => "行业类别",
        _ => "",
    };
    if zh.is_empty() {
        s.to_string()
    } else if zh == "社会保险补贴" || zh == "行业类别" {
        format!("{zh} {}", s.trim_start_matches("subsidy."))
    } else {
        zh.to_string()
    }
}

fn cell_markup(c: &Cell, with_amount: bool) -> Markup {
    html! {
        @if c.suppressed {
            td.suppressed title="disclosure.small-cell" { "—" }
            @if with_amount { td.suppressed { "—" } }
        } @else {
            td { (c.persons.unwrap_or(0)) }
            @if with_amount { td { (c.amount.unwrap_or_default()) } }
        }
    }
}

/// The list of reports and of the extracts released to the caller.
pub async fn index(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let extracts = match st.sirm.released_extracts(&c.principal).await {
        Ok(e) => e,
        Err(e) => return error_page(e.into()),
    };
    let body = html! {
        h1 { (ui::t("统计报表", "Statistics")) }
        p {
            (ui::t("所有报表均为汇总数据，不含任何身份信息；人数少于阈值的单元格及可由合计推算的单元格已抑制（显示为 —）。",
                "Aggregates only, no identities; small cells and cells that totals would give back are suppressed (shown as —)."))
        }
        ul #reports {
            @for k in ReportKind::ALL {
                li { a href={ "/statistics/reports/" (k.as_str()) } { (ui::t(k.title_zh(), k.title_en())) } }
            }
        }
        h2 { (ui::t("去标识化数据（已批准）", "De-identified extracts (approved)")) }
        p {
            (ui::t("提取申请由经办人员代为受理并经审核；数据不含身份证号码、姓名、地址、电话，化名每次提取各不相同。",
                "Applications are taken by a clerk and reviewed; no ID number, name, address or phone; pseudonyms differ per extract."))
        }
        table #extracts {
            tr {
                th { (ui::t("申请编号", "Application")) } th { (ui::t("用途", "Purpose")) }
                th { (ui::t("期间", "Period")) } th { (ui::t("行数", "Rows")) }
                th { "SHA-256" } th { (ui::t("下载", "Download")) }
            }
            @for e in &extracts {
                tr {
                    td { (e.application) } td { (e.purpose) } td { (e.from) " – " (e.to) }
                    td { (e.rows) } td { code { (e.sha256) } }
                    td { a.extract href={ "/statistics/extracts/" (e.application) } { (ui::t("下载 CSV", "CSV")) } }
                }
            }
        }
    };
    ui::page("统计报表 Statistics", Some((&c.principal, &c.csrf)), body)
}

async fn load(
    st: &AppState,
    c: &Caller,
    report: &str,
    q: &ReportQuery,
) -> Result<Report, ApiError> {
    let kind: ReportKind = report.parse()?;
    Ok(st
        .sirm
        .statistics_report(&c.principal, kind, &q.params())
        .await?)
}

/// One report as a table.
pub async fn report(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(report): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let r = match load(&st, &c, &report, &q).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let query: Vec<String> = r
        .parameters
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let w = r.with_amount;
    let span = if w { 2 } else { 1 };
    let body = html! {
        h1 { (r.title_zh) }
        form method="get" action={ "/statistics/reports/" (r.report) } {
            @for (k, v) in &r.parameters {
                label { (ui::t(if k == "month" { "月份" } else if k == "from" { "起始月份" } else { "截止月份" }, k)) " "
                    input name=(k) value=(v) maxlength="7" placeholder="YYYY-MM"; }
            }
            button { (ui::t("查询", "Show")) }
        }
        p #suppression {
            (ui::t("最小单元格阈值", "Minimum cell")) " " (r.min_cell) " · "
            (ui::t("已抑制", "Suppressed")) " " span #suppressed-count { (r.suppressed) }
        }
        p { a #csv href={ "/statistics/reports/" (r.report) "/export.csv?" (query.join("&")) } { (ui::t("下载 CSV", "Download CSV")) } }
        table #report {
            tr {
                @for h in &r.row_heads { th rowspan=(if w { 2 } else { 1 }) { (label(h)) } }
                @for col in &r.columns { th colspan=(span) { (label(col)) } }
                @if r.rows.first().is_some_and(|row| row.total.is_some()) { th colspan=(span) { (ui::t("合计", "Total")) } }
            }
            @if w {
                tr {
                    @for _ in 0..(r.columns.len() + usize::from(r.rows.first().is_some_and(|row| row.total.is_some()))) {
                        th { (ui::t("人数", "Persons")) } th { (ui::t("金额（元）", "Yuan")) }
                    }
                }
            }
            @for row in &r.rows {
                tr {
                    @for k in &row.key { td { (label(k)) } }
                    @for cell in &row.cells { (cell_markup(cell, w)) }
                    @if let Some(t) = &row.total { (cell_markup(t, w)) }
                }
            }
            tr #column-totals {
                th colspan=(r.row_heads.len()) { (ui::t("合计", "Total")) }
                @for cell in &r.column_totals { (cell_markup(cell, w)) }
                @if r.rows.first().is_some_and(|row| row.total.is_some()) { (cell_markup(&r.total, w)) }
            }
        }
        p { a href="/statistics" { (ui::t("返回报表列表", "All reports")) } }
    };
    ui::page("统计报表 Statistics", Some((&c.principal, &c.csrf)), body)
}

fn csv_cells(c: &Cell, with_amount: bool, out: &mut Vec<String>) {
    if c.suppressed {
        out.push("suppressed".to_string());
        if with_amount {
            out.push("suppressed".to_string());
        }
    } else {
        out.push(c.persons.unwrap_or(0).to_string());
        if with_amount {
            out.push(c.amount.unwrap_or_default().to_string());
        }
    }
}

/// One report as CSV: one line per row, then a line of column totals;
/// suppressed cells read `suppressed`.
pub async fn report_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(report): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let r = match load(&st, &c, &report, &q).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let w = r.with_amount;
    // Headers in Chinese with the key beside it: read by a person in a
    // spreadsheet, and by a program by the key in brackets.
    let both = |zh: &str, key: &str| {
        if zh == key {
            key.to_string()
        } else {
            format!("{zh}（{key}）")
        }
    };
    let mut head: Vec<String> = r.row_heads.iter().map(|h| both(&label(h), h)).collect();
    let has_total = r.rows.first().is_some_and(|row| row.total.is_some());
    let mut cols: Vec<(String, String)> = r.columns.iter().map(|c| (label(c), c.clone())).collect();
    if has_total {
        cols.push(("合计".to_string(), "total".to_string()));
    }
    for (zh, col) in &cols {
        head.push(both(&format!("{zh} 人数"), &format!("{col}_persons")));
        if w {
            head.push(both(&format!("{zh} 金额（元）"), &format!("{col}_amount")));
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in &r.rows {
        let mut line = row.key.clone();
        for cell in row.cells.iter().chain(row.total.as_ref()) {
            csv_cells(cell, w, &mut line);
        }
        rows.push(line);
    }
    let mut totals = vec!["total".to_string()];
    totals.resize(r.row_heads.len(), String::new());
    for cell in r.column_totals.iter().chain(has_total.then_some(&r.total)) {
        csv_cells(cell, w, &mut totals);
    }
    rows.push(totals);
    csv_response(
        &st,
        &c,
        &format!("sirm-statistics-{}.csv", r.report),
        &head.join(","),
        &rows,
    )
    .await
}

/// An extract released to the caller, as the CSV sealed at approval (the
/// download is registered by `Sirm::extract_file`).
pub async fn extract_download(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(application): Path<String>,
) -> Response {
    match st.sirm.extract_file(&c.principal, &application).await {
        Ok((name, bytes)) => crate::pages::csv_attachment(bytes, &name),
        Err(e) => ApiError::from(e).into_response(),
    }
}
