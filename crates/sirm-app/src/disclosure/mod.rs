//! Disclosure control (Art 17–22): who besides the person and the employer
//! receives rights records, within which scope, and how much.
//! `organ.rs`: queries by administrative and judicial organs within their
//! prescribed scope (Art 18, 21); `volume.rs`: reading patterns that raise
//! an alarm and suspend the account (Art 22, 28(5)).

pub mod organ;
pub mod seen;
pub mod volume;
