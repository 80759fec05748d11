#![allow(dead_code)] // each test file uses a part of these helpers
//! Reading case files and running cases through generated code.

use serde_json::Value;

/// Reads a JSONL file under `tests/data/`.
pub fn jsonl(path: &str) -> Vec<Value> {
    let full = format!("{}/../data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{full}: {e}")))
        .collect()
}

/// The functions of one generated module tree that a case needs.
pub struct Bindings {
    /// `KnownRecord::from_json`, verdict only.
    pub record: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
    /// `validate_record_key`.
    pub rkey: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
    /// `validate_json`.
    pub def: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
}

/// The lenient-mode functions of one generated module tree.
pub struct LenientBindings {
    /// `KnownRecord::from_json_with(Mode::Lenient, ..)`, verdict only.
    pub record: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
    /// `validate_json_with(Mode::Lenient, ..)`.
    pub def: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
}

/// Runs one case as the lenient reference would: no record-key check (it has none).
pub fn run_lenient(b: &LenientBindings, case: &Value) -> Result<(), lexicon_runtime::Error> {
    let nsid = case["nsid"].as_str().expect("case has nsid");
    let mut value = case["value"].clone();
    if case.get("kind").and_then(Value::as_str) == Some("object") {
        if let Value::Object(map) = &mut value {
            map.insert("$type".into(), Value::String(nsid.to_owned()));
        }
    }
    let json = value.to_string();
    if !nsid.contains('#') {
        match (b.record)(nsid, &json) {
            Err(lexicon_runtime::Error::UnknownCollection(_)) => {}
            other => return other,
        }
    }
    (b.def)(nsid, &json)
}

/// Runs one case as the PDS would: for a record, the key check (when the case has `rkey`) and the
/// record check; for any other def, the def's check. `kind: object` on a record checks the body
/// with the right `$type` put in, which is what checking the body alone means.
pub fn run(b: &Bindings, case: &Value) -> Result<(), lexicon_runtime::Error> {
    let nsid = case["nsid"].as_str().expect("case has nsid");
    let mut value = case["value"].clone();
    if case.get("kind").and_then(Value::as_str) == Some("object") {
        if let Value::Object(map) = &mut value {
            map.insert("$type".into(), Value::String(nsid.to_owned()));
        }
    }
    let json = value.to_string();
    if !nsid.contains('#') {
        match (b.record)(nsid, &json) {
            Err(lexicon_runtime::Error::UnknownCollection(_)) => {}
            other => {
                if let Some(rkey) = case.get("rkey").and_then(Value::as_str) {
                    (b.rkey)(nsid, rkey)?;
                }
                return other;
            }
        }
    }
    (b.def)(nsid, &json)
}

/// Runs every case of `cases` and compares with `expected`; returns the disagreements.
pub fn disagreements(b: &Bindings, cases: &[Value], expected: &[Value]) -> Vec<String> {
    assert_eq!(cases.len(), expected.len(), "one verdict per case");
    let mut out = Vec::new();
    for (i, (case, verdict)) in cases.iter().zip(expected).enumerate() {
        // The strict verdict, or the project's (Part A) where the case says it differs, and why.
        let strict = match case.get("partA") {
            Some(part_a) => part_a["valid"].as_bool().expect("partA has valid"),
            None => verdict["valid"].as_bool().expect("verdict has valid"),
        };
        let ours = run(b, case);
        if ours.is_ok() != strict {
            let why = match &ours {
                Ok(()) => "we accept".to_owned(),
                Err(e) => format!("we refuse: {e}"),
            };
            out.push(format!(
                "case {} ({}): strict valid={strict}, {why}",
                i + 1,
                case["note"]
            ));
        }
    }
    out
}
