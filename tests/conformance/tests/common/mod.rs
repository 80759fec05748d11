#![allow(dead_code)] // each test file uses a part of these helpers
//! Reading case files and running cases through generated code.

use lexicon_runtime::Mode;
use serde_json::Value;

#[path = "../differential/mod.rs"]
pub mod differential;
use differential::{case_value, dispatch};
pub use lexicon_test_support::jsonl;

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
    let json = case_value(case).to_string();
    let no_key_check = |_: &str, _: &str| Ok(());
    dispatch(
        case,
        Mode::Lenient,
        no_key_check,
        |nsid| (b.record)(nsid, &json),
        |nsid| (b.def)(nsid, &json),
    )
}

/// Runs one case as the PDS would: for a record, the key check (when the case has `rkey`) and the
/// record check; for any other def, the def's check. `kind: object` on a record checks the body
/// with the right `$type` put in, which is what checking the body alone means.
pub fn run(b: &Bindings, case: &Value) -> Result<(), lexicon_runtime::Error> {
    let json = case_value(case).to_string();
    dispatch(
        case,
        Mode::Strict,
        b.rkey,
        |nsid| (b.record)(nsid, &json),
        |nsid| (b.def)(nsid, &json),
    )
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
        if let (Err(e), false, None) = (&ours, strict, case.get("partA")) {
            if let Some(why) = lexicon_test_support::path_disagreement(case, verdict, &e.paths()) {
                out.push(format!("case {} {why}", i + 1));
            }
        }
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

/// The DAG-CBOR entry points of one generated module tree.
pub struct CborBindings {
    /// `KnownRecord::from_cbor`, verdict only.
    pub record: fn(&str, &[u8]) -> Result<(), lexicon_runtime::Error>,
    /// `validate_record_key`.
    pub rkey: fn(&str, &str) -> Result<(), lexicon_runtime::Error>,
    /// `validate_input(Mode::Strict, def, Cbor(bytes))`.
    pub def: fn(&str, &[u8]) -> Result<(), lexicon_runtime::Error>,
}

/// What a verdict says, compared across JSON and DAG-CBOR: accepted; input that does not parse;
/// or every violation (shape errors included), sorted, since the two inputs order keys
/// differently (canonical CBOR orders keys by length).
fn outcome(result: &Result<(), lexicon_runtime::Error>) -> String {
    match result {
        Ok(()) => "valid".into(),
        Err(lexicon_runtime::Error::Invalid(errors)) => {
            let mut paths: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            paths.sort();
            format!("invalid: {}", paths.join("; "))
        }
        Err(lexicon_runtime::Error::Parse { .. }) => "does not parse".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// How a case fares through DAG-CBOR next to JSON.
pub enum CborOutcome {
    /// Both inputs give the same verdict and the same violations.
    Same,
    /// The value has no DAG-CBOR form (a float, a malformed `$link`...), and JSON refuses it too.
    NotEncodable,
    /// The value is not an object (a string def, say): DAG-CBOR documents are maps.
    NotAnObject,
    /// A difference, described.
    Differs(String),
}

/// Runs `case` as JSON and as the DAG-CBOR encoding of the same value, and compares.
pub fn compare_cbor(json: &Bindings, cbor: &CborBindings, case: &Value) -> CborOutcome {
    let value = case_value(case);
    if !value.is_object() {
        return CborOutcome::NotAnObject;
    }
    let from_json = run(json, case);
    let bytes = match lexicon_runtime::cbor::encode(&value) {
        Ok(bytes) => bytes,
        Err(_) if from_json.is_err() => return CborOutcome::NotEncodable,
        Err(e) => {
            return CborOutcome::Differs(format!("JSON accepts, but it has no DAG-CBOR form: {e}"))
        }
    };
    let from_cbor = dispatch(
        case,
        Mode::Strict,
        cbor.rkey,
        |nsid| (cbor.record)(nsid, &bytes),
        |nsid| (cbor.def)(nsid, &bytes),
    );
    let (a, b) = (outcome(&from_json), outcome(&from_cbor));
    if a == b {
        CborOutcome::Same
    } else {
        CborOutcome::Differs(format!("JSON: {a}; CBOR: {b}"))
    }
}

/// Compares every case of `cases` through JSON and DAG-CBOR; returns (same, not encodable,
/// differences).
pub fn cbor_differences(
    json: &Bindings,
    cbor: &CborBindings,
    cases: &[Value],
) -> (usize, usize, Vec<String>) {
    let (mut same, mut not_encodable, mut differ) = (0, 0, Vec::new());
    for (i, case) in cases.iter().enumerate() {
        match compare_cbor(json, cbor, case) {
            CborOutcome::Same => same += 1,
            CborOutcome::NotEncodable => not_encodable += 1,
            CborOutcome::NotAnObject => {}
            CborOutcome::Differs(d) => {
                differ.push(format!("case {} ({}): {d}", i + 1, case["note"]))
            }
        }
    }
    (same, not_encodable, differ)
}
