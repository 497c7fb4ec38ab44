//! `[server]` in `sirm.toml`: how the server is reached (TLS, proxies) and
//! from where it may be administered (GB/T 22239-2019 level 3: encryption
//! in transit, management from management terminals only;
//! `docs/mlps-level3.md`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// `[server]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// PEM certificate chain served over HTTPS (with `tls_key`). Relative
    /// paths are relative to the data directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other than loopback (behind a
    /// TLS-terminating proxy named in `trusted_proxies`). Said at start.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_plain_http: bool,
    /// Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed
    /// (address ranges, e.g. `10.0.0.5/32`). From anyone else the headers
    /// are ignored and the peer address is the source.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<IpNet>,
    /// Address ranges of the management terminals. When set, the
    /// administrator routes (accounts, role approvals, audit, operations,
    /// configuration) answer only requests from these ranges; any other
    /// source gets 403, a security event and an alarm. Empty: anywhere
    /// (`sirm assess` reports it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_networks: Vec<IpNet>,
}

/// How `sirm serve` may listen on an address (see [`ServerConfig::transport`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS with this certificate chain and key (absolute paths).
    Https { cert: PathBuf, key: PathBuf },
    /// Plain HTTP on a loopback address: nothing leaves the machine.
    PlainLoopback,
    /// Plain HTTP elsewhere, allowed by `allow_plain_http` (said at start).
    PlainAllowed,
}

impl ServerConfig {
    /// The certificate and key files, relative paths taken from `root`
    /// (the data directory). `None` when TLS is not configured.
    pub fn tls_files(&self, root: &Path) -> Option<(PathBuf, PathBuf)> {
        let (cert, key) = (self.tls_cert.as_ref()?, self.tls_key.as_ref()?);
        Some((root.join(cert), root.join(key)))
    }

    /// How the server may listen on `ip`: HTTPS when `tls_cert`/`tls_key`
    /// are set; plain HTTP on loopback, or elsewhere with
    /// `allow_plain_http`; otherwise refused, naming the settings.
    pub fn transport(&self, root: &Path, ip: IpAddr) -> Result<Transport, AppError> {
        if let Some((cert, key)) = self.tls_files(root) {
            return Ok(Transport::Https { cert, key });
        }
        if ip.is_loopback() {
            Ok(Transport::PlainLoopback)
        } else if self.allow_plain_http {
            Ok(Transport::PlainAllowed)
        } else {
            Err(AppError::invalid(
                "server.allow_plain_http",
                format!(
                    "不加密的 HTTP 只允许在本机回环地址上 / plain HTTP on {ip} (not loopback) is refused: \
                     set [server] tls_cert and tls_key, or allow_plain_http = true behind a TLS proxy \
                     named in trusted_proxies"
                ),
            ))
        }
    }

    /// Is `ip` a management terminal? (Always, when no range is set.)
    pub fn is_admin_source(&self, ip: IpAddr) -> bool {
        self.admin_networks.is_empty() || self.admin_networks.iter().any(|n| n.contains(&ip))
    }

    /// Is `ip` a proxy whose forwarding headers are believed?
    pub fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|n| n.contains(&ip))
    }

    /// Settings that cannot work, named: a certificate without its key,
    /// an admin network no address falls in.
    pub fn check(&self) -> Result<(), AppError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => {
                return Err(AppError::invalid(
                    "server.tls_key",
                    "tls_cert is set but tls_key is not; give both or neither",
                ))
            }
            (None, Some(_)) => {
                return Err(AppError::invalid(
                    "server.tls_cert",
                    "tls_key is set but tls_cert is not; give both or neither",
                ))
            }
            _ => {}
        }
        for n in &self.admin_networks {
            // A range whose every address is unusable as a source
            // (0.0.0.0/32, ::/128) would lock every administrator out.
            if n.prefix_len() == n.max_prefix_len() && n.addr().is_unspecified() {
                return Err(AppError::invalid(
                    "server.admin_networks",
                    format!("{n} contains no address a terminal could have; every administrator would be refused"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_from_toml() {
        let c: ServerConfig = toml::from_str(
            "trusted_proxies = [\"10.0.0.5/32\"]\nadmin_networks = [\"192.168.10.0/24\", \"::1/128\"]",
        )
        .expect("parses");
        assert!(c.is_trusted_proxy("10.0.0.5".parse().expect("ip")));
        assert!(!c.is_trusted_proxy("10.0.0.6".parse().expect("ip")));
        assert!(c.is_admin_source("192.168.10.77".parse().expect("ip")));
        assert!(!c.is_admin_source("192.168.11.1".parse().expect("ip")));
        assert!(ServerConfig::default().is_admin_source("8.8.8.8".parse().expect("ip")));
    }

    #[test]
    fn transport_by_address() {
        let root = Path::new("/data");
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        let any: IpAddr = "0.0.0.0".parse().expect("ip");
        let mut c = ServerConfig::default();
        assert_eq!(
            c.transport(root, lo).expect("loopback"),
            Transport::PlainLoopback
        );
        let e = c.transport(root, any).expect_err("refused");
        assert!(e.to_string().contains("allow_plain_http"), "{e}");
        c.allow_plain_http = true;
        assert_eq!(
            c.transport(root, any).expect("allowed"),
            Transport::PlainAllowed
        );
        c.tls_cert = Some("keys/tls.crt".into());
        c.tls_key = Some("/etc/sirm/tls.key".into());
        assert_eq!(
            c.transport(root, any).expect("https"),
            Transport::Https {
                cert: "/data/keys/tls.crt".into(),
                key: "/etc/sirm/tls.key".into()
            }
        );
    }

    #[test]
    fn malformed_range_is_named() {
        let e = toml::from_str::<ServerConfig>("trusted_proxies = [\"10.0.0/33\"]")
            .expect_err("refused");
        assert!(e.to_string().contains("trusted_proxies"), "{e}");
        let c: ServerConfig = toml::from_str("admin_networks = [\"0.0.0.0/32\"]").expect("parses");
        assert!(c.check().is_err());
        let c: ServerConfig = toml::from_str("tls_cert = \"c.pem\"").expect("parses");
        assert!(c
            .check()
            .expect_err("no key")
            .to_string()
            .contains("tls_key"));
    }
}
