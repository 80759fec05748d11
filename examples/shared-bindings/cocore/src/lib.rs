//! The cocore bindings on top of `base-lexicons`: `Job::payment_authorization` is
//! `base_lexicons::com::atproto::repo::strong_ref::StrongRef`.

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));
