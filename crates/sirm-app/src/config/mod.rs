//! Sections of `sirm.toml` whose types are shared by the configuration
//! ([`crate::Config`]) and the use cases that read them. Leaf modules: they
//! import nothing else of this crate, so reading the configuration never
//! pulls in a use case.

pub mod certificate;
pub mod disclosure;
pub mod ivr;
pub mod query;
