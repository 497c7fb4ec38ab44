//! Identity and access policy. Being written by the access work package.
