//! The first administrators after `sirm init`, and Art 26 separation on the command line.

use super::*;

/// Issue 3, item 5 and "done when": the bootstrap of the administrators
/// through the CLI, and granting the database administrator the approver
/// role refused with the Art 26 rule named.
pub(super) fn bootstrap_and_art26(engine: Engine) {
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
