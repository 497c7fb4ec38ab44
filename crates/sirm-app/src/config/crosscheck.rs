//! `[crosscheck]` in `sirm.toml`: how department files are matched against
//! the record (Art 5, docs/crosscheck.md).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `[crosscheck]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosscheckConfig {
    /// How far a declared wage may lie below the tax department's taxable
    /// wage before it is an under-declaration, as a fraction (0.05 = 5 %).
    #[serde(default = "default_tolerance", with = "rust_decimal::serde::str")]
    pub tolerance: Decimal,
}

fn default_tolerance() -> Decimal {
    Decimal::new(5, 2)
}

impl Default for CrosscheckConfig {
    fn default() -> Self {
        CrosscheckConfig {
            tolerance: default_tolerance(),
        }
    }
}

impl CrosscheckConfig {
    /// A tolerance between 0 and 1.
    pub fn check(&self) -> Result<(), String> {
        if self.tolerance < Decimal::ZERO || self.tolerance >= Decimal::ONE {
            return Err(format!(
                "[crosscheck] tolerance = {} is not a fraction from 0 up to 1 (e.g. \"0.05\")",
                self.tolerance
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_bounds() {
        let c: CrosscheckConfig = toml::from_str("").unwrap();
        assert_eq!(c, CrosscheckConfig::default());
        assert_eq!(c.tolerance.to_string(), "0.05");
        let c: CrosscheckConfig = toml::from_str("tolerance = \"0.1\"").unwrap();
        assert!(c.check().is_ok());
        let c: CrosscheckConfig = toml::from_str("tolerance = \"1.5\"").unwrap();
        assert!(c.check().is_err());
        assert!(toml::from_str::<CrosscheckConfig>("tolerence = \"0.1\"").is_err());
    }
}
