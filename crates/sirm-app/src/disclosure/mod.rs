//! Disclosure control (信息披露控制, Art 17–22): who besides the person and
//! the employer receives rights records, within which scope, in what form
//! and how much.
//! - `statistics`: aggregate reports with small cells suppressed and
//!   de-identified extracts for the statistics user (Art 17);
//! - `organ.rs`: queries by administrative and judicial organs within their
//!   prescribed scope (Art 18, 21);
//! - `grant.rs`, `refusal.rs`: other units' written applications, their
//!   grants and refusal letters (Art 19–20);
//! - `volume.rs`: reading patterns that raise an alarm and suspend the
//!   account (Art 22, 28(5));
//! - `seen.rs`: what the person reads on "who looked at my record" (Art 21).

pub mod grant;
pub mod organ;
pub mod refusal;
pub mod seen;
pub mod statistics;
pub mod volume;
