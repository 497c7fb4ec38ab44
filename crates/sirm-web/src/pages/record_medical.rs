//! The medical insurance part of a person's rights record: the employee
//! medical personal account (职工医保个人账户) year by year with its rule
//! set, and the settlements at contracted hospitals and pharmacies
//! (医疗费用结算记录).

use maud::{html, Markup};
use sirm_app::medical::MedicalRecord;

use super::record::{table, text};
use super::ui::t;

/// The account years (when the account may be shown) and the settlements
/// (when benefits may be); nothing when the record holds neither.
pub fn medical(m: &MedicalRecord, account: bool, benefit: bool) -> Markup {
    let years = account && !m.years.is_empty();
    let settlements = benefit && !m.settlements.is_empty();
    if !years && !settlements {
        return html! {};
    }
    html! {
        section id="medical" {
            h2 { (t("基本医疗保险", "Medical insurance")) }
            @if years {
                h3 { (t("职工医保个人账户", "Medical personal account")) }
                (table(
                    "medical-account",
                    &[
                        ("年度", "Year"),
                        ("年初余额", "Opening"),
                        ("个人缴费划入", "From own contributions"),
                        ("退休人员划入", "Retiree credit"),
                        ("结算支出", "Paid in settlements"),
                        ("年末余额", "Closing"),
                        ("规则集", "Rule set"),
                    ],
                    m.years
                        .iter()
                        .map(|y| {
                            let v = &y.year;
                            vec![
                                text(v.year),
                                text(v.opening),
                                html! { (v.employee_credits) " (" (v.employee_months) (t("个月", " months")) ")" },
                                html! { (v.retiree_credits) " (" (v.retiree_months) (t("个月", " months")) ")" },
                                text(v.debits),
                                html! { b { (v.closing) } },
                                text(&y.rule_set),
                            ]
                        })
                        .collect(),
                ))
                @if let Some(b) = m.balance {
                    p #medical-balance { (t("个人账户余额", "Balance")) "：" b { (b) } }
                }
            }
            @if settlements {
                h3 { (t("医疗费用结算记录", "Settlements at contracted institutions")) }
                (table(
                    "medical-settlements",
                    &[
                        ("结算日期", "Date"),
                        ("定点医药机构", "Institution"),
                        ("费用总额", "Total"),
                        ("统筹基金支付", "Fund"),
                        ("个人账户支付", "Account"),
                        ("个人自付", "Self-paid"),
                    ],
                    m.settlements
                        .iter()
                        .map(|s| vec![
                            text(s.settled_on),
                            text(&s.institution),
                            text(s.total),
                            text(s.fund_paid),
                            text(s.account_paid),
                            text(s.self_paid),
                        ])
                        .collect(),
                ))
            }
        }
    }
}
