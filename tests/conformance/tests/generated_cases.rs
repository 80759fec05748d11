//! Generated cases over the upstream cocore lexicons (`tests/data/cases/cocore.jsonl`, made by
//! `tests/casegen/casegen.py`), compared with the strict reference's verdicts (or the project's,
//! where a case carries `partA` with the reason).

mod common;

use lexicon_conformance::cocore_upstream as up;

#[test]
fn generated_cocore_cases_agree() {
    let bindings = common::Bindings {
        record: |c, j| up::KnownRecord::from_json(c, j).map(drop),
        rkey: up::validate_record_key,
        def: up::validate_json,
    };
    let cases = common::jsonl("cases/cocore.jsonl");
    let expected = common::jsonl("cases/expected/cocore.jsonl");
    assert!(cases.len() > 200);
    let bad = common::disagreements(&bindings, &cases, &expected);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
