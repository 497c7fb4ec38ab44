//! What a certificate says: the contribution and benefit tables drawn from
//! the rights record, and the content opened again from a ledger entry.

use super::*;
use sirm_domain::status::BenefitStatus;
use sirm_domain::RuleId;

impl Sirm {
    /// What a certificate says, opened from its ledger entry (the person's
    /// data key); once the person's data was erased, only what is not
    /// personal remains.
    pub(super) async fn certificate_content(
        &self,
        issued: &CertificateIssued,
    ) -> Result<CertificateContent, AppError> {
        let without = |what: &str| CertificateContent {
            agency_name: self.config.agency_name.clone(),
            person_name: what.into(),
            id_masked: what.into(),
            period: format!("{} 至 {}", issued.from_month, issued.to_month),
            summary: vec![],
            header: vec![],
            rows: vec![],
            verify_url: String::new(),
            footer_note: String::new(),
        };
        match self
            .open_for(
                &issued.id,
                crate::privacy::field::CERTIFICATE,
                issued.content.as_str(),
            )
            .await
        {
            Ok(text) => serde_json::from_str(&text).map_err(|e| AppError::invalid("content", e)),
            Err(AppError::Conflict { .. }) => Ok(without(crate::privacy::reveal::ERASED)),
            // Checked without the keys (`sirm certificate verify` reads only
            // the public key): what is not personal remains.
            Err(AppError::KeyMissing(_)) => Ok(without("（未解密）")),
            // Sealed content that does not open was altered in the ledger
            // (the verdict says so): shown without it, not as a failure.
            Err(AppError::Unsealed(_)) => Ok(without("（无法解密）")),
            Err(e) => Err(e),
        }
    }
}

pub(super) fn yuan(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

pub(super) type Content = (
    Month,
    Month,
    Vec<(String, String)>,
    Vec<String>,
    Vec<Vec<String>>,
);

pub(super) fn period_of(
    req: &CertificateRequest,
    first: Option<Month>,
    last: Option<Month>,
) -> Result<(Month, Month), AppError> {
    let current = current_month();
    let from = req.from.or(first).unwrap_or(current);
    let to = req.to.or(last).unwrap_or(current);
    if from > to {
        return Err(AppError::invalid_by(
            "from",
            RuleId::DateOrder,
            format!("the period starts ({from}) after it ends ({to})"),
        ));
    }
    if to > current {
        return Err(AppError::invalid_by(
            "to",
            RuleId::DateFuture,
            format!("{to} is in the future (this month is {current})"),
        ));
    }
    Ok((from, to))
}

pub(super) async fn contribution_content(
    sirm: &Sirm,
    r: &RightsRecord,
    req: &CertificateRequest,
) -> Result<Content, AppError> {
    let months: Vec<Month> = r.contributions.iter().map(|c| c.month).collect();
    let (from, to) = period_of(
        req,
        months.iter().min().copied(),
        months.iter().max().copied(),
    )?;
    let current = current_month();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    let (mut paid, mut arrears) = (0u32, 0u32);
    let (mut employer_total, mut personal_total) = (Decimal::ZERO, Decimal::ZERO);
    for c in &r.contributions {
        let m = c.month;
        if m < from || m > to {
            continue;
        }
        if !names.contains_key(&c.credit_code) {
            let name = sirm
                .store
                .employer_name(&c.credit_code)
                .await?
                .unwrap_or_else(|| c.credit_code.clone());
            names.insert(c.credit_code.clone(), name);
        }
        let (employer, personal) = (c.employer_total(), c.employee_total());
        let status = match MonthStatus::of(c.month, c.status, current) {
            MonthStatus::Paid => {
                paid += 1;
                employer_total += employer;
                personal_total += personal;
                "已缴"
            }
            MonthStatus::Arrears => {
                arrears += 1;
                "欠缴"
            }
            MonthStatus::Due => "应缴",
            MonthStatus::Refunded => "已退费",
        };
        rows.push(vec![
            c.month.to_string(),
            names.get(&c.credit_code).cloned().unwrap_or_default(),
            c.base.to_string(),
            yuan(employer),
            yuan(personal),
            status.to_string(),
        ]);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let y = &r.contribution_years;
    let mut summary = vec![
        ("期间实缴月数".to_string(), format!("{paid} 个月")),
        ("期间欠缴月数".to_string(), format!("{arrears} 个月")),
        (
            "期间单位缴费合计".to_string(),
            format!("{} 元", yuan(employer_total)),
        ),
        (
            "期间个人缴费合计".to_string(),
            format!("{} 元", yuan(personal_total)),
        ),
        (
            "累计缴费年限".to_string(),
            format!("{} 年 {} 个月（{} 个月）", y.years, y.months, y.paid_months),
        ),
    ];
    if let (Some(balance), Some(last)) = (&r.account_balance, r.account_years.last()) {
        summary.push((
            "个人账户余额".to_string(),
            format!("{balance} 元（{} 年末）", last.year),
        ));
    }
    let header = [
        "月份",
        "参保单位",
        "缴费基数",
        "单位缴费",
        "个人缴费",
        "状态",
    ]
    .map(String::from)
    .to_vec();
    Ok((from, to, summary, header, rows))
}

pub(super) fn benefit_content(
    r: &RightsRecord,
    req: &CertificateRequest,
) -> Result<Content, AppError> {
    let b = r.benefit.as_ref().ok_or_else(|| {
        AppError::invalid_by(
            "kind",
            RuleId::CertificateNoBenefit,
            "no benefit on record for this person: a benefit certificate (待遇领取证明) cannot be issued; a contribution certificate can",
        )
    })?;
    let start = Some(b.start_month);
    let last: Option<Month> = r.payments.iter().map(|p| p.month).max();
    let (from, to) = period_of(req, start, last.or(start))?;
    let mut total = Decimal::ZERO;
    let mut rows = Vec::new();
    for p in &r.payments {
        if p.month < from || p.month > to {
            continue;
        }
        total += p.amount;
        rows.push(vec![
            p.month.to_string(),
            "基本养老金".to_string(),
            p.amount.to_string(),
            p.rule_set.clone(),
        ]);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let status = match b.status {
        BenefitStatus::Granted => "正常发放",
        BenefitStatus::Suspended => "暂停发放",
        BenefitStatus::Terminated => "终止",
    };
    let summary = vec![
        ("待遇项目".to_string(), "基本养老金".to_string()),
        ("待遇状态".to_string(), status.to_string()),
        ("待遇起始月份".to_string(), b.start_month.to_string()),
        ("月待遇标准".to_string(), format!("{} 元", b.total)),
        ("其中基础养老金".to_string(), format!("{} 元", b.basic)),
        ("个人账户养老金".to_string(), format!("{} 元", b.account)),
        ("过渡性养老金".to_string(), format!("{} 元", b.transitional)),
        ("计发规则".to_string(), b.rule_set.clone()),
        ("期间发放月数".to_string(), format!("{} 个月", rows.len())),
        ("期间发放合计".to_string(), format!("{} 元", yuan(total))),
    ];
    let header = ["月份", "项目", "发放金额（元）", "计发规则"]
        .map(String::from)
        .to_vec();
    Ok((from, to, summary, header, rows))
}
