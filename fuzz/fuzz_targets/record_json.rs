//! Any bytes as a job record, as every def of the cocore bindings, and as every string format.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(record) = cocore_lexicons::KnownRecord::from_json("dev.cocore.compute.job", text) {
        let again = cocore_lexicons::KnownRecord::from_json("dev.cocore.compute.job", &record.to_json())
            .expect("a record that parsed re-parses");
        assert_eq!(again, record);
    }
    for def in ["dev.cocore.compute.defs#money", "dev.cocore.compute.defs#trustLevel", "com.atproto.repo.strongRef"] {
        let _ = cocore_lexicons::validate_json(def, text);
    }
    for format in lexicon_runtime::FormatKind::ALL {
        let _ = format.is_valid(text);
    }
});
