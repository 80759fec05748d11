//! Any bytes as a lexicon document (first line) and a value (the rest), the document built by
//! the runtime's walker unchecked (as a service would build documents it was handed) next to
//! the cocore defs, then the value validated against its main def, strict and lenient, and
//! against every record collection.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lexicon_runtime::dynamic::Lexicons;
use lexicon_runtime::Mode;

const DEFS: &str = include_str!("../../lexicons/dev/cocore/compute/defs.json");
const STRONG_REF: &str = include_str!("../../lexicons/com/atproto/repo/strongRef.json");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (doc, value) = text.split_once('\n').unwrap_or((&text, "{}"));
    let Ok(lexicons) = Lexicons::from_json_documents([doc, DEFS, STRONG_REF]) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(value) else {
        return;
    };
    let id = serde_json::from_str::<serde_json::Value>(doc)
        .ok()
        .and_then(|d| d.get("id").and_then(|i| i.as_str()).map(str::to_owned))
        .unwrap_or_default();
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Err(e) = lexicons.validate(&id, &value, mode) {
            let _ = format!("{e:#}");
        }
        for collection in lexicons.collections() {
            let _ = lexicons.validate_record(collection, &value, mode);
        }
    }
});
