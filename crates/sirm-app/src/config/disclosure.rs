//! `[disclosure]` in `sirm.toml`: who besides the person and the employer
//! may receive which records (Art 17–22) — the thresholds of the statistics
//! user's reports and extracts (Art 17), the organs that query under law
//! and their prescribed scope (Art 18), and the volume thresholds above
//! which a reading pattern raises an alarm (Art 22: no bulk exchange).
//! Defaults are documented in `docs/disclosure.md`; a test keeps the two
//! equal.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::query::Item;

/// The kinds of administrative and judicial organs (行政/司法机关, Art 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganKind {
    /// People's court (人民法院).
    Court,
    /// People's procuratorate (人民检察院).
    Procuratorate,
    /// Public security organ (公安机关).
    PublicSecurity,
    /// Supervisory commission (监察委员会).
    Supervision,
    /// Tax authority (税务机关), which collects contributions.
    Tax,
    /// Audit office (审计机关).
    AuditOffice,
}

impl OrganKind {
    pub const ALL: [OrganKind; 6] = [
        OrganKind::Court,
        OrganKind::Procuratorate,
        OrganKind::PublicSecurity,
        OrganKind::Supervision,
        OrganKind::Tax,
        OrganKind::AuditOffice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganKind::Court => "court",
            OrganKind::Procuratorate => "procuratorate",
            OrganKind::PublicSecurity => "public_security",
            OrganKind::Supervision => "supervision",
            OrganKind::Tax => "tax",
            OrganKind::AuditOffice => "audit_office",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            OrganKind::Court => "人民法院",
            OrganKind::Procuratorate => "人民检察院",
            OrganKind::PublicSecurity => "公安机关",
            OrganKind::Supervision => "监察机关",
            OrganKind::Tax => "税务机关",
            OrganKind::AuditOffice => "审计机关",
        }
    }
}

/// The prescribed scope of one kind of organ (规定的范围).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The record items it may receive.
    pub items: BTreeSet<Item>,
    /// The laws a query may rely on: its stated basis must name one of
    /// them (e.g. "民事诉讼法").
    pub bases: Vec<String>,
    /// Persons one query may name (each a person the organ names by ID
    /// number; no organ lists or pages through persons).
    pub per_request: u32,
    /// Persons all officers of one organ may query per day.
    pub per_day: u32,
    /// Whether the person sees the case or document number in "who looked
    /// at my record" (an investigation may require that they do not; the
    /// organ's name and the date are always shown).
    pub case_visible: bool,
}

/// One organ whose officers query (`[disclosure.organs.ID]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organ {
    /// Its name as the person reads it, e.g. "北京市东城区人民法院".
    pub name: String,
    pub kind: OrganKind,
    /// The accounts (role `organ_officer`) that query for it; an organ
    /// officer not listed under any organ is refused.
    pub officers: BTreeSet<String>,
}

/// Reading patterns that raise an alarm (Art 22, 28(5)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VolumeConfig {
    /// Different persons one account may read within an hour.
    pub persons_per_hour: u32,
    /// The same between 22:00 and 06:00 Beijing time.
    pub night_persons_per_hour: u32,
    /// Persons looked up but not found (guessed ID numbers) per account
    /// and hour: an enumeration.
    pub misses_per_hour: u32,
    /// Lock the account pending review when it raises such an alarm (the
    /// system administrator unlocks it after looking into it).
    pub suspend: bool,
    /// Statistics reports one statistics user may read in a day (Beijing
    /// time): many overlapping reports could be differenced into a small
    /// group, so their number is bounded.
    pub statistics_per_day: u32,
}

impl Default for VolumeConfig {
    fn default() -> Self {
        VolumeConfig {
            persons_per_hour: 200,
            night_persons_per_hour: 30,
            misses_per_hour: 30,
            suspend: true,
            statistics_per_day: 200,
        }
    }
}

/// `[disclosure]`.
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
    /// Scopes replacing a kind's default (`[disclosure.scopes.court]`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub scopes: BTreeMap<OrganKind, Scope>,
    /// The organs and their officers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub organs: BTreeMap<String, Organ>,
    pub volume: VolumeConfig,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        DisclosureConfig {
            min_cell: 10,
            k: 5,
            age_bands: vec![16, 30, 40, 50, 60],
            scopes: BTreeMap::new(),
            organs: BTreeMap::new(),
            volume: VolumeConfig::default(),
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

    /// The built-in scope of a kind of organ (docs/disclosure.md).
    pub fn default_scope(kind: OrganKind) -> Scope {
        use Item::*;
        let s = |items: &[Item], bases: &[&str], per_request, per_day, case_visible| Scope {
            items: items.iter().copied().collect(),
            bases: bases.iter().map(|b| b.to_string()).collect(),
            per_request,
            per_day,
            case_visible,
        };
        let all = &[Registration, Employment, Contributions, Account, Benefit];
        match kind {
            OrganKind::Court => s(
                all,
                &["民事诉讼法", "刑事诉讼法", "行政诉讼法"],
                10,
                100,
                true,
            ),
            OrganKind::Procuratorate => s(
                all,
                &["刑事诉讼法", "民事诉讼法", "行政诉讼法", "人民检察院组织法"],
                10,
                100,
                true,
            ),
            OrganKind::PublicSecurity => s(
                &[Registration, Employment, Contributions],
                &["刑事诉讼法", "治安管理处罚法"],
                5,
                50,
                false,
            ),
            OrganKind::Supervision => s(all, &["监察法"], 5, 50, false),
            OrganKind::Tax => s(
                &[Registration, Employment, Contributions],
                &["税收征收管理法", "社会保险法", "社会保险费征缴暂行条例"],
                50,
                1000,
                true,
            ),
            OrganKind::AuditOffice => s(all, &["审计法"], 50, 1000, true),
        }
    }

    /// The scope in force for a kind of organ.
    pub fn scope(&self, kind: OrganKind) -> Scope {
        self.scopes
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| Self::default_scope(kind))
    }

    /// The organ an officer queries for, with its id.
    pub fn organ_of(&self, username: &str) -> Option<(&str, &Organ)> {
        self.organs
            .iter()
            .find(|(_, o)| o.officers.contains(username))
            .map(|(id, o)| (id.as_str(), o))
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

    #[test]
    fn defaults_match_docs() {
        let doc = include_str!("../../../../docs/disclosure.md");
        let documented = super::super::doc_table(doc, "scopes");
        let code: Vec<Vec<String>> = OrganKind::ALL
            .iter()
            .map(|k| {
                let s = DisclosureConfig::default_scope(*k);
                vec![
                    format!("`{}`", k.as_str()),
                    k.zh().to_string(),
                    s.items
                        .iter()
                        .map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.bases.join("、"),
                    s.per_request.to_string(),
                    s.per_day.to_string(),
                    if s.case_visible { "yes" } else { "no" }.to_string(),
                ]
            })
            .collect();
        assert_eq!(documented, code);
    }

    #[test]
    fn configuration_replaces_a_scope_and_names_bad_keys() {
        let c: DisclosureConfig = toml::from_str(
            "[scopes.tax]\nitems = [\"contributions\"]\nbases = [\"税收征收管理法\"]\nper_request = 1\nper_day = 2\ncase_visible = true\n\
             [organs.dc-court]\nname = \"东城区人民法院\"\nkind = \"court\"\nofficers = [\"court1\"]\n",
        )
        .unwrap_or_default();
        assert_eq!(c.scope(OrganKind::Tax).per_day, 2);
        assert_eq!(c.scope(OrganKind::Court).per_request, 10);
        assert_eq!(c.organ_of("court1").map(|(id, _)| id), Some("dc-court"));
        assert!(c.organ_of("court2").is_none());
        assert!(toml::from_str::<DisclosureConfig>("[scopes.army]\nitems=[]\n").is_err());
        assert!(toml::from_str::<DisclosureConfig>("[volume]\nper_minute = 3\n").is_err());
    }
}
