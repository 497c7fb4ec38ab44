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

mod accounts;
mod bootstrap;

#[allow(unused_imports)]
use accounts::*;
#[allow(unused_imports)]
use bootstrap::*;

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

    /// The status and roles of `username`, read from the installation's
    /// store (not through `sirm user list`: every CLI command is a sign-in
    /// that spends a second factor, and a test that spends them faster than
    /// the authenticator makes new ones waits for the clock).
    fn roles_of(&self, username: &str) -> (String, Vec<String>) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let row = rt.block_on(async {
            let s = Store::connect(&self.store_config(), Role::App)
                .await
                .unwrap();
            let row = s.account(username).await.unwrap();
            s.close().await;
            row
        });
        let row = row.unwrap_or_else(|| panic!("{username} has no account"));
        let status = serde_json::to_value(row.status).unwrap();
        (status.as_str().unwrap().to_string(), row.roles)
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

sirm_testkit::both_engines!(sync:
    bootstrap_and_art26,
    wrong_password_and_lockout,
    list_lock_unlock_reset,
    clerk_cannot_add,
);
