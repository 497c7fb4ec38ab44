//! Peer authentication: a request between installations is signed with the
//! sending agency's checkpoint key over its method, path, body hash,
//! timestamp, nonce and both agencies' codes. The receiver finds the peer
//! by its code, checks the signature with the peer's key, refuses a
//! timestamp outside the replay window and a nonce seen within it. No
//! shared passwords; TLS in production carries it.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use sirm_domain::RuleId;
use sirm_ledger::{PublicKey, SigningKey};

use crate::AppError;

/// Header names of a signed federation request.
pub const H_AGENCY: &str = "sirm-agency";
pub const H_TIMESTAMP: &str = "sirm-timestamp";
pub const H_NONCE: &str = "sirm-nonce";
pub const H_SIGNATURE: &str = "sirm-signature";

/// Nonces remembered at most (a flood cannot grow memory without bound:
/// beyond it, the oldest half is dropped and the timestamp window alone
/// stands, while a package or letter replayed is still refused by its step).
const MAX_NONCES: usize = 100_000;

/// The four headers of a signed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    pub agency: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

impl SignedHeaders {
    /// As `(name, value)` pairs.
    pub fn pairs(&self) -> [(&'static str, String); 4] {
        [
            (H_AGENCY, self.agency.clone()),
            (H_TIMESTAMP, self.timestamp.to_string()),
            (H_NONCE, self.nonce.clone()),
            (H_SIGNATURE, self.signature.clone()),
        ]
    }
}

/// The text signed: every part on its own line.
#[allow(clippy::too_many_arguments)]
fn message(
    method: &str,
    path: &str,
    body: &[u8],
    profile: sirm_ledger::CryptoProfile,
    from: &str,
    to: &str,
    timestamp: i64,
    nonce: &str,
) -> Vec<u8> {
    format!(
        "sirm-federation-v1\n{method}\n{path}\n{}\n{timestamp}\n{nonce}\n{from}\n{to}\n",
        hex::encode(profile.digest(body))
    )
    .into_bytes()
}

/// Sign a request from agency `from` to agency `to`.
pub fn sign_request(
    key: &SigningKey,
    from: &str,
    to: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: i64,
) -> SignedHeaders {
    let mut raw = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut raw);
    let nonce = hex::encode(raw);
    let msg = message(
        method,
        path,
        body,
        key.profile(),
        from,
        to,
        timestamp,
        &nonce,
    );
    SignedHeaders {
        agency: from.to_string(),
        timestamp,
        nonce,
        signature: base64::engine::general_purpose::STANDARD.encode(key.sign(&msg)),
    }
}

pub(crate) fn bad_signature(message: impl Into<String>) -> AppError {
    AppError::Forbidden {
        rule: RuleId::TransferSignature,
        message: format!("refused by rule transfer.signature: {}", message.into()),
    }
}

/// Recently seen nonces per sending agency, with when they were seen.
#[derive(Debug, Default)]
pub struct NonceCache(Mutex<HashMap<(String, String), i64>>);

impl NonceCache {
    /// Remember `nonce` of `agency` at `now`; false if it was seen within
    /// the window (a replay).
    fn fresh(&self, agency: &str, nonce: &str, now: i64, window: i64) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return false;
        };
        if seen.len() >= MAX_NONCES {
            seen.retain(|_, t| now - *t <= window);
            if seen.len() >= MAX_NONCES {
                let mut times: Vec<i64> = seen.values().copied().collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                seen.retain(|_, t| *t > cut);
            }
        }
        let key = (agency.to_string(), nonce.to_string());
        match seen.get(&key) {
            Some(t) if now - *t <= window => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}

/// Check a signed request against the peer's key (found by the caller from
/// `headers.agency`): signature, window, nonce.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_request(
    cache: &NonceCache,
    key: &PublicKey,
    headers: &SignedHeaders,
    to: &str,
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
    window: i64,
) -> Result<(), AppError> {
    if (now - headers.timestamp).abs() > window {
        return Err(bad_signature(format!(
            "the request's timestamp is {} seconds from now (at most {window})",
            (now - headers.timestamp).abs()
        )));
    }
    if headers.nonce.len() != 32 || !headers.nonce.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad_signature("the nonce is not 32 hex digits"));
    }
    let sig = base64::engine::general_purpose::STANDARD
        .decode(headers.signature.trim())
        .map_err(|_| bad_signature("the signature is not base64"))?;
    let msg = message(
        method,
        path,
        body,
        key.profile(),
        &headers.agency,
        to,
        headers.timestamp,
        &headers.nonce,
    );
    key.verify(&msg, &sig).map_err(|_| {
        bad_signature(format!(
            "the request does not verify under the key of agency {}",
            headers.agency
        ))
    })?;
    if !cache.fresh(&headers.agency, &headers.nonce, now, window) {
        return Err(bad_signature("the request was seen before (replayed)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_requests_verify_once_and_only_unchanged() {
        let p = sirm_ledger::CryptoProfile::Sha256Ed25519;
        let key = p.generate_signing_key();
        let cache = NonceCache::default();
        let h = sign_request(
            &key,
            "A",
            "B",
            "POST",
            "/federation/v1/letters",
            b"{}",
            1000,
        );
        let check = |h: &SignedHeaders, body: &[u8], now| {
            check_request(
                &cache,
                &key.public_key(),
                h,
                "B",
                "POST",
                "/federation/v1/letters",
                body,
                now,
                300,
            )
        };
        assert!(check(&h, b"{ }", 1000).is_err(), "another body");
        assert!(check(&h, b"{}", 1400).is_err(), "outside the window");
        assert!(check(&h, b"{}", 1001).is_ok());
        assert!(check(&h, b"{}", 1002).is_err(), "replayed");
        let other = p.generate_signing_key();
        let forged = sign_request(
            &other,
            "A",
            "B",
            "POST",
            "/federation/v1/letters",
            b"{}",
            1000,
        );
        assert!(check(&forged, b"{}", 1000).is_err(), "another key");
    }
}
