//! One renderer for a person's rights record (个人权益记录), used by the
//! staff lookup and by the person's own views: every figure with the rule
//! set that produced it. Which sections appear is the caller's decision
//! (the query configuration), passed as [`Sections`].

use sirm_app::rights::{current_month, MonthStatus, RightsRecord};

use super::{esc, t};

/// Which parts of the record to show.
#[derive(Clone, Copy, Debug)]
pub struct Sections {
    pub registration: bool,
    pub employment: bool,
    pub contributions: bool,
    pub account: bool,
    pub benefit: bool,
}

impl Sections {
    pub const ALL: Sections = Sections {
        registration: true,
        employment: true,
        contributions: true,
        account: true,
        benefit: true,
    };
}

fn table(id: &str, head: &[(&str, &str)], rows: Vec<Vec<String>>) -> String {
    let mut out = format!("<table id=\"{id}\"><tr>");
    for (zh, en) in head {
        out.push_str(&format!("<th>{}</th>", t(zh, en)));
    }
    out.push_str("</tr>");
    if rows.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\">{}</td></tr>",
            head.len(),
            t("无", "none")
        ));
    }
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&format!("<td>{c}</td>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

/// Chinese and English word of a contribution status.
pub fn contribution_status(month: &str, status: &str) -> String {
    match MonthStatus::of(month, status, current_month()) {
        MonthStatus::Paid => t("已到账", "paid"),
        MonthStatus::Arrears => t("欠费", "in arrears"),
        MonthStatus::Due => t("已核定待缴", "assessed, due"),
    }
}

/// The record as HTML sections.
pub fn rights_html(r: &RightsRecord, s: Sections) -> String {
    let mut out = String::new();
    let p = &r.person;
    if s.registration {
        out.push_str(&format!(
            "<h2>{}</h2><table id=\"person\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
             <tr><th>{}</th><td>{} · {}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
             <tr><th>{}</th><td>{}</td></tr></table>",
            t("参保登记", "Registration"),
            t("姓名", "Name"), esc(&p.name),
            t("身份号码", "ID"), esc(&p.id_number),
            t("出生日期 · 性别", "Birth date · gender"), esc(&p.birth_date), super::zh::status_zh(&p.gender),
            t("地址", "Address"), esc(&p.address),
            t("电话", "Phone"), esc(&p.phone),
            t("参保登记日期", "Registered on"), esc(&p.registered_on),
        ));
        if let Some(e) = &r.erased {
            out.push_str(&format!(
                "<p id=\"erased\" class=\"notice\">{} {} · {} {} · {} {} · {} {}</p>",
                t("个人身份信息已删除于", "Identifying data erased on"),
                esc(&e.time),
                t("经办", "by"),
                esc(&e.actors),
                t("原因", "reason"),
                esc(&e.reason),
                t("依据", "basis"),
                esc(&e.basis),
            ));
        }
    }
    if s.employment {
        out.push_str(&format!("<h2>{}</h2>", t("就业记录", "Employment history")));
        out.push_str(&table(
            "employment",
            &[
                ("用人单位", "Employer"),
                ("起", "From"),
                ("止", "To"),
                ("原因", "Reason"),
            ],
            r.employments
                .iter()
                .map(|j| {
                    vec![
                        esc(&j.credit_code),
                        esc(&j.start_on),
                        esc(j.end_on.as_deref().unwrap_or("—")),
                        esc(j.end_reason.as_deref().unwrap_or("")),
                    ]
                })
                .collect(),
        ));
    }
    if s.contributions {
        let y = &r.contribution_years;
        out.push_str(&format!(
            "<h2>{}</h2><p id=\"contribution-years\">{}：<b>{}</b> {} <b>{}</b> {}（{} {}）{}</p>",
            t("缴费记录", "Contributions"),
            t("累计缴费年限", "Contribution years"),
            y.years,
            t("年", "years"),
            y.months,
            t("个月", "months"),
            y.paid_months,
            t("个月已到账", "months paid"),
            if y.arrears_months > 0 {
                format!(
                    "，<span class=\"warn\">{} {}</span>",
                    y.arrears_months,
                    t("个月欠费", "months in arrears")
                )
            } else {
                String::new()
            }
        ));
        out.push_str(&table(
            "contributions",
            &[
                ("月份", "Month"),
                ("用人单位", "Employer"),
                ("缴费基数", "Base"),
                ("养老 单位", "Pension employer"),
                ("养老 个人", "Pension employee"),
                ("医疗 单位", "Medical employer"),
                ("医疗 个人", "Medical employee"),
                ("失业 单位", "Unemployment employer"),
                ("失业 个人", "Unemployment employee"),
                ("工伤 单位", "Work injury employer"),
                ("记入个人账户", "Account credit"),
                ("状态", "Status"),
                ("规则集", "Rule set"),
            ],
            r.contributions
                .iter()
                .map(|c| {
                    vec![
                        esc(&c.month),
                        esc(&c.credit_code),
                        esc(&c.base),
                        esc(&c.pension_employer),
                        esc(&c.pension_employee),
                        esc(&c.medical_employer),
                        esc(&c.medical_employee),
                        esc(&c.unemployment_employer),
                        esc(&c.unemployment_employee),
                        esc(&c.work_injury_employer),
                        esc(&c.account_credit),
                        contribution_status(&c.month, &c.status),
                        esc(&c.rule_set),
                    ]
                })
                .collect(),
        ));
        if !r.subsidies.is_empty() {
            out.push_str(&format!("<h3>{}</h3>", t("社会保险补贴", "Subsidies")));
            out.push_str(&table(
                "subsidies",
                &[
                    ("月份", "Month"),
                    ("类别", "Kind"),
                    ("金额", "Amount"),
                    ("依据", "Basis"),
                ],
                r.subsidies
                    .iter()
                    .map(|x| {
                        let kind = sirm_domain::records::SUBSIDY_KINDS
                            .iter()
                            .find(|(k, _)| *k == x.kind)
                            .map(|(_, zh)| *zh)
                            .unwrap_or(x.kind.as_str());
                        vec![esc(&x.month), esc(kind), esc(&x.amount), esc(&x.basis)]
                    })
                    .collect(),
            ));
        }
    }
    if s.account {
        out.push_str(&format!(
            "<h2>{}</h2><p>{}：<b id=\"account-balance\">{}</b></p>",
            t("个人账户", "Personal account"),
            t(
                "账户余额（截至最近结算年度）",
                "Balance (last settled year)"
            ),
            esc(r.account_balance.as_deref().unwrap_or("0.00"))
        ));
        out.push_str(&table(
            "account",
            &[
                ("年度", "Year"),
                ("年初余额", "Opening"),
                ("当年记账", "Credits"),
                ("记账利率", "Rate"),
                ("利息", "Interest"),
                ("年末余额", "Closing"),
                ("规则集", "Rule set"),
            ],
            r.account_years
                .iter()
                .map(|y| {
                    vec![
                        y.year.to_string(),
                        esc(&y.opening_balance),
                        esc(&y.credits),
                        esc(&y.rate),
                        esc(&y.interest),
                        esc(&y.closing_balance),
                        esc(&y.rule_set),
                    ]
                })
                .collect(),
        ));
    }
    if s.benefit {
        out.push_str(&format!("<h2>{}</h2>", t("待遇", "Benefits")));
        match &r.benefit {
            None => out.push_str(&format!(
                "<p id=\"benefit\">{}</p>",
                t("尚未核定养老保险待遇", "No pension benefit granted")
            )),
            Some(b) => {
                out.push_str(&format!(
                    "<table id=\"benefit\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
                     <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{} + {} + {} = <b>{}</b></td></tr><tr><th>{}</th><td>{}</td></tr></table>",
                    t("状态", "Status"), super::zh::status_zh(&b.status),
                    t("起始月份", "From"), esc(&b.start_month),
                    t("计发缴费月数", "Contribution months counted"), b.contribution_months,
                    t("月养老金 = 基础 + 个人账户 + 过渡性", "Monthly pension = basic + account + transitional"),
                    esc(&b.basic), esc(&b.account), esc(&b.transitional), esc(&b.total),
                    t("规则集", "Rule set"), esc(&b.rule_set),
                ));
                out.push_str(&format!("<h3>{}</h3>", t("待遇发放", "Payments")));
                out.push_str(&table(
                    "payments",
                    &[
                        ("月份", "Month"),
                        ("金额", "Amount"),
                        ("规则集", "Rule set"),
                    ],
                    r.payments
                        .iter()
                        .map(|x| vec![esc(&x.month), esc(&x.amount), esc(&x.rule_set)])
                        .collect(),
                ));
            }
        }
    }
    out
}
