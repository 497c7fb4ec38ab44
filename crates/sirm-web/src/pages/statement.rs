//! The yearly rights statement (个人权益记录单, 对账单): the year's
//! contributions, personal account year and benefit payments, and every
//! other kind the record holds for the year — insurance relationships,
//! flexible-employment months, work-injury and maternity benefits,
//! unemployment claims and payments, the pension adjustment, a death, and
//! the medical personal account with its settlements. Printable.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use rust_decimal::Decimal;
use sirm_app::query::Channel;
use sirm_app::rights::RightsRecord;

use super::portal::{mask, view, RecordQuery};
use super::record::contribution_status_label as status_cell;
use super::record::{month_cell, table_with_total};
use super::ui::{amount, employer, page, t, yuan};
use crate::routes::Caller;
use crate::AppState;

/// The yearly rights statement (个人权益记录单): the year's contributions,
/// account year and benefit payments, printable.
pub async fn statement(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<RecordQuery>,
) -> Response {
    let v = match view(&st, &c, Channel::Portal, &q).await {
        Ok(v) => v,
        Err(e) => return super::error_page(e),
    };
    let year = q
        .year
        .unwrap_or_else(|| sirm_app::rights::current_month().year() - 1);
    let r = &v.record;
    let months: Vec<_> = r
        .contributions
        .iter()
        .filter(|c| c.month.year() == year)
        .collect();
    let personal: Decimal = months.iter().map(|c| c.employee_total()).sum();
    let employer: Decimal = months.iter().map(|c| c.employer_total()).sum();
    let paid: Decimal = r
        .payments
        .iter()
        .filter(|p| p.month.year() == year)
        .map(|p| p.amount)
        .sum();
    let account = r.account_years.iter().find(|y| y.year == i64::from(year));
    let body = html! {
        h1 { (t("个人权益记录单", "Rights statement")) " " (year) }
        p {
            (t("姓名", "Name")) "：" (r.person.name)
            " · " (t("身份号码", "ID")) "：" (mask(&r.person.id_number))
            " · " (t("经办机构", "Agency")) "：" (st.sirm.config.agency_name)
        }
        h2 { (t("本年缴费", "Contributions this year")) }
        p {
            (t("缴费月数", "Months")) " " b id="statement-months" { (months.len()) }
            " · " (t("个人部分合计", "Employee part")) " " b { (yuan(personal)) }
            " · " (t("单位部分合计", "Employer part")) " " b { (yuan(employer)) }
        }
        (contribution_table(r, &months))
        h2 { (t("个人账户", "Personal account")) }
        @match account {
            Some(y) => table id="statement-account" {
                tr { th { (t("年初余额", "Opening balance")) } td { (amount(y.opening_balance)) } }
                tr { th { (t("当年记账", "Credits")) } td { (amount(y.credits)) } }
                tr {
                    th { (t("利息", "Interest")) }
                    td { (amount(y.interest)) " (" (t("记账利率", "rate")) " " (y.rate) ")" }
                }
                tr { th { (t("年末余额", "Closing balance")) } td { b { (amount(y.closing_balance)) } } }
            },
            None => p { (t("本年度尚未结算", "Not settled for this year")) },
        }
        h2 { (t("累计", "To date")) }
        p {
            (t("缴费年限", "Contribution years")) " "
            b {
                (r.contribution_years.years) " " (t("年", "y")) " "
                (r.contribution_years.months) " " (t("个月", "m"))
            }
            " · " (t("本年领取待遇", "Benefits paid this year")) " " b { (yuan(paid)) }
        }
        (other_kinds(r, year))
        p.en {
            (t("本记录单由系统根据账本数据生成，数据可通过核验码复核。", "Generated from the ledger; every figure can be recomputed."))
        }
        p { button type="button" data-print { (t("打印", "Print")) } }
    };
    page(
        &format!("个人权益记录单 {year}"),
        Some((&c.principal, &c.csrf)),
        body,
    )
}

/// The year's months: employer (code and name), base, the employer's and
/// the person's parts, the account credit and the status, ending in the
/// year's totals.
fn contribution_table(r: &RightsRecord, months: &[&sirm_app::rights::ContributionRow]) -> Markup {
    let head = [
        ("月份", "Month"),
        ("用人单位", "Employer"),
        ("缴费基数", "Base"),
        ("单位缴费", "Employer part"),
        ("个人缴费", "Employee part"),
        ("记入个人账户", "Account credit"),
        ("状态", "Status"),
    ];
    let figures = |c: &sirm_app::rights::ContributionRow| {
        [
            c.base,
            c.employer_total(),
            c.employee_total(),
            c.account_credit,
        ]
    };
    let mut totals = [Decimal::ZERO; 4];
    let mut rows: Vec<Vec<Markup>> = Vec::new();
    for c in months {
        let f = figures(c);
        for (sum, x) in totals.iter_mut().zip(f) {
            *sum += x;
        }
        let who = if c.credit_code.is_empty() {
            html! { "灵活就业（个人缴费）" }
        } else {
            employer(&c.credit_code, &r.employer_names)
        };
        let mut row = vec![month_cell(c.month), who];
        row.extend(f.into_iter().map(amount));
        row.push(status_cell(c.month, c.status));
        rows.push(row);
    }
    let mut total = vec![html! { b { (t("本年合计", "Year total")) } }, html! {}];
    total.extend(totals.into_iter().map(amount));
    total.push(html! {});
    rows.push(total);
    table_with_total("statement-contributions", &head, rows)
}

/// One statement line: a label and what the year holds.
fn line(id: &str, zh: &str, en: &str, value: Markup) -> Markup {
    html! { tr id=(id) { th { (t(zh, en)) } td { (value) } } }
}

/// The kinds beyond contributions, account and pension payments, for the
/// year: only those the record holds (and the view may show).
fn other_kinds(r: &RightsRecord, year: i32) -> Markup {
    let in_year = |d: chrono::NaiveDate| chrono::Datelike::year(&d) == year;
    let flexible: Vec<_> = r
        .contributions
        .iter()
        .filter(|c| c.month.year() == year && c.credit_code.is_empty())
        .collect();
    let flexible_paid: Decimal = flexible.iter().map(|c| c.employee_total()).sum();
    let claims: Vec<_> = r
        .claims
        .benefits
        .iter()
        .filter(|b| in_year(b.claim_date))
        .collect();
    let l = &r.life;
    let unemployment_paid: Vec<_> = l
        .unemployment_payments
        .iter()
        .filter(|p| p.month.year() == year)
        .collect();
    let unemployment_claims: Vec<_> = l
        .unemployment_claims
        .iter()
        .filter(|c| in_year(c.registered_on))
        .collect();
    let injury_paid: Vec<_> = l
        .injury_payments
        .iter()
        .filter(|p| p.month.year() == year)
        .collect();
    let adjustment = l.adjustments.iter().find(|a| a.year == i64::from(year));
    let death = l.death.as_ref().filter(|d| in_year(d.died_on));
    let medical = r.medical.years.iter().find(|y| y.year.year == year);
    let settlements: Vec<_> = r
        .medical
        .settlements
        .iter()
        .filter(|s| in_year(s.settled_on))
        .collect();
    html! {
        h2 { (t("其他权益记录", "Other rights this year")) }
        table id="statement-other" {
            @if !r.relations.is_empty() {
                (line("statement-relations", "参保关系", "Insurance relationships", html! {
                    @for (i, x) in r.relations.iter().enumerate() {
                        @if i > 0 { "；" }
                        (x.insurance_zh) " " (x.status_zh)
                        @if let Some(on) = x.ended_on.or(x.enrolled_on) { "（" (on) "）" }
                    }
                }))
            }
            @if !flexible.is_empty() {
                (line("statement-flexible", "灵活就业缴费", "Flexible employment months", html! {
                    (flexible.len()) " " (t("个月", "months")) " · " (t("个人缴费", "paid")) " " (flexible_paid)
                }))
            }
            @for b in &claims {
                (line("statement-claim", if b.insurance == "work_injury" { "工伤保险待遇" } else { "生育保险待遇" },
                    "Work-injury / maternity benefit", html! {
                    (b.claim_date) " " (b.item) " " (b.amount)
                    @if b.monthly { " " (t("元/月", "a month")) }
                    " (" (b.rule_set) ")"
                }))
            }
            @for c in &unemployment_claims {
                (line("statement-unemployment-claim", "失业保险金核定", "Unemployment benefit granted", html! {
                    (c.registered_on) " · " (c.duration_months) " " (t("个月", "months")) " × " (c.monthly_amount)
                    " (" (c.rule_set) ")"
                }))
            }
            @if !unemployment_paid.is_empty() {
                (line("statement-unemployment-paid", "失业保险金发放", "Unemployment benefit paid", html! {
                    (unemployment_paid.len()) " " (t("个月", "months")) " · "
                    (unemployment_paid.iter().map(|p| p.amount).sum::<Decimal>())
                }))
            }
            @if !injury_paid.is_empty() {
                (line("statement-injury-paid", "工伤待遇按月发放", "Work-injury benefits paid monthly", html! {
                    (injury_paid.len()) " " (t("笔", "payments")) " · "
                    (injury_paid.iter().filter(|p| p.payer == "fund").map(|p| p.amount).sum::<Decimal>())
                    " " (t("（基金支付；用人单位支付", "(by the fund; by the employer")) " "
                    (injury_paid.iter().filter(|p| p.payer == "employer").map(|p| p.amount).sum::<Decimal>())
                    (t("）", ")"))
                }))
            }
            @if let Some(a) = adjustment {
                (line("statement-adjustment", "养老金调整", "Pension adjustment", html! {
                    (a.pension_before) " + " (a.increase) " = " b { (a.new_pension) } " (" (a.rule_set) ")"
                }))
            }
            @if let Some(d) = death {
                (line("statement-death", "死亡待遇", "On death", html! {
                    (d.died_on) " · " (t("丧葬补助金", "funeral grant")) " " (d.funeral_grant)
                    " · " (t("抚恤金", "survivors")) " " (d.survivor_compensation)
                    " · " (t("追回", "recovered")) " " (d.recovered)
                }))
            }
            @if let Some(y) = medical {
                (line("statement-medical", "职工医保个人账户", "Medical personal account", html! {
                    (t("年初", "opening")) " " (y.year.opening)
                    " + " (t("划入", "credits")) " " (y.year.credits)
                    " − " (t("支出", "paid")) " " (y.year.debits)
                    " = " b { (y.year.closing) } " (" (y.rule_set) ")"
                }))
            }
            @if !settlements.is_empty() {
                (line("statement-settlements", "医疗费用结算", "Medical settlements", html! {
                    (settlements.len()) " " (t("笔", "settlements")) " · " (t("总额", "total")) " "
                    (settlements.iter().map(|s| s.total).sum::<Decimal>())
                    " · " (t("个人账户支付", "from the account")) " "
                    (settlements.iter().map(|s| s.account_paid).sum::<Decimal>())
                }))
            }
        }
    }
}
