//! The run-time validator (`lexicon_schema::Validator`) and the generated code agree on every
//! case set of the conformance lexicons: verdicts and violation lists, strict and lenient.

mod differential;

use differential::{assert_identical, Generated};
use lexicon_conformance::{cocore_upstream as up, interop as ix, tolerated as t};

#[test]
fn cocore_case_sets() {
    let generated = Generated {
        record: |m, c, j| up::KnownRecord::from_json_with(m, c, j).map(drop),
        rkey: up::validate_record_key,
        def: up::validate_json_with,
    };
    assert_identical(
        &generated,
        "lexicons/cocore-upstream",
        &["cases/cocore.jsonl", "reflex/cocore-job.jsonl"],
    );
}

#[test]
fn interop_case_sets() {
    let generated = Generated {
        record: |m, c, j| ix::KnownRecord::from_json_with(m, c, j).map(drop),
        rkey: ix::validate_record_key,
        def: ix::validate_json_with,
    };
    assert_identical(
        &generated,
        "lexicons/interop-catalog",
        &[
            "reflex/interop-record.jsonl",
            "reflex/interop-probes.jsonl",
            "reflex/interop-syntax.jsonl",
        ],
    );
}

#[test]
fn tolerated_case_set() {
    let generated = Generated {
        record: |m, c, j| t::KnownRecord::from_json_with(m, c, j).map(drop),
        rkey: t::validate_record_key,
        def: t::validate_json_with,
    };
    assert_identical(
        &generated,
        "lexicons/tolerated",
        &["reflex/tolerated.jsonl"],
    );
}
