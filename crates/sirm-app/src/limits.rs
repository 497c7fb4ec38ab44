//! `[limits]` in `sirm.toml`: how much a request may carry and how often a
//! source address may call the public routes. Every upload and body is
//! bounded by one of these; every public route takes a token from one of the
//! per-source rate classes before any other work (see `docs/security.md`).

use serde::{Deserialize, Serialize};

/// A token bucket: `per_minute` sustained, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        Rate { per_minute, burst }
    }
}

/// `[limits]`: body sizes, workbook caps, per-source rates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// `POST /declarations`: a declaration file (CSV or XLSX), in MiB.
    pub declaration_upload_mib: u64,
    /// An application with its scanned materials (whole body), in MiB.
    pub application_upload_mib: u64,
    /// A PDF presented for verification (`/verify`), in MiB.
    pub certificate_upload_mib: u64,
    /// A form or JSON body without files, in KiB.
    pub form_kib: u64,
    /// XLSX: rows read at most (a declaration of one employer's month).
    pub xlsx_max_rows: u64,
    /// XLSX: columns read at most.
    pub xlsx_max_columns: u32,
    /// XLSX: uncompressed size of one entry of the workbook (zip), in MiB.
    pub xlsx_max_entry_mib: u64,
    /// Anonymous refusals (failed sign-ins, CSRF refusals, wrong PINs, rate
    /// limits) are counted per source and written to the ledger as one
    /// summary event per source per this many seconds.
    pub refusal_window_seconds: u32,
    /// Public pages, health and the OpenAPI document.
    pub pages: Rate,
    /// Password sign-in (`POST /login`, `POST /api/v1/session`).
    pub sign_in: Rate,
    /// Portal account activation (ID number + name + code).
    pub activation: Rate,
    /// Every query-PIN check: telephone (IVR) and kiosk, one shared bucket.
    pub pin: Rate,
    /// Certificate verification (`/verify`, `/api/v1/certificates/…`).
    pub verify: Rate,
    /// Signed checkpoints and Merkle proofs (`/api/v1/ledger/…`).
    pub proof: Rate,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            declaration_upload_mib: 512,
            application_upload_mib: 64,
            certificate_upload_mib: 8,
            form_kib: 256,
            xlsx_max_rows: 1_100_000,
            xlsx_max_columns: 64,
            xlsx_max_entry_mib: 1024,
            refusal_window_seconds: 60,
            pages: Rate::new(1200, 120),
            sign_in: Rate::new(60, 20),
            activation: Rate::new(10, 5),
            pin: Rate::new(600, 20),
            verify: Rate::new(300, 30),
            proof: Rate::new(600, 60),
        }
    }
}

impl LimitsConfig {
    pub const MIB: u64 = 1024 * 1024;

    /// Refuse settings that would switch a limit off or overflow.
    pub fn check(&self) -> Result<(), String> {
        let sizes = [
            (
                "declaration_upload_mib",
                self.declaration_upload_mib,
                16 * 1024,
            ),
            ("application_upload_mib", self.application_upload_mib, 4096),
            ("certificate_upload_mib", self.certificate_upload_mib, 1024),
            ("form_kib", self.form_kib, 64 * 1024),
            ("xlsx_max_rows", self.xlsx_max_rows, 100_000_000),
            ("xlsx_max_entry_mib", self.xlsx_max_entry_mib, 16 * 1024),
            ("xlsx_max_columns", u64::from(self.xlsx_max_columns), 16_384),
            (
                "refusal_window_seconds",
                u64::from(self.refusal_window_seconds),
                3600,
            ),
        ];
        for (name, v, max) in sizes {
            if v == 0 || v > max {
                return Err(format!("limits.{name} = {v}: must be between 1 and {max}"));
            }
        }
        let rates = [
            ("pages", self.pages),
            ("sign_in", self.sign_in),
            ("activation", self.activation),
            ("pin", self.pin),
            ("verify", self.verify),
            ("proof", self.proof),
        ];
        for (name, r) in rates {
            if r.per_minute == 0 || r.burst == 0 || r.per_minute > 1_000_000 || r.burst > 100_000 {
                return Err(format!(
                    "limits.{name} = {{ per_minute = {}, burst = {} }}: both must be between 1 and 1000000 (burst 100000)",
                    r.per_minute, r.burst
                ));
            }
        }
        Ok(())
    }

    pub fn declaration_bytes(&self) -> usize {
        to_usize(self.declaration_upload_mib.saturating_mul(Self::MIB))
    }
    pub fn application_bytes(&self) -> usize {
        to_usize(self.application_upload_mib.saturating_mul(Self::MIB))
    }
    pub fn certificate_bytes(&self) -> usize {
        to_usize(self.certificate_upload_mib.saturating_mul(Self::MIB))
    }
    pub fn form_bytes(&self) -> usize {
        to_usize(self.form_kib.saturating_mul(1024))
    }
    pub fn xlsx_entry_bytes(&self) -> u64 {
        self.xlsx_max_entry_mib.saturating_mul(Self::MIB)
    }
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_zero_is_refused() {
        assert!(LimitsConfig::default().check().is_ok());
        let l = LimitsConfig {
            form_kib: 0,
            ..Default::default()
        };
        assert!(l.check().unwrap_err().contains("limits.form_kib"));
        let l = LimitsConfig {
            sign_in: Rate::new(0, 5),
            ..Default::default()
        };
        assert!(l.check().unwrap_err().contains("limits.sign_in"));
    }
}
