//! Validated identifiers. Being written by the identifiers work package.
