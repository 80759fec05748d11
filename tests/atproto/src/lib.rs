//! Rust types for the public atproto lexicon corpus (`tests/data/corpus/atproto`), generated at
//! build time by `lexicon-codegen`. Each namespace (`app.bsky`, `com.atproto`, `chat.bsky`,
//! `tools.ozone`, ...) is behind a cargo feature of the same name (`app-bsky`, ...); a feature
//! turns on the namespaces its types refer to.

#![forbid(unsafe_code)]
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/atproto.rs"));
