//! HTTPS served by SIRM itself (`[server] tls_cert` / `tls_key`;
//! docs/tls.md): the certificate and key read from PEM files and checked
//! against each other, and a listener that hands axum completed TLS
//! streams.
//!
//! Handshakes run in tasks of their own, each bounded by
//! [`HANDSHAKE_TIMEOUT`], so a client that opens a connection and says
//! nothing stalls no one else. Only TLS 1.2 and 1.3 are offered, with the
//! `ring` provider (the one the rest of the build already links).

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client may take to complete its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes in progress at most; further connections wait in the
/// kernel's accept queue until some finish.
const MAX_PENDING_HANDSHAKES: usize = 1024;

/// A certificate or key that cannot be served. Each message names the
/// `[server]` setting and the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("server.{setting}: 无法读取 / cannot read {path}: {source}")]
    Unreadable {
        setting: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("server.{setting}: 不是有效的 PEM 文件 / {path} is not valid PEM: {reason}")]
    Garbled {
        setting: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("server.tls_cert: 文件中没有证书 / {0} holds no certificate (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate(PathBuf),
    #[error("server.tls_key: 文件中没有私钥 / {0} holds no private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key)")]
    NoKey(PathBuf),
    #[error("server.tls_key: 私钥与证书不匹配 / the key in {key} does not belong to the certificate in {cert}")]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("server.tls_key: 无法使用该私钥或证书 / {key} with {cert} cannot be served: {reason}")]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// A checked certificate and key, ready to serve.
#[derive(Clone)]
pub struct TlsSetup {
    /// The rustls configuration (TLS 1.2+, HTTP/1.1).
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the end-entity certificate (DER), as `AB:CD:…`.
    pub fingerprint: String,
    /// Certificates in the chain (the end-entity one first).
    pub chain_len: usize,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("fingerprint", &self.fingerprint)
            .field("chain_len", &self.chain_len)
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a DER certificate as colon-separated upper-case hex (the
/// form browsers show).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn read(setting: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        setting,
        path: path.to_path_buf(),
        source,
    })
}

fn garbled(setting: &'static str, path: &Path, e: pem::Error) -> TlsError {
    TlsError::Garbled {
        setting,
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Read `cert` (PEM chain, end-entity first) and `key` (PEM PKCS#8,
/// PKCS#1 or SEC1) and check that the key belongs to the certificate.
pub fn load(cert: &Path, key: &Path) -> Result<TlsSetup, TlsError> {
    let cert_pem = read("tls_cert", cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| garbled("tls_cert", cert, e))?;
    let Some(first) = chain.first() else {
        return Err(TlsError::NoCertificate(cert.to_path_buf()));
    };
    let fingerprint = fingerprint(first);
    let key_pem = read("tls_key", key)?;
    let key_der = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(k) => k,
        Err(pem::Error::NoItemsFound) => return Err(TlsError::NoKey(key.to_path_buf())),
        Err(e) => return Err(garbled("tls_key", key, e)),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let unusable = |e: rustls::Error| TlsError::Unusable {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        reason: e.to_string(),
    };
    let chain_len = chain.len();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(unusable)?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::KeyMismatch {
                    cert: cert.to_path_buf(),
                    key: key.to_path_buf(),
                }
            }
            e => unusable(e),
        })?;
    // axum serves HTTP/1.1 here (its http2 feature is off).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        config: Arc::new(config),
        fingerprint,
        chain_len,
    })
}

type Handshake = Option<(TlsStream<TcpStream>, SocketAddr)>;

/// A TCP listener whose `accept` yields connections that completed their
/// TLS handshake. Serve it with `axum::serve(listener.tap_io(|_| {}), …)`
/// so `ConnectInfo<SocketAddr>` names the TCP peer.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Handshake>,
    timeout: Duration,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        Self::with_timeout(tcp, config, HANDSHAKE_TIMEOUT)
    }

    /// With a handshake timeout other than [`HANDSHAKE_TIMEOUT`].
    pub fn with_timeout(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        timeout: Duration,
    ) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
            timeout,
        }
    }

    fn start_handshake(&mut self, stream: TcpStream, peer: SocketAddr) {
        let acceptor = self.acceptor.clone();
        let timeout = self.timeout;
        self.handshakes.spawn(async move {
            match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Some((tls, peer)),
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    None
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    None
                }
            }
        });
    }
}

/// Errors of `accept` that concern one connection only.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // Cancel-safe: both branches are (axum drops this future at shutdown).
        loop {
            let room = self.handshakes.len() < MAX_PENDING_HANDSHAKES;
            tokio::select! {
                accepted = self.tcp.accept(), if room => match accepted {
                    Ok((stream, peer)) => self.start_handshake(stream, peer),
                    Err(e) if is_connection_error(&e) => {}
                    Err(e) => {
                        // E.g. out of file descriptors: wait instead of spinning
                        // (as axum's own TcpListener does).
                        tracing::error!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(conn)) = done {
                        return conn;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
