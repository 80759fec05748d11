//! The interop case sets (`tests/data/reflex/interop-*.jsonl`) through bindings generated from
//! the interop catalog, compared with the strict reference's verdicts. Known, documented
//! differences are listed in `DIFFERENCES` with their reason (see `docs/conformance.md`).

mod common;

use lexicon_conformance::interop as ix;

fn bindings() -> common::Bindings {
    common::Bindings {
        record: |c, j| ix::KnownRecord::from_json(c, j).map(drop),
        rkey: ix::validate_record_key,
        def: ix::validate_json,
    }
}

/// Case numbers (1-based) per set where our verdict deliberately differs from the strict one.
const DIFFERENCES: &[(&str, usize, &str)] = &[];

fn check(set: &str, count: usize) {
    let cases = common::jsonl(&format!("reflex/{set}.jsonl"));
    let expected = common::jsonl(&format!("reflex/expected/{set}.jsonl"));
    assert_eq!(cases.len(), count);
    let valid = expected.iter().filter(|v| v["valid"] == true).count();
    assert!(valid > 0 && valid < count, "{set} has both verdicts");
    let bad: Vec<String> = common::disagreements(&bindings(), &cases, &expected)
        .into_iter()
        .filter(|d| {
            !DIFFERENCES
                .iter()
                .any(|(s, n, _)| *s == set && d.starts_with(&format!("case {n} ")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{set}: {} undocumented disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn interop_record_cases() {
    check("interop-record", 53);
}

#[test]
fn interop_probe_cases() {
    check("interop-probes", 28);
}

#[test]
fn interop_syntax_cases_through_generated_code() {
    check("interop-syntax", 536);
}
