//! Lenient mode (`Mode::Lenient`) against the lenient reference (`@atproto/lexicon` 0.7.19, run
//! through `refval`) on the same case sets; verdicts in `tests/data/refval/`. Differences are
//! listed in `docs/conformance.md` (lenient mode section).

mod common;

use lexicon_conformance::{cocore_upstream as up, interop as ix};
use lexicon_runtime::Mode;

fn interop() -> common::LenientBindings {
    common::LenientBindings {
        record: |c, j| ix::KnownRecord::from_json_with(Mode::Lenient, c, j).map(drop),
        def: |d, j| ix::validate_json_with(Mode::Lenient, d, j),
    }
}

fn check(b: &common::LenientBindings, set: &str, count: usize) {
    let cases = common::jsonl(&format!("reflex/{set}.jsonl"));
    let expected = common::jsonl(&format!("refval/{set}.jsonl"));
    assert_eq!(cases.len(), count);
    assert_eq!(expected.len(), count);
    let mut bad = Vec::new();
    for (i, (case, verdict)) in cases.iter().zip(&expected).enumerate() {
        let lenient = verdict["valid"].as_bool().expect("verdict");
        let ours = common::run_lenient(b, case);
        if ours.is_ok() != lenient {
            let why = ours
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "we accept".into());
            bad.push(format!(
                "case {} ({}): lenient valid={lenient}; {why}",
                i + 1,
                case["note"]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{set}: {} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn lenient_interop_record() {
    check(&interop(), "interop-record", 53);
}

#[test]
fn lenient_interop_probes() {
    check(&interop(), "interop-probes", 28);
}

#[test]
fn lenient_interop_syntax() {
    check(&interop(), "interop-syntax", 536);
}

#[test]
fn lenient_cocore_job() {
    let b = common::LenientBindings {
        record: |c, j| up::KnownRecord::from_json_with(Mode::Lenient, c, j).map(drop),
        def: |d, j| up::validate_json_with(Mode::Lenient, d, j),
    };
    check(&b, "cocore-job", 31);
}
