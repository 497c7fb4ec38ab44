//! `[ivr]` in `sirm.toml`: the telephone systems admitted to the telephone channel.

/// `[ivr]` in `sirm.toml`: the telephone systems that may call the
/// telephone channel (GB/T 22239-2019 访问控制: the IVR system authenticates
/// itself, not only the caller's PIN). Each is the SHA-256 (hex) of a
/// client credential made by `sirm ivr-client`; the IVR system sends the
/// credential in the `X-SIRM-Client` header. None listed: the telephone
/// channel is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IvrConfig {
    pub clients: Vec<String>,
}

impl IvrConfig {
    /// Is `credential` one of the configured clients? (Constant-time per
    /// candidate; the credential itself is never stored.)
    pub fn admits(&self, credential: &str) -> bool {
        use sha2::Digest;
        let given = hex::encode(sha2::Sha256::digest(credential.trim().as_bytes()));
        self.clients.iter().any(|c| {
            let c = c.trim().to_ascii_lowercase();
            c.len() == given.len()
                && c.bytes()
                    .zip(given.bytes())
                    .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                    == 0
        })
    }
}
