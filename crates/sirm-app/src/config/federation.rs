//! `[federation]` and `[[peers]]` in `sirm.toml`: how this installation
//! names itself to other SIRM installations, and the agencies it knows as
//! peers for transfers between regions (转移接续, Art 10, docs/transfer.md).

use serde::{Deserialize, Serialize};

/// `[federation]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// The code this installation signs federation requests under (default:
    /// the agency code). Only a test of several installations built from the
    /// same demo region sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The region's name as peers show it (default: the agency name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Working days each step of a transfer has (default 15, 人社部规定).
    pub deadline_working_days: u32,
    /// Seconds a signed request stays acceptable (default 300): older or
    /// newer timestamps are refused, and nonces are remembered this long.
    pub replay_window_secs: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            agency: None,
            region: None,
            deadline_working_days: 15,
            replay_window_secs: 300,
        }
    }
}

/// One `[[peers]]` entry: another agency's installation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The agency code the peer signs under.
    pub agency: String,
    /// The peer's region (行政区划代码 or name).
    pub region: String,
    pub name: String,
    /// Base URL of its server (`https://…`); empty for an agency not on
    /// SIRM (letters and packages then travel as files).
    #[serde(default)]
    pub url: String,
    /// Its checkpoint signing key, `sirm-public-key v1 <profile> <hex>`.
    pub public_key: String,
}
