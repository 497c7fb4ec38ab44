//! Who is calling: the request extensions the guard (`routes.rs`) inserts
//! and every handler reads. A leaf module, so pages and the guard both use
//! it without importing each other.

use sirm_app::Principal;

/// The signed-in caller of a request (inserted by the guard).
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub csrf: String,
    pub token: String,
}

/// The client's address (for the audit trail).
#[derive(Clone, Debug)]
pub struct Source(pub String);
