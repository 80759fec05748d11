//! Rust types for the whole upstream cocore lexicon set (`tests/data/lexicons/cocore-upstream-all`),
//! generated at build time, for the end-to-end tests in `tests/` that run against the reference
//! PDS: the requester flow (paymentAuthorization, job) and the provider flow (provider, receipt).

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/cocore.rs"));

/// Rust types for `tests/data/lexicons/xrpc-shelf` (`org.example.shelf.*`: every method kind),
/// which the XRPC server tests serve.
pub mod shelf {
    include!(concat!(env!("OUT_DIR"), "/shelf.rs"));
}
