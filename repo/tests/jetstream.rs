//! Jetstream events (`tests/data/jetstream/events.jsonl`, CIDs computed by the reference's
//! `cidForRecord`; the like, identity and account lines from Jetstream's README) into typed
//! records, each record's CID checked against its encoding.

use cocore_lexicons::KnownRecord;
use lexicon_repo::firehose::Action;
use lexicon_repo::jetstream::{parse_jetstream, JetstreamEvent};
use lexicon_repo::{Decoded, RepoError};
use lexicon_runtime::Mode;

fn events() -> Vec<JetstreamEvent<KnownRecord>> {
    let path = lexicon_test_support::data_path("jetstream/events.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| {
            parse_jetstream::<KnownRecord>(line, Mode::Strict)
                .unwrap_or_else(|e| panic!("{line}: {e}"))
        })
        .collect()
}

#[test]
fn jetstream_events_become_typed_records_with_checked_cids() {
    let events = events();
    assert_eq!(events.len(), 8);
    let commit = |i: usize| match &events[i] {
        JetstreamEvent::Commit { op, .. } => op,
        other => panic!("{other:?}"),
    };
    // A job created, then updated: typed, CIDs those of their encodings.
    for (i, action, tokens) in [(0, Action::Create, 512), (1, Action::Update, 1024)] {
        let c = commit(i);
        assert_eq!(c.action, action);
        assert!(c.problem.is_none(), "{:?}", c.problem);
        match &c.record {
            Some(Decoded::Known(KnownRecord::DevCocoreComputeJob(job))) => {
                assert_eq!(job.max_tokens_out, tokens)
            }
            other => panic!("{other:?}"),
        }
    }
    // An invalid job: its violations.
    match &commit(2).record {
        Some(Decoded::Invalid { error, .. }) => {
            assert!(error.to_string().contains("$.maxTokensOut"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert!(commit(2).problem.is_none());
    // A CID that is another record's.
    assert!(
        matches!(commit(3).problem, Some(RepoError::HashMismatch { .. })),
        "{:?}",
        commit(3).problem
    );
    // A delete.
    assert_eq!(commit(4).action, Action::Delete);
    assert!(commit(4).record.is_none() && commit(4).cid.is_none());
    // The README's like: a collection cocore does not know, kept as bytes, and its CID (the
    // real network's) is the one of its DAG-CBOR encoding.
    assert!(matches!(commit(5).record, Some(Decoded::Unknown(_))));
    assert!(commit(5).problem.is_none(), "{:?}", commit(5).problem);
    assert!(
        matches!(&events[6], JetstreamEvent::Identity { handle: Some(h), .. } if h == "yohenrique.bsky.social")
    );
    assert!(matches!(
        &events[7],
        JetstreamEvent::Account {
            active: true,
            status: None,
            ..
        }
    ));
}

#[test]
fn lines_that_are_not_events_are_errors() {
    for bad in [
        "",
        "{}",
        "[1]",
        r#"{"did":"did:plc:x","time_us":1,"kind":"nope"}"#,
        r#"{"did":"did:plc:x","time_us":1,"kind":"commit"}"#,
    ] {
        assert!(
            parse_jetstream::<KnownRecord>(bad, Mode::Strict).is_err(),
            "{bad}"
        );
    }
}
