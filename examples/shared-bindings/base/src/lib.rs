//! The `com.atproto` bindings that other binding crates use instead of generating their own
//! (`Builder::extern_path("com.atproto.*", "::base_lexicons::com::atproto")`).

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/lexicons.rs"));
