//! `[disclosure]` in `sirm.toml`: thresholds of the statistics user's
//! reports and extracts (Art 17, `docs/disclosure.md`).

use serde::{Deserialize, Serialize};

/// `[disclosure]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisclosureConfig {
    /// A published cell counting fewer persons than this (and more than
    /// none) is suppressed (小单元格抑制). At least 2.
    pub min_cell: u64,
    /// Every combination of quasi-identifiers in a de-identified extract
    /// holds at least this many records (k-anonymity). At least 2.
    pub k: u64,
    /// Lower bounds of the age bands of the insured-persons report, in
    /// ascending order: `[16, 30, 40, 50, 60]` makes 16–29, 30–39, …, 60+.
    pub age_bands: Vec<u32>,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        DisclosureConfig {
            min_cell: 10,
            k: 5,
            age_bands: vec![16, 30, 40, 50, 60],
        }
    }
}

impl DisclosureConfig {
    /// The threshold in force: never below 2, whatever the file says.
    pub fn min_cell(&self) -> u64 {
        self.min_cell.max(2)
    }

    /// The k in force: never below 2.
    pub fn k(&self) -> u64 {
        self.k.max(2)
    }

    /// The band an age falls in, as its label (`16–29`, `60+`, `<16`).
    pub fn age_band(&self, age: i64) -> String {
        let mut bands: Vec<u32> = self.age_bands.clone();
        bands.sort_unstable();
        bands.dedup();
        let Some(first) = bands.first().copied() else {
            return "all".to_string();
        };
        if age < i64::from(first) {
            return format!("<{first}");
        }
        for w in bands.windows(2) {
            if age >= i64::from(w[0]) && age < i64::from(w[1]) {
                return format!("{}–{}", w[0], w[1] - 1);
            }
        }
        format!("{}+", bands.last().copied().unwrap_or(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        let c = DisclosureConfig::default();
        assert_eq!(c.age_band(15), "<16");
        assert_eq!(c.age_band(16), "16–29");
        assert_eq!(c.age_band(29), "16–29");
        assert_eq!(c.age_band(30), "30–39");
        assert_eq!(c.age_band(75), "60+");
    }
}
