//! The organ officer's page (行政/司法机关查询, Art 18): name the persons
//! by ID number, the case or document number and the legal basis; read
//! what the organ's prescribed scope covers. The same use case as
//! `POST /api/v1/organ-queries`; ID numbers are posted, never in the URL.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;
use sirm_app::disclosure::organ::OrganRequest;
use sirm_app::disclosure::seen::item_zh;
use sirm_app::query::Item;
use sirm_domain::id::ResidentId;

use super::ui::{csrf, error_notice, page, t};
use crate::error::{parse_id, ApiError};
use crate::routes::Caller;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct OrganForm {
    /// ID numbers, one per line.
    #[serde(default)]
    pub ids: String,
    #[serde(default)]
    pub case_number: String,
    #[serde(default)]
    pub basis: String,
    pub registration: Option<String>,
    pub employment: Option<String>,
    pub contributions: Option<String>,
    pub account: Option<String>,
    pub benefit: Option<String>,
}

impl OrganForm {
    /// The items ticked; none ticked: the whole scope.
    fn items(&self) -> Option<BTreeSet<Item>> {
        let ticked: BTreeSet<Item> = [
            (&self.registration, Item::Registration),
            (&self.employment, Item::Employment),
            (&self.contributions, Item::Contributions),
            (&self.account, Item::Account),
            (&self.benefit, Item::Benefit),
        ]
        .into_iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, i)| i)
        .collect();
        (!ticked.is_empty()).then_some(ticked)
    }

    fn ticked(&self, i: Item) -> bool {
        self.items().is_some_and(|s| s.contains(&i))
    }
}

fn form(c: &Caller, f: &OrganForm, laws: &[String]) -> Markup {
    html! {
        h1 { (t("行政/司法机关查询", "Query by an organ")) }
        p { (t("只能查询本机关规定范围内的内容；每次查询均登记，被查询人可以看到本机关名称和查询日期。",
               "Only what your organ's prescribed scope covers; every query is registered and the person sees your organ's name and the date.")) }
        form method="post" action="/organ" id="organ-query" {
            (csrf(&c.csrf))
            label {
                (t("公民身份号码（每行一个）", "Resident ID numbers (one per line)")) " *"
                textarea name="ids" rows="3" required { (f.ids) }
            }
            label {
                (t("案号或文书编号", "Case or document number")) " *"
                input name="case_number" value=(f.case_number) maxlength="64" required placeholder="（2026）京0101民初123号";
            }
            label {
                (t("查询依据（法律及条款）", "Legal basis (law and article)")) " *"
                input name="basis" value=(f.basis) maxlength="400" required placeholder="《中华人民共和国民事诉讼法》第七十条";
            }
            @if !laws.is_empty() {
                p.hint #organ-laws {
                    (t("本机关可依据的法律（须写明条款，如“第七十条”）：", "Laws your organ may rely on (name the article, e.g. 第七十条): "))
                    @for (i, l) in laws.iter().enumerate() {
                        @if i > 0 { "、" }
                        "《" (l) "》"
                    }
                }
            }
            fieldset {
                legend { (t("查询内容（不选则为规定范围内的全部内容）", "Items (none ticked: the whole scope)")) }
                @for i in Item::ALL {
                    label {
                        input type="checkbox" name=(i.as_str()) value="1" checked[f.ticked(i)];
                        " " (item_zh(i))
                    }
                }
            }
            button { (t("查询", "Query")) }
        }
    }
}

/// The empty form.
pub async fn organ_form(State(st): State<AppState>, Extension(c): Extension<Caller>) -> Response {
    organ_submit(State(st), Extension(c), axum::Form(OrganForm::default())).await
}

/// The form, and the answer to what it asked.
pub async fn organ_submit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    axum::Form(f): axum::Form<OrganForm>,
) -> Response {
    let mut answer = html! {};
    let lines: Vec<&str> = f
        .ids
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !lines.is_empty() {
        answer = match ask(&st, &c, &f, &lines).await {
            Ok(m) => m,
            Err(e) => error_notice(&e),
        };
    }
    let cfg = &st.sirm.config.disclosure;
    let laws = cfg
        .organ_of(&c.principal.username)
        .map(|(_, o)| cfg.scope(o.kind).bases)
        .unwrap_or_default();
    page(
        "机关查询 Organ query",
        Some((&c.principal, &c.csrf)),
        html! { (form(&c, &f, &laws)) (answer) },
    )
}

async fn ask(st: &AppState, c: &Caller, f: &OrganForm, lines: &[&str]) -> Result<Markup, ApiError> {
    if lines.len() > 200 {
        return Err(sirm_app::AppError::Forbidden {
            rule: sirm_domain::RuleId::DisclosureVolume,
            message: format!("{} persons in one query", lines.len()),
        }
        .into());
    }
    let mut persons = Vec::new();
    let mut ids = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        // The line as the officer counts it (from 1), in Chinese too.
        let id: ResidentId = parse_id("ids", l).map_err(|e| {
            let mut e = ApiError::from(e);
            e.message = format!("第{}行 (line {}): {}", i + 1, i + 1, e.message);
            e
        })?;
        persons.push(st.sirm.person_key(&id)?);
        ids.push(id);
    }
    let a = st
        .sirm
        .organ_query(
            &c.principal,
            &OrganRequest {
                persons,
                items: f.items(),
                case_number: f.case_number.clone(),
                basis: f.basis.clone(),
            },
        )
        .await?;
    Ok(html! {
        div.ok id="organ-answer" {
            (a.organ) " · " (t("案号", "Case")) " " (a.case_number) " · "
            (a.records.iter().filter(|r| r.is_some()).count()) " / " (a.records.len())
            " " (t("人有记录", "persons found"))
        }
        @for (id, r) in ids.iter().zip(&a.records) {
            h2 { (id.masked()) }
            @match r {
                Some(v) => (super::record::rights(&v.record, super::portal::sections(v))),
                None => p.err { (t("本经办机构没有此人的记录，或不在本机关可查询的范围内。",
                                   "No record of this person in this agency, or none your organ may read.")) },
            }
        }
    })
}
