//! Peers (对端经办机构): other agencies' installations, from `[[peers]]` in
//! `sirm.toml` and from `peer.added` / `peer.removed` entries that the
//! security administrator writes (`sirm peer add|remove`, the API), each an
//! audited security event. A peer's key is its agency's checkpoint signing
//! key; only a key of this installation's own crypto profile is accepted.

use serde::{Deserialize, Serialize};
use sirm_domain::access::Permission;
use sirm_domain::records::kind;
use sirm_domain::RuleId;
use sirm_ledger::{PublicKey, Stream};

use crate::config::federation::PeerConfig;
use crate::drafts::draft;
use crate::identity::{AuditEvent, Principal};
use crate::{AppError, Sirm};

/// A peer as this installation knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    pub agency: String,
    pub region: String,
    pub name: String,
    /// Empty: not on SIRM (letters and packages travel as files).
    #[serde(default)]
    pub url: String,
    pub public_key: String,
    /// `config` (`sirm.toml`) or `ledger` (added by the security administrator).
    #[serde(default)]
    pub source: String,
}

/// `peer.removed` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerRemoved {
    pub agency: String,
}

pub(crate) fn peer_error(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid_by(field.to_string(), RuleId::TransferPeer, message.into())
}

pub(crate) fn unknown_peer(agency: &str) -> AppError {
    AppError::Forbidden {
        rule: RuleId::TransferPeer,
        message: format!(
            "refused by rule transfer.peer: agency {:?} is no peer of this installation",
            short(agency)
        ),
    }
}

/// At most 40 characters of something a caller sent, for a message.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An agency code: 1 to 32 letters, digits, `-` or `_`.
fn check_code(field: &str, code: &str) -> Result<(), AppError> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(peer_error(
            field,
            format!(
                "{:?} is not an agency code (1 to 32 letters, digits, - or _)",
                short(code)
            ),
        ))
    }
}

/// A peer's URL: empty (not on SIRM), or `https://host[:port][/path]`
/// (`http://` for loopback tests and a terminating proxy), nothing more.
fn check_url(url: &str) -> Result<(), AppError> {
    if url.is_empty() {
        return Ok(());
    }
    let bad = |why: &str| {
        peer_error(
            "url",
            format!(
                "{:?} {why}: give https://host[:port] (or http://, or leave it empty for an agency not on SIRM)",
                short(url)
            ),
        )
    };
    let u = reqwest::Url::parse(url).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(u.scheme(), "https" | "http") {
        return Err(bad("does not start with https:// or http://"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("names no host"));
    }
    if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() {
        return Err(bad("has a query, fragment or user name"));
    }
    Ok(())
}

/// Check `[[peers]]` and `[federation]` of `sirm.toml` at start-up
/// against this installation's own key and code: one line naming the
/// config key at fault, or nothing.
pub fn check_config(config: &crate::Config, own_key: &PublicKey) -> Result<(), String> {
    let f = &config.federation;
    let own = f.agency.as_deref().unwrap_or(&config.agency_code);
    if let Some(a) = &f.agency {
        check_code("agency", a).map_err(|e| format!("[federation] agency: {}", message_of(&e)))?;
    }
    if f.deadline_working_days == 0 || f.deadline_working_days > 250 {
        return Err(format!(
            "[federation] deadline_working_days = {} is not 1 to 250 working days",
            f.deadline_working_days
        ));
    }
    if f.replay_window_secs == 0 || f.replay_window_secs > 86_400 {
        return Err(format!(
            "[federation] replay_window_secs = {} is not 1 to 86400 seconds",
            f.replay_window_secs
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, p) in config.peers.iter().enumerate() {
        let at = format!("[[peers]] #{} (agency {:?})", i + 1, short(&p.agency));
        let key = Peer::from(p)
            .check(own_key.profile())
            .map_err(|e| format!("{at} {}: {}", field_of(&e), message_of(&e)))?;
        if p.agency == own {
            return Err(format!(
                "{at} agency: is this installation's own code ([federation] agency or agency_code)"
            ));
        }
        if key == *own_key {
            return Err(format!(
                "{at} public_key: is this installation's own key (keys/checkpoint.pub); give the peer's"
            ));
        }
        if seen.contains(&p.agency.as_str()) {
            return Err(format!("{at} agency: appears twice in [[peers]]"));
        }
        seen.push(&p.agency);
    }
    Ok(())
}

fn field_of(e: &AppError) -> &str {
    match e {
        AppError::Invalid { field, .. } => field,
        _ => "",
    }
}

fn message_of(e: &AppError) -> String {
    match e {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl Peer {
    /// Check every field; the key parsed under `profile`.
    pub fn check(&self, profile: sirm_ledger::CryptoProfile) -> Result<PublicKey, AppError> {
        check_code("agency", &self.agency)?;
        for (field, v) in [("region", &self.region), ("name", &self.name)] {
            if v.trim().is_empty() || v.chars().count() > 100 {
                return Err(peer_error(field, "must be 1 to 100 characters"));
            }
        }
        check_url(self.url.trim())?;
        let key = PublicKey::from_text(self.public_key.trim())
            .map_err(|e| peer_error("public_key", format!("not a SIRM public key: {e}")))?;
        if key.profile() != profile {
            return Err(peer_error(
                "public_key",
                format!(
                    "the peer's key is of profile {}, this installation's is {}: \
                     peers of another crypto profile are not supported",
                    key.profile().name(),
                    profile.name()
                ),
            ));
        }
        Ok(key)
    }
}

impl From<&PeerConfig> for Peer {
    fn from(p: &PeerConfig) -> Self {
        Peer {
            agency: p.agency.clone(),
            region: p.region.clone(),
            name: p.name.clone(),
            url: p.url.clone(),
            public_key: p.public_key.clone(),
            source: "config".into(),
        }
    }
}

impl Sirm {
    /// The code this installation signs federation requests under.
    pub fn federation_agency(&self) -> &str {
        self.config
            .federation
            .agency
            .as_deref()
            .unwrap_or(&self.config.agency_code)
    }

    /// The installation's crypto profile.
    pub(crate) fn own_profile(&self) -> sirm_ledger::CryptoProfile {
        self.public_key.profile()
    }

    /// Every peer: `[[peers]]` first, then those added and not removed in
    /// the ledger (a later entry of the same agency replaces an earlier one).
    pub async fn peers(&self) -> Result<Vec<Peer>, AppError> {
        let mut out: Vec<Peer> = self.config.peers.iter().map(Peer::from).collect();
        let mut rows = self
            .store
            .entries_of_kind(Stream::Security.as_str(), kind::PEER_ADDED)
            .await?;
        rows.extend(
            self.store
                .entries_of_kind(Stream::Security.as_str(), kind::PEER_REMOVED)
                .await?,
        );
        rows.sort_by_key(|r| r.seq);
        for r in rows {
            if r.kind == kind::PEER_ADDED {
                let mut p: Peer = serde_json::from_str(&r.payload)
                    .map_err(|e| AppError::Unsealed(format!("peer.added {}: {e}", r.seq)))?;
                p.source = "ledger".into();
                out.retain(|q| q.agency != p.agency);
                out.push(p);
            } else {
                let p: PeerRemoved = serde_json::from_str(&r.payload)
                    .map_err(|e| AppError::Unsealed(format!("peer.removed {}: {e}", r.seq)))?;
                out.retain(|q| q.agency != p.agency);
            }
        }
        Ok(out)
    }

    /// The peer of `agency` with its key, or rule `transfer.peer`.
    pub async fn peer(&self, agency: &str) -> Result<(Peer, PublicKey), AppError> {
        let peer = self
            .peers()
            .await?
            .into_iter()
            .find(|p| p.agency == agency)
            .ok_or_else(|| unknown_peer(agency))?;
        let key = peer.check(self.own_profile())?;
        Ok((peer, key))
    }

    /// The peers, for staff who run transfers and the security administrator.
    pub async fn list_peers(&self, who: &Principal) -> Result<Vec<Peer>, AppError> {
        if self
            .authorize(who, Permission::SecurityConfig)
            .await
            .is_err()
        {
            self.authorize(who, Permission::RecordCollect).await?;
        }
        self.peers().await
    }

    /// Add (or replace) a peer: the security administrator; one
    /// `peer.added` entry and its audit event in one batch.
    pub async fn add_peer(&self, who: &Principal, mut peer: Peer) -> Result<(), AppError> {
        self.authorize(who, Permission::SecurityConfig).await?;
        peer.agency = peer.agency.trim().to_string();
        peer.url = peer.url.trim().trim_end_matches('/').to_string();
        peer.source = String::new();
        let key = peer.check(self.own_profile())?;
        if peer.agency == self.federation_agency() {
            return Err(peer_error("agency", "is this installation's own code"));
        }
        if key == self.public_key {
            return Err(peer_error(
                "public_key",
                "is this installation's own key: give the peer agency's",
            ));
        }
        let detail = format!("peer {} ({}) {}", peer.agency, peer.region, peer.url);
        let entry = draft(
            &self.config,
            Stream::Security,
            kind::PEER_ADDED,
            format!("peer:{}", peer.agency),
            &who.username,
            &peer,
        )?;
        let audit = self.audit_draft(AuditEvent::own(who, "peer.add").success(detail))?;
        self.append(vec![entry, audit]).await?;
        Ok(())
    }

    /// Remove a peer added in the ledger (one in `sirm.toml` is removed there).
    pub async fn remove_peer(&self, who: &Principal, agency: &str) -> Result<(), AppError> {
        self.authorize(who, Permission::SecurityConfig).await?;
        let peers = self.peers().await?;
        let Some(p) = peers.iter().find(|p| p.agency == agency) else {
            return Err(AppError::not_found(
                RuleId::TransferPeer,
                format!("peer {:?}", short(agency)),
            ));
        };
        if p.source == "config" {
            return Err(peer_error(
                "agency",
                "this peer is configured in sirm.toml: remove it there",
            ));
        }
        let entry = draft(
            &self.config,
            Stream::Security,
            kind::PEER_REMOVED,
            format!("peer:{agency}"),
            &who.username,
            &PeerRemoved {
                agency: agency.to_string(),
            },
        )?;
        let audit = self
            .audit_draft(AuditEvent::own(who, "peer.remove").success(format!("peer {agency}")))?;
        self.append(vec![entry, audit]).await?;
        Ok(())
    }
}
