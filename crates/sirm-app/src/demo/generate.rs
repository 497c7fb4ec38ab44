//! The invented registration history of the demo: employers, persons and
//! their changes, drawn from a seeded generator (deterministic per seed).

use super::*;

/// A registration-history record, turned into its draft when emitted.
enum Event {
    Employer(EmployerRegistration),
    EmployerChange(EmployerChange),
    EmployerDeregistration(EmployerDeregistration),
    Person(PersonRegistration),
    PersonChange(PersonChange),
}

impl Event {
    fn draft(&self, cfg: &Config, actor: &str) -> Result<EntryDraft, AppError> {
        match self {
            Event::Employer(r) => employer_draft(cfg, actor, r),
            Event::EmployerChange(c) => employer_change_draft(cfg, actor, c),
            Event::EmployerDeregistration(d) => employer_deregistration_draft(cfg, actor, d),
            Event::Person(r) => person_draft(cfg, actor, r),
            Event::PersonChange(c) => person_change_draft(cfg, actor, c),
        }
    }
}

pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
pub(super) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓燕", "海燕", "子涵", "浩然", "雨桐",
    "思远",
];
const STREETS: &[&str] = &[
    "朝阳路",
    "建国路",
    "望京街",
    "酒仙桥路",
    "东三环中路",
    "工体北路",
    "亮马桥路",
    "团结湖路",
    "安立路",
    "北苑路",
];
const FIRM_WORDS: &[&str] = &[
    "华信", "京通", "宏达", "远景", "明德", "恒泰", "新元", "博雅", "启航", "嘉禾", "瑞丰", "众联",
];
const FIRM_KINDS: &[&str] = &[
    "科技有限公司",
    "商贸有限公司",
    "建筑工程有限公司",
    "餐饮管理有限公司",
    "物流有限公司",
    "文化传媒有限公司",
];
/// Birth-place region codes used for invented resident ID numbers.
const BIRTH_REGIONS: &[&str] = &[
    "110105", "110101", "110108", "120101", "130102", "310104", "320102", "330106", "370102",
    "420106", "440305", "510107",
];

pub(super) fn pick<'a, R: Rng>(rng: &mut R, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("")
}

pub(super) fn date_between<R: Rng>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=days))
}

pub(super) fn address<R: Rng>(rng: &mut R) -> String {
    format!(
        "北京市朝阳区{}{}号",
        pick(rng, STREETS),
        rng.gen_range(1..300)
    )
}

pub(super) fn phone<R: Rng>(rng: &mut R) -> String {
    format!(
        "1{}{:09}",
        ["3", "5", "8"][rng.gen_range(0..3)],
        rng.gen_range(0..1_000_000_000u64)
    )
}

/// GB 11714 organisation code: 8 characters and a check character.
fn org_code<R: Rng>(rng: &mut R) -> String {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let digits: Vec<u32> = (0..8).map(|_| rng.gen_range(0..10)).collect();
    let sum: u32 = digits.iter().zip(W).map(|(d, w)| d * w).sum();
    let c = 11 - sum % 11;
    let check = match c {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
    let mut s: String = digits
        .iter()
        .filter_map(|d| char::from_digit(*d, 10))
        .collect();
    s.push(check);
    s
}

struct Dated {
    on: NaiveDate,
    order: u64,
    event: Event,
}

pub(super) fn generate(
    cfg: &Config,
    req: &DemoRequest,
    out: &mut Emit,
) -> Result<DemoData, AppError> {
    let mut rng = ChaCha8Rng::seed_from_u64(req.seed);
    let actor = "sirm-demo";
    let start = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    let region: RegionCode = DEMO_REGION
        .parse()
        .map_err(|e| AppError::invalid("region", e))?;
    let mut events: Vec<Dated> = Vec::new();
    let mut order = 0u64;
    let mut push = |events: &mut Vec<Dated>, on: NaiveDate, event: Event| {
        order += 1;
        events.push(Dated { on, order, event });
    };

    // Staff accounts (security stream), before any business record.
    // The three administrators were created by `init`.
    for (username, display, role, _) in DEMO_ACCOUNTS.iter().skip(3) {
        let a = AccountCreated {
            username: username.to_string(),
            display_name: display.to_string(),
            agency: cfg.agency_code.clone(),
            roles: vec![role.to_string()],
            kind: sirm_domain::status::AccountKind::Staff,
            person_id: None,
            employer: None,
        };
        out.push(crate::drafts::account_created(cfg, actor, &a)?)?;
    }

    // Employers.
    let n_employers = (req.persons / 25).max(5);
    let mut codes = BTreeSet::new();
    let mut firms = Vec::new();
    for _ in 0..n_employers {
        let code = loop {
            let body = format!("91{}{}", region.as_str(), org_code(&mut rng));
            let code =
                CreditCode::from_body(&body).map_err(|e| AppError::invalid("credit_code", e))?;
            if codes.insert(code.clone()) {
                break code;
            }
        };
        let on = date_between(&mut rng, start - Duration::days(365 * 5), end);
        let r = EmployerRegistration {
            credit_code: code.clone(),
            name: format!(
                "北京{}{}{}",
                pick(&mut rng, FIRM_WORDS),
                pick(&mut rng, FIRM_WORDS),
                pick(&mut rng, FIRM_KINDS)
            ),
            address: address(&mut rng),
            industry_class: rng.gen_range(1..=8),
            registered_on: on,
        };
        let class = r.industry_class;
        push(&mut events, on, Event::Employer(r));
        let mut firm = history::Firm {
            code: code.clone(),
            class,
            registered_on: on,
            deregistered_on: None,
        };
        if rng.gen_bool(0.3) && on < end {
            let c_on = date_between(&mut rng, on + Duration::days(1), end);
            let c = EmployerChange {
                credit_code: code.clone(),
                effective_on: c_on,
                reason: "办公地址迁移".into(),
                name: None,
                address: Some(address(&mut rng)),
                industry_class: None,
            };
            push(&mut events, c_on, Event::EmployerChange(c));
        }
        if rng.gen_bool(0.05) && on < end {
            let d_on = date_between(&mut rng, on + Duration::days(1), end + Duration::days(300));
            let d = EmployerDeregistration {
                credit_code: code,
                effective_on: d_on,
                reason: "企业注销".into(),
            };
            push(&mut events, d_on, Event::EmployerDeregistration(d));
            firm.deregistered_on = Some(d_on);
        }
        firms.push(firm);
    }

    // Persons.
    let mut ids = BTreeSet::new();
    let mut people = Vec::new();
    for _ in 0..req.persons {
        let id = loop {
            let birth_region: RegionCode = pick(&mut rng, BIRTH_REGIONS)
                .parse()
                .map_err(|e| AppError::invalid("region", e))?;
            // Full careers: adult (18) by the end of 2015.
            let last_birth = if req.full_careers { 1997 } else { 2003 };
            let birth = date_between(
                &mut rng,
                NaiveDate::from_ymd_opt(1962, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(last_birth, 12, 31).unwrap_or_default(),
            );
            let id = ResidentId::from_parts(&birth_region, birth, rng.gen_range(1..=999))
                .map_err(|e| AppError::invalid("id", e))?;
            if ids.insert(id.clone()) {
                break id;
            }
        };
        let adult = id
            .birth_date()
            .with_year(id.birth_date().year() + 18)
            .unwrap_or(start);
        let on = if req.full_careers {
            let from = NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or(start);
            date_between(&mut rng, adult.max(from), start + Duration::days(364))
        } else {
            date_between(&mut rng, adult.max(start), end)
        };
        let name = format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN));
        let r = out.seal_person(&PersonDetails {
            id: id.clone(),
            name,
            address: address(&mut rng),
            phone: phone(&mut rng),
            registered_on: on,
        })?;
        let pk = r.id.clone();
        push(&mut events, on, Event::Person(r));
        people.push((id.clone(), on));
        let mut last = on;
        for _ in 0..rng.gen_range(0..3) {
            if last >= end {
                break;
            }
            let c_on = date_between(&mut rng, last + Duration::days(1), end);
            let moved = rng.gen_bool(0.5);
            let c = out.seal_change(
                &pk,
                &PersonChangeDetails {
                    id: id.clone(),
                    effective_on: c_on,
                    reason: if moved {
                        "居住地址变更".into()
                    } else {
                        "联系电话变更".into()
                    },
                    name: None,
                    address: moved.then(|| address(&mut rng)),
                    phone: (!moved).then(|| phone(&mut rng)),
                },
            )?;
            push(&mut events, c_on, Event::PersonChange(c));
            last = c_on;
        }
    }
    // History in the order it happened; registrations before their changes.
    events.sort_by_key(|e| (e.on, e.order));
    for e in events {
        out.push(e.event.draft(cfg, actor)?)?;
    }
    // The first person (the demo citizen) is employed, so make it first.
    let first_id = ids.iter().next().cloned();
    people.sort_by_key(|(id, _)| Some(id) != first_id.as_ref());
    let first_person = first_id.as_ref().map(|i| out.person_key(i));
    let (retiree, agent_employer) = if req.history {
        let h = history::history(cfg, &mut rng, &people, &firms, req.full_careers, out)?;
        (Some(h.retiree), Some(h.employer))
    } else {
        (None, codes.iter().next().cloned())
    };
    let flexible = relations(cfg, actor, &people, retiree.as_ref(), out)?;
    // The persons the other insurance types' life is shown on: those after
    // the three of `relations` (so the tests' small demos have none).
    let life = super::life::LifePersons {
        flexible,
        others: if req.history {
            people
                .iter()
                .skip(10)
                .map(|(id, _)| out.person_key(id))
                .filter(|pk| Some(pk) != retiree.as_ref())
                .skip(3)
                .take(super::life::CANDIDATES)
                .collect()
        } else {
            Vec::new()
        },
    };
    // External demo accounts, bound to the first person, the retiree and
    // the retiree's former employer.
    let first_employer = agent_employer;
    for (username, display, role, _) in DEMO_EXTERNAL {
        let a = AccountCreated {
            username: username.to_string(),
            display_name: display.to_string(),
            agency: cfg.agency_code.clone(),
            roles: vec![role.to_string()],
            kind: sirm_domain::status::AccountKind::External,
            person_id: match (*username, *role) {
                ("retiree", _) => retiree.clone(),
                (_, "insured_person") => first_person.clone(),
                _ => None,
            },
            employer: if *role == "employer_agent" {
                first_employer.clone()
            } else {
                None
            },
        };
        out.push(crate::drafts::account_created(cfg, actor, &a)?)?;
    }
    // Bench portal accounts, bound to persons spread over the invented ones.
    let mut bench_accounts = Vec::new();
    let n = req.bench_accounts.min(people.len());
    for i in 0..n {
        let Some((person, _)) = people.get(i * people.len() / n) else {
            continue;
        };
        let username = format!("bench-{:05}", i + 1);
        let a = AccountCreated {
            username: username.clone(),
            display_name: format!("压测参保人员 {}", i + 1),
            agency: cfg.agency_code.clone(),
            roles: vec!["insured_person".into()],
            kind: sirm_domain::status::AccountKind::External,
            person_id: Some(out.person_key(person)),
            employer: None,
        };
        out.push(crate::drafts::account_created(cfg, actor, &a)?)?;
        bench_accounts.push(username);
    }
    Ok(DemoData {
        bench_accounts,
        life,
    })
}

/// Insurance relationships of the demo (docs/relations.md), on persons
/// 11–13 of the generation (so a small demo, such as the tests' ten
/// persons, has none): one flexibly employed, one out of unemployment
/// insurance, one deceased (已注销). Three entries: generation stays fast.
fn relations(
    cfg: &Config,
    actor: &str,
    people: &[(ResidentId, NaiveDate)],
    retiree: Option<&PersonKey>,
    out: &mut Emit,
) -> Result<Option<PersonKey>, AppError> {
    use sirm_domain::records::{
        kind, DeregistrationReason, FlexibleRegistration, PersonDeregistration, RelationChange,
    };
    let chosen: Vec<(PersonKey, NaiveDate)> = people
        .iter()
        .skip(10)
        .map(|(id, on)| (out.person_key(id), *on))
        .filter(|(pk, _)| Some(pk) != retiree)
        .take(3)
        .collect();
    let [flexible, no_unemployment, deceased] = chosen.as_slice() else {
        return Ok(None);
    };
    let late = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap_or_default();
    fn business<T: serde::Serialize>(
        cfg: &Config,
        actor: &str,
        kind: &str,
        pk: &PersonKey,
        payload: &T,
    ) -> Result<EntryDraft, AppError> {
        crate::drafts::draft(
            cfg,
            sirm_ledger::Stream::Business,
            kind,
            sirm_domain::records::person_subject(pk),
            actor,
            payload,
        )
    }
    let f = FlexibleRegistration {
        id: flexible.0.clone(),
        base: rust_decimal::Decimal::new(800000, 2),
        start_on: flexible.1.max(late),
    };
    out.push(business(cfg, actor, kind::FLEXIBLE_REGISTERED, &f.id, &f)?)?;
    let t = RelationChange {
        id: no_unemployment.0.clone(),
        insurances: vec![sirm_domain::rules::Insurance::Unemployment],
        effective_on: no_unemployment.1.max(late),
        reason: "本人申请终止失业保险".into(),
    };
    out.push(business(cfg, actor, kind::INSURANCE_TERMINATED, &t.id, &t)?)?;
    let on = deceased.1.max(late);
    let d = PersonDeregistration {
        id: deceased.0.clone(),
        reason: DeregistrationReason::Death,
        effective_on: on,
        death_date: Some(on),
        note: String::new(),
    };
    out.push(business(cfg, actor, kind::PERSON_DEREGISTERED, &d.id, &d)?)?;
    Ok(Some(flexible.0.clone()))
}
