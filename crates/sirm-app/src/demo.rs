//! `sirm demo`: a complete, ordinary installation with invented data —
//! one region, one agency, staff accounts, employers and persons with several
//! years of registration history. Deterministic for a given seed (the data;
//! ledger times and signatures are real).

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sirm_domain::id::{CreditCode, PersonKey, RegionCode, ResidentId};
use sirm_domain::records::{
    self, kind, AccountCreated, EmployerChange, EmployerDeregistration, EmployerRegistration,
    PersonChange, PersonChangeDetails, PersonDetails, PersonRegistration,
};
use sirm_ledger::{EntryDraft, Stream};

use crate::install::{draft, init, InitRequest};
use crate::registration::{
    employer_change_draft, employer_deregistration_draft, employer_draft, person_change_draft,
    person_draft,
};
use crate::{password, Access, AppError, Config, OpenOptions, Sirm};

pub const DEMO_REGION: &str = "110105";
pub const DEMO_AGENCY: &str = "北京市朝阳区社会保险事业管理中心（演示）";
/// Every demo account has this password. Demo data only.
mod history;

pub const DEMO_PASSWORD: &str = "Sirm-Demo-2026!";
/// The demo telephone (IVR) system's client credential (`X-SIRM-Client`);
/// its SHA-256 is in the demo's `[ivr] clients`. Demo data only.
pub const DEMO_IVR_CLIENT: &str = "sirm-ivr-demo-not-secret";
const BATCH: usize = 10_000;

/// The demo staff: (username, display name, role, role in Chinese).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("sysadmin", "系统管理员 王磊", "system_admin", "系统管理员"),
    (
        "secadmin",
        "安全管理员 李静",
        "security_admin",
        "安全管理员",
    ),
    ("auditadmin", "审计管理员 张敏", "audit_admin", "审计管理员"),
    ("dba", "数据库管理员 刘洋", "database_admin", "数据库管理员"),
    ("clerk", "初审 陈晓", "clerk", "初审（前台经办）"),
    ("reviewer", "审核 杨帆", "reviewer", "审核"),
    ("rechecker", "复核 赵丽", "rechecker", "复核"),
    ("approver", "审批 黄强", "approver", "审批"),
    ("maintainer", "维护员 周洁", "maintenance_officer", "维护员"),
    ("query", "查询员 吴涛", "query_officer", "查询员"),
];

/// Demo external accounts: an insured person bound to the first invented
/// person, a retiree with a granted pension, and an employer agent bound to
/// the retiree's former employer.
pub const DEMO_EXTERNAL: &[(&str, &str, &str, &str)] = &[
    ("citizen", "参保人员（演示）", "insured_person", "参保人员"),
    ("retiree", "退休人员（演示）", "insured_person", "退休人员"),
    (
        "agent",
        "用人单位经办人（演示）",
        "employer_agent",
        "用人单位经办人",
    ),
];

/// The demo TOTP secret of a staff account (base32). Demo data only.
pub fn demo_totp_secret(username: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("sirm-demo-totp:{username}").as_bytes());
    let mut raw = [0u8; 20];
    raw.copy_from_slice(&h[..20]);
    sirm_domain::access::totp::generate_secret(raw).to_base32()
}

#[derive(Clone, Debug)]
pub struct DemoRequest {
    pub seed: u64,
    pub persons: usize,
    /// Ten years of employment, contributions, settlements and a retiree
    /// (off for tests that write their own history).
    pub history: bool,
    /// Extra insured-person portal accounts `bench-00001`, `bench-00002`, …
    /// bound to persons spread evenly over the invented ones, all with the
    /// demo password (for load benchmarks; 0 in the ordinary demo).
    pub bench_accounts: usize,
    /// Every person registered before 2016 and employed, with contributions,
    /// for all 120 months of 2016–2025 (the load benchmark's scale: about
    /// 120 contribution rows per person). Off in the ordinary demo, whose
    /// persons register through 2015–2025 and 15 % of whom are not employed.
    pub full_careers: bool,
    /// Crypto profile of a new demo installation (`sirm demo --crypto`).
    pub profile: sirm_ledger::CryptoProfile,
}

#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
    /// False when the directory already held an installation (reused as is).
    pub created: bool,
    pub entries: u64,
    pub persons: u64,
    pub employers: u64,
}

/// Build the demo installation at `opts` unless one is already there.
pub async fn ensure_demo(opts: &OpenOptions, req: &DemoRequest) -> Result<DemoReport, AppError> {
    if opts.data_dir.is_installed() {
        let sirm = Sirm::open(opts, Access::Sign).await?;
        let c = sirm.store.counts().await?;
        sirm.store.close().await;
        return Ok(DemoReport {
            created: false,
            entries: c.entries,
            persons: c.persons,
            employers: c.employers,
        });
    }
    init(
        opts,
        &InitRequest {
            region: DEMO_REGION.into(),
            agency_name: DEMO_AGENCY.into(),
            admin_username: DEMO_ACCOUNTS[0].0.into(),
            admin_display_name: DEMO_ACCOUNTS[0].1.into(),
            security_admin: (DEMO_ACCOUNTS[1].0.into(), DEMO_ACCOUNTS[1].1.into()),
            audit_admin: (DEMO_ACCOUNTS[2].0.into(), DEMO_ACCOUNTS[2].1.into()),
            admin_password: DEMO_PASSWORD.into(),
            profile: req.profile,
        },
    )
    .await?;
    // The demo telephone system may call the telephone channel.
    {
        use sha2::Digest;
        use std::io::Write;
        let path = opts.data_dir.config_path();
        let hash = hex::encode(sha2::Sha256::digest(DEMO_IVR_CLIENT.as_bytes()));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| writeln!(f, "\n[ivr]\nclients = [\"{hash}\"]"))
            .map_err(|e| AppError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
    }
    let sirm = Sirm::open(opts, Access::Sign).await?;
    let size = sirm
        .store
        .head()
        .await?
        .map(|h| h.checkpoint.tree_size)
        .unwrap_or(0);
    // The generator runs on a blocking thread and hands over batches of
    // `BATCH` drafts through a short channel; each batch is one append (one
    // transaction, one signed checkpoint). Memory stays bounded by a few
    // batches plus small per-person plans, whatever the number of persons.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let cfg = sirm.config.clone();
    let gen_req = req.clone();
    let vault = sirm.vault()?.clone();
    let generator = tokio::task::spawn_blocking(move || {
        let mut out = Emit::new(tx, size + 1, vault);
        let data = generate(&cfg, &gen_req, &mut out)?;
        out.flush()?;
        Ok::<_, AppError>(data)
    });
    while let Some((keys, batch)) = rx.recv().await {
        // Keys first: an entry is never written before the key that opens it.
        sirm.store
            .insert_person_keys(&keys, chrono::Utc::now().timestamp_micros())
            .await?;
        sirm.append(batch).await?;
    }
    let data = generator
        .await
        .map_err(|e| AppError::invalid("demo", format!("the generator failed: {e}")))??;
    let hash = password::hash(DEMO_PASSWORD)?;
    let now = chrono::Utc::now().timestamp_micros();
    for username in DEMO_ACCOUNTS
        .iter()
        .chain(DEMO_EXTERNAL)
        .map(|a| a.0.to_string())
        .chain(data.bench_accounts)
    {
        sirm.store
            .set_password(&username, &hash, false, now, 5)
            .await?;
    }
    // Staff sign in with a second factor (`second_factor_for_staff`, on by
    // default): demo secrets, printed with the logins.
    for (username, _, _, _) in DEMO_ACCOUNTS {
        sirm.store
            .set_totp(
                username,
                Some(&sirm.seal_totp(username, &demo_totp_secret(username))?),
                &[],
            )
            .await?;
    }
    demo_applications(&sirm, req.seed).await?;
    let c = sirm.store.counts().await?;
    sirm.store.close().await;
    // Planner statistics after the bulk load (PostgreSQL, as the owner).
    if sirm.store.engine() == sirm_store::Engine::Postgres {
        let owner = sirm_store::Store::connect(
            &opts.store_config(Some(&sirm.config)),
            sirm_store::Role::Owner,
        )
        .await?;
        owner.analyze().await?;
        owner.close().await;
    }
    Ok(DemoReport {
        created: true,
        entries: c.entries,
        persons: c.persons,
        employers: c.employers,
    })
}

/// What the generator reports besides its entries.
struct DemoData {
    /// Usernames of the bench portal accounts.
    bench_accounts: Vec<String>,
}

/// The generator's output: drafts in ledger order, handed to the appender
/// in batches of [`BATCH`].
struct Emit {
    buf: Vec<EntryDraft>,
    next_seq: u64,
    tx: tokio::sync::mpsc::Sender<Batch>,
    /// Seals the invented persons' fields like the clerk's use cases do.
    vault: crate::privacy::Vault,
    /// Data keys made in this run, by blind index.
    deks: std::collections::HashMap<PersonKey, sirm_ledger::SecretKey>,
    /// Wrapped data keys not yet handed over (stored before their batch).
    keys: Vec<(String, String, String)>,
}

/// One batch: wrapped data keys to store, then drafts to append.
type Batch = (Vec<(String, String, String)>, Vec<EntryDraft>);

impl Emit {
    fn new(
        tx: tokio::sync::mpsc::Sender<Batch>,
        first_seq: u64,
        vault: crate::privacy::Vault,
    ) -> Self {
        Emit {
            buf: Vec::with_capacity(BATCH),
            next_seq: first_seq,
            tx,
            vault,
            deks: Default::default(),
            keys: Vec::new(),
        }
    }
    fn person_key(&self, id: &ResidentId) -> PersonKey {
        self.vault.person_key(id)
    }
    /// A new person's registration, sealed under a new data key.
    fn seal_person(&mut self, d: &PersonDetails) -> Result<PersonRegistration, AppError> {
        d.validate().map_err(|e| AppError::invalid("person", e))?;
        let pk = self.vault.person_key(&d.id);
        let dek = sirm_ledger::SecretKey::generate();
        let (wrapped, kek) = self.vault.wrap(&pk, &dek);
        self.keys.push((pk.as_str().to_string(), wrapped, kek));
        let r = self.vault.seal_details(&dek, d)?;
        self.deks.insert(pk, dek);
        Ok(r)
    }
    /// A change of an invented person's details, sealed.
    fn seal_change(
        &mut self,
        pk: &PersonKey,
        d: &PersonChangeDetails,
    ) -> Result<PersonChange, AppError> {
        use crate::privacy::field;
        let dek = self
            .deks
            .get(pk)
            .ok_or_else(|| AppError::invalid("demo", "a change before the registration"))?;
        let v = &self.vault;
        let seal = |f: &str, t: &Option<String>| {
            t.as_ref()
                .map(|t| v.seal(dek, pk, f, t.as_bytes()))
                .transpose()
        };
        Ok(PersonChange {
            id: pk.clone(),
            effective_on: d.effective_on,
            reason: d.reason.clone(),
            name: seal(field::NAME, &d.name)?,
            address: seal(field::ADDRESS, &d.address)?,
            phone: seal(field::PHONE, &d.phone)?,
        })
    }
    /// The ledger sequence number the next draft pushed will get.
    fn next_seq(&self) -> u64 {
        self.next_seq
    }
    fn push(&mut self, draft: EntryDraft) -> Result<(), AppError> {
        self.buf.push(draft);
        self.next_seq += 1;
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
    fn flush(&mut self) -> Result<(), AppError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH));
        let keys = std::mem::take(&mut self.keys);
        self.tx
            .blocking_send((keys, batch))
            .map_err(|_| AppError::invalid("demo", "the ledger appender stopped"))
    }
}

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

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
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

fn pick<'a, R: Rng>(rng: &mut R, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("")
}

fn date_between<R: Rng>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=days))
}

fn address<R: Rng>(rng: &mut R) -> String {
    format!(
        "北京市朝阳区{}{}号",
        pick(rng, STREETS),
        rng.gen_range(1..300)
    )
}

fn phone<R: Rng>(rng: &mut R) -> String {
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

fn generate(cfg: &Config, req: &DemoRequest, out: &mut Emit) -> Result<DemoData, AppError> {
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
            kind: "staff".into(),
            person_id: None,
            employer: None,
        };
        out.push(draft(
            cfg,
            Stream::Security,
            kind::ACCOUNT_CREATED,
            records::account_subject(username),
            actor,
            &a,
        )?)?;
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
    // External demo accounts, bound to the first person, the retiree and
    // the retiree's former employer.
    let first_employer = agent_employer;
    for (username, display, role, _) in DEMO_EXTERNAL {
        let a = AccountCreated {
            username: username.to_string(),
            display_name: display.to_string(),
            agency: cfg.agency_code.clone(),
            roles: vec![role.to_string()],
            kind: "external".into(),
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
        out.push(draft(
            cfg,
            Stream::Security,
            kind::ACCOUNT_CREATED,
            records::account_subject(username),
            actor,
            &a,
        )?)?;
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
            kind: "external".into(),
            person_id: Some(out.person_key(person)),
            employer: None,
        };
        out.push(draft(
            cfg,
            Stream::Security,
            kind::ACCOUNT_CREATED,
            records::account_subject(&username),
            actor,
            &a,
        )?)?;
        bench_accounts.push(username);
    }
    Ok(DemoData { bench_accounts })
}

/// A small, valid one-page PDF standing in for a scanned document.
fn demo_pdf(title: &str) -> Vec<u8> {
    let text = format!("BT /F1 18 Tf 72 720 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Applications in every stage of the review chain, so that each demo staff
/// login has work in its queue: taken by `clerk`, decided by the others,
/// through the same use cases as the workbench.
async fn demo_applications(sirm: &Sirm, seed: u64) -> Result<(), AppError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let clerk = sirm.principal("clerk", "demo").await?;
    let reviewer = sirm.principal("reviewer", "demo").await?;
    let rechecker = sirm.principal("rechecker", "demo").await?;
    let approver = sirm.principal("approver", "demo").await?;
    let region: RegionCode = DEMO_REGION
        .parse()
        .map_err(|e| AppError::invalid("region", e))?;
    // (approvals after the submission, then a rejection reason if any):
    // two wait for review, one for re-check, one for approval, two approved,
    // one returned to the clerk.
    let plan: [(usize, Option<&str>); 7] = [
        (0, None),
        (0, None),
        (1, None),
        (2, None),
        (3, None),
        (0, Some("户籍地址与身份证不一致，请核实后补正")),
        (3, None),
    ];
    for (i, (stages, reject)) in plan.iter().enumerate() {
        let id = loop {
            let birth = date_between(
                &mut rng,
                NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(2004, 12, 31).unwrap_or_default(),
            );
            let id = ResidentId::from_parts(&region, birth, rng.gen_range(1..=999))
                .map_err(|e| AppError::invalid("id", e))?;
            if sirm.store.person(id.as_str()).await?.is_none() {
                break id;
            }
        };
        let data = serde_json::json!({
            "id": id.as_str(),
            "name": format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
            "address": address(&mut rng),
            "phone": phone(&mut rng),
            "registered_on": "2026-11-02",
        });
        let material = sirm
            .archive()
            .put(
                &format!("id-card-{}.pdf", i + 1),
                &demo_pdf(&format!("Scanned ID card {} (demo)", id.masked())),
            )
            .await?;
        let app = sirm
            .submit_application(&clerk, "person.register", data, vec![material])
            .await?;
        let deciders = [
            (&reviewer, "review"),
            (&rechecker, "recheck"),
            (&approver, "approval"),
        ];
        for (who, stage) in deciders.iter().take(*stages) {
            sirm.decide_application(who, &app, stage, true, "材料齐全，同意")
                .await?;
        }
        if let (Some(reason), Some((who, stage))) = (reject, deciders.get(*stages)) {
            sirm.decide_application(who, &app, stage, false, reason)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--full-careers`: every invented person contributes all 120 months
    /// of 2016–2025 (the load benchmark's 120 rows per person).
    #[tokio::test]
    async fn full_careers_have_120_contribution_months() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let opts = OpenOptions::new(dir.path().join("data"));
        let persons = 30;
        let req = DemoRequest {
            seed: 7,
            persons,
            history: true,
            bench_accounts: persons,
            full_careers: true,
            profile: Default::default(),
        };
        let report = ensure_demo(&opts, &req).await.expect("demo");
        assert!(report.created);
        let sirm = Sirm::open(&opts, Access::Read).await.expect("open");
        for i in 1..=persons {
            let account = sirm
                .store
                .account(&format!("bench-{i:05}"))
                .await
                .expect("account")
                .expect("bench account");
            let pid = account.person_id.expect("bound to a person");
            let record = sirm
                .store
                .person_record(&pid)
                .await
                .expect("record")
                .expect("registered");
            let months: Vec<&str> = record
                .contributions
                .iter()
                .map(|c| c.month.as_str())
                .collect();
            assert_eq!(months.len(), 120, "{pid}");
            assert_eq!((months[0], months[119]), ("2016-01", "2025-12"));
            assert!(record.person.registered_on.as_str() < "2016-01-01");
            assert_eq!(record.account_years.len(), 10, "{pid}");
        }
    }
}
