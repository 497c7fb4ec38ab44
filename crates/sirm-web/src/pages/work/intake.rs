//! Taking an application at the counter: the form of a business type with
//! its scanned materials, and reading the posted multipart form.

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};
use sirm_app::collection::archive::MAX_MATERIAL_BYTES;
use sirm_app::collection::BusinessType;
use sirm_domain::access::Permission;
use sirm_domain::records::Material;

use super::fields::{check_form, data_of, inputs, labels};
use crate::error::ApiError;
use crate::pages::{body, error_page, ui};
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(rename = "type")]
    pub business_type: Option<String>,
    /// A transfer's number, filled in (the links of `/transfers`).
    pub number: Option<String>,
}

/// Read a multipart application form: its text fields (each within
/// `limits.form_kib`), and every attached material streamed into the
/// archive chunk by chunk (each within the archive's material limit, all
/// within `limits.application_upload_mib`). An error names what failed;
/// reading stops at the first.
pub(crate) async fn read_multipart(
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

/// A unit's application (Art 19 (1)) names its credentials scan: when the
/// form leaves the hash blank, the first file uploaded with it.
fn credentials_from_upload(bt: BusinessType, data: &mut Value, materials: &[Material]) {
    if bt != BusinessType::DisclosureApplication {
        return;
    }
    if let (Some(obj), Some(first)) = (data.as_object_mut(), materials.first()) {
        if !obj.contains_key("credentials") {
            obj.insert("credentials".into(), Value::String(first.sha256.clone()));
        }
    }
}

/// The links to the form of every business type.
fn type_tabs() -> Markup {
    html! {
        @for (i, b) in BusinessType::ALL.iter().enumerate() {
            @if i > 0 { " · " }
            @if *b == BusinessType::ContributionDeclareFile {
                a href="/declarations/new" { (b.name_zh()) }
            } @else if *b == BusinessType::MedicalSettlementFile {
                a href="/medical/settlements/new" { (b.name_zh()) }
            } @else {
                a href={ "/applications/new?type=" (b.as_str()) } { (b.name_zh()) }
            }
        }
    }
}

fn new_form(
    c: &Caller,
    limits: &sirm_app::limits::LimitsConfig,
    bt: BusinessType,
    msg: Option<ui::Outcome>,
    values: &Map<String, Value>,
) -> Markup {
    html! {
        h1 { span.zh { "受理：" (bt.name_zh()) } " " span.en { (bt.as_str()) } }
        p { (type_tabs()) }
        @match &msg {
            Some(ui::Outcome::Err(e)) => (ui::field_error_notice(e, &labels(bt))),
            other => (ui::Outcome::render_opt(other.as_ref())),
        }
        form method="post" enctype="multipart/form-data" action="/applications" id="new-application" {
            (ui::csrf(&c.csrf))
            input type="hidden" name="business_type" value=(bt.as_str());
            fieldset {
                legend { (ui::t("原始采集数据（只录入原始数据，金额等由系统计算）", "Raw data as collected (computed values are never entered)")) }
                (inputs(bt, values))
            }
            fieldset {
                legend { (ui::t("原始材料扫描件（PDF、PNG、JPEG）", "Scanned original materials (PDF, PNG, JPEG)")) }
                input type="file" name="material" accept="application/pdf,image/png,image/jpeg" multiple required;
                (ui::material_rules(limits))
            }
            button type="submit" { (ui::t("提交（初审）", "Submit (preliminary review)")) }
        }
    }
}

/// The fields a link fills in: a transfer's number.
fn prefilled(number: Option<String>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(n) = number.filter(|n| n.len() <= 64) {
        m.insert("number".into(), Value::String(n));
    }
    m
}

/// The peers a transfer-in application may name (转出地), listed under its
/// form; nothing for other types.
async fn peer_hint(st: &AppState, c: &Caller, bt: BusinessType) -> Markup {
    if bt != BusinessType::TransferApply {
        return html! {};
    }
    let peers = st.sirm.list_peers(&c.principal).await.unwrap_or_default();
    html! {
        table id="peer-codes" {
            tr { th { (ui::t("对端经办机构代码", "Peer agency code")) } th { (ui::t("统筹区与名称", "Region and name")) } }
            @for p in &peers { tr { td { code { (p.agency) } } td { (p.region) " " (p.name) } } }
            @if peers.is_empty() {
                tr { td colspan="2" { (ui::t("尚无对端经办机构：未上线 SIRM 的机构以文件往来。", "No peers yet: agencies not on SIRM exchange files.")) } }
            }
        }
    }
}

pub async fn new_application(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<NewQuery>,
) -> Response {
    // No type: the first form; an unknown type is an error, not a guess.
    let bt = match q.business_type.as_deref() {
        None => BusinessType::PersonRegister,
        Some(b) => match b.parse::<BusinessType>() {
            Ok(bt) => bt,
            Err(e) => return error_page(ApiError::from(e)),
        },
    };
    ui::page(
        "受理 New application",
        Some((&c.principal, &c.csrf)),
        html! {
            (new_form(&c, &st.sirm.config.limits, bt, None, &prefilled(q.number)))
            (peer_hint(&st, &c, bt).await)
        },
    )
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
        Err(e) => return error_page(error.unwrap_or_else(|| ApiError::from(e))),
    };
    let result = match error {
        Some(e) => Err(e),
        None => match check_form(bt, &form) {
            Err(e) => Err(ApiError::from(e)),
            Ok(()) => {
                let mut data = data_of(bt, &form);
                credentials_from_upload(bt, &mut data, &materials);
                if c.principal.may(Permission::RecordPrepare) {
                    // An outside maintenance helper prepares it for a
                    // maintenance officer.
                    st.sirm
                        .prepare_application(&c.principal, bt.as_str(), data, materials)
                        .await
                        .map(|_| "/prepared".to_string())
                        .map_err(ApiError::from)
                } else {
                    st.sirm
                        .submit_application(&c.principal, bt.as_str(), data, materials)
                        .await
                        .map(|id| format!("/applications/{id}"))
                        .map_err(ApiError::from)
                }
            }
        },
    };
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => {
            let mut r = ui::page(
                "受理 New application",
                Some((&c.principal, &c.csrf)),
                new_form(
                    &c,
                    &st.sirm.config.limits,
                    bt,
                    Some(ui::Outcome::Err(e.clone())),
                    &form,
                ),
            );
            *r.status_mut() = e.status;
            r
        }
    }
}
