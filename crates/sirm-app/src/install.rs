//! `sirm init`: create the database, run migrations, generate the agency
//! signing key, register the agency and the first system administrator.

use chrono::Utc;
use sirm_domain::access::Role;
use sirm_domain::id::RegionCode;
use sirm_domain::records::{self, kind, AccountCreated, AgencyRegistration};
use sirm_ledger::{CryptoProfile, Stream};
use sirm_store::{Installation, Role as DbRole, SchemaState, Store};

pub use crate::drafts::draft;
pub use crate::identity::username::check_username;
use crate::{password, AppError, Config, OpenOptions};

/// What `sirm init` needs to know.
#[derive(Clone, Debug)]
pub struct InitRequest {
    pub region: String,
    pub agency_name: String,
    pub admin_username: String,
    pub admin_display_name: String,
    pub admin_password: String,
    /// The first security administrator (安全管理员): username, display name.
    pub security_admin: (String, String),
    /// The first audit administrator (审计管理员): username, display name.
    pub audit_admin: (String, String),
    /// Hash and signature profile of the new ledger (`sirm init --crypto`).
    pub profile: CryptoProfile,
    /// The region's first rule set (`sirm init --rules FILE`): format and
    /// text, put in force in the installation's first transaction.
    pub rules: Option<(sirm_domain::rules::Format, String)>,
    /// A demo installation (`sirm demo`): accepts demo rule sets.
    pub demo: bool,
}

/// Outcome shown to the operator.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InitReport {
    pub data_dir: String,
    pub database: String,
    pub origin: String,
    pub key_id: String,
    pub tree_size: u64,
    /// Issued one-time passwords of the security and audit administrators
    /// (to be changed at their first sign-in), to hand to those two people.
    pub issued: Vec<crate::identity::accounts::Issued>,
}

/// Create a new installation. Everything is checked before anything is
/// written; an existing installation (config file, key or database) is never
/// touched.
pub async fn init(opts: &OpenOptions, req: &InitRequest) -> Result<InitReport, AppError> {
    let region: RegionCode = req
        .region
        .parse()
        .map_err(|e| AppError::invalid("region", e))?;
    records::check_text("agency_name", &req.agency_name, 200).map_err(AppError::invalid_record)?;
    check_username(&req.admin_username)?;
    check_username(&req.security_admin.0)?;
    check_username(&req.audit_admin.0)?;
    // 三员分立: three administrators, three accounts (three people).
    if req.admin_username == req.security_admin.0
        || req.admin_username == req.audit_admin.0
        || req.security_admin.0 == req.audit_admin.0
    {
        return Err(AppError::invalid(
            "username",
            "the system, security and audit administrators must be three different accounts (三员分立)",
        ));
    }
    sirm_domain::access::PasswordPolicy::profile(crate::SecurityConfig::default().password_profile)
        .check_new_password(&req.admin_password, &req.admin_username)
        .map_err(|v| AppError::invalid_by("password", v.rule, v))?;
    // The first rule set is checked before anything is written.
    let first_rules = match &req.rules {
        None => None,
        Some((format, text)) => {
            let set = crate::rulesets::parse_rule_set(req.profile, *format, text)?;
            crate::rulesets::check_for_region(region.as_str(), req.demo, &set)?;
            let import = records::RuleSetImport {
                format: match format {
                    sirm_domain::rules::Format::Toml => "toml",
                    sirm_domain::rules::Format::Json => "json",
                }
                .into(),
                text: text.clone(),
                reason: if req.demo {
                    "sirm demo: the demo region's rule set (invented figures)".into()
                } else {
                    "sirm init --rules".into()
                },
                recalculate: false,
            };
            Some((set, import))
        }
    };
    let dir = &opts.data_dir;
    if dir.is_installed() {
        return Err(AppError::AlreadyInstalled(dir.root().to_path_buf()));
    }
    for path in [
        dir.key_path(),
        dir.public_key_path(),
        dir.index_key_path(),
        dir.kek_path(),
    ] {
        if path.exists() {
            return Err(AppError::File {
                path,
                message: "a key already exists here; refusing to overwrite it".into(),
            });
        }
    }
    std::fs::create_dir_all(dir.root()).map_err(|e| AppError::File {
        path: dir.root().to_path_buf(),
        message: e.to_string(),
    })?;

    let profile = req.profile;
    let config = Config {
        format: crate::datadir::DATA_FORMAT,
        origin: format!("sirm:{}", region.as_str()),
        agency_code: region.as_str().to_string(),
        agency_name: req.agency_name.trim().to_string(),
        profile: profile.name().to_string(),
        demo: req.demo,
        database_url: opts.database_url.clone(),
        database_schema: opts.database_schema.clone(),
        database: Default::default(),
        security: crate::datadir::SecurityConfig::default(),
        review: Default::default(),
        queries: Default::default(),
        archive: Default::default(),
        certificates: Default::default(),
        limits: Default::default(),
        backup: Default::default(),
        operations: Default::default(),
        witness: Vec::new(),
        server: Default::default(),
        alarms: Default::default(),
        ivr: Default::default(),
        disclosure: Default::default(),
        calendar: Default::default(),
        objections: Default::default(),
        crosscheck: Default::default(),
        federation: Default::default(),
        peers: Vec::new(),
    };
    let first_rules = match first_rules {
        Some((set, import)) => Some(crate::rulesets::approved_draft(
            &config,
            &set,
            &import,
            "sirm-init",
        )?),
        None => None,
    };
    let store_cfg = opts.store_config(Some(&config));
    let owner = Store::connect(&store_cfg, DbRole::Owner).await?;
    match owner.schema_state().await? {
        SchemaState::Empty => {}
        SchemaState::Unknown { version, latest } => {
            return Err(sirm_store::StoreError::SchemaUnknown { version, latest }.into())
        }
        _ => {
            if let Some(inst) = owner.installation().await? {
                return Err(sirm_store::StoreError::AlreadyInitialized(inst.origin).into());
            }
        }
    }
    owner.migrate().await?;
    let password_hash = password::hash(&req.admin_password)?;

    let key = profile.generate_signing_key();
    let now = Utc::now();
    // Keys first (new files only), then the database, then `sirm.toml` last:
    // the configuration file is what marks a directory as installed, so a
    // failure anywhere before it leaves nothing that blocks a retry.
    dir.write_keys(&key)?;
    let vault = crate::privacy::Vault::generate(profile);
    if let Err(e) = vault.write_new(dir) {
        let _ = std::fs::remove_file(dir.key_path());
        let _ = std::fs::remove_file(dir.public_key_path());
        return Err(e);
    }
    let issued = vec![
        crate::identity::accounts::Issued {
            username: req.security_admin.0.clone(),
            password: crate::identity::accounts::issue_password(),
        },
        crate::identity::accounts::Issued {
            username: req.audit_admin.0.clone(),
            password: crate::identity::accounts::issue_password(),
        },
    ];
    let result = init_database(
        &owner,
        &config,
        &key,
        req,
        first_rules,
        &[
            (req.admin_username.as_str(), password_hash, false),
            (
                issued[0].username.as_str(),
                password::hash(&issued[0].password)?,
                true,
            ),
            (
                issued[1].username.as_str(),
                password::hash(&issued[1].password)?,
                true,
            ),
        ],
        now,
    )
    .await;
    let result = match result {
        Ok(()) => crate::privacy::check_registry(&owner, dir, &vault).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_file(dir.key_path());
        let _ = std::fs::remove_file(dir.public_key_path());
        let _ = std::fs::remove_file(dir.index_key_path());
        let _ = std::fs::remove_file(dir.kek_path());
        owner.close().await;
        return Err(e);
    }
    dir.write_config(&config)?;
    dir.secure()?;
    let outcome_size = owner
        .head()
        .await?
        .map(|c| c.checkpoint.tree_size)
        .unwrap_or(0);
    owner.close().await;
    Ok(InitReport {
        data_dir: dir.root().display().to_string(),
        database: store_cfg.redacted_url(),
        origin: config.origin,
        key_id: key.public_key().key_id(),
        tree_size: outcome_size,
        issued,
    })
}

/// The database half of `init`: installation record, genesis entries
/// (agency, the three administrators of 三员分立) and their passwords
/// (username, hash, must change at first sign-in). This is the only place an
/// administrator role is granted without a request and an approval.
async fn init_database(
    owner: &Store,
    config: &Config,
    key: &sirm_ledger::SigningKey,
    req: &InitRequest,
    first_rules: Option<sirm_ledger::EntryDraft>,
    passwords: &[(&str, String, bool)],
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let profile = key.profile();
    owner
        .create_installation(&Installation {
            origin: config.origin.clone(),
            agency_code: config.agency_code.clone(),
            agency_name: config.agency_name.clone(),
            profile: profile.name().to_string(),
            public_key: key.public_key().to_hex(),
            created: now,
        })
        .await?;
    let region: RegionCode = config
        .agency_code
        .parse()
        .map_err(|e| AppError::invalid("region", e))?;
    let agency = AgencyRegistration {
        code: config.agency_code.clone(),
        name: config.agency_name.clone(),
        region,
    };
    let admins = [
        (
            &req.admin_username,
            &req.admin_display_name,
            Role::SystemAdmin,
        ),
        (
            &req.security_admin.0,
            &req.security_admin.1,
            Role::SecurityAdmin,
        ),
        (&req.audit_admin.0, &req.audit_admin.1, Role::AuditAdmin),
    ];
    let mut drafts = vec![draft(
        config,
        Stream::Business,
        kind::AGENCY_REGISTERED,
        records::agency_subject(&agency.code),
        "sirm-init",
        &agency,
    )?];
    for (username, display, role) in admins {
        let a = AccountCreated {
            username: username.clone(),
            display_name: display.clone(),
            agency: config.agency_code.clone(),
            roles: vec![role.as_str().into()],
            kind: sirm_domain::status::AccountKind::Staff,
            person_id: None,
            employer: None,
        };
        drafts.push(crate::drafts::account_created(config, "sirm-init", &a)?);
    }
    drafts.extend(first_rules);
    owner.append(drafts, key, &config.origin).await?;
    for (username, hash, must_change) in passwords {
        owner
            .set_password(username, hash, *must_change, now.timestamp_micros(), 5)
            .await?;
    }
    Ok(())
}
