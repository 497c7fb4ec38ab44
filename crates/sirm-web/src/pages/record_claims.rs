//! The work-injury (工伤) and maternity (生育) part of a person's rights
//! record: the injuries with their recognition and grade, the births and
//! miscarriages, and each benefit item with the rule set that computed it.

use maud::{html, Markup};
use sirm_app::rights::{ClaimBenefitRow, ClaimRows};

use super::ui::t;

/// Chinese name of an injury's status.
pub fn injury_status_zh(s: &str) -> &str {
    match s {
        "recognised" => "已认定",
        "assessed" => "已鉴定",
        "granted" => "待遇已核定",
        "died" => "因工死亡待遇已核定",
        other => other,
    }
}

/// Chinese name of a maternity event.
pub fn event_zh(e: &str) -> &str {
    match e {
        "birth" => "生育",
        "miscarriage_under_4_months" => "流产（不满4个月）",
        "miscarriage_4_months_or_more" => "流产（满4个月）",
        other => other,
    }
}

/// Chinese name of a benefit item (and the detail of a medical expense).
pub fn item_zh(item: &str) -> String {
    if let Some(rest) = item.strip_prefix("medical:") {
        let mut parts = rest.splitn(2, ':');
        let paid_on = parts.next().unwrap_or("");
        let institution = parts.next().unwrap_or("");
        return format!("生育医疗费用（{institution}，{paid_on} 支付）");
    }
    if let Some(rest) = item.strip_prefix("dependent_pension_") {
        let who = if rest.ends_with("spouse") {
            "配偶"
        } else {
            "其他亲属"
        };
        return format!("供养亲属抚恤金（{who}）");
    }
    match item {
        "disability_lump_sum" => "一次性伤残补助金",
        "disability_allowance" => "伤残津贴",
        "funeral_grant" => "丧葬补助金",
        "death_subsidy" => "一次性工亡补助金",
        "maternity_allowance" => "生育津贴",
        other => other,
    }
    .to_string()
}

/// Chinese name of who pays.
pub fn payer_zh(p: &str) -> &str {
    match p {
        "fund" => "工伤/生育保险基金",
        "employer" => "用人单位",
        other => other,
    }
}

/// Chinese name of an insurance type.
pub fn insurance_zh(i: &str) -> &str {
    match i {
        "work_injury" => "工伤保险",
        "maternity" => "生育保险",
        other => other,
    }
}

/// One benefit item as table cells.
pub fn benefit_cells(b: &ClaimBenefitRow) -> Vec<Markup> {
    vec![
        html! { (insurance_zh(&b.insurance)) },
        html! { (b.claim_date.to_string()) },
        html! { (item_zh(&b.item)) },
        html! { (b.amount.to_string()) },
        html! { @if b.monthly { (t("按月", "monthly")) } @else { (t("一次性", "one-time")) } },
        html! { (payer_zh(&b.payer)) },
        html! { (b.start_month) },
        html! { (b.rule_set) },
    ]
}

/// The head of the benefit items table.
pub const BENEFIT_HEAD: &[(&str, &str)] = &[
    ("险种", "Insurance"),
    ("受伤/生育日期", "Injury/event date"),
    ("项目", "Item"),
    ("金额（元）", "Amount (yuan)"),
    ("方式", "Paid"),
    ("支付方", "Payer"),
    ("起始月份", "From month"),
    ("规则集", "Rule set"),
];

fn table(id: &str, head: &[(&str, &str)], rows: Vec<Vec<Markup>>) -> Markup {
    html! {
        table id=(id) {
            tr { @for (zh, en) in head { th { (t(zh, en)) } } }
            @for r in rows {
                tr { @for c in r { td { (c) } } }
            }
        }
    }
}

/// The section, or nothing when the person has no claim.
pub fn claims(c: &ClaimRows, names: &std::collections::BTreeMap<String, String>) -> Markup {
    if c.injuries.is_empty() && c.maternity.is_empty() && c.benefits.is_empty() {
        return html! {};
    }
    html! {
        @if !c.injuries.is_empty() {
            h3 { (t("工伤记录", "Work injuries")) }
            (table(
                "injuries",
                &[
                    ("受伤日期", "Injury date"),
                    ("用人单位", "Employer"),
                    ("工伤认定决定书", "Recognition decision"),
                    ("认定日期", "Decided on"),
                    ("伤残等级", "Grade"),
                    ("鉴定日期", "Assessed on"),
                    ("状态", "Status"),
                ],
                c.injuries
                    .iter()
                    .map(|i| {
                        vec![
                            html! { (i.injury_date.to_string()) },
                            super::ui::employer(&i.credit_code, names),
                            html! { (i.decision_no) },
                            html! { (i.decided_on.to_string()) },
                            html! { @if i.grade > 0 { (i.grade) "级" } @else { "—" } },
                            html! { (i.assessed_on) },
                            html! { (injury_status_zh(&i.status)) },
                        ]
                    })
                    .collect(),
            ))
        }
        @if !c.maternity.is_empty() {
            h3 { (t("生育/流产登记", "Births and miscarriages")) }
            (table(
                "maternity",
                &[
                    ("日期", "Date"),
                    ("类别", "Event"),
                    ("难产", "Difficult birth"),
                    ("胎数", "Babies"),
                    ("医疗机构", "Institution"),
                    ("用人单位", "Employer"),
                    ("生育津贴", "Allowance"),
                ],
                c.maternity
                    .iter()
                    .map(|m| {
                        vec![
                            html! { (m.event_date.to_string()) },
                            html! { (event_zh(&m.event)) },
                            html! { @if m.difficult_birth { "是" } @else { "否" } },
                            html! { (m.babies) },
                            html! { (m.institution) },
                            super::ui::employer(&m.credit_code, names),
                            html! { @if m.status == "granted" { "已核定" } @else { "未核定" } },
                        ]
                    })
                    .collect(),
            ))
        }
        @if !c.benefits.is_empty() {
            h3 { (t("工伤、生育保险待遇", "Work-injury and maternity benefits")) }
            (table(
                "claim-benefits",
                BENEFIT_HEAD,
                c.benefits.iter().map(benefit_cells).collect(),
            ))
        }
    }
}
