//! The staff workbench for business transactions: take an application at
//! the counter with its scanned materials, work queues per review stage, the
//! application page (raw data, materials inline, computed effect, history,
//! decision), and the maintenance log (Art 12).

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use serde_json::{Map, Value};
use sirm_app::collection::archive::MAX_MATERIAL_BYTES;
use sirm_app::collection::BusinessType;
use sirm_domain::access::Permission;
use sirm_domain::records::Material;
use sirm_domain::review::Stage;

use super::zh::status_zh;
use super::{body, csrf_field, esc, notice, page, t};
use crate::error::ApiError;
use crate::routes::Caller;
use crate::AppState;

/// Form fields per business type: (field, 中文, English, kind, required).
fn fields(
    bt: BusinessType,
) -> &'static [(&'static str, &'static str, &'static str, &'static str, bool)] {
    match bt {
        BusinessType::PersonRegister => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            ("name", "姓名", "Name", "text", true),
            ("address", "地址", "Address", "text", true),
            ("phone", "联系电话", "Phone", "text", true),
            ("registered_on", "参保日期", "Registered on", "date", true),
        ],
        BusinessType::PersonErase => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            ("reason", "删除原因", "Reason", "text", true),
            (
                "basis",
                "法律依据（法律、决定文号）",
                "Legal basis (law, decision number)",
                "text",
                true,
            ),
        ],
        BusinessType::PersonChange => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            ("effective_on", "生效日期", "Effective on", "date", true),
            ("reason", "变更原因", "Reason", "text", true),
            (
                "name",
                "新姓名（不变则留空）",
                "New name (blank: unchanged)",
                "text",
                false,
            ),
            ("address", "新地址", "New address", "text", false),
            ("phone", "新电话", "New phone", "text", false),
        ],
        BusinessType::EmployerRegister => &[
            (
                "credit_code",
                "统一社会信用代码",
                "Unified social credit code",
                "text",
                true,
            ),
            ("name", "单位名称", "Name", "text", true),
            ("address", "地址", "Address", "text", true),
            (
                "industry_class",
                "工伤行业风险类别（1–8）",
                "Industry risk class (1–8)",
                "number",
                true,
            ),
            ("registered_on", "登记日期", "Registered on", "date", true),
        ],
        BusinessType::EmployerCorrect => &[
            (
                "credit_code",
                "统一社会信用代码",
                "Unified social credit code",
                "text",
                true,
            ),
            ("effective_on", "生效日期", "Effective on", "date", true),
            (
                "reason",
                "更正原因（如：异议核查结果）",
                "Reason (e.g. result of an objection)",
                "text",
                true,
            ),
            ("name", "更正后名称", "Corrected name", "text", false),
            ("address", "更正后地址", "Corrected address", "text", false),
            (
                "industry_class",
                "更正后行业风险类别",
                "Corrected industry class",
                "number",
                false,
            ),
        ],
        BusinessType::ContributionCorrect => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "month",
                "费款所属期（年-月）",
                "Month (YYYY-MM)",
                "month",
                true,
            ),
            (
                "declared_wage",
                "更正后申报工资（元）",
                "Corrected declared wage (yuan)",
                "text",
                true,
            ),
            (
                "reason",
                "更正原因",
                "Reason",
                "text",
                true,
            ),
        ],
        BusinessType::SubsidyGrant => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "kind",
                "补贴类别（flexible_employment 灵活就业 / employer_hiring 单位吸纳 / public_welfare_post 公益性岗位）",
                "Kind (flexible_employment / employer_hiring / public_welfare_post)",
                "text",
                true,
            ),
            ("from_month", "起始月份", "From month", "month", true),
            ("to_month", "截止月份", "To month", "month", true),
            (
                "monthly_amount",
                "每月补贴金额（元，按批准文件）",
                "Monthly amount (yuan, as decided)",
                "text",
                true,
            ),
            (
                "basis",
                "批准文件文号",
                "Granting decision (document no.)",
                "text",
                true,
            ),
        ],
        BusinessType::BenefitPaymentRun => &[(
            "month",
            "发放月份（年-月）",
            "Month (YYYY-MM)",
            "month",
            true,
        )],
        BusinessType::EmployerChange => &[
            (
                "credit_code",
                "统一社会信用代码",
                "Unified social credit code",
                "text",
                true,
            ),
            ("effective_on", "生效日期", "Effective on", "date", true),
            ("reason", "变更原因", "Reason", "text", true),
            ("name", "新名称", "New name", "text", false),
            ("address", "新地址", "New address", "text", false),
            (
                "industry_class",
                "新行业风险类别",
                "New industry class",
                "number",
                false,
            ),
        ],
        BusinessType::EmployerDeregister => &[
            (
                "credit_code",
                "统一社会信用代码",
                "Unified social credit code",
                "text",
                true,
            ),
            ("effective_on", "注销日期", "Effective on", "date", true),
            ("reason", "注销原因", "Reason", "text", true),
        ],
        BusinessType::EmploymentStart => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "credit_code",
                "用人单位统一社会信用代码",
                "Employer's credit code",
                "text",
                true,
            ),
            ("start_on", "就业开始日期", "Start date", "date", true),
        ],
        BusinessType::EmploymentEnd => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "credit_code",
                "用人单位统一社会信用代码",
                "Employer's credit code",
                "text",
                true,
            ),
            ("end_on", "终止日期", "End date", "date", true),
            ("reason", "终止原因", "Reason", "text", true),
        ],
        BusinessType::ContributionDeclare => &[
            (
                "credit_code",
                "用人单位统一社会信用代码",
                "Employer's credit code",
                "text",
                true,
            ),
            (
                "month",
                "费款所属期（年-月）",
                "Month (YYYY-MM)",
                "month",
                true,
            ),
            (
                "lines",
                "申报明细：每行“公民身份号码,月工资”",
                "Lines: one \"ID number,monthly wage\" per line",
                "lines",
                true,
            ),
        ],
        // Taken by `sirm import declaration` (a file), not by this form.
        BusinessType::ContributionDeclareFile => &[],
        BusinessType::AccountSettle => &[("year", "结算年度", "Year", "number", true)],
        BusinessType::BenefitStatus => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "status",
                "新状态（suspended 暂停 / terminated 终止）",
                "New status (suspended / terminated)",
                "text",
                true,
            ),
            ("effective_on", "生效日期", "Effective on", "date", true),
            (
                "reason",
                "原因（如：死亡）",
                "Reason (e.g. death)",
                "text",
                true,
            ),
        ],
        BusinessType::PersonCorrect => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            ("effective_on", "生效日期", "Effective on", "date", true),
            (
                "reason",
                "更正原因（如：异议核查结果）",
                "Reason (e.g. result of an objection)",
                "text",
                true,
            ),
            ("name", "更正后姓名", "Corrected name", "text", false),
            ("address", "更正后地址", "Corrected address", "text", false),
            ("phone", "更正后电话", "Corrected phone", "text", false),
        ],
        BusinessType::BenefitRetire => &[
            ("id", "公民身份号码", "Resident ID number", "text", true),
            (
                "category",
                "类别（male / female_55 / female_50）",
                "Category (male / female_55 / female_50)",
                "text",
                true,
            ),
            (
                "deemed_months",
                "视同缴费月数",
                "Deemed contribution months",
                "number",
                false,
            ),
        ],
        BusinessType::ContributionPayment => &[
            (
                "credit_code",
                "用人单位统一社会信用代码",
                "Employer's credit code",
                "text",
                true,
            ),
            (
                "month",
                "费款所属期（年-月）",
                "Month (YYYY-MM)",
                "month",
                true,
            ),
            ("paid_on", "到账日期", "Received on", "date", true),
            (
                "amount",
                "到账金额（元）",
                "Amount received (yuan)",
                "text",
                true,
            ),
        ],
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(rename = "type")]
    pub business_type: Option<String>,
}

/// The raw-data inputs of a business type, filled with `values`.
fn inputs_html(bt: BusinessType, values: &Map<String, Value>) -> String {
    let mut inputs = String::new();
    for (name, zh, en, kind, required) in fields(bt) {
        let v = values
            .get(*name)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        if *kind == "lines" {
            inputs.push_str(&format!(
                "<label>{} <textarea name=\"{name}\" rows=\"8\" cols=\"50\"{}>{}</textarea></label>",
                t(zh, en),
                if *required { " required" } else { "" },
                esc(&v)
            ));
            continue;
        }
        inputs.push_str(&format!(
            "<label>{} <input name=\"{name}\" type=\"{kind}\" value=\"{}\"{}></label>",
            t(zh, en),
            esc(&v),
            if *required { " required" } else { "" }
        ));
    }
    inputs
}

/// Form values of stored raw data (the inverse of [`data_of`]).
fn values_of(bt: BusinessType, data: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, _, _, kind, _) in fields(bt) {
        let Some(v) = data.get(*name) else { continue };
        let text = if *kind == "lines" {
            v.as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .map(|l| {
                            format!(
                                "{},{}",
                                l["id"].as_str().unwrap_or(""),
                                l["declared_wage"]
                                    .as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| l["declared_wage"].to_string())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default()
        } else {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        };
        out.insert(name.to_string(), Value::String(text));
    }
    out
}

/// Read a multipart application form: its text fields (each within
/// `limits.form_kib`), and every attached material streamed into the
/// archive chunk by chunk (each within the archive's material limit, all
/// within `limits.application_upload_mib`). An error names what failed;
/// reading stops at the first.
async fn read_multipart(
    st: &AppState,
    mp: &mut Multipart,
) -> (Map<String, Value>, Vec<Material>, Option<ApiError>) {
    let mut form = Map::new();
    let mut materials: Vec<Material> = vec![];
    let limits = &st.sirm.config.limits;
    let cap = body::Cap::application(limits);
    let mut budget = body::Budget::new(cap);
    let archive = st.sirm.archive();
    let per_material = (MAX_MATERIAL_BYTES as u64).min(cap.bytes);
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return (
                    form,
                    materials,
                    Some(body::multipart_error("upload", &cap, &e)),
                )
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let read = if name == "material" {
            let file = field.file_name().unwrap_or("material").to_string();
            match archive.incoming().await {
                Err(e) => Err(ApiError::from(e)),
                Ok(mut incoming) => {
                    let mib = per_material / 1024 / 1024;
                    match body::file_into(
                        &mut field,
                        "material",
                        &mut incoming,
                        &mut budget,
                        per_material,
                        &|| body::material_too_large(&file, mib),
                    )
                    .await
                    {
                        // No file chosen: the browser sends an empty part.
                        Ok(0) => Ok(()),
                        Ok(_) => archive
                            .put_incoming(&file, incoming)
                            .await
                            .map(|m| materials.push(m))
                            .map_err(ApiError::from),
                        Err(e) => Err(e),
                    }
                }
            }
        } else {
            body::text(&mut field, &name, limits.form_bytes(), &mut budget)
                .await
                .map(|text| {
                    form.insert(name, Value::String(text));
                })
        };
        if let Err(e) = read {
            return (form, materials, Some(e));
        }
    }
    (form, materials, None)
}

fn new_form(
    c: &Caller,
    bt: BusinessType,
    msg: Option<(&str, &str)>,
    values: &Map<String, Value>,
) -> String {
    let tabs: Vec<String> = BusinessType::ALL
        .iter()
        .map(|b| {
            if *b == BusinessType::ContributionDeclareFile {
                format!("<a href=\"/declarations/new\">{}</a>", b.name_zh())
            } else {
                format!(
                    "<a href=\"/applications/new?type={}\">{}</a>",
                    b.as_str(),
                    b.name_zh()
                )
            }
        })
        .collect();
    let inputs = inputs_html(bt, values);
    format!(
        "<h1>{}</h1><p>{}</p>{}<form method=\"post\" enctype=\"multipart/form-data\" action=\"/applications\" id=\"new-application\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"business_type\" value=\"{}\"><fieldset><legend>{}</legend>{inputs}</fieldset>\
         <fieldset><legend>{}</legend><input type=\"file\" name=\"material\" accept=\"application/pdf,image/png,image/jpeg\" multiple required></fieldset>\
         <button type=\"submit\">{}</button></form>",
        t(&format!("受理：{}", bt.name_zh()), bt.as_str()),
        tabs.join(" · "),
        msg.map(|(c, m)| notice(c, m)).unwrap_or_default(),
        esc(&c.csrf),
        bt.as_str(),
        t("原始采集数据（只录入原始数据，金额等由系统计算）", "Raw data as collected (computed values are never entered)"),
        t("原始材料扫描件（PDF、PNG、JPEG）", "Scanned original materials (PDF, PNG, JPEG)"),
        t("提交（初审）", "Submit (preliminary review)"),
    )
}

pub async fn new_application(
    Extension(c): Extension<Caller>,
    Query(q): Query<NewQuery>,
) -> Response {
    let bt = q
        .business_type
        .as_deref()
        .and_then(|b| b.parse().ok())
        .unwrap_or(BusinessType::PersonRegister);
    page(
        "受理 New application",
        Some((&c.principal, &c.csrf)),
        &new_form(&c, bt, None, &Map::new()),
    )
}

/// Turn form text into the typed raw-data object of the business type.
fn data_of(bt: BusinessType, form: &Map<String, Value>) -> Value {
    let mut data = Map::new();
    for (name, _, _, kind, _) in fields(bt) {
        let Some(v) = form
            .get(*name)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        let value = if *kind == "lines" {
            // "ID,wage" per line → [{"id": …, "declared_wage": "…"}]; a line
            // without a separator keeps its text, so validation names it.
            Value::Array(
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| match l.split_once([',', '，', '\t', ' ']) {
                        Some((id, wage)) => {
                            serde_json::json!({"id": id.trim(), "declared_wage": wage.trim()})
                        }
                        None => serde_json::json!({"id": l}),
                    })
                    .collect(),
            )
        } else if *kind == "number" {
            v.parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(v.to_string()))
        } else {
            Value::String(v.to_string())
        };
        data.insert(name.to_string(), value);
    }
    Value::Object(data)
}

pub async fn submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    mut mp: Multipart,
) -> Response {
    let (form, materials, error) = read_multipart(&st, &mut mp).await;
    let bt_text = form
        .get("business_type")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let bt: BusinessType = match bt_text.parse() {
        Ok(b) => b,
        // A refused upload may have stopped before the type was read.
        Err(e) => return super::error_page(error.unwrap_or_else(|| ApiError::from(e))),
    };
    let result = match error {
        Some(e) => Err(e),
        None => st
            .sirm
            .submit_application(&c.principal, bt.as_str(), data_of(bt, &form), materials)
            .await
            .map_err(ApiError::from),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/applications/{id}")).into_response(),
        Err(e) => {
            let mut r = page(
                "受理 New application",
                Some((&c.principal, &c.csrf)),
                &new_form(&c, bt, Some(("err", &e.message)), &form),
            );
            *r.status_mut() = e.status;
            r
        }
    }
}

fn stage_label(s: &str) -> String {
    match Stage::parse(s) {
        Ok(st) => format!("{} <span class=\"en\">{}</span>", st.name_zh(), st.as_str()),
        Err(_) => esc(s),
    }
}

fn type_label(b: &str) -> String {
    match b.parse::<BusinessType>() {
        Ok(bt) => format!("{} <span class=\"en\">{}</span>", bt.name_zh(), bt.as_str()),
        Err(_) => esc(b),
    }
}

pub async fn queue(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    let apps = match st.sirm.work_queue(&c.principal).await {
        Ok(a) => a,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let mut rows = String::new();
    for a in &apps {
        rows.push_str(&format!(
            "<tr data-application=\"{id}\"><td><a href=\"/applications/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            type_label(&a.business_type),
            esc(&a.subject),
            status_zh(&a.status),
            a.next_stage.as_deref().map(stage_label).unwrap_or_default(),
            esc(&a.submitted_by),
            id = esc(&a.application_id)
        ));
    }
    let new_link = if c.principal.may(Permission::RecordCollect)
        || c.principal.may(Permission::RecordMaintain)
    {
        format!(
            "<p><a href=\"/applications/new\">{}</a></p>",
            t("受理新业务", "New application")
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{}</h1>{new_link}<p>{} {}</p><table id=\"queue\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{rows}</table>",
        t("待办业务", "Work queue"),
        apps.len(),
        t("件", "applications"),
        t("编号", "Application"),
        t("业务类型", "Type"),
        t("对象", "Subject"),
        t("状态", "Status"),
        t("待处理环节", "Waiting for"),
        t("受理人", "Taken by"),
    );
    page("待办业务 Work queue", Some((&c.principal, &c.csrf)), &body)
}

async fn application_page(
    st: &AppState,
    c: &Caller,
    id: &str,
    msg: Option<(&str, String)>,
) -> Response {
    let v = match st.sirm.application_view(&c.principal, id).await {
        Ok(v) => v,
        Err(e) => return super::error_page(ApiError::from(e)),
    };
    let a = &v.application;
    let data: Value = serde_json::from_str(&a.data).unwrap_or(Value::Null);
    let mut data_rows = String::new();
    if let Value::Object(m) = &data {
        for (k, val) in m {
            data_rows.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(k),
                esc(&val
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| val.to_string()))
            ));
        }
    }
    let mut mats = String::new();
    for m in &v.materials {
        let href = format!("/applications/{}/materials/{}", esc(id), m.sha256);
        let inline = if m.media_type.starts_with("image/") {
            format!(
                "<br><img src=\"{href}\" alt=\"{}\" style=\"max-width:100%;max-height:30rem\">",
                esc(&m.name)
            )
        } else if m.media_type == "application/pdf" {
            format!("<br><iframe src=\"{href}\" title=\"{}\" style=\"width:100%;height:30rem;border:1px solid #ccc\"></iframe>", esc(&m.name))
        } else {
            String::new()
        };
        mats.push_str(&format!(
            "<li><a href=\"{href}\" target=\"_blank\">{}</a> <span class=\"en\">{} · {} bytes · SHA-256 <code>{}</code></span>{inline}</li>",
            esc(&m.name),
            esc(&m.media_type),
            m.size,
            m.sha256
        ));
    }
    let mut steps = String::new();
    for s in &v.steps {
        steps.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            s.seq,
            stage_label(&s.stage),
            esc(&s.actor),
            if s.approve {
                t("通过", "approved")
            } else {
                t("退回", "returned")
            },
            esc(&s.reason)
        ));
    }
    let effect = match a.status.as_str() {
        "approved" => notice(
            "ok",
            "已写入账本（见审核记录与维护日志）written to the ledger",
        ),
        "withdrawn" => String::new(),
        _ if v.effect.is_empty() => v
            .blocked
            .as_deref()
            .map(|b| notice("err", b))
            .unwrap_or_default(),
        _ => effect_html(&v.effect),
    };
    let csrf = csrf_field(&c.csrf);
    let mut actions = String::new();
    if let (Some(stage), "pending") = (
        a.next_stage.as_deref().and_then(|s| Stage::parse(s).ok()),
        a.status.as_str(),
    ) {
        let round = v
            .steps
            .iter()
            .rposition(|s| s.stage == "preliminary" && s.approve)
            .unwrap_or(0);
        let acted = v.steps[round..]
            .iter()
            .any(|s| s.actor == c.principal.username);
        if c.principal.may(stage.permission()) && acted {
            actions = super::notice("err", "refused by rule four-eyes (Art 7): you already acted on this application; each stage needs a different person");
        } else if c.principal.may(stage.permission()) {
            actions = format!(
                "<fieldset><legend>{}</legend><form method=\"post\" action=\"/applications/{id}/decision\" id=\"decide\">{csrf}\
                 <input type=\"hidden\" name=\"stage\" value=\"{}\"><label>{} <input name=\"reason\" size=\"40\"></label>\
                 <button name=\"decision\" value=\"approve\">{}</button> <button name=\"decision\" value=\"reject\">{}</button></form></fieldset>",
                t(&format!("{}意见", stage.name_zh()), &format!("{} decision", stage.as_str())),
                stage.as_str(),
                t("意见/理由（退回时必填）", "Opinion / reason (required to return)"),
                t("通过", "Approve"),
                t("退回", "Return"),
                id = esc(id)
            );
        }
    }
    if a.status == "returned"
        && c.principal
            .may(sirm_app::collection::taker_of(&a.business_type))
    {
        let inputs = a
            .business_type
            .parse::<BusinessType>()
            .map(|bt| inputs_html(bt, &values_of(bt, &data)))
            .unwrap_or_default();
        actions = format!(
            "<fieldset><legend>{}</legend><form method=\"post\" enctype=\"multipart/form-data\" action=\"/applications/{id}/resubmit\" id=\"resubmit\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf_q}\">{inputs}\
             <label>{} <input type=\"file\" name=\"material\" accept=\"application/pdf,image/png,image/jpeg\" multiple></label><button>{}</button></form> \
             <form method=\"post\" action=\"/applications/{id}/withdraw\" class=\"inline\">{csrf}<input name=\"reason\" placeholder=\"撤回原因 reason\" required><button>{}</button></form></fieldset>",
            t("已退回：补正原始数据或补充材料后重新提交", "Returned: correct the raw data or add materials, then resubmit"),
            t("补充材料（可选）", "Further materials (optional)"),
            t("补正后重新提交", "Resubmit"),
            t("撤回", "Withdraw"),
            id = esc(id),
            csrf_q = esc(&c.csrf)
        );
    }
    let body = format!(
        "<h1>{} {}</h1>{}<p>{} · {} {} · {} {}</p>{}\
         <h2>{}</h2><table id=\"data\">{data_rows}</table><h2>{}</h2><ul id=\"materials\">{mats}</ul>\
         <h2>{}</h2>{effect}<h2>{}</h2><table id=\"steps\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{steps}</table>{actions}",
        t("业务", "Application"),
        esc(id),
        msg.as_ref().map(|(c, m)| notice(c, m)).unwrap_or_default(),
        type_label(&a.business_type),
        t("状态", "status"),
        status_zh(&a.status),
        t("待处理环节", "waiting for"),
        a.next_stage.as_deref().map(stage_label).unwrap_or_else(|| "—".into()),
        match a.status.as_str() {
            "returned" if !a.reason.is_empty() => notice("err", &format!("退回理由 reason: {}", a.reason)),
            "withdrawn" => notice("ok", &format!("已撤回 withdrawn: {}", a.reason)),
            _ => String::new(),
        },
        t("原始数据", "Raw data"),
        t("原始材料", "Original materials"),
        t("批准后写入账本的内容（系统计算）", "What approval writes to the ledger (computed)"),
        t("审核记录", "Review history"),
        t("环节", "Stage"),
        t("经办人", "By"),
        t("结论", "Decision"),
        t("意见", "Reason"),
    );
    page(&format!("业务 {id}"), Some((&c.principal, &c.csrf)), &body)
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
    let mut msg = q.done.as_deref().and_then(done_message).map(|m| ("ok", m));
    // A decision running in the background: its progress, or its outcome.
    let key = sirm_app::collection::declaration_file::decision_job(&id);
    let mut refresh = false;
    if let Some(job) = st.sirm.progress.get(&key) {
        let v = job.view();
        match &v.finished {
            None => {
                refresh = true;
                msg = Some((
                    "ok",
                    format!(
                        "正在写入账本 writing to the ledger: {} / {} 行 rows",
                        v.done,
                        v.total.map(|t| t.to_string()).unwrap_or_else(|| "…".into()),
                    ),
                ));
            }
            Some(Ok(status)) => {
                msg = done_message(status).map(|m| ("ok", m));
                st.sirm.progress.remove(&key);
            }
            Some(Err(e)) => {
                msg = Some(("err", e.clone()));
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
fn after(id: &str, done: &str) -> Response {
    let q = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
    Redirect::to(&format!("/applications/{id}?{q}")).into_response()
}

#[derive(Deserialize)]
pub struct DecisionForm {
    pub stage: String,
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let approve = f.decision == "approve";
    // A declaration file can take a minute to write: decide in the
    // background and show progress on the application page.
    let is_file = st
        .sirm
        .store
        .application(&id)
        .await
        .ok()
        .flatten()
        .is_some_and(|a| a.business_type == BusinessType::ContributionDeclareFile.as_str());
    if approve && is_file {
        let key = sirm_app::collection::declaration_file::decision_job(&id);
        if st
            .sirm
            .progress
            .get(&key)
            .is_some_and(|j| j.view().finished.is_none())
        {
            return after(&id, "working");
        }
        let job = st
            .sirm
            .progress
            .start(&key, &c.principal.username, "deciding");
        let (sirm, who, id2) = (st.sirm.clone(), c.principal.clone(), id.clone());
        tokio::spawn(async move {
            let r = sirm
                .decide_application(&who, &id2, &f.stage, true, &f.reason)
                .await;
            job.finish(r.map_err(|e| ApiError::from(e).message));
        });
        return after(&id, "working");
    }
    match st
        .sirm
        .decide_application(&c.principal, &id, &f.stage, approve, &f.reason)
        .await
    {
        Ok(status) => after(&id, &status),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            let mut r = application_page(&st, &c, &id, Some(("err", e.message))).await;
            *r.status_mut() = status;
            r
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// Resubmit a returned application, with its raw data as corrected in the
/// form and any further scanned materials.
pub async fn resubmit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    mut mp: Multipart,
) -> Response {
    let (form, materials, error) = read_multipart(&st, &mut mp).await;
    if let Some(e) = error {
        let mut r = application_page(&st, &c, &id, Some(("err", e.message))).await;
        if r.status() == StatusCode::OK {
            *r.status_mut() = e.status;
        }
        return r;
    }
    let bt = st
        .sirm
        .store
        .application(&id)
        .await
        .ok()
        .flatten()
        .and_then(|a| a.business_type.parse::<BusinessType>().ok());
    let data = match bt {
        Some(bt) if form.keys().any(|k| k != "csrf") => Some(data_of(bt, &form)),
        _ => None,
    };
    let res = st
        .sirm
        .resubmit_application(&c.principal, &id, data, materials)
        .await;
    match res {
        Ok(()) => after(&id, "resubmitted"),
        Err(e) => application_page(&st, &c, &id, Some(("err", ApiError::from(e).message))).await,
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    match st
        .sirm
        .withdraw_application(&c.principal, &id, &f.reason)
        .await
    {
        Ok(()) => after(&id, "withdrawn"),
        Err(e) => application_page(&st, &c, &id, Some(("err", ApiError::from(e).message))).await,
    }
}

pub async fn material(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    match st.sirm.material(&c.principal, &id, &sha).await {
        Ok((m, bytes)) => {
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&m.media_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            );
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            r
        }
        Err(e) => super::error_page(ApiError::from(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    pub subject: Option<String>,
    pub officer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn day_us(s: &Option<String>, next: bool) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let d = if next { d.succ_opt()? } else { d };
    // Days are local (UTC+8) days.
    Some(
        d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros()
            - i64::from(super::LOCAL_OFFSET_SECS) * 1_000_000,
    )
}

async fn log_rows(st: &AppState, c: &Caller, q: &LogQuery) -> Result<Vec<[String; 7]>, ApiError> {
    // As typed (ID number, credit code or kind:identifier): the use case
    // turns an ID number into its blind index.
    let subject = q.subject.as_deref();
    let officer = q
        .officer
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let rows = st
        .sirm
        .maintenance_log(
            &c.principal,
            subject,
            day_us(&q.from, false),
            day_us(&q.to, true),
            officer,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let time = super::local_time(r.time_us);
            let payload: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
            let reason = payload
                .get("reason")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let actors: Vec<String> = serde_json::from_str(&r.actors).unwrap_or_default();
            [
                r.seq.to_string(),
                time,
                r.kind,
                r.subject,
                r.application.unwrap_or_default(),
                reason,
                format!("{} | {}", actors.join(" → "), r.payload),
            ]
        })
        .collect())
}

/// The maintenance log without a subject filter (`GET`: a person's ID
/// number never goes into a URL; filtering by subject posts the form).
pub async fn maintenance_log(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(mut q): Query<LogQuery>,
) -> Response {
    q.subject = None;
    maintenance_page(&st, &c, &q).await
}

/// The maintenance log filtered by the posted form (subject included).
pub async fn maintenance_log_post(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(q): axum::Form<LogQuery>,
) -> Response {
    maintenance_page(&st, &c, &q).await
}

async fn maintenance_page(st: &AppState, c: &Caller, q: &LogQuery) -> Response {
    let rows = match log_rows(st, c, q).await {
        Ok(r) => r,
        Err(e) => return super::error_page(e),
    };
    let may_open = [
        Permission::RecordCollect,
        Permission::RecordReview,
        Permission::RecordRecheck,
        Permission::RecordApprove,
    ]
    .iter()
    .any(|p| c.principal.may(*p));
    let app_cell = |id: &str| {
        if may_open {
            format!("<a href=\"/applications/{0}\">{0}</a>", esc(id))
        } else {
            esc(id)
        }
    };
    let mut table = String::new();
    for r in &rows {
        let (actors, content) = r[6].split_once(" | ").unwrap_or(("", ""));
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{app_cell}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&r[0]), esc(&r[1]), esc(&r[2]), esc(&r[3]), esc(&r[5]), esc(actors), esc(content), app_cell = app_cell(&r[4])
        ));
    }
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let csrf = super::csrf_field(&c.csrf);
    let body = format!(
        "<h1>{}</h1><form method=\"post\" action=\"/maintenance-log\" id=\"log-filter\">{csrf}<label>{} <input name=\"subject\" value=\"{}\"></label>\
         <label>{} <input name=\"officer\" value=\"{}\"></label><label>{} <input type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>{} <input type=\"date\" name=\"to\" value=\"{}\"></label><button>{}</button></form>\
         <form method=\"post\" action=\"/maintenance-log/export.csv\" id=\"csv\">{csrf}<input type=\"hidden\" name=\"subject\" value=\"{}\">\
         <input type=\"hidden\" name=\"officer\" value=\"{}\"><input type=\"hidden\" name=\"from\" value=\"{}\"><input type=\"hidden\" name=\"to\" value=\"{}\"><button>{}</button></form>\
         <table id=\"log\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{table}</table>",
        t("维护日志", "Maintenance log"),
        t("对象（身份号码或信用代码）", "Subject (ID number or credit code)"), v(&q.subject),
        t("责任人", "Officer"), v(&q.officer),
        t("自", "From"), v(&q.from), t("至", "To"), v(&q.to),
        t("筛选", "Filter"),
        v(&q.subject), v(&q.officer), v(&q.from), v(&q.to),
        t("导出 CSV", "Export CSV"),
        t("时间（北京时间）", "Time (UTC+8)"), t("内容", "Kind"), t("对象", "Subject"), t("业务", "Application"),
        t("原因", "Reason"), t("各环节责任人", "Responsible persons"), t("变更内容", "Content"),
    );
    page(
        "维护日志 Maintenance log",
        Some((&c.principal, &c.csrf)),
        &body,
    )
}

/// The maintenance log as CSV: `GET` without a subject, `POST` with the
/// page's filter (subject included).
pub async fn maintenance_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(mut q): Query<LogQuery>,
) -> Response {
    q.subject = None;
    maintenance_csv_of(&st, &c, &q).await
}

pub async fn maintenance_csv_post(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(q): axum::Form<LogQuery>,
) -> Response {
    maintenance_csv_of(&st, &c, &q).await
}

async fn maintenance_csv_of(st: &AppState, c: &Caller, q: &LogQuery) -> Response {
    match log_rows(st, c, q).await {
        Ok(rows) => {
            super::csv_response(
                st,
                c,
                "sirm-maintenance-log.csv",
                "seq,time_utc+8,kind,subject,application,reason,responsible_persons_and_content",
                &rows.into_iter().map(Vec::from).collect::<Vec<_>>(),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct ArrearsQuery {
    pub employer: Option<String>,
}

async fn arrears_rows(
    st: &AppState,
    c: &Caller,
    q: &ArrearsQuery,
) -> Result<Vec<sirm_app::rights::ArrearsRow>, ApiError> {
    let employer = match q
        .employer
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(e) => Some(
            e.parse::<sirm_domain::id::CreditCode>()
                .map_err(|err| ApiError::bad_request(format!("employer: {err}")))?,
        ),
    };
    Ok(st.sirm.arrears(&c.principal, employer.as_ref()).await?)
}

/// Employer-months whose assessed contributions have not arrived (欠费).
pub async fn arrears(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Response {
    let rows = match arrears_rows(&st, &c, &q).await {
        Ok(r) => r,
        Err(e) => return super::error_page(e),
    };
    let mut table = String::new();
    let mut total = rust_decimal::Decimal::ZERO;
    for r in &rows {
        total += r.due;
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.credit_code),
            esc(&r.employer_name),
            esc(&r.month),
            r.persons,
            r.due
        ));
    }
    let employer = esc(q.employer.as_deref().unwrap_or(""));
    let body = format!(
        "<h1>{}</h1><form method=\"get\" action=\"/arrears\"><label>{} <input name=\"employer\" value=\"{employer}\" maxlength=\"18\"></label><button>{}</button></form>\
         <p><a id=\"csv\" href=\"/arrears/export.csv?employer={employer}\">{}</a></p>\
         <table id=\"arrears\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{table}\
         <tr><th colspan=\"4\">{}</th><th id=\"arrears-total\">{total}</th></tr></table>",
        t("欠费明细", "Arrears"),
        t("用人单位统一社会信用代码", "Employer's credit code"),
        t("筛选", "Filter"),
        t("导出 CSV", "Export CSV"),
        t("统一社会信用代码", "Credit code"),
        t("单位名称", "Employer"),
        t("费款所属期", "Month"),
        t("人数", "Persons"),
        t("欠缴金额（元）", "Due (yuan)"),
        t("合计", "Total"),
    );
    page("欠费明细 Arrears", Some((&c.principal, &c.csrf)), &body)
}

pub async fn arrears_csv(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Response {
    match arrears_rows(&st, &c, &q).await {
        Ok(rows) => {
            super::csv_response(
                &st,
                &c,
                "sirm-arrears.csv",
                "credit_code,employer,month,persons,due",
                &rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.credit_code,
                            r.employer_name,
                            r.month,
                            r.persons.to_string(),
                            r.due.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

/// The arrears list as JSON.
pub async fn arrears_api(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<ArrearsQuery>,
) -> Result<Response, ApiError> {
    Ok(axum::Json(arrears_rows(&st, &c, &q).await?).into_response())
}

/// Flatten a JSON value into (dotted path, text) rows.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), "—".into())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// What approval writes: one table per ledger entry, every computed figure
/// on its own row (field path → value), the first 20 entries in full.
fn effect_html(effect: &[Value]) -> String {
    let mut out = String::from("<div id=\"effect\">");
    for e in effect.iter().take(20) {
        let kind = e.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let mut rows = Vec::new();
        if let Some(p) = e.get("payload") {
            flatten("", p, &mut rows);
        }
        out.push_str(&format!(
            "<h3><code>{}</code></h3><table class=\"effect\">",
            esc(kind)
        ));
        for (k, v) in rows {
            out.push_str(&format!(
                "<tr><th><code>{}</code></th><td>{}</td></tr>",
                esc(&k),
                esc(&v)
            ));
        }
        out.push_str("</table>");
    }
    if effect.len() > 20 {
        out.push_str(&format!(
            "<p>{}</p>",
            t(
                &format!("另有 {} 条记录，按相同规则计算", effect.len() - 20),
                &format!("{} more entries, computed the same way", effect.len() - 20)
            )
        ));
    }
    out.push_str("</div>");
    out
}
