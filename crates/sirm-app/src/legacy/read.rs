//! Reading and checking a legacy export (docs/migration.md) without the
//! installation: the manifest (files, SHA-256, row counts), each CSV file's
//! header and rows (IDs with their check digits, credit codes, dates,
//! months, decimal amounts), and the references between the files
//! (unknown persons or employers, overlapping employment periods, duplicate
//! months, months outside an employment, mixed payment status). Every
//! problem is kept with its file, line, field and rule; nothing stops at
//! the first.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::{CreditCode, ResidentId};
use sirm_domain::records::{EmployerRegistration, PersonDetails};
use sirm_domain::rules::Month;

use super::{BadRow, Manifest, Rule, FORMAT};

mod months;

pub const EMPLOYERS: &str = "employers.csv";
pub const PERSONS: &str = "persons.csv";
pub const EMPLOYMENT: &str = "employment.csv";
pub const CONTRIBUTIONS: &str = "contributions.csv";
pub const MANIFEST: &str = "manifest.json";

/// The files of an export, in the order they are read and appended.
pub const FILES: [&str; 4] = [EMPLOYERS, PERSONS, EMPLOYMENT, CONTRIBUTIONS];

/// The header of each file.
pub fn header_of(file: &str) -> &'static [&'static str] {
    match file {
        EMPLOYERS => &[
            "credit_code",
            "name",
            "address",
            "industry_class",
            "registered_on",
        ],
        PERSONS => &["id_number", "name", "address", "phone", "registered_on"],
        EMPLOYMENT => &[
            "id_number",
            "credit_code",
            "start_on",
            "end_on",
            "end_reason",
        ],
        _ => &[
            "id_number",
            "credit_code",
            "month",
            "declared_wage",
            "base",
            "status",
            "paid_on",
        ],
    }
}

/// One employment period (`end_on` open when still employed).
#[derive(Clone, Debug)]
pub struct Job {
    pub line: u64,
    pub person: usize,
    pub employer: usize,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub end_reason: String,
}

/// One person-month of contributions as the old system kept it.
#[derive(Clone, Debug)]
pub struct Month1 {
    pub line: u64,
    pub person: usize,
    pub employer: usize,
    pub month: Month,
    pub declared_wage: Decimal,
    /// The base the old system computed (compared with the rules engine's).
    pub base: Decimal,
    /// `Some(date)` when paid.
    pub paid_on: Option<NaiveDate>,
}

/// A whole export, checked.
#[derive(Debug, Default)]
pub struct Export {
    pub manifest: Manifest,
    pub manifest_sha256: String,
    pub employers: Vec<(u64, EmployerRegistration)>,
    pub persons: Vec<(u64, PersonDetails)>,
    pub jobs: Vec<Job>,
    pub months: Vec<Month1>,
}

/// Where each file of the export is (a directory at the counter, the
/// archive at approval).
pub trait Source {
    fn path(&self, name: &str) -> Option<PathBuf>;
}

impl Source for PathBuf {
    fn path(&self, name: &str) -> Option<PathBuf> {
        let p = self.join(name);
        p.is_file().then_some(p)
    }
}

/// Read and check the export: the export, or every problem found.
pub fn read(src: &dyn Source, today: NaiveDate, now: Month) -> Result<Export, Vec<BadRow>> {
    let mut bad = Vec::new();
    let mut out = Export::default();
    let Some(mpath) = src.path(MANIFEST) else {
        bad.push(BadRow::file(
            MANIFEST,
            Rule::FileMissing,
            "the manifest is missing",
        ));
        return Err(bad);
    };
    let text = match std::fs::read(&mpath) {
        Ok(t) => t,
        Err(e) => {
            bad.push(BadRow::file(MANIFEST, Rule::Manifest, e.to_string()));
            return Err(bad);
        }
    };
    out.manifest_sha256 = super::sha256_hex(&text);
    out.manifest = match serde_json::from_slice::<Manifest>(&text) {
        Ok(m) => m,
        Err(e) => {
            bad.push(BadRow::file(MANIFEST, Rule::Manifest, e.to_string()));
            return Err(bad);
        }
    };
    if out.manifest.format != FORMAT {
        bad.push(BadRow::file(
            MANIFEST,
            Rule::Manifest,
            format!("format {:?}: expected {FORMAT:?}", out.manifest.format),
        ));
    }
    if out.manifest.exported_on > today {
        bad.push(BadRow::file(
            MANIFEST,
            Rule::Date,
            "exported_on lies after today",
        ));
    }
    // Each file: listed, present, its hash as listed; rows read whatever
    // (every problem is listed), counted against the manifest.
    let mut rows: HashMap<&str, Vec<(u64, Vec<String>)>> = HashMap::new();
    for name in FILES {
        let listed = out.manifest.files.iter().find(|f| f.name == name);
        let Some(listed) = listed else {
            bad.push(BadRow::file(
                MANIFEST,
                Rule::Manifest,
                format!("{name} is not listed"),
            ));
            continue;
        };
        let Some(path) = src.path(name) else {
            bad.push(BadRow::file(
                name,
                Rule::FileMissing,
                "listed in the manifest but missing",
            ));
            continue;
        };
        match super::sha256_file(&path) {
            Ok(h) if h == listed.sha256 => {}
            Ok(h) => bad.push(BadRow::file(
                name,
                Rule::FileHash,
                format!("SHA-256 is {h}, the manifest says {}", listed.sha256),
            )),
            Err(e) => bad.push(BadRow::file(name, Rule::FileMissing, e)),
        }
        match csv_rows(name, &path) {
            Ok(r) => {
                let n = u64::try_from(r.len()).unwrap_or(u64::MAX);
                if n != listed.rows {
                    bad.push(BadRow::file(
                        name,
                        Rule::RowCount,
                        format!("{n} rows, the manifest says {}", listed.rows),
                    ));
                }
                rows.insert(name, r);
            }
            Err(b) => bad.push(b),
        }
    }
    for f in &out.manifest.files {
        if !FILES.contains(&f.name.as_str()) {
            bad.push(BadRow::file(
                MANIFEST,
                Rule::Manifest,
                format!("{:?} is not a file of this layout", f.name),
            ));
        }
    }
    let mut c = Checker {
        bad: &mut bad,
        today,
        now,
    };
    let employers = c.employers(rows.remove(EMPLOYERS));
    let persons = c.persons(rows.remove(PERSONS));
    let jobs = c.jobs(rows.remove(EMPLOYMENT), &employers, &persons);
    let months = c.months(rows.remove(CONTRIBUTIONS), &employers, &persons, &jobs);
    if !bad.is_empty() {
        bad.sort_by(|a, b| {
            let rank = |f: &str| {
                std::iter::once(MANIFEST)
                    .chain(FILES)
                    .position(|x| x == f)
                    .unwrap_or(9)
            };
            (rank(&a.file), a.line).cmp(&(rank(&b.file), b.line))
        });
        return Err(bad);
    }
    out.employers = employers.map(|e| e.rows).unwrap_or_default();
    out.persons = persons.map(|p| p.rows).unwrap_or_default();
    out.jobs = jobs.unwrap_or_default();
    out.months = months;
    Ok(out)
}

/// The rows of one CSV file after its header (checked), with line numbers.
fn csv_rows(name: &str, path: &Path) -> Result<Vec<(u64, Vec<String>)>, BadRow> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| BadRow::file(name, Rule::FileMissing, e.to_string()))?;
    let mut rec = csv::StringRecord::new();
    let mut out = Vec::new();
    let mut first = true;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(BadRow::at(
                    name,
                    line,
                    "",
                    Rule::Value,
                    format!("not readable as UTF-8 CSV ({e})"),
                ));
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: Vec<String> = rec
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        if first {
            first = false;
            let want = header_of(name);
            if cells.iter().map(String::as_str).ne(want.iter().copied()) {
                return Err(BadRow::at(
                    name,
                    line,
                    "",
                    Rule::Header,
                    format!("the header must be {}", want.join(",")),
                ));
            }
            continue;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        out.push((line, cells));
    }
    if first {
        return Err(BadRow::file(
            name,
            Rule::Header,
            "the file is empty (no header)",
        ));
    }
    Ok(out)
}

/// Rows keyed by their identifier: the rows and the index of each key.
struct Keyed<K, T> {
    rows: Vec<(u64, T)>,
    index: HashMap<K, usize>,
}

impl<K: std::hash::Hash + Eq, T> Keyed<K, T> {
    fn with_capacity(n: usize) -> Self {
        Keyed {
            rows: Vec::with_capacity(n),
            index: HashMap::new(),
        }
    }

    /// Keep `row` of `line` under `key`; `false` (and the first row kept)
    /// when the key is listed already.
    fn add(&mut self, key: K, line: u64, row: T) -> bool {
        match self.index.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.rows.len());
                self.rows.push((line, row));
                true
            }
        }
    }
}

struct Checker<'a> {
    bad: &'a mut Vec<BadRow>,
    today: NaiveDate,
    now: Month,
}

/// One row's cells by column.
struct Row<'r> {
    file: &'static str,
    line: u64,
    cells: &'r [String],
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        header_of(self.file)
            .iter()
            .position(|c| *c == col)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
    fn bad(&self, col: &str, rule: Rule, reason: impl Into<String>) -> BadRow {
        BadRow::at(self.file, self.line, col, rule, reason)
    }
}

impl Checker<'_> {
    /// Each problem of a row, then `None`; or the row's value.
    fn take<T>(&mut self, r: Result<T, BadRow>) -> Option<T> {
        r.map_err(|b| self.bad.push(b)).ok()
    }

    fn columns(&mut self, r: &Row<'_>) -> bool {
        let want = header_of(r.file).len();
        if r.cells.len() != want {
            self.bad.push(r.bad(
                "",
                Rule::Value,
                format!("{} fields, expected {want}", r.cells.len()),
            ));
            return false;
        }
        true
    }

    fn date(&mut self, r: &Row<'_>, col: &str) -> Option<NaiveDate> {
        let text = r.get(col);
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            r.bad(
                col,
                Rule::Date,
                format!("{text:?} is not a date YYYY-MM-DD"),
            )
        });
        let d = self.take(d)?;
        if d > self.today {
            self.bad
                .push(r.bad(col, Rule::Date, format!("{d} lies after today")));
            return None;
        }
        Some(d)
    }

    fn id(&mut self, r: &Row<'_>) -> Option<ResidentId> {
        // The reason names the rule (check digit, length, date), never the number.
        let id = r.get("id_number").parse::<ResidentId>().map_err(|e| {
            r.bad(
                "id_number",
                Rule::Id,
                masked_reason(&e.to_string(), r.get("id_number")),
            )
        });
        self.take(id)
    }

    fn code(&mut self, r: &Row<'_>) -> Option<CreditCode> {
        let c = r
            .get("credit_code")
            .parse::<CreditCode>()
            .map_err(|e| r.bad("credit_code", Rule::CreditCode, e.to_string()));
        self.take(c)
    }

    fn amount(&mut self, r: &Row<'_>, col: &str) -> Option<Decimal> {
        let text = r.get(col);
        let Ok(a) = text.parse::<Decimal>() else {
            self.bad.push(r.bad(
                col,
                Rule::Amount,
                format!("{text:?} is not a decimal amount"),
            ));
            return None;
        };
        if a.is_sign_negative() || a.scale() > 2 {
            self.bad.push(r.bad(
                col,
                Rule::Amount,
                format!("{text:?}: an amount is not negative and has at most two decimal places"),
            ));
            return None;
        }
        Some(a)
    }

    fn employers(
        &mut self,
        rows: Option<Vec<(u64, Vec<String>)>>,
    ) -> Option<Keyed<CreditCode, EmployerRegistration>> {
        let rows = rows?;
        let mut out = Keyed::with_capacity(rows.len());
        for (line, cells) in &rows {
            let r = Row {
                file: EMPLOYERS,
                line: *line,
                cells,
            };
            if !self.columns(&r) {
                continue;
            }
            let code = self.code(&r);
            let class = r
                .get("industry_class")
                .parse::<u8>()
                .ok()
                .filter(|c| (1..=8).contains(c));
            if class.is_none() {
                self.bad
                    .push(r.bad("industry_class", Rule::Value, "must be a number 1–8"));
            }
            let on = self.date(&r, "registered_on");
            let (Some(code), Some(class), Some(on)) = (code, class, on) else {
                continue;
            };
            let e = EmployerRegistration {
                credit_code: code.clone(),
                name: r.get("name").to_string(),
                address: r.get("address").to_string(),
                industry_class: class,
                registered_on: on,
            };
            if let Err(err) = e.validate() {
                self.bad.push(r.bad("", Rule::Value, err.to_string()));
                continue;
            }
            if !out.add(code, *line, e) {
                self.bad.push(r.bad(
                    "credit_code",
                    Rule::Duplicate,
                    "this employer is listed twice",
                ));
            }
        }
        Some(out)
    }

    fn persons(
        &mut self,
        rows: Option<Vec<(u64, Vec<String>)>>,
    ) -> Option<Keyed<ResidentId, PersonDetails>> {
        let rows = rows?;
        let mut out = Keyed::with_capacity(rows.len());
        for (line, cells) in &rows {
            let r = Row {
                file: PERSONS,
                line: *line,
                cells,
            };
            if !self.columns(&r) {
                continue;
            }
            let id = self.id(&r);
            let on = self.date(&r, "registered_on");
            let (Some(id), Some(on)) = (id, on) else {
                continue;
            };
            if on < id.birth_date() {
                self.bad.push(r.bad(
                    "registered_on",
                    Rule::Date,
                    "is before the birth date in the ID number",
                ));
                continue;
            }
            let p = PersonDetails {
                id: id.clone(),
                name: r.get("name").to_string(),
                address: r.get("address").to_string(),
                phone: r.get("phone").to_string(),
                registered_on: on,
            };
            if let Err(err) = p.validate() {
                self.bad.push(r.bad("", Rule::Value, err.to_string()));
                continue;
            }
            if !out.add(id, *line, p) {
                self.bad
                    .push(r.bad("id_number", Rule::Duplicate, "this person is listed twice"));
            }
        }
        Some(out)
    }

    /// The person and employer a row names, each known to the export.
    fn refs(
        &mut self,
        r: &Row<'_>,
        employers: &Option<Keyed<CreditCode, EmployerRegistration>>,
        persons: &Option<Keyed<ResidentId, PersonDetails>>,
    ) -> Option<(usize, usize)> {
        let id = self.id(r);
        let code = self.code(r);
        let (id, code) = (id?, code?);
        let (Some(persons), Some(employers)) = (persons, employers) else {
            // The file they would be checked against is missing or unreadable.
            return None;
        };
        let p = persons.index.get(&id).copied();
        if p.is_none() {
            self.bad.push(r.bad(
                "id_number",
                Rule::UnknownPerson,
                format!("{} is not in {PERSONS}", id.masked()),
            ));
        }
        let e = employers.index.get(&code).copied();
        if e.is_none() {
            self.bad.push(r.bad(
                "credit_code",
                Rule::UnknownEmployer,
                format!("{code} is not in {EMPLOYERS}"),
            ));
        }
        Some((p?, e?))
    }

    fn jobs(
        &mut self,
        rows: Option<Vec<(u64, Vec<String>)>>,
        employers: &Option<Keyed<CreditCode, EmployerRegistration>>,
        persons: &Option<Keyed<ResidentId, PersonDetails>>,
    ) -> Option<Vec<Job>> {
        let rows = rows?;
        let mut out: Vec<Job> = Vec::with_capacity(rows.len());
        for (line, cells) in &rows {
            let r = Row {
                file: EMPLOYMENT,
                line: *line,
                cells,
            };
            if !self.columns(&r) {
                continue;
            }
            let refs = self.refs(&r, employers, persons);
            let start = self.date(&r, "start_on");
            let end = if r.get("end_on").is_empty() {
                Some(None)
            } else {
                self.date(&r, "end_on").map(Some)
            };
            let (Some((person, employer)), Some(start_on), Some(end_on)) = (refs, start, end)
            else {
                continue;
            };
            if end_on.is_some_and(|e| e < start_on) {
                self.bad
                    .push(r.bad("end_on", Rule::Date, "is before start_on"));
                continue;
            }
            if end_on.is_some() && r.get("end_reason").is_empty() {
                self.bad.push(r.bad(
                    "end_reason",
                    Rule::Value,
                    "an ended employment names its reason",
                ));
                continue;
            }
            out.push(Job {
                line: *line,
                person,
                employer,
                start_on,
                end_on,
                end_reason: r.get("end_reason").to_string(),
            });
        }
        // Periods of one person never overlap (one employment at a time).
        let mut order: Vec<usize> = (0..out.len()).collect();
        order.sort_by_key(|&i| (out[i].person, out[i].start_on, out[i].line));
        for w in order.windows(2) {
            let (a, b) = (&out[w[0]], &out[w[1]]);
            if a.person == b.person && a.end_on.is_none_or(|e| e >= b.start_on) {
                self.bad.push(BadRow::at(
                    EMPLOYMENT,
                    b.line,
                    "start_on",
                    Rule::PeriodOverlap,
                    format!("overlaps the period of line {}", a.line),
                ));
            }
        }
        Some(out)
    }
}

/// An ID parser's reason without the number itself.
fn masked_reason(reason: &str, text: &str) -> String {
    if text.len() >= 6 {
        reason.replace(text, "(the number)")
    } else {
        reason.to_string()
    }
}

/// Every problem's rule, for tests.
pub fn rules_of(bad: &[BadRow]) -> HashSet<&'static str> {
    bad.iter().map(|b| b.rule.as_str()).collect()
}
