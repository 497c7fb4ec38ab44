//! The work-injury (工伤保险待遇证明) and maternity (生育保险待遇证明)
//! certificates: the benefit items of one insurance type drawn from the
//! rights record, each with the rule set that computed it.

use super::content::{period_of, yuan, Content};
use super::*;
use sirm_domain::RuleId;

/// Chinese name of a benefit item (and a medical expense's detail).
fn item_zh(item: &str) -> String {
    if let Some(rest) = item.strip_prefix("medical:") {
        let institution = rest.split_once(':').map(|(_, i)| i).unwrap_or(rest);
        return format!("生育医疗费用（{institution}）");
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

pub(super) fn claims_content(
    r: &RightsRecord,
    req: &CertificateRequest,
    insurance: &str,
) -> Result<Content, AppError> {
    let items: Vec<_> = r
        .claims
        .benefits
        .iter()
        .filter(|b| b.insurance == insurance)
        .collect();
    let what = if insurance == "work_injury" {
        "工伤保险"
    } else {
        "生育保险"
    };
    if items.is_empty() {
        return Err(AppError::invalid_by(
            "kind",
            RuleId::CertificateNoBenefit,
            format!("no {insurance} benefit on record for this person: a {what} benefit certificate cannot be issued"),
        ));
    }
    let months: Vec<Month> = items.iter().map(|b| Month::of_date(b.claim_date)).collect();
    let (from, to) = period_of(
        req,
        months.iter().min().copied(),
        months.iter().max().copied(),
    )?;
    let mut rows = Vec::new();
    let (mut once, mut monthly) = (Decimal::ZERO, Decimal::ZERO);
    for b in items {
        let m = Month::of_date(b.claim_date);
        if m < from || m > to {
            continue;
        }
        if b.monthly {
            monthly += b.amount;
        } else {
            once += b.amount;
        }
        rows.push(vec![
            b.claim_date.to_string(),
            item_zh(&b.item),
            if b.monthly {
                format!("{} 元/月（{} 起）", yuan(b.amount), b.start_month)
            } else {
                format!("{} 元", yuan(b.amount))
            },
            if b.rule_set.is_empty() {
                "已支付".to_string()
            } else {
                b.rule_set.clone()
            },
        ]);
    }
    let summary = vec![
        ("险种".to_string(), what.to_string()),
        ("期间待遇项目数".to_string(), format!("{} 项", rows.len())),
        ("一次性待遇合计".to_string(), format!("{} 元", yuan(once))),
        (
            "按月待遇合计".to_string(),
            format!("{} 元/月", yuan(monthly)),
        ),
    ];
    let header = ["日期", "项目", "金额", "计发规则"]
        .map(String::from)
        .to_vec();
    Ok((from, to, summary, header, rows))
}
