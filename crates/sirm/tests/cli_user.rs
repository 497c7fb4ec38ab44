//! `sirm user …` end to end: the built binary against fresh installations on
//! SQLite and PostgreSQL. Every command signs in (password, TOTP when
//! enrolled), goes through the use cases of `sirm-app`, and signs out; the
//! security audit trail in the ledger is checked where it matters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use sirm_domain::access::totp::{self, TotpSecret};
use sirm_domain::access::Role as AccessRole;
use sirm_store::{AuditFilter, Engine, Role, Store, StoreConfig};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");
const ADMIN_PASSWORD: &str = "Str0ng-Passw0rd";

/// What the test knows about one account: its password and second factor.
#[derive(Default)]
struct Account {
    password: String,
    totp: Option<TotpSecret>,
    /// Last TOTP step used for a sign-in (a step is never accepted twice,
    /// nor one before it).
    last_step: i64,
    recovery: Vec<String>,
}

/// One installation under test, and the credentials of its accounts.
struct Install {
    dir: tempfile::TempDir,
    schema: Option<String>,
    pg_url: String,
    accounts: RefCell<HashMap<String, Account>>,
    files: RefCell<u32>,
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The value of the line `key: value` of a command's output.
fn field(out: &str, key: &str) -> String {
    let prefix = format!("{key}: ");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{key}:` line in:\n{out}"))
        .trim()
        .to_string()
}

impl Install {
    fn new(engine: Engine) -> Install {
        let pg_url = std::env::var("SIRM_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = (engine == Engine::Postgres)
            .then(|| format!("u_{}", hex::encode(rand::random::<[u8; 8]>())));
        Install {
            dir: tempfile::tempdir().unwrap(),
            schema,
            pg_url,
            accounts: RefCell::new(HashMap::new()),
            files: RefCell::new(0),
        }
    }

    /// A fresh installation whose first system administrator is `sysadmin`.
    fn init(engine: Engine) -> Install {
        let i = Install::new(engine);
        let pw = i.file(ADMIN_PASSWORD);
        let out = i.sirm(&[
            "init",
            "--region",
            "110105",
            "--agency-name",
            "X",
            "--admin-user",
            "sysadmin",
            "--security-admin-user",
            "secadmin",
            "--audit-admin-user",
            "auditadmin",
            "--admin-password-file",
            pw.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "init: {}", text(&out));
        i.set_password("sysadmin", ADMIN_PASSWORD);
        // 三员分立: init creates the security and audit administrators too,
        // each with a one-time password printed once.
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        for who in ["secadmin", "auditadmin"] {
            let line = stdout
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{who} ")))
                .unwrap_or_else(|| panic!("no line for {who} in:\n{stdout}"));
            let pw = line
                .split("one-time password: ")
                .nth(1)
                .unwrap_or_else(|| panic!("no one-time password in {line:?}"))
                .trim();
            i.set_password(who, pw);
        }
        i
    }

    /// `init`, then the system administrator enrols a second factor, and the
    /// security administrator created by `init` changes the one-time
    /// password and enrols a second factor too.
    fn bootstrap(engine: Engine) -> Install {
        let i = Install::init(engine);
        i.enrol("sysadmin");
        i.passwd("secadmin");
        i.enrol("secadmin");
        i
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A new file in the temporary directory holding `body`.
    fn file(&self, body: &str) -> PathBuf {
        let mut n = self.files.borrow_mut();
        *n += 1;
        let p = self.dir.path().join(format!("f{n}"));
        std::fs::write(&p, format!("{body}\n")).unwrap();
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(SIRM);
        c.env_remove("SIRM_DATA_DIR")
            .env_remove("SIRM_DATABASE_URL")
            .env_remove("SIRM_DATABASE_SCHEMA")
            .env_remove("SIRM_PASSWORD")
            .stdin(Stdio::null())
            .arg("--data-dir")
            .arg(self.data());
        if let Some(s) = &self.schema {
            c.args(["--database-url", &self.pg_url, "--database-schema", s]);
        }
        c.args(args);
        c
    }

    fn sirm(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn set_password(&self, who: &str, pw: &str) {
        self.accounts
            .borrow_mut()
            .entry(who.to_string())
            .or_default()
            .password = pw.to_string();
    }

    fn password(&self, who: &str) -> String {
        self.accounts
            .borrow()
            .get(who)
            .map(|a| a.password.clone())
            .unwrap_or_default()
    }

    /// A second factor for `who`, if enrolled: a TOTP code of a step not yet
    /// used (the server accepts one step either side of its own; the
    /// previous step only while the current one has 5 s or more to run, so
    /// that the server is still in it), else a recovery code, else wait for
    /// the clock. Every sign-in uses a code, so an administrator signs in at
    /// most 13 times before the test waits.
    fn second_factor(&self, who: &str) -> Option<String> {
        let mut accounts = self.accounts.borrow_mut();
        let a = accounts.get_mut(who)?;
        let secret = a.totp.clone()?;
        loop {
            let n = now();
            let t = totp::time_step(n, 30);
            let steps = if n % 30 < 25 {
                vec![t - 1, t, t + 1]
            } else {
                vec![t, t + 1]
            };
            if let Some(step) = steps.into_iter().find(|s| *s > a.last_step) {
                a.last_step = step;
                return Some(totp::code(&secret, step * 30, 30, 6));
            }
            if let Some(code) = a.recovery.pop() {
                return Some(code);
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }

    /// `sirm user --as WHO <args>` with WHO's password (and second factor).
    fn user(&self, who: &str, args: &[&str]) -> Output {
        let code = self.second_factor(who);
        self.user_with(who, &self.password(who), code.as_deref(), args)
    }

    fn user_with(&self, who: &str, pw: &str, code: Option<&str>, args: &[&str]) -> Output {
        let pw = self.file(pw);
        let mut c = self.command(&["user", "--as", who, "--password-file", pw.to_str().unwrap()]);
        if let Some(code) = code {
            c.args(["--totp", code]);
        }
        c.args(args).output().unwrap()
    }

    /// Succeeds; its standard output.
    fn ok(&self, who: &str, args: &[&str]) -> String {
        let out = self.user(who, args);
        assert!(out.status.success(), "{who} {args:?}: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Refused: exit status 1 and one line `error: …`; that line.
    fn refused(&self, who: &str, args: &[&str]) -> String {
        refusal(&self.user(who, args), &format!("{who} {args:?}"))
    }

    /// `add USERNAME --name NAME`; remembers the issued password.
    fn add(&self, username: &str, name: &str) {
        let out = self.ok("sysadmin", &["add", username, "--name", name]);
        assert!(out.contains("must change it at the first sign-in"), "{out}");
        self.set_password(username, &field(&out, "issued password"));
    }

    /// `passwd` to a new password (policy gb22239-l3).
    fn passwd(&self, who: &str) {
        let new = format!("Nw{}-Qz7-Lp!", rand::random::<u16>());
        let f = self.file(&new);
        let out = self.ok(who, &["passwd", "--new-password-file", f.to_str().unwrap()]);
        assert!(out.contains("password of"), "{out}");
        self.set_password(who, &new);
    }

    /// Both steps of `enrol-totp`; remembers the secret and recovery codes.
    fn enrol(&self, who: &str) {
        let out = self.ok(who, &["enrol-totp"]);
        let secret_text = field(&out, "secret");
        assert!(
            field(&out, "otpauth URI").starts_with("otpauth://totp/SIRM:"),
            "{out}"
        );
        let secret = TotpSecret::from_base32(&secret_text).unwrap();
        let t = now();
        let code = totp::code(&secret, t, 30, 6);
        let out = self.ok(
            who,
            &["enrol-totp", "--secret", &secret_text, "--code", &code],
        );
        let recovery: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("  "))
            .map(str::to_string)
            .collect();
        assert_eq!(recovery.len(), 10, "{out}");
        let mut accounts = self.accounts.borrow_mut();
        let a = accounts.entry(who.to_string()).or_default();
        a.totp = Some(secret);
        a.recovery = recovery;
        // The enrolment code's step is spent (the server refuses replays).
        a.last_step = a.last_step.max(t / 30);
    }

    /// The system administrator requests `role` for `username`; the security
    /// administrator approves it.
    fn grant(&self, username: &str, role: &str) {
        let out = self.ok(
            "sysadmin",
            &["request-role", username, role, "--reason", "new post"],
        );
        assert_eq!(field(&out, "status"), "pending", "{out}");
        let id = field(&out, "request id");
        self.ok("secadmin", &["approve-role", &id, "--reason", "checked"]);
    }

    /// `list --json` as the system administrator.
    fn accounts_json(&self) -> Vec<serde_json::Value> {
        let out = self.ok("sysadmin", &["list", "--json"]);
        serde_json::from_str(&out).unwrap()
    }

    fn roles_of(&self, username: &str) -> (String, Vec<String>) {
        let rows = self.accounts_json();
        let row = rows
            .iter()
            .find(|r| r["username"] == username)
            .unwrap_or_else(|| panic!("{username} not listed: {rows:?}"));
        let roles = row["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        (row["status"].as_str().unwrap().to_string(), roles)
    }

    fn store_config(&self) -> StoreConfig {
        match &self.schema {
            Some(s) => {
                let mut c = StoreConfig::new(self.pg_url.clone());
                c.pg_schema = Some(s.clone());
                c
            }
            None => StoreConfig::sqlite_file(&self.data().join("sirm.db")),
        }
    }

    /// The security stream of the ledger, oldest first:
    /// (kind, payload, actors).
    fn security_trail(&self) -> Vec<(String, serde_json::Value, Vec<String>)> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = Store::connect(&self.store_config(), Role::App)
                .await
                .unwrap();
            let filter = AuditFilter {
                limit: 100_000,
                ..AuditFilter::default()
            };
            let mut entries = s.security_entries(&filter).await.unwrap();
            s.close().await;
            entries.reverse();
            entries
                .into_iter()
                .map(|e| (e.kind, serde_json::from_str(&e.payload).unwrap(), e.actors))
                .collect()
        })
    }

    /// Security events (`security.event` entries) as (event, account, source, outcome, detail).
    fn security_events(&self) -> Vec<[String; 5]> {
        self.security_trail()
            .into_iter()
            .filter(|(_, p, _)| p.get("event").is_some())
            .map(|(_, p, _)| {
                ["event", "account", "source", "outcome", "detail"]
                    .map(|k| p[k].as_str().unwrap_or_default().to_string())
            })
            .collect()
    }
}

/// Exit status 1 with exactly one line `error: …` on standard error.
fn refusal(out: &Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(1), "{what}: {}", text(out));
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{what}: one line: {}", text(out));
    assert!(err.starts_with("error: "), "{what}: {}", text(out));
    err.trim_end().to_string()
}

/// Issue 3, item 5 and "done when": the bootstrap of the administrators
/// through the CLI, and granting the database administrator the approver
/// role refused with the Art 26 rule named.
fn bootstrap_and_art26(engine: Engine) {
    let i = Install::init(engine);
    // An administrator enrols a second factor before anything else.
    let err = i.refused("sysadmin", &["list"]);
    assert!(err.contains("enrol a second factor first"), "{err}");
    i.enrol("sysadmin");
    // From now on the second factor is needed to sign in.
    let err = refusal(
        &i.user_with("sysadmin", ADMIN_PASSWORD, None, &["list"]),
        "no --totp",
    );
    assert!(err.contains("second factor is required"), "{err}");
    assert!(err.contains("--totp"), "{err}");
    let err = refusal(
        &i.user_with("sysadmin", ADMIN_PASSWORD, Some("000000"), &["list"]),
        "wrong --totp",
    );
    assert!(err.contains("wrong second factor"), "{err}");

    // The administrators of 三员分立 were created by init, each once: no
    // request can crown another security administrator without approval
    // (the break-in of the security review: no bootstrap outside init).
    assert_eq!(i.roles_of("secadmin").1, vec!["security_admin".to_string()]);
    assert_eq!(i.roles_of("auditadmin").1, vec!["audit_admin".to_string()]);
    i.add("puppet", "傀儡");
    let out = i.ok(
        "sysadmin",
        &[
            "request-role",
            "puppet",
            "security_admin",
            "--reason",
            "a second security administrator",
        ],
    );
    assert_eq!(field(&out, "status"), "pending", "{out}");
    assert!(!out.contains("bootstrap"), "{out}");
    assert!(i.roles_of("puppet").1.is_empty());
    // The last security administrator cannot be revoked or locked.
    let err = i.refused(
        "sysadmin",
        &["revoke-role", "secadmin", "security_admin", "--reason", "x"],
    );
    assert!(err.contains("last-administrator"), "{err}");
    let err = i.refused("sysadmin", &["lock", "auditadmin", "--reason", "x"]);
    assert!(err.contains("last-administrator"), "{err}");
    let puppet_request = field(&out, "request id");

    // The database administrator: pending until the security administrator approves.
    i.add("dba", "数据库管理员");
    let out = i.ok(
        "sysadmin",
        &[
            "request-role",
            "dba",
            "database_admin",
            "--reason",
            "migrations and backups",
        ],
    );
    assert_eq!(field(&out, "status"), "pending", "{out}");
    let id = field(&out, "request id");
    // The system administrator cannot approve (deny by default, and four eyes).
    let err = i.refused("sysadmin", &["approve-role", &id]);
    assert!(err.contains("role_approve"), "{err}");
    // secadmin must first change the issued password and enrol a second factor.
    let err = i.refused("secadmin", &["approve-role", &id]);
    assert!(err.contains("change your password first"), "{err}");
    i.passwd("secadmin");
    let err = i.refused("secadmin", &["approve-role", &id]);
    assert!(err.contains("enrol a second factor first"), "{err}");
    i.enrol("secadmin");
    let pending: Vec<serde_json::Value> =
        serde_json::from_str(&i.ok("secadmin", &["requests", "--json"])).unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0]["request_id"], puppet_request.as_str());
    assert_eq!(pending[1]["request_id"], id.as_str());
    assert_eq!(pending[1]["role"], "database_admin");
    assert_eq!(pending[1]["requested_by"], "sysadmin");
    i.ok(
        "secadmin",
        &[
            "reject-role",
            &puppet_request,
            "--reason",
            "no second one needed",
        ],
    );
    let out = i.ok("secadmin", &["approve-role", &id, "--reason", "checked"]);
    assert!(out.contains("approved"), "{out}");
    assert!(i
        .ok("secadmin", &["requests"])
        .contains("no pending role requests"));
    let accounts = i.accounts_json();
    let roles = |name: &str| {
        let row = accounts.iter().find(|r| r["username"] == name).unwrap();
        (row["status"].clone(), row["roles"].clone())
    };
    assert_eq!(
        roles("dba"),
        ("active".into(), serde_json::json!(["database_admin"]))
    );
    assert_eq!(
        roles("secadmin"),
        ("active".into(), serde_json::json!(["security_admin"]))
    );
    assert_eq!(
        roles("sysadmin"),
        ("active".into(), serde_json::json!(["system_admin"]))
    );

    // Art 26: the database administrator may not also be an approver.
    let err = i.refused(
        "sysadmin",
        &[
            "request-role",
            "dba",
            "approver",
            "--reason",
            "short of staff",
        ],
    );
    assert!(err.contains("art26-admin-business"), "{err}");
    assert!(err.contains("Art 26"), "{err}");
    assert!(err.contains("approver"), "{err}");
    // A second administrator role: 三员分立.
    let err = i.refused(
        "sysadmin",
        &["request-role", "dba", "audit_admin", "--reason", "x"],
    );
    assert!(err.contains("three-admins-separate"), "{err}");
    // Nothing changed.
    assert_eq!(i.roles_of("dba").1, vec!["database_admin".to_string()]);

    // The audit trail: the refusal, by whom, from the CLI; every CLI sign-in
    // was followed by a sign-out.
    let trail = i.security_trail();
    let refused: Vec<_> = trail
        .iter()
        .filter(|(_, p, _)| p["event"] == "role.refused")
        .collect();
    // Two last-administrator refusals, then the two separation-of-duty ones.
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused[0].1["detail"]
        .as_str()
        .unwrap()
        .contains("last-administrator"));
    let refused = &refused[2..];
    assert_eq!(refused[0].1["account"], "dba");
    assert_eq!(refused[0].1["source"], "cli");
    assert!(refused[0].1["detail"]
        .as_str()
        .unwrap()
        .contains("art26-admin-business"));
    assert_eq!(refused[0].2, vec!["sysadmin".to_string()]);
    let events = i.security_events();
    let count = |e: &str| events.iter().filter(|ev| ev[0] == e).count();
    assert!(count("login.success") > 10, "{events:?}");
    assert_eq!(count("login.success"), count("logout"), "{events:?}");
    assert_eq!(count("totp.enrol"), 2, "{events:?}");
    assert_eq!(count("password.change"), 1, "{events:?}");
    assert_eq!(count("permission.denied"), 4, "{events:?}");
    // Verification is administration too: not without signing in, and not
    // by the system administrator (ledger_verify is the database and
    // audit administrators').
    let verify = i.sirm(&["verify"]);
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    let pw = i.file(&i.password("sysadmin"));
    let mut c = i.command(&["--as", "sysadmin", "--password-file", pw.to_str().unwrap()]);
    if let Some(code) = i.second_factor("sysadmin") {
        c.args(["--totp", &code]);
    }
    let verify = c.arg("verify").output().unwrap();
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
    assert!(text(&verify).contains("ledger_verify"), "{}", text(&verify));
    // Every event of these CLI sessions names the CLI as its source
    // (recovery codes were used to sign in, see `second_factor`).
    assert!(count("recovery_code.used") > 0, "{events:?}");
    // (The configuration recorded when the installation was first opened —
    // [security], [review], [queries], [limits] — names its file as the
    // source.)
    assert_eq!(count("config.change"), 4, "{events:?}");
    let elsewhere: Vec<_> = events
        .iter()
        .filter(|e| e[2] != "cli" && e[0] != "config.change")
        .collect();
    assert!(elsewhere.is_empty(), "source is not `cli`: {elsewhere:?}");
}

/// Wrong passwords are refused alike for known and unknown accounts; the
/// default policy (gb22239-l3) locks after 5 consecutive failures, so the
/// sixth attempt — and then even the right password — meets a locked account.
fn wrong_password_and_lockout(engine: Engine) {
    let i = Install::init(engine);
    let wrong = |who: &str| refusal(&i.user_with(who, "Wr0ng-Passw0rd", None, &["list"]), who);
    let first = wrong("sysadmin");
    assert!(
        first.starts_with("error: wrong username or password"),
        "{first}"
    );
    assert_eq!(wrong("nobody"), first, "unknown accounts look the same");
    for _ in 2..=4 {
        assert_eq!(wrong("sysadmin"), first);
    }
    let fifth = wrong("sysadmin");
    assert!(fifth.contains("locked"), "{fifth}");
    let sixth = wrong("sysadmin");
    assert!(sixth.contains("locked"), "{sixth}");
    let right = refusal(
        &i.user_with("sysadmin", ADMIN_PASSWORD, None, &["list"]),
        "right password",
    );
    assert!(right.contains("locked"), "{right}");

    // Failed sign-ins are anonymous refusals: each CLI run writes one
    // summary (this test's runs are separate processes), never one entry per
    // attempt; the lockout of the source is written on its own.
    let events = i.security_events();
    let summaries: Vec<_> = events
        .iter()
        .filter(|e| e[0] == "refusals.summary")
        .collect();
    assert_eq!(summaries.len(), 8, "one per run: {events:?}");
    let about_sysadmin = summaries
        .iter()
        .filter(|e| e[4].contains("login.failure ×1") && e[4].contains("accounts: sysadmin ×1"))
        .count();
    assert_eq!(about_sysadmin, 7, "every attempt is counted: {summaries:?}");
    assert!(summaries.iter().all(|e| e[2] == "cli"), "{summaries:?}");
    assert_eq!(
        events.iter().filter(|e| e[0] == "lockout").count(),
        1,
        "{events:?}"
    );
    assert!(summaries.iter().any(|e| e[4].contains("unknown account")));
    // The name typed for an unknown account is not kept (it may be a
    // mistyped password): nowhere in the trail.
    assert!(
        !events
            .iter()
            .any(|e| e.iter().any(|f| f.contains("nobody"))),
        "{events:?}"
    );
    assert!(!events.iter().any(|e| e[0] == "login.success"));
}

/// `list` shows roles; `lock`/`unlock`; `reset-password` forces a change;
/// `reject-role`, `revoke-role`.
fn list_lock_unlock_reset(engine: Engine) {
    let i = Install::bootstrap(engine);
    i.add("lisi", "李四");
    i.grant("lisi", "clerk");
    let table = i.ok("sysadmin", &["list"]);
    let header = table.lines().next().unwrap();
    for col in ["USERNAME", "NAME", "KIND", "STATUS", "ROLES"] {
        assert!(header.contains(col), "{table}");
    }
    let row = |table: &str, name: &str| -> Vec<String> {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not in\n{table}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        row(&table, "lisi"),
        ["lisi", "李四", "staff", "active", "clerk"]
    );
    assert_eq!(row(&table, "secadmin")[4], "security_admin");
    assert_eq!(row(&table, "sysadmin")[4], "system_admin");
    i.passwd("lisi");

    // Lock: lisi can no longer sign in.
    let out = i.ok(
        "sysadmin",
        &["lock", "lisi", "--reason", "left the counter"],
    );
    assert!(out.contains("locked"), "{out}");
    assert_eq!(i.roles_of("lisi").0, "locked");
    let err = i.refused("lisi", &["list"]);
    assert!(err.contains("locked"), "{err}");
    i.ok("sysadmin", &["unlock", "lisi", "--reason", "back"]);

    // Reset: a one-time code, not a password; the old password is gone.
    let old = i.password("lisi");
    let out = i.ok("sysadmin", &["reset-password", "lisi"]);
    let code = field(&out, "one-time reset code")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 19, "{out}");
    let err = refusal(&i.user_with("lisi", &old, None, &["list"]), "old password");
    assert!(
        err.starts_with("error: wrong username or password"),
        "{err}"
    );
    // The code is not a password.
    let err = refusal(
        &i.user_with("lisi", &code, None, &["list"]),
        "code as password",
    );
    assert!(
        err.starts_with("error: wrong username or password"),
        "{err}"
    );
    let new = "Nw-Reset-7-Qz!";
    let f = i.file(new);
    let reset = |code: &str| {
        i.sirm(&[
            "user",
            "--as",
            "lisi",
            "reset",
            "--code",
            code,
            "--new-password-file",
            f.to_str().unwrap(),
        ])
    };
    let out = reset(&code);
    assert!(out.status.success(), "{}", text(&out));
    i.set_password("lisi", new);
    // Used once.
    let err = refusal(&reset(&code), "code again");
    assert!(err.contains("reset code"), "{err}");
    // Staff need a second factor (on by default); then the role decides: a
    // clerk may not list accounts.
    let err = i.refused("lisi", &["list"]);
    assert!(err.contains("enrol a second factor first"), "{err}");
    i.enrol("lisi");
    let err = i.refused("lisi", &["list"]);
    assert!(err.contains("account_manage"), "{err}");

    // Reject a request; a revocation is a request too.
    let out = i.ok(
        "sysadmin",
        &["request-role", "lisi", "reviewer", "--reason", "x"],
    );
    let id = field(&out, "request id");
    let table = i.ok("secadmin", &["requests"]);
    assert!(table.contains(&id) && table.contains("reviewer"), "{table}");
    i.ok("secadmin", &["reject-role", &id, "--reason", "not needed"]);
    let err = i.refused("secadmin", &["approve-role", &id]);
    assert!(err.contains("already rejected"), "{err}");
    let out = i.ok(
        "sysadmin",
        &["revoke-role", "lisi", "clerk", "--reason", "moved"],
    );
    let id = field(&out, "request id");
    assert_eq!(i.roles_of("lisi").1, vec!["clerk".to_string()], "not yet");
    i.ok("secadmin", &["approve-role", &id, "--reason", "checked"]);
    assert_eq!(i.roles_of("lisi"), ("active".into(), vec![]));
}

/// Deny by default: a clerk cannot administer accounts. And bad requests of
/// an administrator are refused with exit status 1.
fn clerk_cannot_add(engine: Engine) {
    let i = Install::bootstrap(engine);
    i.add("wangwu", "王五");
    i.grant("wangwu", "clerk");
    let err = i.refused("sysadmin", &["add", "wangwu", "--name", "x"]);
    assert!(err.contains("already exists"), "{err}");
    let err = i.refused("sysadmin", &["lock", "sysadmin", "--reason", "x"]);
    assert!(err.contains("your own account"), "{err}");
    let err = i.refused("sysadmin", &["lock", "ghost", "--reason", "x"]);
    assert!(err.contains("not found"), "{err}");
    let err = i.refused(
        "sysadmin",
        &["revoke-role", "wangwu", "reviewer", "--reason", "x"],
    );
    assert!(err.contains("does not hold"), "{err}");
    let err = i.refused(
        "sysadmin",
        &["request-role", "wangwu", "root", "--reason", "x"],
    );
    assert!(err.contains("unknown role `root`"), "{err}");
    let err = i.refused(
        "sysadmin",
        &["request-role", "wangwu", "insured_person", "--reason", "x"],
    );
    assert!(err.contains("staff-external"), "{err}");
    let err = i.refused("secadmin", &["approve-role", "RR-000000000000"]);
    assert!(err.contains("not found"), "{err}");
    i.passwd("wangwu");
    i.enrol("wangwu");
    let err = i.refused("wangwu", &["add", "zhaoliu", "--name", "赵六"]);
    assert!(err.contains("account_manage"), "{err}");
    assert!(err.contains("deny-by-default"), "{err}");
    let err = i.refused("wangwu", &["requests"]);
    assert!(err.contains("deny-by-default"), "{err}");
    assert!(!i.accounts_json().iter().any(|r| r["username"] == "zhaoliu"));
    let events = i.security_events();
    assert!(events.iter().any(|e| e[0] == "permission.denied"
        && e[1] == "wangwu"
        && e[4].contains("account_manage")));
}

sirm_testkit::both_engines!(sync:
    bootstrap_and_art26,
    wrong_password_and_lockout,
    list_lock_unlock_reset,
    clerk_cannot_add,
);

/// Usage and configuration errors exit 2, before anything is opened.
#[test]
fn usage_errors_exit_2() {
    let i = Install::new(Engine::Sqlite);
    let out = i.sirm(&["user", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as USER is required"));
    // No password file, no SIRM_PASSWORD, no terminal.
    let out = i.sirm(&["user", "--as", "sysadmin", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--password-file"),
        "{}",
        text(&out)
    );
    // A missing password file.
    let out = i.sirm(&[
        "user",
        "--as",
        "sysadmin",
        "--password-file",
        "/nonexistent/pw",
        "list",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // --secret without --code.
    let out = i.sirm(&["user", "--as", "x", "enrol-totp", "--secret", "ABC"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // No installation.
    let out = i
        .command(&["user", "--as", "sysadmin", "list"])
        .env("SIRM_PASSWORD", ADMIN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no SIRM installation"));
}

#[test]
fn help_on_every_user_command() {
    for cmd in [
        "add",
        "list",
        "lock",
        "unlock",
        "reset-password",
        "request-role",
        "requests",
        "approve-role",
        "reject-role",
        "revoke-role",
        "passwd",
        "enrol-totp",
        "reset",
    ] {
        let out = Command::new(SIRM)
            .args(["user", cmd, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd} --help: {}", text(&out));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Usage: sirm user"), "{cmd}: {help}");
        assert!(help.contains("--as <USER>"), "{cmd}: {help}");
    }
    let out = Command::new(SIRM)
        .args(["user", "request-role", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for r in AccessRole::ALL {
        assert!(help.contains(r.as_str()), "{}: {help}", r.as_str());
        assert!(help.contains(r.name_zh()), "{}: {help}", r.name_zh());
    }
    assert!(help.contains("art26-admin-business"), "{help}");
    let out = Command::new(SIRM)
        .args(["user", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in [
        "add",
        "request-role",
        "approve-role",
        "enrol-totp",
        "passwd",
    ] {
        assert!(help.contains(cmd), "{cmd}: {help}");
    }
}
