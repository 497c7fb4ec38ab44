//! Backups restored across engines and back; bad backups and targets refused with nothing half restored; data loss told apart from forks.

use super::*;

#[test]
pub(super) fn incremental_backups_restore_across_engines_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let dest = tmp.path().join("offsite");

    let first = backup(&live, &dest, &recipient);
    let size = live.size();
    assert_eq!(first["entries"], first["tree_size"]);
    assert!(first["blobs"].as_u64().unwrap() > 0, "{first}");
    // The second run adds only what is new: the record of the command and
    // its own start event.
    let second = backup(&live, &dest, &recipient);
    assert_eq!(live.since(size), ["cli.command", "backup.started"]);
    assert_eq!(second["entries"], 2, "{second}");
    assert_eq!(second["blobs"], 0, "{second}");
    let second_size = second["tree_size"].as_u64().unwrap();
    assert_eq!(second_size, size + 2);
    assert_eq!(increments(&dest).len(), 2);

    // Nothing personal in clear on the medium: the demo persons' names and
    // ID numbers are nowhere in the files (and the increments are age files).
    for inc in increments(&dest) {
        let bytes = std::fs::read(&inc).unwrap();
        assert!(
            bytes.starts_with(b"age-encryption.org/v1"),
            "{}",
            inc.display()
        );
    }
    let manifest = std::fs::read_to_string(newest_manifest(&dest)).unwrap();
    assert!(!manifest.contains("AGE-SECRET-KEY"), "{manifest}");
    let all: Vec<u8> = increments(&dest)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(
        !all.windows(7).any(|w| w == b"keys/ch"),
        "no key file in a backup"
    );

    // SQLite → PostgreSQL, checked against the published checkpoint.
    let published = tmp.path().join("published.note");
    live.ok(&["checkpoint", "--out", published.to_str().unwrap()]);
    let pg = Target::postgres(tmp.path().join("restored-pg"));
    let o = restore(
        &pg,
        &dest,
        &live.data.join("keys"),
        &id,
        &["--published", published.to_str().unwrap(), "--json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "consistent", "{report}");
    assert_eq!(report["recorded"], true);
    // The restored ledger is the live one plus the restore's own event.
    assert_eq!(pg.size(), second_size + 1);
    pg.verify_ok();
    assert_eq!(pg.since(second_size + 1), ["cli.command"]);
    let live_note = std::fs::read_to_string(&published).unwrap();
    let pg_out = pg.ok(&["verify", "--checkpoint", published.to_str().unwrap()]);
    assert!(pg_out.contains("ledger intact"), "{pg_out}\n{live_note}");

    // PostgreSQL → SQLite: back up the restored installation, restore it.
    let dest2 = tmp.path().join("from-pg");
    backup(&pg, &dest2, &recipient);
    let back = Target::sqlite(tmp.path().join("restored-sqlite"));
    let o = restore(&back, &dest2, &live.data.join("keys"), &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    back.verify_ok();
    // The personal-data key rows and the key registry came back (the
    // sealed fields opened above prove the wrapped keys are the live ones).
    let registry = |out: String| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("database expects") || l.starts_with("data keys"))
            .map(str::to_string)
            .collect()
    };
    let live_keys = registry(live.ok(&["keys", "status"]));
    assert_eq!(live_keys.len(), 3, "{live_keys:?}");
    assert_eq!(live_keys, registry(back.ok(&["keys", "status"])));

    // An older backup on request (--at): the first run's manifest.
    let at = Target::sqlite(tmp.path().join("restored-at"));
    let first_size = first["tree_size"].as_u64().unwrap().to_string();
    let o = restore(
        &at,
        &dest,
        &live.data.join("keys"),
        &id,
        &["--at", &first_size],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(at.size(), first["tree_size"].as_u64().unwrap() + 1);
}

/// The restore is refused with `needle` in its one-line error, and the
/// target does not exist afterwards.
pub(super) fn refused(o: &Output, target: &Target, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", err(o));
    let e = err(o);
    assert!(e.contains(needle), "{needle:?} not in {e}");
    assert!(
        !target.data.exists(),
        "half-restored target left at {}",
        target.data.display()
    );
}

#[test]
pub(super) fn bad_backups_and_targets_are_refused_and_nothing_is_half_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let other = demo(tmp.path().join("other"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let (wrong_id, _) = identity(tmp.path(), "wrong.id");
    let keys = live.data.join("keys");
    let dest = tmp.path().join("dest");
    backup(&live, &dest, &recipient);
    let size_before = live.size();
    let t = || Target::sqlite(tmp.path().join("restored"));

    // A corrupted increment: one byte flipped.
    let inc = increments(&dest).pop().unwrap();
    let good = std::fs::read(&inc).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(&inc, &bad).unwrap();
    let name = inc.file_name().unwrap().to_str().unwrap().to_string();
    refused(&restore(&t(), &dest, &keys, &id, &[]), &t(), &name);
    // Truncated.
    std::fs::write(&inc, &good[..good.len() / 3]).unwrap();
    refused(
        &restore(&t(), &dest, &keys, &id, &[]),
        &t(),
        "corrupted or truncated",
    );
    std::fs::write(&inc, &good).unwrap();

    // A manifest with a wrong signature (its root changed).
    let m = newest_manifest(&dest);
    let text = std::fs::read_to_string(&m).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let root = v["root"].as_str().unwrap();
    let forged = text.replace(root, &"0".repeat(64));
    std::fs::write(&m, forged).unwrap();
    refused(
        &restore(&t(), &dest, &keys, &id, &[]),
        &t(),
        "wrong signature",
    );
    std::fs::write(&m, &text).unwrap();

    // A backup of another agency (the keys brought are another installation's).
    refused(
        &restore(&t(), &dest, &other.data.join("keys"), &id, &[]),
        &t(),
        "another agency",
    );
    // The wrong age identity.
    refused(
        &restore(&t(), &dest, &keys, &wrong_id, &[]),
        &t(),
        "cannot decrypt",
    );
    // An unreachable destination.
    refused(
        &restore(&t(), &tmp.path().join("nowhere"), &keys, &id, &[]),
        &t(),
        "no such directory",
    );

    // A non-empty target is refused and left as it was.
    let occupied = t();
    std::fs::create_dir_all(&occupied.data).unwrap();
    std::fs::write(occupied.data.join("notes.txt"), "keep me").unwrap();
    let o = restore(&occupied, &dest, &keys, &id, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not empty"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(occupied.data.join("notes.txt")).unwrap(),
        "keep me"
    );
    std::fs::remove_dir_all(&occupied.data).unwrap();

    // A destination that cannot be created: refused before anything is
    // written, saying why; the live installation still verifies.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        file.join("sub").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("cannot create"), "{}", err(&o));
    // A recipient that is not one.
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        dest.to_str().unwrap(),
        "--recipient",
        "age1nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("not an age X25519 recipient"),
        "{}",
        err(&o)
    );
    live.verify_ok();
    let after = live.since(size_before);
    assert!(
        after.iter().all(|e| e == "cli.command"),
        "a refused run appends nothing but the record of the command: {after:?}"
    );

    // After all that, the good backup still restores.
    let ok = t();
    let o = restore(&ok, &dest, &keys, &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    ok.verify_ok();
}

#[test]
pub(super) fn data_loss_and_forks_are_told_apart_and_a_short_restore_signs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let live = demo(tmp.path().join("live"));
    let (id, recipient) = identity(tmp.path(), "backup.id");
    let keys = live.data.join("keys");
    let dest = tmp.path().join("dest");
    let b = backup(&live, &dest, &recipient);
    let backed_up = b["tree_size"].as_u64().unwrap();
    // The agency goes on and publishes more (here: another backup run elsewhere).
    backup(&live, &tmp.path().join("elsewhere"), &recipient);
    let published = tmp.path().join("published.note");
    live.ok(&["checkpoint", "--out", published.to_str().unwrap()]);
    let published_size: u64 = std::fs::read_to_string(&published)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(published_size > backed_up);
    let pub_arg = published.to_str().unwrap();

    // Data loss: refused unless accepted, naming the entries lost.
    let t = Target::sqlite(tmp.path().join("short"));
    let o = restore(&t, &dest, &keys, &id, &["--published", pub_arg]);
    refused(&o, &t, &format!("data loss up to entry {published_size}"));
    let o = restore(
        &t,
        &dest,
        &keys,
        &id,
        &["--published", pub_arg, "--accept-data-loss", "--json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "data_loss", "{report}");
    assert_eq!(report["published"]["restored"], backed_up);
    assert_eq!(report["published"]["published"], published_size);
    assert_eq!(report["recorded"], false);
    // It reads and verifies, but signs nothing: any append would fork the
    // published history.
    assert_eq!(t.size(), backed_up);
    let out = t.ok(&["verify"]);
    assert!(out.contains("ledger intact"), "{out}");
    let o = t.sirm(&[
        "backup",
        "create",
        "--to",
        tmp.path().join("x").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("published-history"), "{}", err(&o));
    assert_eq!(t.size(), backed_up);

    // Or it continues as a successor log under a new origin, whose first
    // entry records the loss; it signs again, under the new origin only.
    let succ = Target::sqlite(tmp.path().join("successor"));
    let o = restore(
        &succ,
        &dest,
        &keys,
        &id,
        &[
            "--published",
            pub_arg,
            "--successor-origin",
            "sirm:110105.r1",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["published"]["result"], "data_loss", "{report}");
    assert_eq!(report["successor_origin"], "sirm:110105.r1");
    assert_eq!(report["recorded"], true);
    assert_eq!(succ.size(), backed_up + 1);
    let note = succ.ok(&["checkpoint"]);
    assert!(note.starts_with("sirm:110105.r1\n"), "{note}");
    backup(&succ, &tmp.path().join("successor-dest"), &recipient);
    let out = succ.ok(&["verify"]);
    assert!(out.contains("ledger intact"), "{out}");
    // The same origin again is refused.
    let again = Target::sqlite(tmp.path().join("same-origin"));
    let o = restore(
        &again,
        &dest,
        &keys,
        &id,
        &["--published", pub_arg, "--successor-origin", "sirm:110105"],
    );
    refused(&o, &again, "must differ");

    // A fork: restore without the note (allowed: nothing to compare), then
    // that installation records its restore — a different entry after the
    // backup than the live one published. A backup of it, checked against
    // the published note, is refused as a fork.
    let forked = Target::sqlite(tmp.path().join("forked"));
    let o = restore(&forked, &dest, &keys, &id, &[]);
    assert!(o.status.success(), "{}", err(&o));
    let fork_dest = tmp.path().join("fork-dest");
    backup(&forked, &fork_dest, &recipient);
    let t2 = Target::sqlite(tmp.path().join("from-fork"));
    refused(
        &restore(&t2, &fork_dest, &keys, &id, &["--published", pub_arg]),
        &t2,
        "fork",
    );

    // The live installation refuses to add to the forked history's
    // destination, and the restored one refuses to add to the live one's
    // (which is ahead of it: a rollback).
    let o = live.sirm(&[
        "backup",
        "create",
        "--to",
        fork_dest.to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("rolled back") || err(&o).contains("another history"),
        "{}",
        err(&o)
    );
    let o = forked.sirm(&[
        "backup",
        "create",
        "--to",
        tmp.path().join("elsewhere").to_str().unwrap(),
        "--recipient",
        &recipient,
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("rolled back") || err(&o).contains("another history"),
        "{}",
        err(&o)
    );
}
