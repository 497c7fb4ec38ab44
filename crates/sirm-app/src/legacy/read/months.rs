//! The contributions file's rows: each person-month checked, then against
//! the persons, employers and employment periods of the export.

use std::collections::HashMap;

use chrono::NaiveDate;
use sirm_domain::id::{CreditCode, ResidentId};
use sirm_domain::records::{EmployerRegistration, PersonDetails};
use sirm_domain::rules::Month;

use super::{Checker, Job, Keyed, Month1, Row, CONTRIBUTIONS};
use crate::legacy::Rule;

impl Checker<'_> {
    pub(super) fn months(
        &mut self,
        rows: Option<Vec<(u64, Vec<String>)>>,
        employers: &Option<Keyed<CreditCode, EmployerRegistration>>,
        persons: &Option<Keyed<ResidentId, PersonDetails>>,
        jobs: &Option<Vec<Job>>,
    ) -> Vec<Month1> {
        let Some(rows) = rows else {
            return Vec::new();
        };
        let mut by_person: HashMap<usize, Vec<usize>> = HashMap::new();
        if let Some(jobs) = jobs {
            for (i, j) in jobs.iter().enumerate() {
                by_person.entry(j.person).or_default().push(i);
            }
        }
        let mut seen: HashMap<(usize, Month), u64> = HashMap::new();
        // (employer, month) → (paid_on, first line)
        let mut status: HashMap<(usize, Month), (Option<NaiveDate>, u64)> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (line, cells) in &rows {
            let r = Row {
                file: CONTRIBUTIONS,
                line: *line,
                cells,
            };
            if !self.columns(&r) {
                continue;
            }
            let refs = self.refs(&r, employers, persons);
            let month = match Month::parse(r.get("month")) {
                Ok(m) if m <= self.now => Some(m),
                Ok(m) => {
                    self.bad
                        .push(r.bad("month", Rule::Month, format!("{m} has not come yet")));
                    None
                }
                Err(e) => {
                    self.bad.push(r.bad("month", Rule::Month, e));
                    None
                }
            };
            let wage = self.amount(&r, "declared_wage");
            let base = self.amount(&r, "base");
            let paid_on = match r.get("status") {
                "paid" => self.date(&r, "paid_on").map(Some),
                "unpaid" if r.get("paid_on").is_empty() => Some(None),
                "unpaid" => {
                    self.bad
                        .push(r.bad("paid_on", Rule::Value, "an unpaid month has no paid_on"));
                    None
                }
                other => {
                    self.bad.push(r.bad(
                        "status",
                        Rule::Value,
                        format!("{other:?}: paid or unpaid"),
                    ));
                    None
                }
            };
            let (Some((person, employer)), Some(month), Some(wage), Some(base), Some(paid_on)) =
                (refs, month, wage, base, paid_on)
            else {
                continue;
            };
            if let Some(first) = seen.insert((person, month), *line) {
                self.bad.push(r.bad(
                    "month",
                    Rule::MonthTwice,
                    format!("{month} of this person is also on line {first}"),
                ));
                continue;
            }
            if let Some(jobs) = jobs {
                let employed = by_person.get(&person).is_some_and(|js| {
                    js.iter().any(|&i| {
                        let j = &jobs[i];
                        j.employer == employer
                            && j.start_on <= month.last_day()
                            && j.end_on.is_none_or(|e| e >= month.first_day())
                    })
                });
                if !employed {
                    self.bad.push(r.bad(
                        "month",
                        Rule::NotEmployed,
                        format!("no employment with this employer covers {month}"),
                    ));
                    continue;
                }
            }
            match status.get(&(employer, month)) {
                Some((p, first)) if *p != paid_on => {
                    self.bad.push(r.bad(
                        "status",
                        Rule::PaymentMixed,
                        format!(
                            "the employer's {month} is paid differently on line {first} (one payment per employer and month)"
                        ),
                    ));
                    continue;
                }
                Some(_) => {}
                None => {
                    status.insert((employer, month), (paid_on, *line));
                }
            }
            out.push(Month1 {
                line: *line,
                person,
                employer,
                month,
                declared_wage: wage,
                base,
                paid_on,
            });
        }
        out
    }
}
