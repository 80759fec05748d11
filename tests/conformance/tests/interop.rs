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

#[test]
fn permission_sets_are_data() {
    let set = ix::example::lexicon::permissionset::PERMISSION_SET;
    assert_eq!(set.nsid, "example.lexicon.permissionset");
    assert_eq!(set.title, Some("Example for Moderation"));
    assert_eq!(set.permissions[0].resource, "repo");
    let (name, value) = set.permissions[0].fields[0];
    assert_eq!(name, "collection");
    let collections: Vec<String> = serde_json::from_str(value).unwrap();
    assert_eq!(
        collections,
        ["com.example.calendar.event", "com.example.calendar.rsvp"]
    );
}

#[test]
fn subscription_messages_are_a_union() {
    use ix::example::lexicon::subscription as sub;
    assert_eq!(sub::KIND, "subscription");
    let json =
        serde_json::to_string(&serde_json::json!({"$type": "com.example.unlisted#other", "x": 1}))
            .unwrap();
    let message: sub::Message =
        serde_json::from_str(&json).expect("open union keeps unknown members");
    assert!(matches!(message, sub::Message::Unknown(_)));
    assert_eq!(serde_json::to_string(&message).unwrap(), json);
}
