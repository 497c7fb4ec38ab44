//! Disclosure control (Art 17–22).

pub mod grant;
pub mod refusal;
