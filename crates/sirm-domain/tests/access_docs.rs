//! `docs/roles.md` must say exactly what `sirm_domain::access` enforces: the
//! permission × role matrix, the role tables, the permission descriptions and
//! the separation-of-duty rules are parsed from the page and compared with the
//! code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use sirm_domain::access::{
    check_grant, check_role_set, permissions, PasswordPolicy, Permission, PolicyProfile, Role,
    RoleClass, SOD_RULES,
};

const ROLES_MD: &str = include_str!("../../../docs/roles.md");

/// Cells of a Markdown table row, trimmed; a cell that is one code span
/// (`` `x` ``) loses its backticks.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|c| {
            let c = c.trim();
            if c.len() >= 2 && c.starts_with('`') && c.ends_with('`') && c.matches('`').count() == 2
            {
                c[1..c.len() - 1].to_owned()
            } else {
                c.to_owned()
            }
        })
        .collect()
}

/// The lines of the section that starts with `heading` (up to the next
/// heading of the same or a higher level).
fn section(heading: &str) -> Vec<&'static str> {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = ROLES_MD.lines().skip_while(|l| l.trim() != heading);
    assert!(
        lines.next().is_some(),
        "heading `{heading}` not in docs/roles.md"
    );
    lines
        .take_while(|l| {
            let n = l.chars().take_while(|c| *c == '#').count();
            n == 0 || n > level
        })
        .collect()
}

/// The first table of a section: header cells and data rows.
fn first_table(lines: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut table = lines
        .iter()
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'));
    let header = cells(table.next().expect("table header"));
    let sep = cells(table.next().expect("table separator"));
    assert!(sep
        .iter()
        .all(|c| c.chars().all(|ch| ch == '-' || ch == ':')));
    let rows: Vec<Vec<String>> = table.map(|l| cells(l)).collect();
    for r in &rows {
        assert_eq!(r.len(), header.len(), "ragged row {r:?}");
    }
    (header, rows)
}

fn documented_matrix() -> BTreeMap<Role, BTreeSet<Permission>> {
    let (header, rows) = first_table(&section("## Permission × role matrix"));
    assert_eq!(header[0], "permission");
    let roles: Vec<Role> = header[1..]
        .iter()
        .map(|h| h.parse().unwrap_or_else(|e| panic!("matrix column: {e}")))
        .collect();
    assert_eq!(
        roles,
        Role::ALL.to_vec(),
        "matrix columns are Role::ALL in order"
    );
    let mut matrix: BTreeMap<Role, BTreeSet<Permission>> =
        roles.iter().map(|r| (*r, BTreeSet::new())).collect();
    let mut seen = Vec::new();
    for row in rows {
        let p: Permission = row[0].parse().unwrap_or_else(|e| panic!("matrix row: {e}"));
        seen.push(p);
        for (role, cell) in roles.iter().zip(&row[1..]) {
            match cell.as_str() {
                "✓" => {
                    matrix.get_mut(role).unwrap().insert(p);
                }
                "" => {}
                other => panic!("matrix cell {p} × {role}: `{other}` is neither ✓ nor blank"),
            }
        }
    }
    assert_eq!(
        seen,
        Permission::ALL.to_vec(),
        "matrix rows are Permission::ALL in order"
    );
    matrix
}

#[test]
fn matrix_in_docs_equals_code() {
    let doc = documented_matrix();
    for role in Role::ALL {
        let code: BTreeSet<Permission> = permissions(role).iter().copied().collect();
        assert_eq!(
            doc[&role], code,
            "docs/roles.md matrix vs permissions({role})"
        );
        for p in Permission::ALL {
            assert_eq!(
                doc[&role].contains(&p),
                sirm_domain::access::allows(&[role], p),
                "{role} × {p}"
            );
        }
    }
}

#[test]
fn role_tables_in_docs_equal_code() {
    let sections = [
        ("### Administrators (管理员)", RoleClass::Admin),
        ("### Business users (业务经办用户)", RoleClass::Business),
        ("### Query users (信息查询用户)", RoleClass::Query),
        ("### External users (外部用户)", RoleClass::External),
    ];
    let mut documented = Vec::new();
    for (heading, class) in sections {
        let (header, rows) = first_table(&section(heading));
        assert_eq!(header[..4], ["role", "中文", "English", "from"]);
        for row in rows {
            let role: Role = row[0].parse().unwrap();
            assert_eq!(role.class(), class, "{role} listed under {heading}");
            assert_eq!(row[1], role.name_zh(), "{role} Chinese name");
            assert_eq!(row[2], role.name_en(), "{role} English name");
            assert!(
                row[3].starts_with(role.article()),
                "{role}: article `{}` vs `{}`",
                row[3],
                role.article()
            );
            // The permissions column names exactly the role's permissions
            // (self_service is implied for everyone).
            for p in Permission::ALL {
                let named = row[4].contains(&format!("`{p}`"));
                let held = permissions(role).contains(&p) && p != Permission::SelfService;
                assert_eq!(named, held, "{role}: permission column and {p}");
            }
            documented.push(role);
        }
    }
    documented.sort();
    let mut all = Role::ALL.to_vec();
    all.sort();
    assert_eq!(documented, all, "every role documented once");
}

#[test]
fn permission_descriptions_in_docs_equal_code() {
    let (header, rows) = first_table(&section("### Permissions"));
    assert_eq!(header, ["permission", "English", "中文"]);
    let listed: Vec<Permission> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(listed, Permission::ALL.to_vec());
    for (p, row) in listed.iter().zip(&rows) {
        assert_eq!(row[1], p.description_en(), "{p}");
        assert_eq!(row[2], p.description_zh(), "{p}");
    }
}

#[test]
fn sod_rules_in_docs_equal_code() {
    let (header, rows) = first_table(&section("## Separation of duties (职责分离)"));
    assert_eq!(header[..3], ["rule id", "source", "中文"]);
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let code_ids: Vec<&str> = SOD_RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, code_ids);
    for (rule, row) in SOD_RULES.iter().zip(&rows) {
        assert!(row[1].starts_with(rule.article), "{}: source", rule.id);
        assert_eq!(row[2], rule.name_zh, "{}: Chinese name", rule.id);
    }
}

#[test]
fn documented_examples_hold() {
    // The refusal quoted in the page.
    let v = check_grant(&[Role::DatabaseAdmin], Role::Approver).unwrap_err();
    let shown = v.to_string();
    let prefix = "refused by rule art26-admin-business (Art 26): database_admin (数据库管理员) may not also hold approver (审批) (系统管理员、数据库管理员不得兼职业务经办用户或者信息查询用户: ";
    assert!(shown.starts_with(prefix), "{shown}");
    assert!(ROLES_MD.contains(&prefix[..prefix.len() - 2]));
    // The allowed combinations quoted in the page.
    check_role_set(&[
        Role::Clerk,
        Role::Reviewer,
        Role::Rechecker,
        Role::Approver,
        Role::MaintenanceOfficer,
        Role::QueryOfficer,
    ])
    .unwrap();
    check_role_set(&[Role::InsuredPerson, Role::Delegate]).unwrap();
    // The password refusal quoted in the page.
    let v = PasswordPolicy::profile(PolicyProfile::Asvs)
        .check_new_password("qzvtkmwrbnx", "alice")
        .unwrap_err();
    assert!(ROLES_MD.contains(&format!("`{v}`")), "{v}");
}

#[test]
fn documented_password_profiles_equal_code() {
    let (header, rows) = first_table(&section("## Password policy profiles"));
    assert_eq!(header, ["", "`gb22239-l3` (default)", "asvs"]);
    let row = |name: &str| -> &Vec<String> {
        rows.iter()
            .find(|r| r[0].starts_with(name))
            .unwrap_or_else(|| panic!("row {name}"))
    };
    for (col, profile) in [(1, PolicyProfile::Gb22239L3), (2, PolicyProfile::Asvs)] {
        let p = PasswordPolicy::profile(profile);
        assert_eq!(
            row("length")[col],
            format!("{}–{} characters", p.min_length, p.max_length)
        );
        let rotation = match p.max_age_days {
            Some(d) => format!("every {d} days"),
            None => "never".to_owned(),
        };
        assert_eq!(row("forced rotation")[col], rotation);
        assert_eq!(
            row("lockout")[col],
            format!(
                "{} minutes after {} consecutive failures",
                p.lockout_minutes, p.lockout_threshold
            )
        );
        let history = &row("history")[col];
        match p.history {
            1 => assert_eq!(history, "not the current one"),
            n => assert!(
                history.starts_with(&format!("not one of the last {n} ")),
                "{history}"
            ),
        }
        let composition = &row("composition")[col];
        match p.min_classes {
            0 => assert_eq!(composition, "none"),
            n => assert!(composition.starts_with(&format!("at least {n} of 4 classes"))),
        }
        let common = if p.reject_common {
            "refused"
        } else {
            "allowed"
        };
        assert_eq!(row("common-password list")[col], common);
    }
}
