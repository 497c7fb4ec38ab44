//! The tamper suite: every way of altering the ledger that `sirm verify` must catch and name.

use super::*;

/// `sirm verify` on a tampered ledger: exit 1, first bad entry named.
pub(super) fn expect_altered(i: &Install, extra: &[&str], seq: u64, needle: &str) {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let out = i.sirm(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = stdout(&out);
    assert!(
        s.contains(&format!("first bad entry is {seq}")),
        "expected entry {seq}: {s}"
    );
    assert!(s.contains(needle), "expected {needle:?}: {s}");
}

pub(super) async fn tamper_payload_byte(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    // The genesis batch: the agency (seq 1, no "reason" in it: replacing it
    // changes nothing), then the three administrators' accounts.
    i.tamper(&["UPDATE ledger_entry SET payload = replace(payload, '\"reason\"', '\"Reason\"') WHERE seq = 1"]).await;
    let i2 = i;
    i2.tamper(&["UPDATE ledger_entry SET payload = replace(payload, '\"username\":\"', '\"username\":\"x') WHERE seq = 3"]).await;
    expect_altered(&i2, &[], 3, "entry 3: content does not match");
}

pub(super) async fn tamper_delete_entry(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    i.tamper(&["DELETE FROM ledger_entry WHERE seq = 20"]).await;
    expect_altered(&i, &[], 20, "20");
}

pub(super) async fn tamper_swap_entries(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    i.tamper(&[
        "UPDATE ledger_entry SET seq = -1 WHERE seq = 15",
        "UPDATE ledger_entry SET seq = 15 WHERE seq = 16",
        "UPDATE ledger_entry SET seq = 16 WHERE seq = -1",
    ])
    .await;
    expect_altered(&i, &[], 15, "entry 15");
}

pub(super) async fn tamper_forged_entry(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let n = i.tree_size().await;
    // A forged row copied from a real one, with a self-consistent leaf hash
    // recomputed by the forger: only the missing signature betrays it.
    let forged = sirm_ledger::Entry::from_stored(
        n + 1,
        4_102_444_800_000_000,
        "110105".into(),
        "business",
        "person.changed".into(),
        "person:forged".into(),
        None,
        "[\"clerk\"]",
        "{\"note\":\"forged\"}".into(),
    )
    .unwrap();
    let leaf = hex::encode(forged.leaf_hash(crypto.profile()));
    let leaf_sql = match engine {
        Engine::Sqlite => format!("X'{leaf}'"),
        Engine::Postgres => format!("'\\x{leaf}'::bytea"),
    };
    let sql = format!(
        "INSERT INTO ledger_entry (seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash) \
         VALUES ({}, 4102444800000000, '110105', 'business', 'person.changed', 'person:forged', NULL, '[\"clerk\"]', '{{\"note\":\"forged\"}}', {leaf_sql})",
        n + 1
    );
    i.tamper(&[&sql]).await;
    expect_altered(&i, &[], n + 1, &format!("{}", n + 1));
}

pub(super) async fn tamper_truncate_tail(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let kept = i.dir.path().join("kept.note");
    let out = i.sirm(&["checkpoint", "--out", kept.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    // Remove the whole last batch and its checkpoint. The stored tree
    // nodes of the removed entries betray it...
    // (`sirm demo`'s first batch: the agency, the three administrators
    // and the demo region's rule set.)
    i.tamper(&[
        "DELETE FROM ledger_entry WHERE seq > 5",
        "DELETE FROM ledger_checkpoint WHERE tree_size > 5",
    ])
    .await;
    let plain = i.sirm(&["verify", "--no-projections"]);
    assert_eq!(plain.status.code(), Some(1), "{}", text(&plain));
    assert!(
        stdout(&plain).contains(
            "stored tree node level 4 index 0 (entries 1–16): covers entries beyond the ledger's 5"
        ),
        "{}",
        text(&plain)
    );
    // ...until they go too: the rest is self-consistent, so only a
    // checkpoint kept outside can tell.
    i.tamper(&["DELETE FROM ledger_node"]).await;
    let plain = i.sirm(&["verify", "--no-projections"]);
    assert!(plain.status.success(), "{}", text(&plain));
    // The projections still hold what the removed entries made.
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stdout(&out).contains("PROJECTIONS DIFFER FROM THE LEDGER"),
        "{}",
        text(&out)
    );
    // The plain verification passed and recorded its run (`cli.command`,
    // entry 6 of the truncated ledger); the checkpoint kept outside still
    // names the truncation: the entries after it are missing.
    expect_altered(
        &i,
        &["--checkpoint", kept.to_str().unwrap()],
        7,
        "tail truncated",
    );
}

pub(super) async fn tamper_rewritten_leaf_hash_is_caught_by_signature(
    engine: Engine,
    crypto: Crypto,
) {
    let i = Install::demo_with(engine, 30, crypto);
    // Content and leaf hash rewritten together: the signed root disagrees.
    let rewrite = match engine {
        Engine::Sqlite => "UPDATE ledger_entry SET leaf_hash = zeroblob(32) WHERE seq = 10",
        Engine::Postgres => {
            "UPDATE ledger_entry SET leaf_hash = decode(repeat('00', 32), 'hex') WHERE seq = 10"
        }
    };
    i.tamper(&[rewrite]).await;
    expect_altered(&i, &[], 10, "entry 10");
}

/// `sirm verify` on projections edited behind the applier's back: one
/// column of one row, a deleted row, an extra row, in different tables —
/// each exits 1 naming the table, the key and what differs (also in JSON);
/// untouched and rebuilt, exit 0; `--no-projections` skips the pass.
pub(super) async fn tamper_projections(engine: Engine) {
    let i = Install::demo(engine, 30);
    let out = i.sirm(&["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("projections match the ledger: 36 tables"),
        "{}",
        text(&out)
    );
    // A person with contributions, and the retiree's benefit.
    let store = Store::connect(&i.store_config(), Role::App).await.unwrap();
    let mut person = None;
    for p in store.person_ids(30).await.unwrap() {
        if let Some(c) = store.contributions_of(&p).await.unwrap().first() {
            person = Some((p, c.month));
            break;
        }
    }
    let (pid, month) = person.expect("a demo person with contributions");
    let retiree = store
        .account("retiree")
        .await
        .unwrap()
        .unwrap()
        .person_id
        .unwrap();
    let total = store.benefit_row(&retiree).await.unwrap().unwrap().total;
    store.close().await;

    let cases = [
        (
            format!("UPDATE person SET name = '改名' WHERE person_id = '{pid}'"),
            "person",
            format!("row person_id={pid}: column name is \"改名\" in the table"),
            "column_value",
        ),
        (
            format!("UPDATE benefit SET total = '99999.00' WHERE person_id = '{retiree}'"),
            "benefit",
            format!(
                "row person_id={retiree}: column total is \"99999.00\" in the table, \"{total}\" from the ledger"
            ),
            "column_value",
        ),
        (
            format!("DELETE FROM contribution WHERE person_id = '{pid}' AND month = '{month}'"),
            "contribution",
            format!("row person_id={pid}, month={month}: missing"),
            "missing_row",
        ),
        (
            "INSERT INTO account_role (username, role, granted_seq) VALUES ('clerk', 'approver', 1)"
                .to_string(),
            "account_role",
            "row username=clerk, role=approver: extra row".to_string(),
            "extra_row",
        ),
    ];
    for (sql, table, needle, kind) in cases {
        i.tamper(&[&sql]).await;
        let out = i.sirm(&["verify"]);
        assert_eq!(out.status.code(), Some(1), "{sql}: {}", text(&out));
        let s = stdout(&out);
        assert!(s.contains("ledger intact"), "{s}");
        assert!(
            s.contains(&format!(
                "PROJECTIONS DIFFER FROM THE LEDGER: first difference in table {table}"
            )),
            "{sql}: {s}"
        );
        assert!(s.contains(&needle), "expected {needle:?}: {s}");
        let out = i.sirm(&["verify", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["projections"]["difference"]["table"], table, "{v}");
        assert_eq!(v["projections"]["difference"]["kind"], kind, "{v}");
        assert!(
            v["report"].is_object(),
            "the ledger report is still there: {v}"
        );
        // Skipped on request; then put right by a rebuild.
        let out = i.sirm(&["verify", "--no-projections"]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            stdout(&out).contains("projections not checked"),
            "{}",
            text(&out)
        );
        assert_eq!(i.sirm(&["rebuild"]).status.code(), Some(1));
        let out = i.sirm(&["verify"]);
        assert!(out.status.success(), "{}", text(&out));
    }
}

/// A stored tree node altered: `sirm verify` names it (the entries are
/// intact), and no proof through it is served.
pub(super) async fn tamper_tree_node(engine: Engine, crypto: Crypto) {
    let i = Install::demo_with(engine, 30, crypto);
    let zero = match engine {
        Engine::Sqlite => "zeroblob(32)",
        Engine::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    i.tamper(&[&format!(
        "UPDATE ledger_node SET hash = {zero} WHERE level = 4 AND idx = 1"
    )])
    .await;
    let out = i.sirm(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let s = stdout(&out);
    // The entries themselves are intact: no bad entry, one bad node.
    assert!(s.starts_with("LEDGER ALTERED\n"), "{s}");
    assert!(
        s.contains(
            "stored tree node level 4 index 1 (entries 17–32): disagrees with the leaf hashes"
        ),
        "{s}"
    );
    assert_eq!(
        s.lines()
            .filter(|l| !l.starts_with("projections") && !l.starts_with("query log"))
            .count(),
        2,
        "{s}"
    );
    // A proof through that node is refused, never served wrong.
    let server = Server::start(&i);
    let r = reqwest::get(format!(
        "{}/api/v1/ledger/proof/inclusion?seq=1",
        server.base
    ))
    .await
    .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    let r = reqwest::get(format!(
        "{}/api/v1/ledger/proof/inclusion?seq=20",
        server.base
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
}
