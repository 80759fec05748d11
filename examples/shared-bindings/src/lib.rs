//! The cocore bindings on top of `lexicon-atproto`: `Job::payment_authorization` is
//! `lexicon_atproto::com::atproto::repo::strong_ref::StrongRef`, the type `lexicon-xrpc` takes.

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));
