//! Every line of the atproto interop syntax lists, checked against the strict reference's verdict.
//!
//! Cases: `tests/data/reflex/interop-syntax.jsonl` (one per line of `tests/data/interop/syntax/`);
//! verdicts: `tests/data/reflex/expected/interop-syntax.jsonl` (from `@atproto/lex` strict mode).

use lexicon_runtime::FormatKind;
use lexicon_test_support::jsonl;
use serde_json::Value;

#[test]
fn interop_syntax_lines_agree_with_strict_reference() {
    let cases = jsonl("reflex/interop-syntax.jsonl");
    let verdicts = jsonl("reflex/expected/interop-syntax.jsonl");
    assert_eq!(cases.len(), 536);
    assert_eq!(cases.len(), verdicts.len());
    let mut disagreements = Vec::new();
    let mut per_format = std::collections::BTreeMap::<&str, usize>::new();
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let group = case["group"].as_str().expect("group");
        let format = FormatKind::from_name(group).unwrap_or_else(|| panic!("format {group}"));
        let value = case["value"].as_object().expect("value object");
        assert_eq!(value.len(), 1, "one property per case");
        let s = value
            .values()
            .next()
            .and_then(Value::as_str)
            .expect("string value");
        let expected = verdict["valid"].as_bool().expect("verdict");
        *per_format.entry(group).or_default() += 1;
        if format.is_valid(s) != expected {
            disagreements.push(format!(
                "{group} {s:?}: strict says {expected}, ({})",
                case["note"]
            ));
        }
    }
    assert_eq!(per_format.len(), 11, "every format is covered");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn interop_syntax_lines_agree_with_lenient_reference() {
    let cases = jsonl("reflex/interop-syntax.jsonl");
    let verdicts = jsonl("refval/interop-syntax.jsonl");
    assert_eq!(cases.len(), verdicts.len());
    let mut disagreements = Vec::new();
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let group = case["group"].as_str().expect("group");
        let format = FormatKind::from_name(group).expect("format");
        let s = case["value"]
            .as_object()
            .and_then(|v| v.values().next())
            .and_then(Value::as_str)
            .expect("string");
        let expected = verdict["valid"].as_bool().expect("verdict");
        if format.is_valid_lenient(s) != expected {
            disagreements.push(format!("{group} {s:?}: lenient says {expected}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
