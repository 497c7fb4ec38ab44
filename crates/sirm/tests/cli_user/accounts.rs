//! Wrong passwords and lockout, list/lock/unlock/reset, a clerk refused, usage errors and help.

use super::*;

/// Wrong passwords are refused alike for known and unknown accounts; the
/// default policy (gb22239-l3) locks after 5 consecutive failures, so the
/// sixth attempt — and then even the right password — meets a locked account.
pub(super) fn wrong_password_and_lockout(engine: Engine) {
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
pub(super) fn list_lock_unlock_reset(engine: Engine) {
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
pub(super) fn clerk_cannot_add(engine: Engine) {
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

/// Usage and configuration errors exit 2, before anything is opened.
#[test]
pub(super) fn usage_errors_exit_2() {
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
pub(super) fn help_on_every_user_command() {
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
