//! Any bytes as a lexicon document, generated alongside the cocore lexicons it may refer to.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

const DEFS: &str = include_str!("../../lexicons/dev/cocore/compute/defs.json");
const STRONG_REF: &str = include_str!("../../lexicons/com/atproto/repo/strongRef.json");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sources = vec![
        (PathBuf::from("fuzz.json"), text.into_owned()),
        (PathBuf::from("defs.json"), DEFS.to_owned()),
        (PathBuf::from("strongRef.json"), STRONG_REF.to_owned()),
    ];
    let options = lexicon_codegen::Options::new().rustfmt(false);
    if let Err(diags) = lexicon_codegen::generate_sources(&sources, &options) {
        // Rendering (positions, carets, the line shown) is part of what must not panic.
        let _ = diags.to_string();
    }
});
