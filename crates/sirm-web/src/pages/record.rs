//! One renderer for a person's rights record (个人权益记录), used by the
//! staff lookup and by the person's own views: every figure with the rule
//! set that produced it. Which sections appear is the caller's decision
//! (the query configuration), passed as [`Sections`].

use sirm_app::rights::{current_month, CorrectedPart, MonthStatus, RightsRecord};
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;

use std::collections::BTreeMap;

use maud::{html, Markup};
use rust_decimal::Decimal;
use sirm_app::rights::ContributionRow;

use super::ui::{amount, employer, t, yuan};
use super::zh::status_zh;

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

/// Months paid per insurance type (按险种缴费月数); "—" when the entry
/// was written before they were counted.
pub fn type_months(m: Option<&sirm_domain::records::TypeMonths>) -> Markup {
    match m {
        None => html! { "—" },
        Some(m) => html! {
            span.type-months data-pension=(m.pension) data-medical=(m.medical)
                data-unemployment=(m.unemployment) data-work-injury=(m.work_injury) {
                (t("养老", "pension")) " " (m.pension) " · "
                (t("医疗（含生育）", "medical (incl. maternity)")) " " (m.medical) " · "
                (t("失业", "unemployment")) " " (m.unemployment) " · "
                (t("工伤", "work injury")) " " (m.work_injury)
            }
        },
    }
}

/// A table with a bilingual head; "none" when there are no rows.
/// A record table: on a phone each row reads as a card of labelled lines
/// (`table.cards`, each cell's label in `data-label`), never a squeezed
/// many-column table; numbers and months never wrap.
pub(super) fn table(id: &str, head: &[(&str, &str)], rows: Vec<Vec<Markup>>) -> Markup {
    html! {
        table.cards id=(id) {
            tr { @for (zh, en) in head { th { (t(zh, en)) } } }
            @if rows.is_empty() {
                tr { td colspan=(head.len()) { (t("无", "none")) } }
            }
            @for r in rows { (row_cells(head, r)) }
        }
    }
}

/// [`table`] whose last row is a total (`tr.total`).
pub(super) fn table_with_total(
    id: &str,
    head: &[(&str, &str)],
    mut rows: Vec<Vec<Markup>>,
) -> Markup {
    let total = rows.pop();
    html! {
        table.cards id=(id) {
            tr { @for (zh, en) in head { th { (t(zh, en)) } } }
            @for r in rows { (row_cells(head, r)) }
            @if let Some(r) = total {
                tr.total { @for (i, c) in r.into_iter().enumerate() { (cell(head, i, c)) } }
            }
        }
    }
}

fn cell(head: &[(&str, &str)], i: usize, c: Markup) -> Markup {
    html! { td data-label=(head.get(i).map(|h| h.0).unwrap_or("")) { span { (c) } } }
}

fn row_cells(head: &[(&str, &str)], r: Vec<Markup>) -> Markup {
    html! { tr { @for (i, c) in r.into_iter().enumerate() { (cell(head, i, c)) } } }
}

/// A table cell's text (a string, a month, an amount …).
pub(super) fn text(s: impl std::fmt::Display) -> Markup {
    html! { (s.to_string()) }
}

/// One labelled row of a two-column table.
fn field(zh: &str, en: &str, value: Markup) -> Markup {
    html! { tr { th { (t(zh, en)) } td { (value) } } }
}

/// Chinese and English word of a contribution status.
pub fn contribution_status_label(month: Month, status: ContributionStatus) -> Markup {
    match MonthStatus::of(month, status, current_month()) {
        MonthStatus::Paid => t("已到账", "paid"),
        MonthStatus::Arrears => t("欠费", "in arrears"),
        MonthStatus::Due => t("已核定待缴", "assessed, due"),
        MonthStatus::Refunded => t("已退费", "refunded"),
    }
}

/// The record as HTML sections.
pub fn rights(r: &RightsRecord, s: Sections) -> Markup {
    html! {
        @if s.registration { (registration(r)) (relations(r)) }
        @if s.employment { (employment(r)) }
        @if s.contributions { (contributions(r)) }
        @if s.contributions { (regions(r)) }
        @if s.account { (account(r)) }
        @if s.benefit { (benefit(r)) (super::record_claims::claims(&r.claims, &r.employer_names)) (life(r)) }
        (super::record_medical::medical(&r.medical, s.account, s.benefit))
        (corrections(r, s))
    }
}

/// The months of every region the person was insured in before, from the
/// transfers received (全国参保记录, Art 10), and whether the person was
/// transferred out of this region (the record here is kept).
fn regions(r: &RightsRecord) -> Markup {
    if r.transferred_in.is_empty() && r.transferred_away.is_empty() {
        return html! {};
    }
    let rows = r
        .transferred_in
        .iter()
        .flat_map(|t| {
            t.regions.iter().map(move |seg| {
                let first = seg.bases.first().map(|b| b.month.to_string());
                let last = seg.bases.last().map(|b| b.month.to_string());
                let name = t.agency_names.get(&seg.agency);
                vec![
                    html! { (seg.agency) @if let Some(n) = name { " " (n) } },
                    text(seg.bases.len()),
                    text(seg.arrears.len()),
                    type_months(seg.by_type.as_ref()),
                    text(first.unwrap_or_default()),
                    text(last.unwrap_or_default()),
                    text(&t.number),
                    text(t.received_on),
                ]
            })
        })
        .collect();
    let away = r
        .transferred_away
        .iter()
        .map(|a| {
            vec![
                text(&a.to_agency),
                text(a.months),
                text(a.arrears_months),
                type_months(a.by_type.as_ref()),
                amount(a.account_transfer),
                amount(a.pooled_transfer),
                text(&a.number),
                text(a.transferred_on),
            ]
        })
        .collect();
    html! {
        section id="regions" {
            h2 { (t("各地参保记录（转移接续）", "Months in other regions (transfers)")) }
            @if r.transferred_out {
                p.warn { (t("已转出本统筹区：本地记录保留备查。", "Transferred out of this region: the record here is kept.")) }
            }
            @if !r.transferred_in.is_empty() {
                (table("transferred-in", &[("参保地经办机构", "Agency"), ("实缴月数", "Months paid"),
                    ("欠费月数（不计缴费年限）", "Months in arrears (not counted)"),
                    ("按险种实缴月数", "Months paid by insurance type"), ("起始月", "From"),
                    ("截止月", "To"), ("转移编号", "Transfer"), ("接收日期", "Received")], rows))
            }
            @if !r.transferred_away.is_empty() {
                (table("transferred-out", &[("转入地经办机构", "To agency"), ("转出实缴月数", "Months paid"),
                    ("转出欠费月数", "Months in arrears"), ("按险种实缴月数", "Months paid by insurance type"),
                    ("个人账户转出额", "Account moved"),
                    ("统筹基金转出额", "Pooled share moved"), ("转移编号", "Transfer"), ("转出日期", "Transferred")], away))
            }
        }
    }
}

/// The corrections of the record's parts shown (更正记录): what each
/// corrected, the figure before → after, why and how.
fn corrections(r: &RightsRecord, s: Sections) -> Markup {
    use CorrectedPart as P;
    let notes: Vec<_> = r
        .corrections
        .iter()
        .filter(|n| match n.part {
            P::Contributions => s.contributions,
            P::Employment => s.employment,
            P::Account => s.account,
            P::Benefit => s.benefit,
        })
        .collect();
    if notes.is_empty() {
        return html! {};
    }
    let what = |kind: &str| match kind {
        "contribution.supplemented" => t("补缴：缴费基数", "Supplementary payment: base"),
        "contribution.refunded" => t("退费：缴费基数", "Refund: base"),
        "employment.corrected" => t("就业期间更正", "Employment period corrected"),
        "account.recomputed" => t(
            "个人账户重新结算：年末余额",
            "Account year recomputed: closing balance",
        ),
        "benefit.recomputed" => t(
            "待遇重新核定：月养老金",
            "Benefit recomputed: monthly pension",
        ),
        other => text(other),
    };
    html! {
        h2 { (t("更正记录", "Corrections")) }
        (table(
            "corrections",
            &[
                ("更正项目", "What"),
                ("对象", "Of"),
                ("更正前 → 更正后", "Before → after"),
                ("差额", "Difference"),
                ("滞纳金", "Surcharge"),
                ("原因", "Reason"),
                ("处理方法", "Method"),
                ("更正条目 / 原条目", "Entry / corrects"),
            ],
            notes
                .iter()
                .map(|n| {
                    vec![
                        what(&n.kind),
                        text(if n.target == "benefit" { "—" } else { n.target.as_str() }),
                        html! { span.corrected { (n.before) " → " (n.after) } },
                        n.difference.map(amount).unwrap_or_default(),
                        n.surcharge.map(amount).unwrap_or_default(),
                        text(&n.reason),
                        text(&n.method),
                        text(format!("#{} / #{}", n.seq, n.corrects)),
                    ]
                })
                .collect(),
        ))
    }
}

/// "已更正" beside what a correction changed: a month (补缴, 退费) or an
/// account year (重新结算).
fn corrected_mark(r: &RightsRecord, part: CorrectedPart, target: &str) -> Markup {
    let corrected = r
        .corrections
        .iter()
        .any(|n| n.part == part && n.target == target);
    html! { @if corrected { " " span.corrected { (t("已更正", "corrected")) } } }
}

fn registration(r: &RightsRecord) -> Markup {
    let p = &r.person;
    html! {
        h2 { (t("参保登记", "Registration")) }
        table #person {
            (field("姓名", "Name", text(&p.name)))
            (field("身份号码", "ID", text(&p.id_number)))
            (field("出生日期 · 性别", "Birth date · gender", html! { (p.birth_date.to_string()) " · " (status_zh(&p.gender)) }))
            (field("地址", "Address", text(&p.address)))
            (field("电话", "Phone", text(&p.phone)))
            (field("参保登记日期", "Registered on", text(p.registered_on)))
        }
        @if !r.id_changes.is_empty() {
            h3 { (t("曾用身份证号（身份证号码变更）", "Former ID numbers (ID number changes)")) }
            (table(
                "id-changes",
                &[
                    ("变更日期", "Changed on"),
                    ("原号码", "Previous number"),
                    ("新号码", "New number"),
                    ("原因", "Reason"),
                    ("经办及审批", "Taken and approved by"),
                ],
                r.id_changes
                    .iter()
                    .map(|c| {
                        vec![
                            text(&c.effective_on),
                            text(&c.previous_masked),
                            text(&c.new_masked),
                            text(&c.reason),
                            text(&c.actors),
                        ]
                    })
                    .collect(),
            ))
        }
        @if let Some(e) = &r.erased {
            p id="erased" class="notice" {
                (t("个人身份信息已删除于", "Identifying data erased on")) " " (e.time)
                " · " (t("经办", "by")) " " (e.actors)
                " · " (t("原因", "reason")) " " (e.reason)
                " · " (t("依据", "basis")) " " (e.basis)
            }
        }
    }
}

/// 参保关系: each insurance type and where it stands; 已注销 with reason
/// and date when the record is closed.
fn relations(r: &RightsRecord) -> Markup {
    if r.relations.is_empty() && r.deregistered.is_none() {
        return html! {};
    }
    html! {
        h2 { (t("参保关系", "Insurance relationships")) }
        @if let Some(d) = &r.deregistered {
            p id="deregistered" class="notice" {
                (t("已注销", "De-registered")) " · " (t("原因", "reason")) " " (d.reason_zh)
                " · " (t("注销日期", "on")) " " (d.effective_on.to_string())
                @if let Some(death) = d.death_date {
                    " · " (t("死亡日期", "death date")) " " (death.to_string())
                }
                @if !d.note.is_empty() { " · " (d.note) }
            }
        }
        (table(
            "relations",
            &[
                ("险种", "Insurance"),
                ("状态", "Status"),
                ("缴费方式", "Paid by"),
                ("参保日期", "Enrolled on"),
                ("暂停/终止日期", "Suspended/ended on"),
                ("缴费基数", "Base"),
            ],
            r.relations
                .iter()
                .map(|v| {
                    vec![
                        text(v.insurance_zh),
                        text(v.status_zh),
                        text(match v.payer.as_str() {
                            "flexible" => "灵活就业（个人缴费）",
                            "employee" => "单位参保",
                            _ => "—",
                        }),
                        text(v.enrolled_on.map_or_else(|| "—".to_string(), |d| d.to_string())),
                        text(v.ended_on.map_or_else(|| "—".to_string(), |d| d.to_string())),
                        v.base.map(amount).unwrap_or_default(),
                    ]
                })
                .collect(),
        ))
    }
}

fn employment(r: &RightsRecord) -> Markup {
    html! {
        h2 { (t("就业记录", "Employment history")) }
        (table(
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
                        employer(&j.credit_code, &r.employer_names),
                        text(j.start_on),
                        text(j.end_on.map_or_else(|| "—".to_string(), |d| d.to_string())),
                        text(j.end_reason.as_deref().unwrap_or("")),
                    ]
                })
                .collect(),
        ))
    }
}

/// The contribution table's columns: month, employer, base, the eight
/// amounts, status, rule set.
const CONTRIBUTION_HEAD: [(&str, &str); 13] = [
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
];

/// A contribution month's base and amounts, in the table's column order.
fn month_figures(c: &ContributionRow) -> [Decimal; 10] {
    [
        c.base,
        c.pension_employer,
        c.pension_employee,
        c.medical_employer,
        c.medical_employee,
        c.unemployment_employer,
        c.unemployment_employee,
        c.work_injury_employer,
        c.account_credit,
        c.employer_total() + c.employee_total(),
    ]
}

/// A month as a cell: never wrapped.
pub(super) fn month_cell(m: Month) -> Markup {
    html! { span.nowrap { (m) } }
}

/// Who paid a month: the employer (code and name), or the person
/// (flexible employment).
fn payer_cell(code: &str, names: &BTreeMap<String, String>) -> Markup {
    if code.is_empty() {
        text("灵活就业（个人缴费）")
    } else {
        employer(code, names)
    }
}

/// The contribution months grouped by year, the latest year open: each
/// year a collapsible table with the year's totals per column.
fn contributions(r: &RightsRecord) -> Markup {
    let y = &r.contribution_years;
    let mut years: BTreeMap<i32, Vec<&ContributionRow>> = BTreeMap::new();
    for c in &r.contributions {
        years.entry(c.month.year()).or_default().push(c);
    }
    html! {
        h2 { (t("缴费记录", "Contributions")) }
        p #contribution-years {
            (t("累计缴费年限", "Contribution years")) "："
            b { (y.years) } " " (t("年", "years")) " "
            b { (y.months) } " " (t("个月", "months"))
            "（" (y.paid_months) " " (t("个月已到账", "months paid")) "）"
            @if y.arrears_months > 0 {
                "，" span.warn { (y.arrears_months) " " (t("个月欠费", "months in arrears")) }
            }
        }
        div #contributions {
            @if years.is_empty() { p { (t("无", "none")) } }
            @for (i, (year, months)) in years.iter().rev().enumerate() {
                (contribution_year(r, *year, months, i == 0))
            }
        }
        @if !r.subsidies.is_empty() {
            h3 { (t("社会保险补贴", "Subsidies")) }
            (table(
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
                        vec![month_cell(x.month), text(kind), amount(x.amount), text(&x.basis)]
                    })
                    .collect(),
            ))
        }
    }
}

/// One year of contribution months: a `<details>` (open for the latest
/// year) whose summary gives the months and the employer's and the
/// person's parts, over a table ending in the year's totals per column.
fn contribution_year(
    r: &RightsRecord,
    year: i32,
    months: &[&ContributionRow],
    open: bool,
) -> Markup {
    let mut totals = [Decimal::ZERO; 10];
    for c in months {
        for (sum, x) in totals.iter_mut().zip(month_figures(c)) {
            *sum += x;
        }
    }
    let employer_part: Decimal = months.iter().map(|c| c.employer_total()).sum();
    let employee_part: Decimal = months.iter().map(|c| c.employee_total()).sum();
    let mut rows: Vec<Vec<Markup>> = months
        .iter()
        .map(|c| {
            let mut row = vec![month_cell(c.month), payer_cell(&c.credit_code, &r.employer_names)];
            row.extend(month_figures(c).iter().take(9).map(|d| amount(*d)));
            row.push(html! { (contribution_status_label(c.month, c.status)) (corrected_mark(r, CorrectedPart::Contributions, &c.month.to_string())) });
            row.push(text(&c.rule_set));
            row
        })
        .collect();
    let mut total = vec![html! { b { (t("本年合计", "Year total")) } }, html! {}];
    total.extend(totals.iter().take(9).map(|d| amount(*d)));
    total.extend([html! {}, html! {}]);
    rows.push(total);
    html! {
        details.year open[open] data-year=(year) {
            summary {
                (year) " " (t("年", "")) " · " (months.len()) " " (t("个月", "months"))
                " · " (t("单位缴费", "employer part")) " " span.num { (yuan(employer_part)) }
                " · " (t("个人缴费", "employee part")) " " span.num { (yuan(employee_part)) }
            }
            (table_with_total(&format!("contributions-{year}"), &CONTRIBUTION_HEAD, rows))
        }
    }
}

fn account(r: &RightsRecord) -> Markup {
    html! {
        h2 { (t("个人账户", "Personal account")) }
        p {
            (t("账户余额（截至最近结算年度）", "Balance (last settled year)")) "："
            b #account-balance { (yuan(r.account_balance.unwrap_or_default())) }
        }
        (table(
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
                        html! { (y.year) (corrected_mark(r, CorrectedPart::Account, &y.year.to_string())) },
                        amount(y.opening_balance),
                        amount(y.credits),
                        text(y.rate),
                        amount(y.interest),
                        amount(y.closing_balance),
                        text(&y.rule_set),
                    ]
                })
                .collect(),
        ))
    }
}

fn benefit(r: &RightsRecord) -> Markup {
    html! {
        h2 { (t("待遇", "Benefits")) }
        @match &r.benefit {
            None => p #benefit { (t("尚未核定养老保险待遇", "No pension benefit granted")) },
            Some(b) => {
                table #benefit {
                    (field("状态", "Status", text(status_zh(b.status.as_str()))))
                    (field("起始月份", "From", text(b.start_month)))
                    (field("计发缴费月数", "Contribution months counted", html! { (b.contribution_months) }))
                    (field(
                        "月养老金 = 基础 + 个人账户 + 过渡性",
                        "Monthly pension = basic + account + transitional",
                        html! { (yuan(b.basic)) " + " (yuan(b.account)) " + " (yuan(b.transitional)) " = " b { (yuan(b.total)) } },
                    ))
                    (field("规则集", "Rule set", text(&b.rule_set)))
                }
                h3 { (t("待遇发放", "Payments")) }
                (table(
                    "payments",
                    &[
                        ("月份", "Month"),
                        ("金额", "Amount"),
                        ("规则集", "Rule set"),
                    ],
                    r.payments
                        .iter()
                        .map(|x| vec![month_cell(x.month), amount(x.amount), text(&x.rule_set)])
                        .collect(),
                ))
            }
        }
    }
}

/// Unemployment benefit (失业保险金), yearly pension adjustments (养老金调整)
/// and a death with what it settled (死亡待遇), when there are any.
fn life(r: &RightsRecord) -> Markup {
    let l = &r.life;
    html! {
        @if let Some(b) = &r.benefit {
            @if !l.adjustments.is_empty() {
                h3 { (t("养老金调整", "Yearly pension adjustments")) }
                (table(
                    "adjustments",
                    &[
                        ("年度", "Year"),
                        ("调整前", "Before"),
                        ("增加额", "Increase"),
                        ("调整后", "After"),
                        ("规则集", "Rule set"),
                    ],
                    l.adjustments
                        .iter()
                        .map(|a| vec![text(a.year), amount(a.pension_before), amount(a.increase), html! { b { (amount(a.new_pension)) } }, text(&a.rule_set)])
                        .collect(),
                ))
                p #pension-in-force { (t("现月养老金", "Monthly pension now")) "：" b { (yuan(l.pension_in_force(b))) } }
            }
        }
        @if !l.unemployment_claims.is_empty() {
            h2 { (t("失业保险金", "Unemployment benefit")) }
            (table(
                "unemployment-claims",
                &[
                    ("失业登记", "Registered"),
                    ("领取期间", "Months"),
                    ("缴费月数", "Contribution months"),
                    ("期限（月）", "Duration"),
                    ("月领取金额", "Monthly amount"),
                    ("状态", "Status"),
                    ("规则集", "Rule set"),
                ],
                l.unemployment_claims
                    .iter()
                    .map(|c| vec![
                        text(c.registered_on),
                        html! { (c.start_month) " – " (c.end_month) },
                        text(c.contribution_months),
                        html! { (c.duration_months) @if c.carried_months > 0 { " (" (t("含结转", "carried")) " " (c.carried_months) ")" } },
                        amount(c.monthly_amount),
                        if c.status == "open" { t("领取中", "open") } else { html! { (t("已停止", "ended")) " " (c.ended_on) } },
                        text(&c.rule_set),
                    ])
                    .collect(),
            ))
            h3 { (t("失业保险金发放", "Unemployment benefit paid")) }
            (table(
                "unemployment-payments",
                &[("月份", "Month"), ("金额", "Amount"), ("规则集", "Rule set")],
                l.unemployment_payments
                    .iter()
                    .map(|p| vec![month_cell(p.month), amount(p.amount), text(&p.rule_set)])
                    .collect(),
            ))
        }
        @if !l.injury_payments.is_empty() {
            h3 { (t("工伤待遇按月发放", "Work-injury benefits paid monthly")) }
            (table(
                "injury-payments",
                &[
                    ("月份", "Month"),
                    ("受伤日期", "Injury date"),
                    ("项目", "Item"),
                    ("金额", "Amount"),
                    ("支付方", "Paid by"),
                    ("规则集", "Rule set"),
                ],
                l.injury_payments
                    .iter()
                    .map(|p| vec![
                        month_cell(p.month),
                        text(p.injury_date),
                        text(super::record_claims::item_zh(&p.item)),
                        amount(p.amount),
                        text(super::record_claims::payer_zh(&p.payer)),
                        text(&p.rule_set),
                    ])
                    .collect(),
            ))
        }
        @if let Some(d) = &l.death {
            h2 { (t("死亡待遇", "On death")) }
            table #death {
                (field("死亡日期", "Date of death", text(d.died_on)))
                (field("追回死亡后发放的待遇", "Paid after death, recovered", amount(d.recovered)))
                (field("丧葬补助金", "Funeral grant", amount(d.funeral_grant)))
                (field("抚恤金", "Survivors' compensation", amount(d.survivor_compensation)))
                (field("个人账户余额（继承）", "Account balance to the heirs", amount(d.account_to_heirs)))
                (field("规则集", "Rule set", text(&d.rule_set)))
            }
        }
    }
}
