//! The certificates of one insurance type each: work injury (工伤保险待遇证明),
//! maternity (生育保险待遇证明), unemployment (失业保险待遇证明) and the
//! medical personal account (医疗保险个人账户证明) — drawn from the rights
//! record, each figure with the rule set that computed it.

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
    // The monthly items paid (work injury: the payment runs' entries).
    let paid: Vec<_> = if insurance == "work_injury" {
        r.life.injury_payments.iter().collect()
    } else {
        Vec::new()
    };
    let months: Vec<Month> = items
        .iter()
        .map(|b| Month::of_date(b.claim_date))
        .chain(paid.iter().map(|p| p.month))
        .collect();
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
    let (mut by_fund, mut by_employer, mut paid_n) = (Decimal::ZERO, Decimal::ZERO, 0);
    for p in paid {
        if p.month < from || p.month > to {
            continue;
        }
        paid_n += 1;
        if p.payer == "employer" {
            by_employer += p.amount;
        } else {
            by_fund += p.amount;
        }
        rows.push(vec![
            p.month.to_string(),
            format!(
                "{}（{}）",
                item_zh(&p.item),
                if p.payer == "employer" {
                    "用人单位支付"
                } else {
                    "基金按月发放"
                }
            ),
            format!("{} 元", yuan(p.amount)),
            p.rule_set.clone(),
        ]);
    }
    let mut summary = vec![
        ("险种".to_string(), what.to_string()),
        ("期间待遇项目数".to_string(), format!("{} 项", rows.len())),
        ("一次性待遇合计".to_string(), format!("{} 元", yuan(once))),
        (
            "按月待遇合计".to_string(),
            format!("{} 元/月", yuan(monthly)),
        ),
    ];
    if paid_n > 0 {
        summary.push((
            "按月发放".to_string(),
            format!(
                "{paid_n} 笔：基金支付 {} 元，用人单位支付 {} 元",
                yuan(by_fund),
                yuan(by_employer)
            ),
        ));
    }
    let header = ["日期", "项目", "金额", "计发规则"]
        .map(String::from)
        .to_vec();
    Ok((from, to, summary, header, rows))
}

/// No benefit of the type on record: the certificate cannot be issued.
fn none_of(what: &str, zh: &str) -> AppError {
    AppError::invalid_by(
        "kind",
        RuleId::CertificateNoBenefit,
        format!("no {what} on record for this person: a {zh} cannot be issued"),
    )
}

/// 失业保险待遇证明: the claims (duration, monthly amount) and the months paid.
pub(super) fn unemployment_content(
    r: &RightsRecord,
    req: &CertificateRequest,
) -> Result<Content, AppError> {
    let l = &r.life;
    let Some(first) = l.unemployment_claims.first() else {
        return Err(none_of("unemployment benefit", "失业保险待遇证明"));
    };
    let last = l.unemployment_payments.iter().map(|p| p.month).max();
    let (from, to) = period_of(
        req,
        Some(first.start_month),
        last.or(Some(first.start_month)),
    )?;
    let mut rows = Vec::new();
    let mut total = Decimal::ZERO;
    for p in &l.unemployment_payments {
        if p.month < from || p.month > to {
            continue;
        }
        total += p.amount;
        rows.push(vec![
            p.month.to_string(),
            "失业保险金".to_string(),
            yuan(p.amount),
            p.rule_set.clone(),
        ]);
    }
    let mut summary = vec![("险种".to_string(), "失业保险".to_string())];
    for c in &l.unemployment_claims {
        let state = if c.status == "open" {
            "领取中".to_string()
        } else {
            format!("已停止（{}）", c.ended_on)
        };
        summary.push((
            format!("失业登记 {}", c.registered_on),
            format!(
                "{} 至 {}，{} 个月，{} 元/月，{}（{}）",
                c.start_month,
                c.end_month,
                c.duration_months,
                yuan(c.monthly_amount),
                state,
                c.rule_set
            ),
        ));
    }
    summary.push(("期间领取月数".to_string(), format!("{} 个月", rows.len())));
    summary.push(("期间领取合计".to_string(), format!("{} 元", yuan(total))));
    let header = ["月份", "项目", "发放金额（元）", "计发规则"]
        .map(String::from)
        .to_vec();
    Ok((from, to, summary, header, rows))
}

/// 医疗保险个人账户证明: the account year by year (opening, credits,
/// debits, closing) and the balance.
pub(super) fn medical_content(
    r: &RightsRecord,
    req: &CertificateRequest,
) -> Result<Content, AppError> {
    let m = &r.medical;
    let (Some(first), Some(last), Some(balance)) = (m.years.first(), m.years.last(), m.balance)
    else {
        return Err(none_of("medical personal account", "医疗保险个人账户证明"));
    };
    let (from, to) = period_of(
        req,
        Month::new(first.year.year, 1),
        Month::new(last.year.year, 12).map(|m| m.min(current_month())),
    )?;
    let mut rows = Vec::new();
    for y in &m.years {
        if y.year.year < from.year() || y.year.year > to.year() {
            continue;
        }
        rows.push(vec![
            y.year.year.to_string(),
            yuan(y.year.opening),
            yuan(y.year.credits),
            yuan(y.year.debits),
            yuan(y.year.closing),
            y.rule_set.clone(),
        ]);
    }
    let summary = vec![
        ("险种".to_string(), "职工基本医疗保险".to_string()),
        (
            "个人账户余额".to_string(),
            format!("{} 元（{} 年末）", yuan(balance), last.year.year),
        ),
    ];
    let header = [
        "年度",
        "年初余额",
        "当年划入",
        "当年支出",
        "年末余额",
        "计算规则",
    ]
    .map(String::from)
    .to_vec();
    Ok((from, to, summary, header, rows))
}
