//! The insured person's and the employer's own views (Art 14): the web
//! portal (works on a phone screen), the yearly rights statement
//! (个人权益记录单), and the employer portal. Every view goes through
//! `Sirm::query_rights`, which decides what the requester may see and logs
//! the query.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::query::{Channel, Item, RecordView};
use sirm_domain::id::{PersonKey, ResidentId};

use super::record::{contribution_status_label as status_cell, Sections};

/// The rights record's sections this view may show.
fn rights(v: &RecordView) -> Markup {
    super::record::rights(&v.record, sections(v))
}
use super::ui::head_cells;
use super::ui::{page, t};
use crate::error::{parse_id, ApiError};
use crate::routes::Caller;
use crate::AppState;

/// The sections a view's items allow.
pub fn sections(v: &RecordView) -> Sections {
    Sections {
        registration: v.items.contains(&Item::Registration),
        employment: v.items.contains(&Item::Employment),
        contributions: v.items.contains(&Item::Contributions),
        account: v.items.contains(&Item::Account),
        benefit: v.items.contains(&Item::Benefit),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// A delegate: the written authorization (委托书编号, `DL-…`) naming the
    /// person — never the person's ID number, which must not be in a URL.
    pub delegation: Option<String>,
    pub year: Option<i32>,
}

/// Whose record: the person a delegate's authorization names, else the
/// signed-in person's own.
async fn subject(st: &AppState, c: &Caller, q: &RecordQuery) -> Result<PersonKey, ApiError> {
    subject_of(st, c, q.delegation.as_deref(), None).await
}

/// Whose record: the person a delegate's authorization (`DL-…`) names, an
/// ID number given in a request body (never a URL), else the signed-in
/// person's own.
pub(crate) async fn subject_of(
    st: &AppState,
    c: &Caller,
    delegation: Option<&str>,
    id: Option<&str>,
) -> Result<PersonKey, ApiError> {
    match delegation.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Ok(st.sirm.delegation_subject(&c.principal, d).await?),
        None => subject_id(st, c, id),
    }
}

/// Whose record: the given ID number (a delegate's request), else the
/// signed-in person's own. No person at all is the query path's "not found".
pub(crate) fn subject_id(
    st: &AppState,
    c: &Caller,
    id: Option<&str>,
) -> Result<PersonKey, ApiError> {
    if let Some(raw) = id.map(str::trim).filter(|s| !s.is_empty()) {
        let rid: ResidentId = parse_id("id", raw)?;
        return Ok(st.sirm.person_key(&rid)?);
    }
    c.principal
        .person_id
        .as_deref()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            ApiError::from(sirm_app::AppError::not_found(
                sirm_domain::RuleId::NotFoundRecord,
                "record",
            ))
        })
}

pub(super) async fn view(
    st: &AppState,
    c: &Caller,
    channel: Channel,
    q: &RecordQuery,
) -> Result<RecordView, ApiError> {
    let id = subject(st, c, q).await?;
    Ok(st
        .sirm
        .query_rights(&c.principal, channel, &id, None)
        .await?)
}

/// Links under a record: statements by year (for a delegate, under the
/// authorization), who looked.
fn record_links(v: &RecordView, delegation: Option<&str>) -> Markup {
    let mut years: Vec<i64> = v.record.account_years.iter().map(|y| y.year).collect();
    if years.is_empty() {
        years = v
            .record
            .contributions
            .iter()
            .map(|c| i64::from(c.month.year()))
            .collect();
        years.dedup();
    }
    html! {
        p id="links" {
            (t("个人权益记录单", "Rights statements")) "："
            @for (i, y) in years.iter().rev().enumerate() {
                @if i > 0 { " · " }
                a href={
                    "/my/statement?year=" (y)
                    @if let Some(d) = delegation { "&delegation=" (d) }
                } { (y) }
            }
        }
        p { a id="queries" href="/my/queries" { (t("谁查询过我的记录", "Who looked at my record")) } }
    }
}

/// The person's whole record (portal), or a delegated person's.
pub async fn my_record(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<RecordQuery>,
) -> Response {
    // A delegate without a person of their own: the authorizations on file.
    if q.delegation.is_none()
        && c.principal.person_id.is_none()
        && c.principal
            .may(sirm_domain::access::Permission::DelegatedRecordRead)
    {
        return delegations_page(&st, &c).await;
    }
    let v = match view(&st, &c, Channel::Portal, &q).await {
        Ok(v) => v,
        Err(e) => return super::error_page(e),
    };
    let body = html! {
        h1 { (t("我的社会保险权益记录", "My social insurance record")) }
        p.en {
            (t(
                "每项数据均注明计算所依据的规则集；查询免费。",
                "Every figure names the rule set that produced it; queries are free."
            ))
        }
        (record_links(&v, q.delegation.as_deref().map(str::trim)))
        (rights(&v))
    };
    page(
        "我的权益记录 My record",
        Some((&c.principal, &c.csrf)),
        body,
    )
}

/// "110105199003071220" → "110105********1220".
pub fn mask(id: &str) -> String {
    if id.len() == 18 {
        format!("{}********{}", &id[..6], &id[14..])
    } else {
        "*".repeat(id.len())
    }
}

/// Who looked at my record (Art 21: queries are logged; the person sees
/// them): organs by name, staff, delegates, the employer — not the person's
/// own visits. `/my/queries.csv` downloads the same list.
pub async fn my_queries(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let rows = match st.sirm.queries_seen(&c.principal, 500).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let body = html! {
        h1 { (t("我的记录被查询情况", "Who looked at my record")) }
        p {
            (t("下表列出本人以外的单位和人员查询您个人权益记录的情况（时间为北京时间）。",
               "Queries of your record by anyone but you (Beijing time)."))
            " " a id="queries-csv" href="/my/queries.csv" { (t("下载（CSV）", "Download (CSV)")) }
        }
        @if rows.is_empty() {
            p id="no-queries" { (t("暂无他人查询记录。", "Nobody else has looked at your record.")) }
        } @else {
            table id="query-log" {
                tr {
                    (head_cells(&[("时间", "Time"), ("查询方", "By"), ("渠道", "Channel"),
                        ("查询内容", "Items"), ("说明", "Detail")]))
                }
                @for r in &rows {
                    tr {
                        td { (super::local_time(r.time_us)) } td { (r.by) } td { (r.channel) }
                        td { (r.items.join("、")) } td { (r.detail) }
                    }
                }
            }
        }
    };
    page("查询记录 Queries", Some((&c.principal, &c.csrf)), body)
}

/// `/my/queries.csv`: the same list as a download (recorded as an export).
pub async fn my_queries_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    let rows = match st.sirm.queries_seen(&c.principal, 5000).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                super::local_time(r.time_us),
                r.by,
                r.channel,
                r.items.join("、"),
                r.detail,
            ]
        })
        .collect();
    super::csv_response(
        &st,
        &c,
        "queries.csv",
        "时间,查询方,渠道,查询内容,说明",
        &rows,
    )
    .await
}

/// The employer portal: contributions and arrears by month, and employees.
pub async fn employer_home(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Response {
    let v = match st.sirm.employer_overview(&c.principal).await {
        Ok(v) => v,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let body = html! {
        h1 { (t("单位缴费情况", "Employer contributions")) " " (v.name) }
        p {
            (t("统一社会信用代码", "Credit code")) " " code { (v.credit_code) }
            " · " (t("欠费合计（元）", "Arrears (yuan)")) " " b id="employer-arrears" { (v.arrears) }
        }
        p { a id="declare-online" href="/employer/declarations/new" { (t("网上申报月工资", "Declare monthly wages online")) } }
        h2 { (t("按月缴费", "By month")) }
        table id="employer-months" {
            tr {
                (head_cells(&[("费款所属期", "Month"), ("人数", "Persons"), ("应缴（元）", "Due (yuan)"),
                    ("状态", "Status")]))
            }
            @for m in &v.months {
                tr {
                    td { (m.month) } td { (m.persons) } td { (m.due) }
                    td { (status_cell(m.month, m.status)) }
                }
            }
        }
        @if !v.pays.is_empty() {
            h2 { (t("本单位支付的工伤待遇", "Work-injury benefits the employer pays")) }
            table id="employer-pays" {
                tr {
                    (head_cells(&[("身份号码", "ID"), ("姓名", "Name"), ("受伤日期", "Injury date"),
                        ("项目", "Item"), ("每月金额（元）", "Monthly (yuan)"), ("起始月份", "From month"),
                        ("规则集", "Rule set")]))
                }
                @for p in &v.pays {
                    tr {
                        td { (p.id_number) } td { (p.name) } td { (p.item.claim_date.to_string()) }
                        td { (super::record_claims::item_zh(&p.item.item)) } td { (p.item.amount) }
                        td { (p.item.start_month) } td { (p.item.rule_set) }
                    }
                }
            }
        }
        h2 { (t("职工", "Employees")) }
        table id="employees" {
            tr { (head_cells(&[("身份号码", "ID"), ("姓名", "Name"), ("起", "From"), ("止", "To")])) }
            @for e in &v.employees {
                tr {
                    td { a href={ "/employer/employees/" (e.handle) } { (e.row.id_number) } }
                    td { (e.row.name) } td { (e.row.start_on.to_string()) }
                    td { (e.row.end_on.map_or_else(|| "—".to_string(), |d| d.to_string())) }
                }
            }
        }
    };
    page("单位 Employer", Some((&c.principal, &c.csrf)), body)
}

/// One employee as the employer may see them (Art 2 items 1–2, months
/// there), by the opaque handle of the employer portal's list.
async fn employee_view(st: &AppState, c: &Caller, handle: &str) -> Result<RecordView, ApiError> {
    let id = st.sirm.employee_by_handle(&c.principal, handle).await?;
    Ok(st
        .sirm
        .query_rights(&c.principal, Channel::Employer, &id, None)
        .await?)
}

pub async fn employee(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(handle): Path<String>,
) -> Response {
    let v = match employee_view(&st, &c, &handle).await {
        Ok(v) => v,
        Err(e) => return super::error_page(e),
    };
    let body = html! {
        h1 { (t("职工参保缴费信息", "Employee registration and contributions")) }
        (rights(&v))
    };
    page("职工 Employee", Some((&c.principal, &c.csrf)), body)
}

/// The record as JSON (portal API; the same query path and log).
pub async fn record_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<RecordQuery>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    Ok(axum::Json(view(&st, &c, Channel::Portal, &q).await?).into_response())
}

/// The employer overview as JSON.
pub async fn employer_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    Ok(axum::Json(st.sirm.employer_overview(&c.principal).await?).into_response())
}

/// One employee as JSON, by handle (the same limits and log as the page).
pub async fn employee_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    Ok(axum::Json(employee_view(&st, &c, &handle).await?).into_response())
}

/// The delegate's portal: each written authorization, its scope and
/// validity, and a link to the record while it is in force.
async fn delegations_page(st: &AppState, c: &Caller) -> Response {
    let rows = match st.sirm.my_delegations(&c.principal).await {
        Ok(r) => r,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let body = html! {
        h1 { (t("受托查询", "Records I may query")) }
        table id="delegations" {
            tr {
                (head_cells(&[("委托书编号", "Authorization"), ("委托人", "Person"), ("范围", "Scope"),
                    ("有效期", "Valid"), ("状态", "Status")]))
            }
            @for (d, in_force) in &rows {
                tr {
                    td { (d.delegation_id) }
                    td {
                        @if *in_force {
                            a href={ "/my/record?delegation=" (d.delegation_id) } { (d.person_id) }
                        } @else {
                            (d.person_id)
                        }
                    }
                    td { (d.scope.join(", ")) }
                    td { (d.valid_from.to_string()) " – " (d.valid_until.to_string()) }
                    td {
                        @if *in_force { (t("有效", "in force")) } @else { (t("不在有效期内", "not in force")) }
                    }
                }
            }
        }
    };
    page("受托查询 Delegations", Some((&c.principal, &c.csrf)), body)
}
