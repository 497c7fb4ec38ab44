//! `[certificates]` in `sirm.toml`: the public address and the fonts.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[certificates]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateConfig {
    /// The public address printed on certificates and in their QR code,
    /// e.g. `https://sirm.example.gov.cn`; `/verify/<code>` is appended.
    /// Absent: the address the request came to (the `Host` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Font files (regular, then bold) with Chinese glyphs; absent: Debian's
    /// fonts-noto-cjk (`/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc`).
    /// When these files do not exist, the Noto Sans CJK SC subset built
    /// into the program (GB 2312) is used and a warning logged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fonts: Vec<PathBuf>,
}
