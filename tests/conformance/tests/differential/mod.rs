//! Run-time validation (`lexicon_schema::Validator`, lexicons loaded from their folder) against
//! generated code (bindings of the same lexicons), case by case: the verdict and the whole list
//! of violations (paths and messages, in order) must be identical, in strict and lenient mode.
//! Shared by `tests/conformance` and `tests/atproto` (`#[path]`).

use lexicon_runtime::{Error, Mode};
use lexicon_schema::Validator;
use serde_json::Value;

/// The entry points of one generated module tree.
pub struct Generated {
    /// `KnownRecord::from_json_with`, verdict only.
    pub record: fn(Mode, &str, &str) -> Result<(), Error>,
    /// `validate_record_key`.
    pub rkey: fn(&str, &str) -> Result<(), Error>,
    /// `validate_json_with`.
    pub def: fn(Mode, &str, &str) -> Result<(), Error>,
}

/// A verdict as text: `valid`, every violation as `path: message` in order, or the error.
pub fn outcome(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "valid".into(),
        Err(Error::Invalid(errors)) => {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("invalid: {}", lines.join("; "))
        }
        Err(Error::UnknownCollection(_) | Error::UnknownDefinition(_)) => "unknown def".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// A case's value; `kind: object` on a record gets the record's `$type` put in.
pub fn case_value(case: &Value) -> Value {
    let nsid = case["nsid"].as_str().expect("case has nsid");
    let mut value = case["value"].clone();
    if case.get("kind").and_then(Value::as_str) == Some("object") {
        if let Value::Object(map) = &mut value {
            map.insert("$type".into(), Value::String(nsid.to_owned()));
        }
    }
    value
}

/// The PDS's order of checks: the record (and its key, when the case has one, in strict mode;
/// the lenient reference has no key check) for a record collection, else the def.
pub fn dispatch(
    case: &Value,
    mode: Mode,
    rkey: impl Fn(&str, &str) -> Result<(), Error>,
    record: impl Fn(&str) -> Result<(), Error>,
    def: impl Fn(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    let nsid = case["nsid"].as_str().expect("case has nsid");
    if !nsid.contains('#') {
        match record(nsid) {
            Err(Error::UnknownCollection(_)) => {}
            other => {
                if let (Some(key), Mode::Strict) = (case.get("rkey").and_then(Value::as_str), mode)
                {
                    rkey(nsid, key)?;
                }
                return other;
            }
        }
    }
    def(nsid)
}

/// Runs every case through both, in both modes; returns how many verdicts were compared, how
/// many of them were refusals, and every difference.
pub fn differences(
    generated: &Generated,
    validator: &Validator,
    cases: &[Value],
) -> (usize, usize, Vec<String>) {
    let (mut compared, mut refused, mut out) = (0, 0, Vec::new());
    for mode in [Mode::Strict, Mode::Lenient] {
        let runtime = validator.clone().with_mode(mode);
        for (i, case) in cases.iter().enumerate() {
            let value = case_value(case);
            let json = value.to_string();
            let ours = dispatch(
                case,
                mode,
                generated.rkey,
                |nsid| (generated.record)(mode, nsid, &json),
                |nsid| (generated.def)(mode, nsid, &json),
            );
            let theirs = dispatch(
                case,
                mode,
                |c, k| runtime.validate_record_key(c, k),
                |nsid| runtime.validate_record_of(nsid, &value),
                |nsid| runtime.validate_def(nsid, &value),
            );
            let (a, b) = (outcome(&ours), outcome(&theirs));
            compared += 1;
            refused += usize::from(a != "valid");
            if a != b {
                out.push(format!(
                    "case {} ({}, {mode:?}): generated {a}; run-time {b}",
                    i + 1,
                    case["note"]
                ));
            }
        }
    }
    (compared, refused, out)
}

/// Asserts that every case of `sets` gets identical verdicts and violation lists from the
/// generated code and from the lexicons of folder `lexicons` (both under `tests/data`).
pub fn assert_identical(generated: &Generated, lexicons: &str, sets: &[&str]) {
    let dir = lexicon_test_support::data_path(lexicons);
    let validator = Validator::from_dirs([&dir]).unwrap_or_else(|d| panic!("{d}"));
    for set in sets {
        let cases = lexicon_test_support::jsonl(set);
        let (compared, refused, bad) = differences(generated, &validator, &cases);
        assert_eq!(compared, 2 * cases.len());
        assert!(refused > 0 && refused < compared, "{set} has both verdicts");
        assert!(
            bad.is_empty(),
            "{set}: {} of {compared} differ:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
}
