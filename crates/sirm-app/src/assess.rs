//! `sirm assess`: the live status of each checkable item of the level-3
//! assessment binder (`docs/mlps-level3.md`) for one installation — what
//! is configured, what ran lately, what needs attention. Reads only.

use serde::Serialize;
use sirm_domain::status::AccountStatus;

use crate::{AppError, Sirm};

/// How an item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Configured and, where it runs, recently run without findings.
    Ok,
    /// Something an administrator must look at.
    Attention,
    /// A control that this installation has not switched on.
    NotConfigured,
}

impl Status {
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Attention => "attention",
            Status::NotConfigured => "not configured",
        }
    }
}

/// One line of the assessment.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The GB/T 22239-2019 item (8.1.4 …), in Chinese as assessors name it.
    pub item: &'static str,
    pub status: Status,
    pub what: String,
}

fn f(item: &'static str, status: Status, what: impl Into<String>) -> Finding {
    Finding {
        item,
        status,
        what: what.into(),
    }
}

fn ok_if(cond: bool) -> Status {
    if cond {
        Status::Ok
    } else {
        Status::Attention
    }
}

fn configured_if(cond: bool) -> Status {
    if cond {
        Status::Ok
    } else {
        Status::NotConfigured
    }
}

/// Files of the data directory that must be the owner's only.
#[cfg(unix)]
fn mode_of(p: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

impl Sirm {
    /// Every checkable item, in binder order.
    pub async fn mlps_assessment(&self) -> Result<Vec<Finding>, AppError> {
        let c = &self.config;
        let mut out = Vec::new();

        // 身份鉴别 (identification and authentication)
        out.push(f(
            "身份鉴别 a/b 口令策略与登录失败处理",
            ok_if(c.security.password_profile == sirm_domain::access::PolicyProfile::Gb22239L3),
            format!(
                "password profile {}; lockout after failed attempts; idle sign-out {} min",
                c.security.password_profile.as_str(),
                c.security.idle_timeout_minutes
            ),
        ));
        out.push(f(
            "身份鉴别 b 登录超时",
            ok_if(c.security.idle_timeout_minutes <= 30),
            format!(
                "[security] idle_timeout_minutes = {}",
                c.security.idle_timeout_minutes
            ),
        ));
        let tls = c.server.tls_files(self.dir.root()).is_some();
        let proxied = !c.server.trusted_proxies.is_empty();
        out.push(f(
            "身份鉴别 c 远程管理防窃听 (传输加密)",
            if tls || proxied {
                Status::Ok
            } else {
                Status::NotConfigured
            },
            if tls {
                "served over HTTPS ([server] tls_cert, tls_key)".to_string()
            } else if proxied {
                format!(
                    "behind TLS proxies {:?} (their X-Forwarded-Proto is believed)",
                    c.server.trusted_proxies
                )
            } else {
                "plain HTTP: set [server] tls_cert/tls_key or a TLS proxy in trusted_proxies (docs/tls.md)".into()
            },
        ));
        out.push(f(
            "身份鉴别 d 双因素",
            ok_if(c.security.second_factor_for_staff),
            if c.security.second_factor_for_staff {
                "password + TOTP for every staff account".to_string()
            } else {
                "second factor for administrators only ([security] second_factor_for_staff = false)"
                    .into()
            },
        ));
        if self.store.engine() == sirm_store::Engine::Postgres {
            let tls_db = self.store.tls_in_use().await.unwrap_or(false);
            out.push(f(
                "身份鉴别 c 数据库连接加密",
                ok_if(tls_db),
                if tls_db {
                    "PostgreSQL connection uses TLS".to_string()
                } else {
                    "PostgreSQL connection is not encrypted: add sslmode=verify-full to the URL"
                        .into()
                },
            ));
        }

        // 访问控制 (access control)
        out.push(f(
            "访问控制 c 多余/过期账户",
            configured_if(c.security.inactive_days > 0),
            format!(
                "staff accounts unused for {} days are disabled (0 = off); accounts are retired, never deleted",
                c.security.inactive_days
            ),
        ));
        let accounts = self.store.accounts().await?;
        let active_admins = accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .filter(|a| {
                a.roles.iter().any(|r| {
                    r.parse::<sirm_domain::access::Role>()
                        .is_ok_and(|r| r.is_admin())
                })
            })
            .count();
        out.push(f(
            "访问控制 d 三员分立",
            ok_if(active_admins >= 3),
            format!(
                "{active_admins} active administrator accounts (system, security, audit, database)"
            ),
        ));
        if let Some(pg) = self.store.pg_installation() {
            out.push(f(
                "访问控制 数据库身份",
                Status::Ok,
                format!(
                    "runtime role {} of this installation only; append lock key {}",
                    pg.runtime_role, pg.append_lock_key
                ),
            ));
        }

        // 安全审计 (audit)
        let seals = self.check_query_log().await?;
        out.push(f(
            "安全审计 a/c 查询记录防篡改",
            ok_if(seals.is_intact()),
            format!(
                "query log: {} rows in {} seals{}; {} newer rows not yet sealed",
                seals.sealed_rows,
                seals.seals,
                if seals.is_intact() {
                    " match"
                } else {
                    " DO NOT MATCH"
                },
                seals.unsealed_rows
            ),
        ));

        // 入侵防范 (intrusion prevention)
        out.push(f(
            "入侵防范 c 管理终端限制",
            configured_if(!c.server.admin_networks.is_empty()),
            if c.server.admin_networks.is_empty() {
                "administrator routes answer any address: set [server] admin_networks".to_string()
            } else {
                format!(
                    "administrator routes only from {:?}",
                    c.server.admin_networks
                )
            },
        ));
        let alarms = self.open_alarms().await?;
        out.push(f(
            "入侵防范 f 告警",
            ok_if(alarms.is_empty()),
            format!(
                "{} open alarms on the administrators' workbench",
                alarms.len()
            ),
        ));
        out.push(f(
            "入侵防范 f 告警外送",
            configured_if(c.alarms.webhook.is_some() || c.alarms.syslog),
            match (&c.alarms.webhook, c.alarms.syslog) {
                (None, false) => {
                    "alarms only on the workbench: set [alarms] webhook or syslog".to_string()
                }
                (w, s) => format!(
                    "alarms also to{}{}",
                    if w.is_some() { " the webhook" } else { "" },
                    if s { " syslog" } else { "" }
                ),
            },
        ));
        out.push(f(
            "访问控制 电话系统身份",
            Status::Ok,
            if c.ivr.clients.is_empty() {
                "telephone channel closed (no [ivr] clients)".to_string()
            } else {
                format!(
                    "{} telephone (IVR) clients hold a credential",
                    c.ivr.clients.len()
                )
            },
        ));

        // 数据备份恢复 (backup and recovery)
        let ops = self.operations_status().await?;
        let dests = &ops.destinations;
        out.push(f(
            "数据备份恢复 a/b 本地与异地备份",
            if dests.len() >= 2 && c.backup.every.is_some() {
                ok_if(dests.iter().all(|d| d.problem.is_none() && d.tree_size > 0))
            } else {
                Status::NotConfigured
            },
            format!(
                "{} destinations, schedule {}; newest: {}",
                dests.len(),
                c.backup.every.as_deref().unwrap_or("none"),
                dests
                    .iter()
                    .map(|d| match &d.problem {
                        Some(p) => format!("{} PROBLEM {p}", d.name),
                        None => format!("{} {} entries behind", d.name, d.behind),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
        out.push(f(
            "数据完整性 定期可读性检测",
            match (&c.operations.check_every, &ops.last_check, &ops.alarm) {
                (_, _, Some(_)) => Status::Attention,
                (None, _, _) => Status::NotConfigured,
                (Some(_), None, _) => Status::Attention,
                (Some(_), Some(_), None) => Status::Ok,
            },
            match &ops.last_check {
                Some(e) => format!("last check {} {}: {}", e.time, e.outcome, e.detail),
                None => {
                    "no readability check has run (sirm check, [operations] check_every)".into()
                }
            },
        ));
        out.push(f(
            "数据完整性 外部见证",
            configured_if(!c.witness.is_empty()),
            format!("{} witnesses cosign the checkpoints", c.witness.len()),
        ));

        // 剩余信息保护 / 个人信息保护 / files
        #[cfg(unix)]
        {
            let cfg_mode = mode_of(&self.dir.config_path());
            let key_mode = mode_of(&self.dir.key_path());
            let dir_mode = mode_of(self.dir.root());
            let tight = cfg_mode.is_none_or(|m| m & 0o077 == 0)
                && key_mode.is_none_or(|m| m & 0o077 == 0)
                && dir_mode.is_none_or(|m| m & 0o077 == 0);
            out.push(f(
                "剩余信息保护/个人信息保护 文件权限",
                ok_if(tight),
                format!(
                    "data directory {:o}, sirm.toml {:o}, signing key {:o}",
                    dir_mode.unwrap_or(0),
                    cfg_mode.unwrap_or(0),
                    key_mode.unwrap_or(0)
                ),
            ));
        }
        out.push(f(
            "个人信息保护 标识符加密",
            Status::Ok,
            format!(
                "personal data sealed under profile {}; persons named by blind index",
                c.profile
            ),
        ));
        Ok(out)
    }
}
