//! Any bytes as a lexicon document, generated alongside the cocore lexicons it may refer to.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

const DEFS: &str = include_str!("../../lexicons/dev/cocore/compute/defs.json");
const STRONG_REF: &str = include_str!("../../lexicons/com/atproto/repo/strongRef.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = vec![
        (PathBuf::from("fuzz.json"), text.to_owned()),
        (PathBuf::from("defs.json"), DEFS.to_owned()),
        (PathBuf::from("strongRef.json"), STRONG_REF.to_owned()),
    ];
    let mut options = lexicon_codegen::Options::new(Vec::<PathBuf>::new());
    options.rustfmt = false;
    let _ = lexicon_codegen::generate_sources(&sources, &options);
});
