//! The 31 cocore job cases (`tests/data/reflex/cocore-job.jsonl`) through bindings generated from
//! the upstream cocore lexicons they were judged against, compared with the strict reference's
//! verdicts (`tests/data/reflex/expected/cocore-job.jsonl`).

mod common;

use lexicon_conformance::cocore_upstream as up;

fn bindings() -> common::Bindings {
    common::Bindings {
        record: |c, j| up::KnownRecord::from_json(c, j).map(drop),
        rkey: up::validate_record_key,
        def: up::validate_json,
    }
}

#[test]
fn cocore_job_cases_agree_with_strict_reference() {
    let cases = common::jsonl("reflex/cocore-job.jsonl");
    let expected = common::jsonl("reflex/expected/cocore-job.jsonl");
    assert_eq!(cases.len(), 31);
    let valid = expected.iter().filter(|v| v["valid"] == true).count();
    assert!(
        valid > 0 && valid < cases.len(),
        "the set has both verdicts"
    );
    let bad = common::disagreements(&bindings(), &cases, &expected);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
