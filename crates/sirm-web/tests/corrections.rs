//! Corrections of everything (Art 11, 12), on both engines, through the
//! review chain over the real HTTP API, on the demo's ten years of history:
//! - a paid month's base raised by a supplementary payment (补缴): the
//!   difference per insurance type and the late-payment surcharge checked
//!   against RULES.md's formulas computed here, the account credit
//!   following; another lowered and a third refunded whole (退费);
//! - the settled account years recomputed from the corrected months, the
//!   difference carried forward year by year;
//! - the retiree's benefit recomputed from the corrected record, with the
//!   underpayment over the months already paid;
//! - an employment's period corrected, with the months it affects;
//! - every refusal names its field and rule, and appends nothing;
//! - the record (portal page) and the maintenance log show each correction
//!   with before and after; `sirm verify` replays the projections equal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use reqwest::StatusCode;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use sirm_domain::id::PersonKey;
use sirm_domain::rules::ruleset::{Insurance, Params, Payer};
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;
use sirm_store::ContributionRow;
use sirm_testkit::{both_engines, Client, Engine, Options, TestApp};

both_engines!(corrections_of_everything);

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn dec_of(v: &Value) -> Decimal {
    dec(v
        .as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}")))
}

/// The four people of the review chain, signed in once.
struct Chain {
    app: TestApp,
    maintainer: Client,
    deciders: Vec<(Client, &'static str)>,
    query: Client,
}

impl Chain {
    async fn new(engine: Engine) -> Chain {
        let mut o = Options::new(engine).persons(10).history();
        o.seed = 3;
        let app = TestApp::start(o).await;
        let maintainer = app.login("maintainer").await;
        let mut deciders = Vec::new();
        for (user, stage) in [
            ("reviewer", "review"),
            ("rechecker", "recheck"),
            ("approver", "approval"),
        ] {
            deciders.push((app.login(user).await, stage));
        }
        let query = app.login("query").await;
        Chain {
            app,
            maintainer,
            deciders,
            query,
        }
    }

    /// Submit as the maintenance officer; the refusal, or the application
    /// approved by three more people and its one entry's payload.
    async fn through(&self, bt: &str, data: Value) -> Result<Value, (StatusCode, Value)> {
        self.through_as(&self.maintainer, bt, data).await
    }

    /// The same, taken by `taker`; the first entry's payload.
    async fn through_as(
        &self,
        taker: &Client,
        bt: &str,
        data: Value,
    ) -> Result<Value, (StatusCode, Value)> {
        let body = json!({
            "business_type": bt,
            "data": data,
            "materials": [{"name": "scan.png", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n material")}]
        });
        let (s, v) = taker.post("/api/v1/applications", body).await;
        if s != StatusCode::CREATED {
            return Err((s, v));
        }
        let id = v["application_id"].as_str().unwrap().to_string();
        for (c, stage) in &self.deciders {
            let (s, v) = c
                .post(
                    &format!("/api/v1/applications/{id}/decision"),
                    json!({"stage": stage, "approve": true}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{stage}: {v}");
        }
        let (s, log) = self.query.get("/api/v1/maintenance-log").await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let rows: Vec<&Value> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["application"] == id.as_str())
            .collect();
        assert!(!rows.is_empty(), "{log}");
        // The maintenance log (Art 12) shows the values before beside the
        // entry, its reason and its handling method.
        let (row, after) = (rows[0], &rows[0]["after"]);
        if after.get("method").is_some() {
            assert_eq!(row["before"], after["before"], "{row}");
            assert_eq!(row["method"], after["method"], "{row}");
            assert_eq!(row["reason"], after["reason"], "{row}");
        }
        if !after["corrects"].is_null() {
            let want = format!("corrects:{}", after["corrects"]);
            assert!(
                row["origin"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|o| *o == want.as_str()),
                "{row}"
            );
        }
        Ok(after.clone())
    }

    /// A refusal by `rule` naming `field`, with nothing appended.
    async fn refused(&self, bt: &str, data: Value, field: &str, rule: &str) {
        let before = self.app.ledger_size().await;
        let (s, v) = self.through(bt, data.clone()).await.expect_err("refused");
        assert!(s.is_client_error(), "{s} {v}");
        assert_eq!(v["error"]["rule"], rule, "{bt} {data}: {v}");
        assert_eq!(v["error"]["field"], field, "{bt} {data}: {v}");
        assert_eq!(self.app.ledger_size().await, before, "{bt}: appended");
    }

    fn store(&self) -> &sirm_store::Store {
        self.app.sirm.store_for_maintenance()
    }
}

/// The demo region's parameters of a year.
fn params(year: i32) -> Params {
    let book = sirm_domain::rules::builtin::rule_book().unwrap();
    book.by_region("110105")
        .unwrap()
        .year(year)
        .unwrap()
        .clone()
}

/// RULES.md: amount = base × rate rounded half up to the fen, per
/// insurance type and payer (pension, medical, unemployment, work injury).
fn amounts(p: &Params, base: Decimal, class: u8) -> [Decimal; 7] {
    let r = |i, p_, c| p.rates.rate(i, p_, c).unwrap();
    [
        fen(base * r(Insurance::Pension, Payer::Employer, None)),
        fen(base * r(Insurance::Pension, Payer::Employee, None)),
        fen(base * r(Insurance::Medical, Payer::Employer, None)),
        fen(base * r(Insurance::Medical, Payer::Employee, None)),
        fen(base * r(Insurance::Unemployment, Payer::Employer, None)),
        fen(base * r(Insurance::Unemployment, Payer::Employee, None)),
        fen(base * r(Insurance::WorkInjury, Payer::Employer, Some(class))),
    ]
}

const AMOUNT_KEYS: [&str; 7] = [
    "pension_employer",
    "pension_employee",
    "medical_employer",
    "medical_employee",
    "unemployment_employer",
    "unemployment_employee",
    "work_injury_employer",
];

/// RULES.md: interest_Y = B × r + Σ c_m × r × (13 − m) / 12, rounded at
/// year end; B_Y = B + Σ c_m + interest.
fn settle(opening: Decimal, rate: Decimal, credits: &[(u32, Decimal)]) -> Decimal {
    let weighted: Decimal = credits
        .iter()
        .map(|(m, c)| *c * rate * Decimal::from(13 - m) / Decimal::from(12))
        .sum();
    let sum: Decimal = credits.iter().map(|(_, c)| *c).sum();
    opening + sum + fen(opening * rate + weighted)
}

async fn corrections_of_everything(engine: Engine) {
    let ch = Chain::new(engine).await;
    let store = ch.store();
    let retiree = store
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let pk: PersonKey = retiree.parse().unwrap();
    let id = ch
        .app
        .sirm
        .person_view(&pk)
        .await
        .unwrap()
        .unwrap()
        .id_text();
    let rows = store.contributions_of(&retiree).await.unwrap();
    let paid: Vec<&ContributionRow> = rows
        .iter()
        .filter(|c| c.status == ContributionStatus::Paid)
        .collect();
    // Three paid months of the retiree's last year of work with room
    // between floor and ceiling.
    let last_year = paid.last().unwrap().month.year();
    let p = params(last_year);
    let (floor, ceiling) = (p.floor.unwrap(), p.ceiling.unwrap());
    let roomy: Vec<&ContributionRow> = paid
        .iter()
        .copied()
        .filter(|c| {
            c.month.year() == last_year
                && c.base >= floor + dec("500")
                && c.base + dec("1000") <= ceiling
        })
        .collect();
    assert!(roomy.len() >= 3, "{roomy:?}");
    let (m1, m2, m3) = (roomy[0].clone(), roomy[1].clone(), roomy[2].clone());
    let class = u8::try_from(
        store
            .employer_class(&m1.credit_code, "110105")
            .await
            .unwrap()
            .unwrap()
            .0,
    )
    .unwrap();
    let today = chrono::Utc::now().date_naive();
    let paid_on = today - chrono::Duration::days(1);
    let why = "稽核发现申报基数低于实际工资";

    // --- Refusals: each names its field and rule; nothing is appended.
    let supplement = |month: Month, base: &str| json!({"id": id, "month": month, "base": base, "paid_on": paid_on, "reason": why, "method": "补缴差额及滞纳金"});
    ch.refused(
        "contribution.supplement",
        supplement(m1.month, &m1.base.to_string()),
        "base",
        "correction.base-unchanged",
    )
    .await;
    ch.refused(
        "contribution.supplement",
        supplement(m1.month, &(ceiling + Decimal::ONE).to_string()),
        "base",
        "correction.base-bounds",
    )
    .await;
    ch.refused(
        "contribution.supplement",
        supplement(m1.month, &format!("{}.50", m1.base)),
        "base",
        "correction.base-bounds",
    )
    .await;
    ch.refused(
        "contribution.supplement",
        supplement(m1.month, &(m1.base - dec("100")).to_string()),
        "base",
        "correction.base-direction",
    )
    .await;
    ch.refused(
        "contribution.refund",
        json!({"id": id, "month": m2.month, "base": (m2.base + dec("100")).to_string(), "refunded_on": paid_on, "reason": why, "method": "退还多缴部分"}),
        "base",
        "correction.base-direction",
    )
    .await;
    let mut no_method = supplement(m1.month, &(m1.base + dec("1000")).to_string());
    no_method["method"] = json!(" ");
    ch.refused(
        "contribution.supplement",
        no_method,
        "method",
        "field.required",
    )
    .await;
    // A month not paid: contribution.correct's, not a 补缴's.
    let mut unpaid = None;
    for other in sirm_app::testkit::person_ids(&ch.app.sirm, 20)
        .await
        .unwrap()
    {
        let opk = sirm_app::testkit::pk_of(&ch.app.sirm, &other).unwrap();
        if let Some(c) = store
            .contributions_of(&opk)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.status == ContributionStatus::Assessed)
        {
            unpaid = Some((other, c));
            break;
        }
    }
    let (other, c) = unpaid.expect("the demo has months in arrears");
    ch.refused(
        "contribution.supplement",
        json!({"id": other, "month": c.month, "base": (c.base + dec("1")).to_string(), "paid_on": paid_on, "reason": why, "method": "补缴"}),
        "month",
        "correction.not-paid",
    )
    .await;
    // Nothing changed upstream yet: no recomputation to record.
    let recompute = |year: i32| json!({"id": id, "year": year, "reason": "补缴后重新结算", "method": "差额结转下年"});
    ch.refused(
        "account.recompute",
        recompute(last_year),
        "year",
        "correction.no-change",
    )
    .await;
    ch.refused(
        "account.recompute",
        recompute(2014),
        "year",
        "correction.not-settled",
    )
    .await;
    let benefit = json!({"id": id, "reason": "缴费基数更正后重新核定", "method": "补发差额"});
    ch.refused(
        "benefit.recompute",
        benefit.clone(),
        "id",
        "correction.no-change",
    )
    .await;

    // --- 补缴: base raised by 1000; the difference and the surcharge.
    let new_base = m1.base + dec("1000");
    let e = ch
        .through(
            "contribution.supplement",
            supplement(m1.month, &new_base.to_string()),
        )
        .await
        .unwrap();
    let (old, new) = (amounts(&p, m1.base, class), amounts(&p, new_base, class));
    let mut total = Decimal::ZERO;
    for (i, k) in AMOUNT_KEYS.iter().enumerate() {
        assert_eq!(dec_of(&e["before"]["amounts"][k]), old[i], "{k}: {e}");
        assert_eq!(dec_of(&e["result"]["amounts"][k]), new[i], "{k}: {e}");
        assert_eq!(dec_of(&e["difference"][k]), new[i] - old[i], "{k}: {e}");
        total += new[i] - old[i];
    }
    assert_eq!(dec_of(&e["difference_total"]), total, "{e}");
    assert_eq!(dec_of(&e["before"]["base"]), m1.base);
    assert_eq!(dec_of(&e["result"]["base"]), new_base);
    // RULES.md: 0.0005 × overdue × days from the due date (the month's
    // last day) to the payment.
    let due = m1.month.last_day();
    let days = (paid_on - due).num_days();
    assert_eq!(e["due_on"], due.to_string());
    assert_eq!(e["surcharge"]["days"], days, "{e}");
    assert_eq!(dec_of(&e["surcharge"]["daily_rate"]), dec("0.0005"));
    assert_eq!(
        dec_of(&e["surcharge"]["surcharge"]),
        fen(total * dec("0.0005") * Decimal::from(days)),
        "{e}"
    );
    assert_eq!(dec_of(&e["account_credit_difference"]), new[1] - old[1]);
    assert!(e["corrects"].as_u64().unwrap() > 0, "{e}");
    assert_eq!(e["reason"], why);
    assert_eq!(e["method"], "补缴差额及滞纳金");
    let row =
        |rows: Vec<ContributionRow>, m: Month| rows.into_iter().find(|c| c.month == m).unwrap();
    let now = row(store.contributions_of(&retiree).await.unwrap(), m1.month);
    assert_eq!(
        (now.base, now.account_credit, now.status),
        (new_base, new[1], ContributionStatus::Paid)
    );

    // --- 退费: base lowered by 500; then a month refunded whole.
    let lower = m2.base - dec("500");
    let e = ch
        .through(
            "contribution.refund",
            json!({"id": id, "month": m2.month, "base": lower.to_string(), "refunded_on": paid_on, "reason": "申报基数高于实际工资", "method": "退还多缴部分"}),
        )
        .await
        .unwrap();
    let (old2, new2) = (amounts(&p, m2.base, class), amounts(&p, lower, class));
    let total2: Decimal = (0..7).map(|i| new2[i] - old2[i]).sum();
    assert_eq!(dec_of(&e["difference_total"]), total2, "{e}");
    assert!(total2 < Decimal::ZERO);
    assert!(e.get("surcharge").is_none(), "{e}");
    let years_before = ch
        .app
        .sirm
        .rights_of(&pk)
        .await
        .unwrap()
        .contribution_years
        .paid_months;
    let e = ch
        .through(
            "contribution.refund",
            json!({"id": id, "month": m3.month, "refunded_on": paid_on, "reason": "该月重复缴费", "method": "全额退费"}),
        )
        .await
        .unwrap();
    assert!(e.get("result").is_none(), "{e}");
    assert_eq!(dec_of(&e["account_credit_difference"]), -m3.account_credit);
    let now = row(store.contributions_of(&retiree).await.unwrap(), m3.month);
    assert_eq!(now.status, ContributionStatus::Refunded);
    let record = ch.app.sirm.rights_of(&pk).await.unwrap();
    assert_eq!(record.contribution_years.paid_months, years_before - 1);
    assert_eq!(record.corrections.len(), 3, "{:?}", record.corrections);
    assert_eq!(record.corrections[0].before, m1.base.to_string());
    assert_eq!(record.corrections[0].after, new_base.to_string());
    assert_eq!(record.corrections[2].after, "—");
    // A refunded month is not paid any more.
    ch.refused(
        "contribution.refund",
        json!({"id": id, "month": m3.month, "refunded_on": paid_on, "reason": "x", "method": "y"}),
        "month",
        "correction.not-paid",
    )
    .await;

    // --- The account years from the corrected one on, settled again.
    let mut year = last_year;
    while store
        .account_years_of(&retiree)
        .await
        .unwrap()
        .iter()
        .any(|y| y.year == i64::from(year))
    {
        let years = store.account_years_of(&retiree).await.unwrap();
        let before = years
            .iter()
            .find(|y| y.year == i64::from(year))
            .unwrap()
            .clone();
        let opening = years
            .iter()
            .find(|y| y.year == i64::from(year) - 1)
            .map_or(Decimal::ZERO, |y| y.closing_balance);
        let credits: Vec<(u32, Decimal)> = store
            .contributions_of(&retiree)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.status == ContributionStatus::Paid && c.month.year() == year)
            .map(|c| (c.month.month(), c.account_credit))
            .collect();
        let expected = settle(opening, before.rate, &credits);
        let e = ch
            .through("account.recompute", recompute(year))
            .await
            .unwrap();
        assert_eq!(
            dec_of(&e["before"]["closing_balance"]),
            before.closing_balance,
            "{e}"
        );
        assert_eq!(
            dec_of(&e["result"]["closing_balance"]),
            expected,
            "{year}: {e}"
        );
        assert_eq!(
            dec_of(&e["difference"]),
            expected - before.closing_balance,
            "{e}"
        );
        assert_eq!(
            dec_of(&e["result"]["inputs"]["opening_balance"]),
            opening,
            "{e}"
        );
        let after = store.account_years_of(&retiree).await.unwrap();
        let now = after.iter().find(|y| y.year == i64::from(year)).unwrap();
        assert_eq!(now.closing_balance, expected);
        year += 1;
    }
    assert!(
        year > last_year + 1,
        "the retiree's account is settled after {last_year}"
    );

    // --- The benefit recomputed: RULES.md's pension from the corrected
    // record, and the underpayment over the months paid.
    let b = store.benefit_row(&retiree).await.unwrap().unwrap();
    let e = ch.through("benefit.recompute", benefit).await.unwrap();
    let g = &e["granted"];
    let as_of: chrono::NaiveDate = g["retirement"]["inputs"]["as_of"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let book = sirm_domain::rules::builtin::rule_book().unwrap();
    let set = book.by_region("110105").unwrap();
    let bases = store.paid_bases(&retiree).await.unwrap();
    let ratios: Decimal = bases
        .iter()
        .map(|(m, base)| *base / set.year(m.year()).unwrap().avg_wage.unwrap())
        .sum();
    let index = (ratios / Decimal::from(bases.len() as u64))
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(dec_of(&g["index"]["index"]), index, "{g}");
    let retire_year = Month::of_date(as_of).year();
    let rp = set
        .year(
            g["retirement"]["retirement_month"].as_str().unwrap()[..4]
                .parse()
                .unwrap(),
        )
        .unwrap();
    let c = rp.pension_base_wage.unwrap();
    let n = Decimal::from(bases.len() as u64 + 120);
    assert_eq!(
        dec_of(&g["pension"]["basic"]),
        fen((c + c * index) / Decimal::from(2) * n / Decimal::from(12) / Decimal::from(100)),
        "{g}"
    );
    let balance = store
        .account_years_of(&retiree)
        .await
        .unwrap()
        .iter()
        .rfind(|y| y.year < i64::from(retire_year))
        .unwrap()
        .closing_balance;
    let payout = Decimal::from(g["pension"]["payout_months"].as_u64().unwrap());
    assert_eq!(
        dec_of(&g["pension"]["account"]),
        fen(balance / payout),
        "{g}"
    );
    let new_total = dec_of(&g["pension"]["total"]);
    assert_eq!(dec_of(&e["before"]["total"]), b.total);
    let payments = store.benefit_payments_of(&retiree).await.unwrap();
    let paid_total: Decimal = payments.iter().map(|x| x.amount).sum();
    assert_eq!(e["months_paid"], payments.len());
    assert_eq!(dec_of(&e["paid_total"]), paid_total);
    assert_eq!(
        dec_of(&e["difference"]),
        new_total * Decimal::from(payments.len() as u64) - paid_total,
        "{e}"
    );
    // Every month was paid the old total: the difference is the change of
    // the monthly pension over them (here lower: a month refunded whole
    // counts one contribution month less).
    assert_eq!(
        dec_of(&e["difference"]),
        (new_total - b.total) * Decimal::from(payments.len() as u64),
        "{e}"
    );
    assert_ne!(new_total, b.total);
    assert_eq!(
        store.benefit_row(&retiree).await.unwrap().unwrap().total,
        new_total
    );
    // The next payment run pays the recomputed amount.
    let next = payments.last().unwrap().month.add_months(1);
    let clerk = ch.app.login("clerk").await;
    ch.through_as(&clerk, "benefit.payment_run", json!({"month": next}))
        .await
        .unwrap();
    let paid_next = store.benefit_payments_of(&retiree).await.unwrap();
    assert_eq!(
        paid_next.last().map(|x| (x.month, x.amount)),
        Some((next, new_total))
    );

    // --- An employment's period: starts a month later; the first month
    // assessed now lies outside it.
    let mut job = None;
    for other in sirm_app::testkit::person_ids(&ch.app.sirm, 20)
        .await
        .unwrap()
    {
        let opk = sirm_app::testkit::pk_of(&ch.app.sirm, &other).unwrap();
        let jobs = store.employments_of(&opk).await.unwrap();
        let contributions = store.contributions_of(&opk).await.unwrap();
        if let Some(j) = jobs.iter().find(|j| {
            j.end_on.is_none()
                && contributions.iter().any(|c| {
                    c.credit_code == j.credit_code && c.month == Month::of_date(j.start_on)
                })
        }) {
            job = Some((other, opk, j.clone()));
            break;
        }
    }
    let (person, opk, j) = job.expect("an open employment with its first month assessed");
    let later = Month::of_date(j.start_on).add_months(1).first_day();
    let fix = |start: chrono::NaiveDate| json!({"id": person, "credit_code": j.credit_code, "start_on": j.start_on, "new_start_on": start, "reason": "劳动合同核对：入职日期登记错误", "method": "更正就业开始日期，首月缴费另行退费"});
    ch.refused(
        "employment.correct",
        fix(j.start_on),
        "new_start_on",
        "correction.no-change",
    )
    .await;
    ch.refused(
        "employment.correct",
        fix(today + chrono::Duration::days(40)),
        "new_start_on",
        "date.future",
    )
    .await;
    let e = ch.through("employment.correct", fix(later)).await.unwrap();
    assert_eq!(e["before"]["start_on"], j.start_on.to_string());
    assert_eq!(e["start_on"], later.to_string());
    assert_eq!(
        e["months_outside"],
        json!([Month::of_date(j.start_on)]),
        "{e}"
    );
    let jobs = store.employments_of(&opk).await.unwrap();
    assert!(
        jobs.iter()
            .any(|x| x.credit_code == j.credit_code && x.start_on == later),
        "{jobs:?}"
    );

    // --- The record shows each correction, old → new.
    let retiree_portal = ch.app.login("retiree").await;
    let (s, page) = retiree_portal.page("/my/record").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("更正记录"), "{page}");
    assert!(page.contains("已更正"), "{page}");
    assert!(
        page.contains(&format!("{} → {}", m1.base, new_base)),
        "{page}"
    );
    assert!(page.contains("已退费"), "{page}");
    // The projections replay from the ledger alone, equal.
    // The statistics summaries followed every corrected month: as kept by
    // the applier they equal a fresh fill from the contribution rows.
    let store = ch.store();
    let kept = store.projection_digest().await.unwrap();
    store.fill_statistics_summaries().await.unwrap();
    assert_eq!(store.projection_digest().await.unwrap(), kept);
    assert!(ch.app.sirm.verify(vec![]).await.unwrap().is_intact());
}
