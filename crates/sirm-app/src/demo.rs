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
    AccountCreated, EmployerChange, EmployerDeregistration, EmployerRegistration, PersonChange,
    PersonChangeDetails, PersonDetails, PersonRegistration,
};
use sirm_ledger::EntryDraft;

use crate::install::{init, InitRequest};
use crate::registration::{
    employer_change_draft, employer_deregistration_draft, employer_draft, person_change_draft,
    person_draft,
};
use crate::{password, Access, AppError, Config, OpenOptions, Sirm};

mod applications;
mod claims;
mod generate;
mod history;
mod life;

use applications::demo_applications;
use generate::generate;

pub const DEMO_REGION: &str = "110105";
pub const DEMO_AGENCY: &str = "北京市朝阳区社会保险事业管理中心（演示）";
/// Every demo account has this password. Demo data only.
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
    // An outside maintenance helper (Art 11), under a demo confidentiality
    // agreement filed by the system administrator.
    (
        "contractor",
        "外包协助维护 郑凯（演示信息技术有限公司）",
        "maintenance_contractor",
        "外包协助维护人员",
    ),
    ("query", "查询员 吴涛", "query_officer", "查询员"),
    (
        "statistician",
        "统计用户 孙伟",
        "statistics_user",
        "统计用户",
    ),
];

/// Demo external accounts: an insured person bound to the first invented
/// person, a retiree with a granted pension, an employer agent bound to
/// the retiree's former employer, a court's officer and another unit's officer.
pub const DEMO_EXTERNAL: &[(&str, &str, &str, &str)] = &[
    ("citizen", "参保人员（演示）", "insured_person", "参保人员"),
    ("retiree", "退休人员（演示）", "insured_person", "退休人员"),
    (
        "agent",
        "用人单位经办人（演示）",
        "employer_agent",
        "用人单位经办人",
    ),
    (
        "court",
        "东城区人民法院 查询人员（演示）",
        "organ_officer",
        "司法机关查询人员",
    ),
    // Another unit's officer (Art 19–20): reads only under a grant, so a
    // fresh demo can take a unit's application, grant it and read once.
    (
        "unit",
        "其他单位查询人员（演示）",
        "unit_officer",
        "其他单位查询人员",
    ),
];

/// The demo organ whose officer is `court` (`[disclosure.organs]`).
pub const DEMO_ORGAN: (&str, &str) = ("demo-court", "北京市东城区人民法院（演示）");

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

/// Build the demo installation at `opts` unless one is already there. A
/// directory that holds something else is refused; a build that fails
/// removes the directory it was building, so that a second run starts
/// afresh instead of finding half an installation (a PostgreSQL schema it
/// wrote is the operator's to drop: see docs/operations.md).
pub async fn ensure_demo(opts: &OpenOptions, req: &DemoRequest) -> Result<DemoReport, AppError> {
    if opts.data_dir.is_installed() {
        return existing(opts).await;
    }
    let root = opts.data_dir.root();
    let occupied = std::fs::read_dir(root).is_ok_and(|mut d| d.next().is_some());
    if occupied {
        return Err(AppError::File {
            path: root.to_path_buf(),
            message: "holds files but no installation (no sirm.toml): give an empty or new directory for the demo".into(),
        });
    }
    match build(opts, req).await {
        Ok(r) => Ok(r),
        Err(e) => {
            if let Err(rm) = std::fs::remove_dir_all(root) {
                tracing::warn!(dir = %root.display(), error = %rm, "could not remove the failed demo");
            }
            Err(e)
        }
    }
}

/// The demo installation already there, as it is.
async fn existing(opts: &OpenOptions) -> Result<DemoReport, AppError> {
    let sirm = Sirm::open(opts, Access::Sign).await?;
    let c = sirm.store.counts().await?;
    sirm.store.close().await;
    Ok(DemoReport {
        created: false,
        entries: c.entries,
        persons: c.persons,
        employers: c.employers,
    })
}

/// Build a new demo installation.
async fn build(opts: &OpenOptions, req: &DemoRequest) -> Result<DemoReport, AppError> {
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
            rules: Some((
                sirm_domain::rules::Format::Toml,
                sirm_domain::rules::builtin::DEMO_110105_TOML.to_string(),
            )),
            demo: true,
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
            .and_then(|mut f| {
                writeln!(f, "\n[ivr]\nclients = [\"{hash}\"]")?;
                writeln!(
                    f,
                    "\n[disclosure.organs.{}]\nname = \"{}\"\nkind = \"court\"\nofficers = [\"court\"]",
                    DEMO_ORGAN.0, DEMO_ORGAN.1
                )
            })
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
    if req.history {
        claims::demo_claims(&sirm, &data.life).await?;
        // Benchmark data keeps every career whole (ten years of months, no
        // death, no spell of unemployment): the life of the other insurance
        // types is shown in the ordinary demo only.
        if !req.full_careers {
            life::demo_life(&sirm, &data.life).await?;
        }
    }
    applications::demo_agreement(&sirm).await?;
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
    /// The persons the life of every insurance type is shown on
    /// (`demo/life.rs`); empty in a small demo.
    life: life::LifePersons,
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
        d.validate().map_err(AppError::invalid_record)?;
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
            let months: Vec<String> = record
                .contributions
                .iter()
                .map(|c| c.month.to_string())
                .collect();
            assert_eq!(months.len(), 120, "{pid}");
            assert_eq!(
                (months[0].as_str(), months[119].as_str()),
                ("2016-01", "2025-12")
            );
            assert!(record.person.registered_on.to_string().as_str() < "2016-01-01");
            assert_eq!(record.account_years.len(), 10, "{pid}");
        }
    }
}
