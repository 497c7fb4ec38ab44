//! Prepared maintenance (外包协助维护, Art 11, 28(6)): the applications
//! outside maintenance helpers prepared, for the maintenance officer to
//! take (their preliminary review, then the review chain) or decline; the
//! helper sees their own and what became of them.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::html;
use serde::Deserialize;
use sirm_domain::access::Permission;

use crate::error::ApiError;
use crate::pages::{error_page, local_time, ui};
use crate::routes::Caller;
use crate::AppState;

/// The prepared applications: all of the agency's for the maintenance
/// officer, their own for a helper.
pub async fn prepared(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    prepared_page(&st, &c, None).await
}

async fn prepared_page(st: &AppState, c: &Caller, outcome: Option<ui::Outcome>) -> Response {
    let rows = match st.sirm.prepared_applications(&c.principal).await {
        Ok(r) => r,
        Err(e) => return error_page(ApiError::from(e)),
    };
    let officer = c.principal.may(Permission::RecordMaintain);
    let status_zh = |s: &str| match s {
        "open" => "待维护员受理",
        "taken" => "已受理",
        "declined" => "已退回",
        _ => "",
    };
    let body = html! {
        h1 { (ui::t("外包协助维护预填业务", "Maintenance prepared by outside helpers")) }
        p.hint { (ui::t(
            "协助维护的外单位人员只能预填维护业务，须由本机构维护员受理（初审）后按审核、复核、审批流程办理，或由维护员退回（第十一条）。",
            "Outside helpers only prepare maintenance applications; a maintenance officer of the agency takes them (preliminary review) into the review chain, or declines them (Art 11).")) }
        @if !officer {
            p { a href="/applications/new?business_type=person.correct" { (ui::t("预填维护业务", "Prepare a maintenance application")) } }
        }
        (ui::outcome_notice(&outcome))
        table #prepared {
            tr {
                th { (ui::t("编号", "Number")) }
                th { (ui::t("时间（北京时间）", "Time (UTC+8)")) }
                th { (ui::t("业务", "Business")) }
                th { (ui::t("对象", "Subject")) }
                th { (ui::t("预填人", "Prepared by")) }
                th { (ui::t("数据", "Data")) }
                th { (ui::t("材料", "Materials")) }
                th { (ui::t("状态", "Status")) }
                @if officer { th { (ui::t("办理", "Action")) } }
            }
            @for r in &rows {
                tr {
                    td { (r.prepared_id) }
                    td { (local_time(r.time_us)) }
                    td { (r.business_name) }
                    td { (r.subject) }
                    td { (r.prepared_by) }
                    td { code { (r.data) } }
                    td { @for m in &r.materials { div { (m.name) } } }
                    td {
                        (status_zh(r.status))
                        @if let Some(a) = &r.application { " " a href={ "/applications/" (a) } { (a) } }
                        @if !r.reason.is_empty() { br; small { (r.reason) } }
                    }
                    @if officer {
                        td {
                            @if r.status == "open" {
                                form method="post" action={ "/prepared/" (r.prepared_id) "/take" } {
                                    (ui::csrf(&c.csrf))
                                    button { (ui::t("受理（初审）", "Take (preliminary review)")) }
                                }
                                form method="post" action={ "/prepared/" (r.prepared_id) "/decline" } {
                                    (ui::csrf(&c.csrf))
                                    input name="reason" required maxlength="400" placeholder="退回原因";
                                    button { (ui::t("退回", "Decline")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    ui::page(
        "外包协助维护 Prepared maintenance",
        Some((&c.principal, &c.csrf)),
        body,
    )
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    pub reason: String,
}

/// Take (`take`) or decline (`decline`) a prepared application.
pub async fn prepared_action(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, action)): Path<(String, String)>,
    axum::Form(f): axum::Form<ActionForm>,
) -> Response {
    let result = match action.as_str() {
        "take" => match st.sirm.take_prepared(&c.principal, &id).await {
            Ok(app) => return Redirect::to(&format!("/applications/{app}")).into_response(),
            Err(e) => Err(e),
        },
        "decline" => st
            .sirm
            .decline_prepared(&c.principal, &id, &f.reason)
            .await
            .map(|()| format!("{id} 已退回")),
        _ => {
            return error_page(ApiError::from(sirm_app::AppError::not_found(
                sirm_domain::RuleId::NotFoundPrepared,
                format!("action {action}"),
            )))
        }
    };
    match result {
        Ok(msg) => prepared_page(&st, &c, Some(ui::Outcome::Ok(msg))).await,
        // The refusal above the list, with its status (another agency's
        // prepared application answers as a missing one).
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            let mut r = prepared_page(&st, &c, Some(ui::Outcome::Err(e))).await;
            *r.status_mut() = status;
            r
        }
    }
}
