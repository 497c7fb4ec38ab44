//! One installation, one database identity (PostgreSQL).
//!
//! Every installation lives in its own schema. Its runtime connections act as
//! a role of its own (`sirm_rt_…`), derived from the database and schema
//! name, and its appends serialise on an advisory lock key of its own, derived
//! the same way. The migrations still grant to the cluster-wide template role
//! `sirm_app` (their files cannot change: sqlx checks their checksums);
//! [`provision`], run by `Store::migrate` as the schema owner, moves those
//! privileges onto the installation's role and strips `sirm_app` and `PUBLIC`
//! of everything on the schema. See docs/operations.md, "One installation,
//! one database identity".

use sha2::{Digest as _, Sha256};
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// The template role the migrations grant to. After [`provision`] it holds
/// nothing on the installation's schema.
pub const TEMPLATE_ROLE: &str = "sirm_app";
/// Prefix of every installation's runtime role.
pub const RUNTIME_ROLE_PREFIX: &str = "sirm_rt_";
/// Domain separation of the identity digest.
const IDENTITY_DOMAIN: &[u8] = b"sirm-installation\0";
/// Characters of the schema name kept, readable, in the role name
/// (8 prefix + 38 + 1 + 16 hex = 63, PostgreSQL's identifier limit).
const READABLE_CHARS: usize = 38;

/// The PostgreSQL identity of one installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgInstallation {
    /// `current_database()` of the installation's connections.
    pub database: String,
    /// The schema holding the installation's tables.
    pub schema: String,
    /// The role its runtime connections `SET ROLE` to.
    pub runtime_role: String,
    /// Key of the transaction-level advisory lock serialising its appends.
    pub append_lock_key: i64,
}

impl PgInstallation {
    /// The identity of the installation in `schema` of `database`.
    ///
    /// `d = SHA-256("sirm-installation\0" ‖ database ‖ "\0" ‖ schema)`;
    /// the runtime role is `sirm_rt_<schema, at most 38 characters, anything
    /// but a-z 0-9 _ replaced by _>_<hex of d[0..8]>`, the lock key
    /// `d[8..16]` read as a big-endian `i64`. The database is part of it
    /// because roles are cluster-wide while schemas are per database: two
    /// databases' `public` schemas get different roles.
    pub fn derive(database: &str, schema: &str) -> PgInstallation {
        let d = Sha256::new()
            .chain_update(IDENTITY_DOMAIN)
            .chain_update(database.as_bytes())
            .chain_update([0u8])
            .chain_update(schema.as_bytes())
            .finalize();
        let readable: String = schema
            .chars()
            .take(READABLE_CHARS)
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut key = [0u8; 8];
        key.copy_from_slice(&d[8..16]);
        PgInstallation {
            database: database.to_string(),
            schema: schema.to_string(),
            runtime_role: format!("{RUNTIME_ROLE_PREFIX}{readable}_{}", hex::encode(&d[..8])),
            append_lock_key: i64::from_be_bytes(key),
        }
    }
}

/// `name` as a quoted SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as a quoted SQL string literal.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The relations of the installation: those in its schema owned by the owner
/// of its migration history (in `public`, other software's tables are left
/// alone). `$1` is the schema.
const SIRM_RELATIONS: &str = "\
    SELECT c.oid, c.relname, c.relkind, c.relacl FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') \
      AND c.relowner = (SELECT m.relowner FROM pg_class m \
                        WHERE m.relnamespace = n.oid AND m.relname = '_sqlx_migrations')";

/// Roles whose privileges on the schema move to the runtime role and are then
/// revoked: the template role, and any other runtime role (left over from a
/// renamed schema or database). `$2` is the runtime role.
const DONOR_ROLES: &str = "\
    (g.rolname = 'sirm_app' OR (g.rolname LIKE 'sirm\\_rt\\_%' AND g.rolname <> $2))";

/// Give the installation its own runtime role (schema owner; idempotent):
/// create it if absent (NOLOGIN) and let the current user act as it; copy to
/// it every privilege the template role (or a stale runtime role) holds on
/// the installation's tables, sequences and columns, read from the catalog so
/// that later migrations' grants are covered; grant it USAGE on the schema;
/// then revoke everything on the schema and its relations from the template
/// role, stale runtime roles and `PUBLIC`.
pub(crate) async fn provision(pool: &AnyPool, pg: &PgInstallation) -> Result<(), StoreError> {
    let role = quote_ident(&pg.runtime_role);
    let schema = quote_ident(&pg.schema);
    let mut tx = pool.begin().await?;
    let (exists, member): (bool, bool) = {
        let r = sqlx::query(
            "SELECT COUNT(*) > 0, COALESCE(bool_or(pg_has_role(current_user, oid, 'MEMBER')), FALSE) \
             FROM pg_roles WHERE rolname = $1",
        )
        .bind(&pg.runtime_role)
        .fetch_one(&mut *tx)
        .await?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    let refused = |what: &str, e: sqlx::Error| StoreError::RuntimeRoleSetup {
        role: pg.runtime_role.clone(),
        schema: pg.schema.clone(),
        reason: format!("{what}: {e}"),
    };
    if !exists {
        sqlx::query(&format!("CREATE ROLE {role} NOLOGIN"))
            .execute(&mut *tx)
            .await
            .map_err(|e| refused("cannot create the role (the schema owner needs CREATEROLE, or a DBA creates it)", e))?;
        sqlx::query(&format!(
            "COMMENT ON ROLE {role} IS {}",
            quote_literal(&format!(
                "SIRM runtime role of database {} schema {}",
                pg.database, pg.schema
            ))
        ))
        .execute(&mut *tx)
        .await?;
    }
    if !member {
        sqlx::query(&format!("GRANT {role} TO CURRENT_USER"))
            .execute(&mut *tx)
            .await
            .map_err(|e| refused("cannot let the schema owner act as the role", e))?;
    }

    // Table, view and sequence privileges of the donors.
    let grants = sqlx::query(&format!(
        "SELECT DISTINCT r.relname::text, (r.relkind = 'S'), a.privilege_type::text \
         FROM ({SIRM_RELATIONS}) r CROSS JOIN LATERAL aclexplode(r.relacl) a \
         JOIN pg_roles g ON g.oid = a.grantee WHERE {DONOR_ROLES} ORDER BY 1, 3"
    ))
    .bind(&pg.schema)
    .bind(&pg.runtime_role)
    .fetch_all(&mut *tx)
    .await?;
    // Column privileges of the donors.
    let column_grants = sqlx::query(&format!(
        "SELECT DISTINCT r.relname::text, att.attname::text, a.privilege_type::text \
         FROM ({SIRM_RELATIONS}) r JOIN pg_attribute att ON att.attrelid = r.oid \
         CROSS JOIN LATERAL aclexplode(att.attacl) a \
         JOIN pg_roles g ON g.oid = a.grantee \
         WHERE att.attnum > 0 AND NOT att.attisdropped AND {DONOR_ROLES} ORDER BY 1, 2, 3"
    ))
    .bind(&pg.schema)
    .bind(&pg.runtime_role)
    .fetch_all(&mut *tx)
    .await?;
    // Everyone to strip: the template role and stale runtime roles that
    // hold anything on the schema or its relations.
    let donors: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT g.rolname::text FROM pg_roles g WHERE {DONOR_ROLES} AND ( \
           g.rolname = 'sirm_app' \
           OR EXISTS (SELECT 1 FROM ({SIRM_RELATIONS}) r \
                      CROSS JOIN LATERAL aclexplode(r.relacl) a WHERE a.grantee = g.oid) \
           OR EXISTS (SELECT 1 FROM ({SIRM_RELATIONS}) r JOIN pg_attribute att ON att.attrelid = r.oid \
                      CROSS JOIN LATERAL aclexplode(att.attacl) a WHERE a.grantee = g.oid) \
           OR EXISTS (SELECT 1 FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a \
                      WHERE n.nspname = $1 AND a.grantee = g.oid)) ORDER BY 1"
    ))
    .bind(&pg.schema)
    .bind(&pg.runtime_role)
    .fetch_all(&mut *tx)
    .await?;
    let relations = sqlx::query(&format!(
        "SELECT r.relname::text, (r.relkind = 'S') FROM ({SIRM_RELATIONS}) r ORDER BY 1"
    ))
    .bind(&pg.schema)
    .fetch_all(&mut *tx)
    .await?;

    let object = |name: &str, sequence: bool| {
        format!(
            "{} {schema}.{}",
            if sequence { "SEQUENCE" } else { "TABLE" },
            quote_ident(name)
        )
    };
    for g in &grants {
        let (name, sequence, privilege): (String, bool, String) =
            (g.try_get(0)?, g.try_get(1)?, g.try_get(2)?);
        sqlx::query(&format!(
            "GRANT {privilege} ON {} TO {role}",
            object(&name, sequence)
        ))
        .execute(&mut *tx)
        .await?;
    }
    for g in &column_grants {
        let (name, column, privilege): (String, String, String) =
            (g.try_get(0)?, g.try_get(1)?, g.try_get(2)?);
        sqlx::query(&format!(
            "GRANT {privilege} ({}) ON TABLE {schema}.{} TO {role}",
            quote_ident(&column),
            quote_ident(&name)
        ))
        .execute(&mut *tx)
        .await?;
    }
    let mut from = vec!["PUBLIC".to_string()];
    from.extend(donors.iter().map(|d| quote_ident(d)));
    let from = from.join(", ");
    for r in &relations {
        let (name, sequence): (String, bool) = (r.try_get(0)?, r.try_get(1)?);
        // Also revokes the column privileges of a table.
        sqlx::query(&format!(
            "REVOKE ALL ON {} FROM {from}",
            object(&name, sequence)
        ))
        .execute(&mut *tx)
        .await?;
    }

    // The schema itself: only its owner (or a superuser) may change who may
    // use it. `public` keeps PUBLIC's USAGE (other software of the database
    // may live there; PUBLIC holds no privilege on SIRM's relations) but
    // loses CREATE, so nobody can plant objects in SIRM's search path.
    let may_grant: bool = sqlx::query_scalar(
        "SELECT has_schema_privilege(current_user, $1, 'USAGE WITH GRANT OPTION')",
    )
    .bind(&pg.schema)
    .fetch_one(&mut *tx)
    .await?;
    if may_grant {
        sqlx::query(&format!("GRANT USAGE ON SCHEMA {schema} TO {role}"))
            .execute(&mut *tx)
            .await?;
        let from_public = if pg.schema == "public" {
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC".to_string()
        } else {
            format!("REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
        };
        sqlx::query(&from_public).execute(&mut *tx).await?;
        if !donors.is_empty() {
            let donors: Vec<String> = donors.iter().map(|d| quote_ident(d)).collect();
            sqlx::query(&format!(
                "REVOKE ALL ON SCHEMA {schema} FROM {}",
                donors.join(", ")
            ))
            .execute(&mut *tx)
            .await?;
        }
    } else {
        tracing::warn!(
            schema = %pg.schema,
            role = %pg.runtime_role,
            "the schema owner may not grant on the schema itself; its USAGE grants are left as they are"
        );
    }
    let usable: bool = sqlx::query_scalar("SELECT has_schema_privilege($1, $2, 'USAGE')")
        .bind(&pg.runtime_role)
        .bind(&pg.schema)
        .fetch_one(&mut *tx)
        .await?;
    if !usable {
        return Err(StoreError::RuntimeRoleSetup {
            role: pg.runtime_role.clone(),
            schema: pg.schema.clone(),
            reason: "the role may not use the schema; its owner must GRANT USAGE on it".into(),
        });
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_stable_and_fits_an_identifier() {
        let a = PgInstallation::derive("sirm", "t_abc");
        assert_eq!(a, PgInstallation::derive("sirm", "t_abc"));
        assert!(a.runtime_role.starts_with("sirm_rt_t_abc_"), "{a:?}");
        assert_eq!(a.runtime_role.len(), "sirm_rt_t_abc_".len() + 16);
        // Another schema, or the same schema in another database: another
        // role and another lock key.
        for b in [
            PgInstallation::derive("sirm", "t_abd"),
            PgInstallation::derive("other", "t_abc"),
        ] {
            assert_ne!(a.runtime_role, b.runtime_role);
            assert_ne!(a.append_lock_key, b.append_lock_key);
        }
        // Long or odd schema names: still at most 63 characters, only
        // a-z 0-9 _.
        let long = PgInstallation::derive("d", &"X\"y;-".repeat(20));
        assert!(long.runtime_role.len() <= 63, "{long:?}");
        assert!(long
            .runtime_role
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    }

    #[test]
    fn lock_key_is_the_documented_digest() {
        let d = Sha256::digest(b"sirm-installation\0db\0s");
        let mut k = [0u8; 8];
        k.copy_from_slice(&d[8..16]);
        let p = PgInstallation::derive("db", "s");
        assert_eq!(p.append_lock_key, i64::from_be_bytes(k));
        assert_eq!(
            p.runtime_role,
            format!("sirm_rt_s_{}", hex::encode(&d[..8]))
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
