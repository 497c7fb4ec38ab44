//! Sections of `sirm.toml` whose types are shared by the configuration
//! ([`crate::Config`]) and the use cases that read them. Leaf modules: they
//! import nothing else of this crate, so reading the configuration never
//! pulls in a use case.

pub mod calendar;
pub mod certificate;
pub mod crosscheck;
pub mod database;
pub mod disclosure;
pub mod federation;
pub mod ivr;
pub mod objections;
pub mod query;

/// The rows of the markdown table between `<!-- NAME:begin -->` and
/// `<!-- NAME:end -->` in `doc` (header and rule skipped), each as its
/// trimmed cells: how the tests keep a documented default table equal to
/// the code.
#[cfg(test)]
pub(crate) fn doc_table(doc: &str, name: &str) -> Vec<Vec<String>> {
    doc.split(&format!("<!-- {name}:begin -->"))
        .nth(1)
        .and_then(|s| s.split(&format!("<!-- {name}:end -->")).next())
        .unwrap_or_default()
        .lines()
        .skip(3)
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}
