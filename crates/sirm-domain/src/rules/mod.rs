//! The rules engine. Being written by the rules work package.
