//! Registration record types.
