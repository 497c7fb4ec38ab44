//! Queries by administrative and judicial organs (行政/司法机关, Art 18)
//! within their prescribed scope, each registered (Art 21). An organ
//! officer's account belongs to an organ of `[disclosure.organs]`; the
//! organ's kind has a scope (items, the laws a query may rely on, persons
//! per query and per day). A query names its persons by ID number, its case
//! or document number and its basis; anything outside the scope is refused
//! with the rule named, and the refusal is in the security audit trail.
//! No organ lists or pages through persons.

use std::collections::BTreeSet;

use serde::Serialize;
use sirm_domain::id::PersonKey;
use sirm_domain::records;
use sirm_domain::RuleId;

use crate::config::disclosure::{Organ, OrganKind};
use crate::query::{Channel, Item, RecordView, Requester};
use crate::{AppError, AuditEvent, Principal, Sirm};

/// The query log's channel of organ queries.
pub const CHANNEL: &str = "organ";

/// What an organ officer asks.
#[derive(Clone, Debug)]
pub struct OrganRequest {
    /// The persons, in the order named.
    pub persons: Vec<PersonKey>,
    /// The items asked for; `None`: all that the scope covers.
    pub items: Option<BTreeSet<Item>>,
    /// The case or document number (案号/文书编号).
    pub case_number: String,
    /// The law and article the query relies on.
    pub basis: String,
}

/// The answer: one record per person named, `None` where no such person is
/// registered in this agency (never told apart from "not yours").
#[derive(Clone, Debug, Serialize)]
pub struct OrganAnswer {
    pub organ: String,
    pub kind: OrganKind,
    pub case_number: String,
    pub records: Vec<Option<RecordView>>,
}

/// One organ query in the supervisor's report.
#[derive(Clone, Debug, Serialize)]
pub struct OrganQueryRow {
    pub time_us: i64,
    /// The organ's name (its id in `[disclosure.organs]` if no longer
    /// configured).
    pub organ: String,
    pub officer: String,
    /// The person as a short pseudonym (the blind index's first characters).
    pub person: String,
    pub items: String,
    /// The organ's name, the case number and the basis.
    pub basis: String,
}

/// The query log's requester of an organ query: the organ and its officer.
pub fn requester(organ_id: &str, username: &str) -> String {
    format!("{organ_id}/{username}")
}

/// Whether `basis` names one of `laws` with an article (第…条) after it,
/// and does not negate it (非…, 不…, 无…): "民事诉讼法" alone, or
/// "非民事诉讼法第七十条", is not a basis.
pub fn names_law_and_article(basis: &str, laws: &[String]) -> bool {
    const NUMERALS: &str = "0123456789０１２３４５６７８９零〇一二三四五六七八九十百千";
    let article = |rest: &str| {
        // 第 <numerals> 条 within the next 24 characters, before another law.
        let window: String = rest.chars().take_while(|c| *c != '《').take(24).collect();
        let mut chars = window.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '第' {
                let mut digits = 0;
                while chars.peek().is_some_and(|d| NUMERALS.contains(*d)) {
                    chars.next();
                    digits += 1;
                }
                if digits > 0 && chars.peek() == Some(&'条') {
                    return true;
                }
            }
        }
        false
    };
    laws.iter().filter(|l| !l.is_empty()).any(|law| {
        basis.match_indices(law.as_str()).any(|(i, _)| {
            let before = basis[..i]
                .chars()
                .rev()
                .find(|c| !matches!(c, '《' | '中' | '华' | '人' | '民' | '共' | '和' | '国'));
            let negated = matches!(before, Some('非' | '不' | '无'));
            !negated && article(&basis[i + law.len()..])
        })
    })
}

/// The query log's basis of an organ query: the organ's name first, so the
/// person reads who asked; then the case number and the legal basis.
pub fn basis_text(organ: &Organ, case_number: &str, basis: &str) -> String {
    format!("{}；案号 {case_number}；依据 {basis}", organ.name)
}

/// The organ's name, and the case number where the person may see it, from
/// a query log row's basis (what "who looked at my record" shows).
pub fn shown_to_person(basis: &str, case_visible: bool) -> String {
    let mut parts = basis.split('；');
    let organ = parts.next().unwrap_or_default();
    match parts.next() {
        Some(case) if case_visible => format!("{organ}（{case}）"),
        _ => organ.to_string(),
    }
}

impl Sirm {
    /// An organ's query under law (Art 18, 21).
    pub async fn organ_query(
        &self,
        who: &Principal,
        req: &OrganRequest,
    ) -> Result<OrganAnswer, AppError> {
        self.authorize(who, sirm_domain::access::Permission::OrganQuery)
            .await?;
        let (organ_id, organ, items) = match self.organ_scope(who, req).await {
            Ok(x) => x,
            Err(e) => {
                self.audit(AuditEvent::own(who, "query.third_party").denied(format!(
                    "organ query refused ({}): case {}; {} person(s)",
                    e.rule().map(|r| r.as_str()).unwrap_or("refused"),
                    req.case_number.trim().chars().take(64).collect::<String>(),
                    req.persons.len()
                )))
                .await?;
                return Err(e);
            }
        };
        let basis = basis_text(&organ, req.case_number.trim(), req.basis.trim());
        let name = requester(&organ_id, &who.username);
        let mut records = Vec::with_capacity(req.persons.len());
        for pk in &req.persons {
            match self
                .answer(
                    who,
                    &name,
                    Channel::Organ,
                    Requester::ThirdParty,
                    items.clone(),
                    None,
                    pk,
                    &basis,
                )
                .await
            {
                Ok(v) => records.push(Some(v)),
                Err(AppError::NotFound { .. }) => {
                    self.watch_miss(who).await;
                    records.push(None)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(OrganAnswer {
            organ: organ.name,
            kind: organ.kind,
            case_number: req.case_number.trim().to_string(),
            records,
        })
    }

    /// The officer's organ, its scope and the items to answer, or the
    /// refusal naming the rule the request breaks.
    async fn organ_scope(
        &self,
        who: &Principal,
        req: &OrganRequest,
    ) -> Result<(String, Organ, BTreeSet<Item>), AppError> {
        let cfg = &self.config.disclosure;
        let Some((organ_id, organ)) = cfg.organ_of(&who.username) else {
            return Err(AppError::forbidden(
                RuleId::DisclosureOrgan,
                format!(
                    "{} is not the officer of an organ registered in [disclosure.organs]",
                    who.username
                ),
            ));
        };
        let scope = cfg.scope(organ.kind);
        let case = req.case_number.trim();
        let n = case.chars().count();
        if !(4..=64).contains(&n) || case.chars().any(char::is_control) {
            return Err(AppError::invalid_by(
                "case_number",
                RuleId::DisclosureCaseNumber,
                "name the case or document number the query serves (4–64 characters)",
            ));
        }
        let basis = req.basis.trim();
        if !basis.is_empty() {
            records::check_text("basis", basis, 400).map_err(AppError::invalid_record)?;
        }
        if !names_law_and_article(basis, &scope.bases) {
            return Err(AppError::Forbidden {
                rule: RuleId::DisclosureBasis,
                message: format!(
                    "the basis must name a law the {} may rely on, with its article (第…条): {}",
                    organ.kind.as_str(),
                    scope.bases.join(", ")
                ),
            });
        }
        let items = match &req.items {
            Some(asked) => {
                let outside: Vec<&str> = asked
                    .iter()
                    .filter(|i| !scope.items.contains(i))
                    .map(|i| i.as_str())
                    .collect();
                if !outside.is_empty() {
                    return Err(AppError::Forbidden {
                        rule: RuleId::DisclosureScope,
                        message: format!(
                            "outside the prescribed scope of a {}: {}",
                            organ.kind.as_str(),
                            outside.join(", ")
                        ),
                    });
                }
                asked.clone()
            }
            None => scope.items.clone(),
        };
        let persons: BTreeSet<&str> = req.persons.iter().map(|p| p.as_str()).collect();
        if persons.is_empty() || persons.len() != req.persons.len() {
            return Err(AppError::invalid_by(
                "ids",
                RuleId::FieldRequired,
                "name each person once, by ID number",
            ));
        }
        if persons.len() > scope.per_request as usize {
            return Err(AppError::Forbidden {
                rule: RuleId::DisclosureVolume,
                message: format!(
                    "{} persons in one query; a {} may name at most {}",
                    persons.len(),
                    organ.kind.as_str(),
                    scope.per_request
                ),
            });
        }
        let today = self.organ_queries_today(organ_id, organ).await?;
        if today + persons.len() as i64 > i64::from(scope.per_day) {
            return Err(AppError::Forbidden {
                rule: RuleId::DisclosureVolume,
                message: format!(
                    "{today} persons queried by this organ today; its daily volume is {}",
                    scope.per_day
                ),
            });
        }
        Ok((organ_id.to_string(), organ.clone(), items))
    }

    /// Persons queried by all officers of an organ since midnight (Beijing time).
    async fn organ_queries_today(&self, organ_id: &str, organ: &Organ) -> Result<i64, AppError> {
        let midnight = crate::clock::today()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_micros()
            - 8 * 3_600_000_000;
        let mut n = 0;
        for officer in &organ.officers {
            n += self
                .store
                .count_queries(CHANNEL, &requester(organ_id, officer), midnight)
                .await?;
        }
        Ok(n)
    }

    /// Every person an organ queried and was answered about in
    /// `[from_us, to_us)`, newest first, at most `limit`: the supervisor's
    /// report (Art 18). Refused queries are in the audit trail. Read by the audit
    /// administrator (`audit_read`); persons appear as short pseudonyms.
    pub async fn organ_query_report(
        &self,
        who: &Principal,
        from_us: i64,
        to_us: i64,
        limit: i64,
    ) -> Result<Vec<OrganQueryRow>, AppError> {
        self.authorize(who, sirm_domain::access::Permission::AuditRead)
            .await?;
        let rows = self
            .store
            .channel_queries(CHANNEL, from_us, to_us, limit)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let (organ, officer) = r.requester.split_once('/').unwrap_or(("", &r.requester));
                OrganQueryRow {
                    time_us: r.time_us,
                    // The organ's name where it is still configured.
                    organ: self
                        .config
                        .disclosure
                        .organs
                        .get(organ)
                        .map_or_else(|| organ.to_string(), |o| o.name.clone()),
                    officer: officer.to_string(),
                    person: r
                        .subject
                        .parse::<PersonKey>()
                        .map(|pk| pk.short())
                        .unwrap_or_default(),
                    items: r
                        .items
                        .split(',')
                        .filter_map(Item::parse)
                        .map(super::seen::item_zh)
                        .collect::<Vec<_>>()
                        .join("、"),
                    basis: r.basis,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basis_names_a_law_of_the_scope_with_its_article() {
        let laws: Vec<String> = ["民事诉讼法", "刑事诉讼法"].map(String::from).to_vec();
        for ok in [
            "《中华人民共和国民事诉讼法》第七十条",
            "民事诉讼法第70条",
            "依据《刑事诉讼法》第五十四条调取证据",
            "《民事诉讼法》 第 67 条",
        ] {
            let ok = ok.replace(' ', "");
            assert!(names_law_and_article(&ok, &laws), "{ok}");
        }
        for bad in [
            "民事诉讼法",
            "非民事诉讼法第七十条",
            "《行政诉讼法》第四十条",
            "民事诉讼法《刑法》第七十条",
            "第七十条",
            "工作需要",
            "",
        ] {
            assert!(!names_law_and_article(bad, &laws), "{bad}");
        }
    }

    #[test]
    fn the_person_sees_the_organ_and_the_case_only_where_allowed() {
        let organ = Organ {
            name: "东城区人民法院".into(),
            kind: OrganKind::Court,
            officers: Default::default(),
        };
        let b = basis_text(&organ, "（2026）京0101民初1号", "民事诉讼法第七十条");
        assert_eq!(
            shown_to_person(&b, true),
            "东城区人民法院（案号 （2026）京0101民初1号）"
        );
        assert_eq!(shown_to_person(&b, false), "东城区人民法院");
    }
}
