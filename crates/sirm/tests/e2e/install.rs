//! `sirm init`: creates, refuses to overwrite, refuses bad input, bad configuration and missing or wrong keys, writing nothing.

use super::*;

pub(super) async fn init_creates_and_refuses_to_overwrite(engine: Engine, crypto: Crypto) {
    let i = Install::new(engine);
    let pw = write_file(i.dir.path(), "pw", "Str0ng-Passw0rd\n");
    let pw = pw.to_str().unwrap();
    let mut args = vec![
        "init",
        "--admin-user",
        "sysadmin",
        "--security-admin-user",
        "secadmin",
        "--audit-admin-user",
        "auditadmin",
        "--region",
        "110105",
        "--agency-name",
        "朝阳区社保中心",
        "--admin-password-file",
        pw,
    ];
    args.extend_from_slice(crypto.args());
    let out = i.sirm(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("signing key id"), "{}", text(&out));
    let profile = crypto.profile();
    assert!(
        stdout(&out).contains(&format!("crypto profile: {profile}")),
        "{}",
        text(&out)
    );
    let config = std::fs::read_to_string(i.data().join("sirm.toml")).unwrap();
    assert!(
        config.contains(&format!("profile = \"{profile}\"")),
        "{config}"
    );
    let key = i.data().join("keys/checkpoint.key");
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with(&format!("sirm-signing-key v1 {profile} ")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let key_before = std::fs::read(&key).unwrap();
    // Second init: refused, nothing changed.
    let again = i.sirm(&args);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        stderr(&again).contains("already holds a SIRM installation"),
        "{}",
        text(&again)
    );
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    // Verifying the live installation needs a signed-in operator (none
    // exists yet: the administrators have their first tasks ahead) …
    let v = i.sirm(&["verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(stderr(&v).contains("--as USER"), "{}", text(&v));
    // … an auditor's copy without the signing key needs none.
    if engine == Engine::Sqlite {
        let copy = i.dir.path().join("copy");
        std::fs::create_dir_all(copy.join("keys")).unwrap();
        for f in ["sirm.toml", "sirm.db", "sirm.db-wal", "keys/checkpoint.pub"] {
            if i.data().join(f).exists() {
                std::fs::copy(i.data().join(f), copy.join(f)).unwrap();
            }
        }
        let v = Command::new(SIRM)
            .env_remove("SIRM_DATA_DIR")
            .args(["--data-dir", copy.to_str().unwrap(), "verify"])
            .output()
            .unwrap();
        assert!(v.status.success(), "{}", text(&v));
        // init's 4 entries, and the configuration recorded when the
        // refused command opened the installation.
        assert!(stdout(&v).contains("ledger intact: "), "{}", text(&v));
    }
}

pub(super) async fn init_rejects_bad_input_and_writes_nothing(engine: Engine) {
    let i = Install::new(engine);
    let weak = write_file(i.dir.path(), "weak", "password\n");
    let strong = write_file(i.dir.path(), "strong", "Str0ng-Passw0rd\n");
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--region",
                "990105",
                "--agency-name",
                "x",
                "--admin-password-file",
                strong.to_str().unwrap(),
            ],
            "region",
        ),
        (
            &[
                "--region",
                "110105",
                "--agency-name",
                "x",
                "--admin-password-file",
                weak.to_str().unwrap(),
            ],
            "password",
        ),
        (
            &[
                "--region",
                "110105",
                "--agency-name",
                " ",
                "--admin-password-file",
                strong.to_str().unwrap(),
            ],
            "agency_name",
        ),
    ];
    for (args, field) in cases {
        let mut all = vec![
            "init",
            "--admin-user",
            "sysadmin",
            "--security-admin-user",
            "secadmin",
            "--audit-admin-user",
            "auditadmin",
        ];
        all.extend_from_slice(args);
        let out = i.sirm(&all);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = stderr(&out);
        assert!(
            err.contains(field),
            "expected the error to name {field}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
        assert!(!i.data().join("sirm.toml").exists());
        assert!(!i.data().join("keys").exists());
    }
}

pub(super) async fn bad_configuration_is_a_one_line_error(engine: Engine) {
    let i = Install::demo(engine, 5);
    // Unknown schema version.
    let bump = match engine {
        Engine::Sqlite => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99, 'future', 1, X'00', 0)",
        Engine::Postgres => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99, 'future', TRUE, '\\x00'::bytea, 0)",
    };
    i.tamper(&[bump]).await;
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("schema version 99 is unknown"),
        "{}",
        text(&out)
    );
    assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", text(&out));
}

pub(super) async fn missing_or_wrong_key_refused(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 5, crypto);
    let key = i.data().join("keys/checkpoint.key");
    let original = std::fs::read(&key).unwrap();
    // A well-formed key of the other profile: refused, naming both profiles.
    let (profile, other) = match crypto {
        CryptoProfile::Sha256Ed25519 => (CryptoProfile::Sha256Ed25519, CryptoProfile::Sm3Sm2),
        CryptoProfile::Sm3Sm2 => (CryptoProfile::Sm3Sm2, CryptoProfile::Sha256Ed25519),
    };
    let foreign = other.generate_signing_key();
    std::fs::write(&key, foreign.to_file_text()).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "profile {profile} does not match the key's profile {other}"
        )),
        "{}",
        text(&out)
    );
    let foreign_pub = write_file(i.dir.path(), "foreign.pub", &foreign.public_key().to_text());
    let out = i.sirm(&["verify", "--public-key", foreign_pub.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "this is a {other} public key, but the installation uses the {profile} profile"
        )),
        "{}",
        text(&out)
    );
    // A different, well-formed key of the right profile.
    std::fs::write(&key, profile.generate_signing_key().to_file_text()).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("does not belong to this installation"),
        "{}",
        text(&out)
    );
    // No key at all.
    std::fs::remove_file(&key).unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("checkpoint.key: signing key file is missing"),
        "{}",
        text(&out)
    );
    // A garbled key.
    std::fs::write(&key, "not a key").unwrap();
    let out = i.sirm(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("checkpoint.key"), "{}", text(&out));
    // Verification needs only the public key.
    std::fs::write(&key, original).unwrap();
    assert!(i.sirm(&["verify"]).status.success());
}
