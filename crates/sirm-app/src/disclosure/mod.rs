//! Disclosure control (信息披露控制, Art 17–22): what leaves the agency
//! and in what form. `statistics`: aggregate reports with small cells
//! suppressed and de-identified extracts for the statistics user (Art 17).

pub mod statistics;
