//! Generated code under test: build-time bindings of the conformance lexicons, and the golden
//! files of `tests/golden/`, compiled here so that a golden file that does not build (or warns)
//! fails the workspace build.

#![forbid(unsafe_code)]
#![deny(warnings)]

/// Bindings for the upstream cocore lexicons (`tests/data/lexicons/cocore-upstream`), generated at
/// build time.
pub mod cocore_upstream {
    include!(concat!(env!("OUT_DIR"), "/cocore_upstream.rs"));
}

/// Bindings for the interop catalog lexicons (`tests/data/lexicons/interop-catalog`: the
/// catalog of the atproto interop tests without `procedure.json`, whose input refers to a lexicon
/// outside the catalog), generated at build time.
pub mod interop {
    include!(concat!(env!("OUT_DIR"), "/interop.rs"));
}

/// Bindings for lexicons the document schema refuses but the reference tooling builds
/// (`tests/data/lexicons/tolerated`: a record without `key`, a named `union` def), generated at
/// build time with warnings.
pub mod tolerated {
    include!(concat!(env!("OUT_DIR"), "/tolerated.rs"));
}

/// The golden output for `tests/golden/lexicons/cocore`.
pub mod golden_cocore {
    include!("../../golden/cocore.rs");
}

/// The golden output for `tests/golden/lexicons/features`.
pub mod golden_features {
    include!("../../golden/features.rs");
}
