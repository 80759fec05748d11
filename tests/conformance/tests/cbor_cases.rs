//! The conformance case sets through DAG-CBOR: each case's value is encoded, decoded by
//! `KnownRecord::from_cbor` (or `validate_input` with `Cbor` for other defs), and must get the
//! verdict and the violations that JSON gets. Values with no DAG-CBOR form (floats, malformed
//! links) must be refused by JSON too.

mod common;

use common::{Bindings, CborBindings};
use lexicon_conformance::{cocore_upstream as up, interop as ix};
use lexicon_runtime::cbor::{Cbor, DagCborRecords};
use lexicon_runtime::Mode;

fn upstream() -> (Bindings, CborBindings) {
    (
        Bindings {
            record: |c, j| up::KnownRecord::from_json(c, j).map(drop),
            rkey: up::validate_record_key,
            def: up::validate_json,
        },
        CborBindings {
            record: |c, b| up::KnownRecord::from_cbor(c, b).map(drop),
            rkey: up::validate_record_key,
            def: |d, b| up::validate_input(Mode::Strict, d, Cbor(b)),
        },
    )
}

fn interop() -> (Bindings, CborBindings) {
    (
        Bindings {
            record: |c, j| ix::KnownRecord::from_json(c, j).map(drop),
            rkey: ix::validate_record_key,
            def: ix::validate_json,
        },
        CborBindings {
            record: |c, b| ix::KnownRecord::from_cbor(c, b).map(drop),
            rkey: ix::validate_record_key,
            def: |d, b| ix::validate_input(Mode::Strict, d, Cbor(b)),
        },
    )
}

fn check(bindings: (Bindings, CborBindings), set: &str, min_encoded: usize) {
    let cases = common::jsonl(set);
    let (same, not_encodable, differ) = common::cbor_differences(&bindings.0, &bindings.1, &cases);
    println!("{set}: {same} same verdict, {not_encodable} without a DAG-CBOR form");
    assert!(
        differ.is_empty(),
        "{set}: {} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(
        same >= min_encoded,
        "{set}: only {same} cases went through CBOR"
    );
}

#[test]
fn cocore_job_cases_agree_through_cbor() {
    check(upstream(), "reflex/cocore-job.jsonl", 25);
}

#[test]
fn generated_cocore_cases_agree_through_cbor() {
    check(upstream(), "cases/cocore.jsonl", 200);
}

#[test]
fn interop_record_cases_agree_through_cbor() {
    check(interop(), "reflex/interop-record.jsonl", 40);
}

#[test]
fn interop_probe_cases_agree_through_cbor() {
    check(interop(), "reflex/interop-probes.jsonl", 20);
}
