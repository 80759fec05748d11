//! Both stores, each scenario on each: SQLite on real database files, and a real Postgres
//! server (`lexicon_test_support::postgres`, started per test), with the upstream cocore
//! lexicons (`tests/data/lexicons/cocore-upstream-all`): commits in, records out by DID, by an
//! indexed property and by reference; stale commits dropped; invalid records kept with their
//! violations and not served; inactive accounts hidden; the cursor written with its changes,
//! all or nothing.

use std::path::Path;

use lexicon_index::{
    Batch, Chain, Change, Cursor, Database, Filter, IndexError, IndexSchema, Query, RepoState,
    Store, Write,
};
use lexicon_test_support::deadline::Deadline;
use lexicon_test_support::postgres::Postgres;
use serde_json::{json, Value};

/// A database of one kind, made for one test.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

impl Backend {
    fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> Backend {
        Backend::Postgres(Postgres::start())
    }

    fn database(&self) -> Database {
        match self {
            Backend::Sqlite(dir) => Database::Sqlite(dir.path().join("index.db")),
            Backend::Postgres(server) => Database::Postgres(server.url("postgres")),
        }
    }

    fn open(&self) -> Box<dyn Store> {
        self.database().open(schema()).unwrap()
    }

    /// The integer `sql` selects, on its own connection.
    fn scalar(&self, sql: &str) -> i64 {
        match self {
            Backend::Sqlite(dir) => rusqlite::Connection::open(dir.path().join("index.db"))
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Backend::Postgres(server) => {
                postgres::Client::connect(&server.url("postgres"), postgres::NoTls)
                    .unwrap()
                    .query_one(sql, &[])
                    .unwrap()
                    .get(0)
            }
        }
    }

    /// Runs `sql` on its own connection, behind the store's back.
    fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite(dir) => rusqlite::Connection::open(dir.path().join("index.db"))
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Backend::Postgres(server) => {
                postgres::Client::connect(&server.url("postgres"), postgres::NoTls)
                    .unwrap()
                    .batch_execute(sql)
                    .unwrap()
            }
        }
    }
}

/// A test of each backend: `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                let _deadline = super::Deadline::start();
                super::$name(&super::Backend::sqlite());
            }

            #[test]
            fn postgres() {
                let _deadline = super::Deadline::start();
                super::$name(&super::Backend::postgres());
            }
        }
    };
}

on_both!(commits_write_update_and_delete_records_served_by_did_property_and_reference);
on_both!(a_commit_not_newer_than_the_repository_is_dropped);
on_both!(an_invalid_record_is_stored_with_its_violations_and_not_served_as_valid);
on_both!(an_inactive_account_is_not_served_until_it_is_active_again);
on_both!(pages_follow_one_another_to_the_end);
on_both!(the_cursor_is_written_with_its_changes_all_or_nothing);
on_both!(lexicon_changes_migrate_when_compatible_and_are_refused_when_breaking);
on_both!(a_record_holding_u0000_is_stored_and_served_whole);
on_both!(stores_opened_at_once_share_one_set_of_tables);
on_both!(commits_that_follow_an_export_apply_and_a_gap_defers_until_the_next_export);
on_both!(an_identity_event_records_the_handle_of_a_repository_it_holds);
on_both!(records_are_found_by_uri_and_time_and_tallied_per_repository);

const JOB: &str = "dev.cocore.compute.job";
const RECEIPT: &str = "dev.cocore.compute.receipt";
const ALICE: &str = "did:plc:alice234567abcdefghijklm";
const BOB: &str = "did:plc:bob234567abcdefghijklmno";
const PAYMENT: &str =
    "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a";

fn documents() -> Vec<Value> {
    let docs = lexicon_test_support::lexicon_documents(Path::new(
        &lexicon_test_support::data_path("lexicons/cocore-upstream-all"),
    ));
    assert!(docs.len() >= 40, "{}", docs.len());
    docs
}

fn schema() -> IndexSchema {
    IndexSchema::new(&documents(), &[(JOB, "model"), (JOB, "maxTokensOut")]).unwrap()
}

fn job(model: &str, max_tokens: i64) -> Value {
    json!({
        "$type": JOB,
        "model": model,
        "inputCommitment": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "maxTokensOut": max_tokens,
        "priceCeiling": { "amount": 25, "currency": "USD" },
        "acceptedTrustLevel": "self-attested",
        "paymentAuthorization": {
            "uri": PAYMENT,
            "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
        },
        "nonce": "00112233445566778899aabbccddeeff",
        "expiresAt": "2031-01-01T00:00:00.000Z",
        "createdAt": "2026-11-28T05:00:00.000Z",
    })
}

const CID: &str = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";

fn put(collection: &str, rkey: &str, record: Value) -> Write {
    Write::Put {
        collection: collection.into(),
        rkey: rkey.into(),
        cid: CID.into(),
        record,
    }
}

fn commit(did: &str, rev: &str, writes: Vec<Write>) -> Change {
    Change::Commit {
        did: did.into(),
        rev: rev.into(),
        writes,
        chain: None,
    }
}

/// A commit that says which record tree it follows (`prev`) and which it makes (`data`).
fn chained(did: &str, rev: &str, prev: &str, data: &str, writes: Vec<Write>) -> Change {
    Change::Commit {
        did: did.into(),
        rev: rev.into(),
        writes,
        chain: Some(Chain {
            since: None,
            prev_data: Some(prev.into()),
            data: data.into(),
        }),
    }
}

fn export(did: &str, rev: &str, data: &str, records: Vec<Write>) -> Change {
    Change::Repo {
        did: did.into(),
        rev: rev.into(),
        data: data.into(),
        records,
    }
}

fn batch(changes: Vec<Change>) -> Batch {
    Batch {
        changes,
        cursor: None,
    }
}

fn uris(store: &mut dyn Store, query: &Query) -> Vec<String> {
    store
        .records(query)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.uri)
        .collect()
}

fn job_uri(did: &str, rkey: &str) -> String {
    format!("at://{did}/{JOB}/{rkey}")
}

fn commits_write_update_and_delete_records_served_by_did_property_and_reference(backend: &Backend) {
    let mut store = backend.open();
    let applied = store
        .apply(&batch(vec![
            commit(
                ALICE,
                "3lbq5mkxk2s2a",
                vec![
                    put(JOB, "3lbq5mkxk2s2a", job("llama", 512)),
                    put(JOB, "3lbq5mkxk2s2b", job("qwen", 256)),
                    put("app.bsky.feed.post", "3lbq5mkxk2s2c", json!({"text": "hi"})),
                ],
            ),
            commit(
                BOB,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2d", job("llama", 64))],
            ),
        ]))
        .unwrap();
    assert_eq!(
        (applied.commits, applied.written, applied.skipped),
        (2, 3, 1)
    );

    let by_alice = Query::new(JOB, Filter::Did(ALICE.into()));
    assert_eq!(
        uris(store.as_mut(), &by_alice),
        [
            job_uri(ALICE, "3lbq5mkxk2s2a"),
            job_uri(ALICE, "3lbq5mkxk2s2b")
        ]
    );
    let llama = Query::new(JOB, Filter::Property("model".into(), json!("llama")));
    assert_eq!(
        uris(store.as_mut(), &llama),
        [
            job_uri(ALICE, "3lbq5mkxk2s2a"),
            job_uri(BOB, "3lbq5mkxk2s2d")
        ]
    );
    let small = Query::new(JOB, Filter::Property("maxTokensOut".into(), json!(64)));
    assert_eq!(
        uris(store.as_mut(), &small),
        [job_uri(BOB, "3lbq5mkxk2s2d")]
    );
    let paid = Query::new(JOB, Filter::References(PAYMENT.into()));
    assert_eq!(uris(store.as_mut(), &paid).len(), 3);
    let paid_under = |did: &str| {
        Query::new(
            JOB,
            Filter::ReferencesUnder {
                path: None,
                prefix: format!("at://{did}/"),
            },
        )
    };
    assert_eq!(
        uris(
            store.as_mut(),
            &paid_under("did:plc:ewvi7nxzyoun6zhxrhs64oiz")
        )
        .len(),
        3
    );
    assert!(uris(store.as_mut(), &paid_under(ALICE)).is_empty());
    let at = |path: &str| {
        Query::new(
            JOB,
            Filter::ReferencesUnder {
                path: Some(path.into()),
                prefix: "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/".into(),
            },
        )
    };
    assert_eq!(uris(store.as_mut(), &at("$.paymentAuthorization")).len(), 3);
    assert!(uris(store.as_mut(), &at("$.attestation")).is_empty());
    let alices_llama = Query::new(
        JOB,
        Filter::And(vec![
            Filter::Did(ALICE.into()),
            Filter::Property("model".into(), json!("llama")),
        ]),
    );
    assert_eq!(
        uris(store.as_mut(), &alices_llama),
        [job_uri(ALICE, "3lbq5mkxk2s2a")]
    );

    // An update moves the record between property values; a delete removes it and its edges.
    store
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2b",
            vec![
                put(JOB, "3lbq5mkxk2s2a", job("mistral", 512)),
                Write::Delete {
                    collection: JOB.into(),
                    rkey: "3lbq5mkxk2s2b".into(),
                },
            ],
        )]))
        .unwrap();
    assert_eq!(
        uris(store.as_mut(), &llama),
        [job_uri(BOB, "3lbq5mkxk2s2d")]
    );
    assert_eq!(
        uris(store.as_mut(), &by_alice),
        [job_uri(ALICE, "3lbq5mkxk2s2a")]
    );
    assert_eq!(uris(store.as_mut(), &paid).len(), 2);
    let row = &store.records(&by_alice).unwrap().rows[0];
    assert_eq!(row.record["model"], "mistral");
    assert_eq!(row.rev, "3lbq5mkxk2s2b");
    assert!(row.is_valid());
}

fn a_commit_not_newer_than_the_repository_is_dropped(backend: &Backend) {
    let mut store = backend.open();
    store
        .apply(&batch(vec![
            export(ALICE, "3lbq5mkxk2s2k", "tree-k", vec![]),
            chained(
                ALICE,
                "3lbq5mkxk2s2m",
                "tree-k",
                "tree-m",
                vec![put(JOB, "3lbq5mkxk2s2a", job("new", 1))],
            ),
        ]))
        .unwrap();
    // With a chain, the stored revision is stale too.
    let applied = store
        .apply(&batch(vec![
            chained(
                ALICE,
                "3lbq5mkxk2s2m",
                "tree-m",
                "tree-x",
                vec![put(JOB, "3lbq5mkxk2s2a", job("same rev", 1))],
            ),
            commit(
                ALICE,
                "3lbq5mkxk2s2c",
                vec![put(JOB, "3lbq5mkxk2s2a", job("older", 1))],
            ),
        ]))
        .unwrap();
    assert_eq!((applied.commits, applied.stale_commits), (0, 2));
    let rows = store.records(&Query::new(JOB, Filter::All)).unwrap().rows;
    assert_eq!(rows[0].record["model"], "new");
    assert_eq!(
        store.repo(ALICE).unwrap(),
        Some(RepoState {
            rev: "3lbq5mkxk2s2m".into(),
            active: true,
            status: None,
            handle: None,
            synced: true,
        })
    );
    // Without a chain (Jetstream sends each op of a commit apart, at its revision), another op
    // at the stored revision applies; an older one does not.
    let applied = store
        .apply(&batch(vec![
            commit(
                ALICE,
                "3lbq5mkxk2s2m",
                vec![put(JOB, "3lbq5mkxk2s2b", job("second op", 1))],
            ),
            commit(
                ALICE,
                "3lbq5mkxk2s2c",
                vec![put(JOB, "3lbq5mkxk2s2a", job("older", 1))],
            ),
        ]))
        .unwrap();
    assert_eq!((applied.commits, applied.stale_commits), (1, 1));
    assert_eq!(
        uris(store.as_mut(), &Query::new(JOB, Filter::All)),
        [
            job_uri(ALICE, "3lbq5mkxk2s2a"),
            job_uri(ALICE, "3lbq5mkxk2s2b")
        ]
    );
}

fn an_invalid_record_is_stored_with_its_violations_and_not_served_as_valid(backend: &Backend) {
    let mut store = backend.open();
    let mut bad = job("llama", 0);
    bad["nonce"] = json!("short");
    let applied = store
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2a",
            vec![
                put(JOB, "3lbq5mkxk2s2a", bad),
                put(JOB, "not a tid", job("llama", 5)),
                put(JOB, "3lbq5mkxk2s2c", job("llama", 5)),
            ],
        )]))
        .unwrap();
    assert_eq!((applied.written, applied.invalid), (3, 2));
    let all = Query::new(JOB, Filter::All);
    assert_eq!(
        uris(store.as_mut(), &all),
        [job_uri(ALICE, "3lbq5mkxk2s2c")]
    );
    let with_invalid = Query {
        include_invalid: true,
        ..all
    };
    let rows = store.records(&with_invalid).unwrap().rows;
    assert_eq!(rows.len(), 3);
    let bad = rows.iter().find(|r| r.rkey == "3lbq5mkxk2s2a").unwrap();
    assert!(!bad.is_valid());
    assert!(
        bad.violations
            .iter()
            .any(|v| v.starts_with("$.maxTokensOut")),
        "{:?}",
        bad.violations
    );
    assert!(
        bad.violations.iter().any(|v| v.starts_with("$.nonce")),
        "{:?}",
        bad.violations
    );
    let bad_key = rows.iter().find(|r| r.rkey == "not a tid").unwrap();
    assert!(
        bad_key.violations[0].starts_with("record key"),
        "{:?}",
        bad_key.violations
    );
}

fn an_inactive_account_is_not_served_until_it_is_active_again(backend: &Backend) {
    let mut store = backend.open();
    store
        .apply(&batch(vec![
            commit(
                ALICE,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2a", job("llama", 1))],
            ),
            commit(
                BOB,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2a", job("llama", 1))],
            ),
        ]))
        .unwrap();
    let account = |active: bool| Change::Account {
        did: ALICE.into(),
        active,
        status: (!active).then(|| "deactivated".to_owned()),
    };
    let all = Query::new(JOB, Filter::All);
    store.apply(&batch(vec![account(false)])).unwrap();
    assert_eq!(uris(store.as_mut(), &all), [job_uri(BOB, "3lbq5mkxk2s2a")]);
    store.apply(&batch(vec![account(true)])).unwrap();
    assert_eq!(uris(store.as_mut(), &all).len(), 2);
}

fn pages_follow_one_another_to_the_end(backend: &Backend) {
    let mut store = backend.open();
    let keys = [
        "3lbq5mkxk2s2a",
        "3lbq5mkxk2s2b",
        "3lbq5mkxk2s2c",
        "3lbq5mkxk2s2d",
        "3lbq5mkxk2s2e",
    ];
    let writes = keys.iter().map(|k| put(JOB, k, job("llama", 1))).collect();
    store
        .apply(&batch(vec![commit(ALICE, "3lbq5mkxk2s2a", writes)]))
        .unwrap();
    let mut query = Query {
        limit: 2,
        ..Query::new(JOB, Filter::All)
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.records(&query).unwrap();
        pages += 1;
        seen.extend(page.rows.into_iter().map(|r| r.rkey));
        match page.cursor {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, keys);

    // Newest first, the same pages backwards.
    let mut query = Query::new(JOB, Filter::Did(ALICE.into()))
        .newest_first()
        .limit(2);
    let mut seen = Vec::new();
    loop {
        let page = store.records(&query).unwrap();
        seen.extend(page.rows.into_iter().map(|r| r.rkey));
        match page.cursor {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    let mut backwards = keys.to_vec();
    backwards.reverse();
    assert_eq!(seen, backwards);
}

fn the_cursor_is_written_with_its_changes_all_or_nothing(backend: &Backend) {
    let mut store = backend.open();
    let cursor = |seq| {
        Some(Cursor {
            stream: "wss://relay.test".into(),
            seq,
        })
    };
    store
        .apply(&Batch {
            changes: vec![commit(
                ALICE,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2a", job("llama", 1))],
            )],
            cursor: cursor(7),
        })
        .unwrap();
    assert_eq!(store.cursor("wss://relay.test").unwrap(), Some(7));

    // A batch whose second commit fails (its second receipt breaks a constraint added behind
    // the store's back) leaves nothing: not the first commit's record, not the cursor.
    backend.execute("CREATE UNIQUE INDEX one_receipt ON records_dev_cocore_compute_receipt (did)");
    let failed = store.apply(&Batch {
        changes: vec![
            commit(
                BOB,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2a", job("llama", 1))],
            ),
            commit(
                BOB,
                "3lbq5mkxk2s2b",
                vec![
                    put(RECEIPT, "3lbq5mkxk2s2a", json!({})),
                    put(RECEIPT, "3lbq5mkxk2s2b", json!({})),
                ],
            ),
        ],
        cursor: cursor(9),
    });
    assert!(
        matches!(failed, Err(IndexError::Sqlite(_) | IndexError::Postgres(_))),
        "{failed:?}"
    );
    assert_eq!(store.cursor("wss://relay.test").unwrap(), Some(7));
    assert_eq!(store.repo(BOB).unwrap(), None);
    drop(store);

    // Reopened, the database holds what was committed.
    let mut store = backend.open();
    assert_eq!(store.cursor("wss://relay.test").unwrap(), Some(7));
    assert_eq!(
        uris(store.as_mut(), &Query::new(JOB, Filter::All)),
        [job_uri(ALICE, "3lbq5mkxk2s2a")]
    );
}

fn lexicon_changes_migrate_when_compatible_and_are_refused_when_breaking(backend: &Backend) {
    // Made for the upstream lexicons, the model indexed; a job with a property its lexicon
    // does not know (allowed).
    let mut store = backend
        .database()
        .open(IndexSchema::new(&documents(), &[(JOB, "model")]).unwrap())
        .unwrap();
    let mut noted = job("llama", 64);
    noted["note"] = json!(5);
    store
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2a",
            vec![
                put(JOB, "3lbq5mkxk2s2a", job("llama", 64)),
                put(JOB, "3lbq5mkxk2s2b", noted),
            ],
        )]))
        .unwrap();
    assert_eq!(uris(store.as_mut(), &Query::new(JOB, Filter::All)).len(), 2);
    drop(store);

    // Compatible: the job gains an optional `note` (a string), a new record collection, a
    // query lexicon changed in a way that touches no record, and maxTokensOut indexed too.
    let mut docs = documents();
    let job_doc = docs.iter_mut().find(|d| d["id"] == JOB).unwrap();
    job_doc["defs"]["main"]["record"]["properties"]["note"] = json!({ "type": "string" });
    let list = docs
        .iter_mut()
        .find(|d| d["id"] == "dev.cocore.compute.listJobs")
        .unwrap();
    list["defs"]["main"]["parameters"]["required"] = json!([]);
    docs.push(json!({
        "lexicon": 1,
        "id": "dev.cocore.test.thing",
        "defs": { "main": { "type": "record", "key": "tid", "record": {
            "type": "object", "required": ["name"],
            "properties": { "name": { "type": "string" } } } } }
    }));
    let migrated = IndexSchema::new(&docs, &[(JOB, "model"), (JOB, "maxTokensOut")]).unwrap();
    let mut store = backend.database().open(migrated.clone()).unwrap();
    // Every stored record judged again: the note is now a string property.
    let all = Query::new(JOB, Filter::All);
    assert_eq!(
        uris(store.as_mut(), &all),
        [job_uri(ALICE, "3lbq5mkxk2s2a")]
    );
    let rows = store
        .records(&Query {
            include_invalid: true,
            ..all.clone()
        })
        .unwrap()
        .rows;
    let noted = rows.iter().find(|r| r.rkey == "3lbq5mkxk2s2b").unwrap();
    assert!(
        noted.violations.iter().any(|v| v.starts_with("$.note")),
        "{:?}",
        noted.violations
    );
    // The new column holds the stored records' values; the new table takes records.
    let small = Query::new(JOB, Filter::Property("maxTokensOut".into(), json!(64)));
    assert_eq!(
        uris(store.as_mut(), &small),
        [job_uri(ALICE, "3lbq5mkxk2s2a")]
    );
    store
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2c",
            vec![put(
                "dev.cocore.test.thing",
                "3lbq5mkxk2s2c",
                json!({ "$type": "dev.cocore.test.thing", "name": "x" }),
            )],
        )]))
        .unwrap();
    assert_eq!(
        uris(
            store.as_mut(),
            &Query::new("dev.cocore.test.thing", Filter::All)
        )
        .len(),
        1
    );
    drop(store);
    assert_eq!(backend.scalar("SELECT COUNT(*) FROM index_migrations"), 1);
    // Opened again with the same schema: nothing to do.
    drop(backend.database().open(migrated).unwrap());
    assert_eq!(backend.scalar("SELECT COUNT(*) FROM index_migrations"), 1);

    // Dropping an indexed property drops its column.
    let fewer = IndexSchema::new(&docs, &[(JOB, "maxTokensOut")]).unwrap();
    let mut store = backend.database().open(fewer).unwrap();
    let by_model = Query::new(JOB, Filter::Property("model".into(), json!("llama")));
    assert!(matches!(
        store.records(&by_model),
        Err(IndexError::Query(_))
    ));
    assert_eq!(uris(store.as_mut(), &small).len(), 1);
    drop(store);
    assert_eq!(backend.scalar("SELECT COUNT(*) FROM index_migrations"), 2);

    // Breaking: a tighter limit on the job's model could make stored records invalid under
    // old readers' assumptions; refused, naming the change, and nothing is migrated.
    let mut tighter = docs.clone();
    let job_doc = tighter.iter_mut().find(|d| d["id"] == JOB).unwrap();
    job_doc["defs"]["main"]["record"]["properties"]["model"]["maxLength"] = json!(16);
    let error = backend
        .database()
        .open(IndexSchema::new(&tighter, &[(JOB, "maxTokensOut")]).unwrap())
        .unwrap_err();
    match &error {
        IndexError::Incompatible { reason, .. } => {
            assert!(reason.contains(JOB) && reason.contains("model"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(backend.scalar("SELECT COUNT(*) FROM index_migrations"), 2);

    // A column must be a string, an integer or a boolean, of a record collection.
    assert!(matches!(
        IndexSchema::new(&documents(), &[(JOB, "priceCeiling")]),
        Err(IndexError::Schema(_))
    ));
    assert!(matches!(
        IndexSchema::new(&documents(), &[("dev.cocore.compute.listJobs", "limit")]),
        Err(IndexError::Schema(_))
    ));
}

fn a_record_holding_u0000_is_stored_and_served_whole(backend: &Backend) {
    // Postgres's JSONB cannot hold U+0000; the record is kept as text there and served whole.
    let mut store = backend.open();
    let mut record = job("llama\u{0}70b", 1);
    record["note"] = json!({ "a\u{0}b": "\u{0}" });
    store
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2a",
            vec![put(JOB, "3lbq5mkxk2s2a", record.clone())],
        )]))
        .unwrap();
    let rows = store
        .records(&Query::new(
            JOB,
            Filter::Property("model".into(), json!("llama\u{0}70b")),
        ))
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].record, record);
}

fn stores_opened_at_once_share_one_set_of_tables(backend: &Backend) {
    // Indexer and reader processes start together: making the tables must not race.
    let database = backend.database();
    let stores: Vec<Box<dyn Store>> = std::thread::scope(|scope| {
        let opening: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| database.open(schema())))
            .collect();
        opening
            .into_iter()
            .map(|handle| handle.join().unwrap().unwrap())
            .collect()
    });
    let mut stores = stores;
    stores[0]
        .apply(&batch(vec![commit(
            ALICE,
            "3lbq5mkxk2s2a",
            vec![put(JOB, "3lbq5mkxk2s2a", job("llama", 1))],
        )]))
        .unwrap();
    for store in &mut stores {
        assert_eq!(
            uris(store.as_mut(), &Query::new(JOB, Filter::All)),
            [job_uri(ALICE, "3lbq5mkxk2s2a")]
        );
    }
}

fn commits_that_follow_an_export_apply_and_a_gap_defers_until_the_next_export(backend: &Backend) {
    let mut store = backend.open();
    let all = Query::new(JOB, Filter::All);
    // A chained commit to a repository never exported is not applied: it needs a sync.
    let applied = store
        .apply(&batch(vec![chained(
            ALICE,
            "3lbq5mkxk2s2b",
            "tree-a",
            "tree-b",
            vec![put(JOB, "3lbq5mkxk2s2b", job("early", 1))],
        )]))
        .unwrap();
    assert_eq!((applied.commits, applied.deferred), (0, 1));
    assert_eq!(applied.needs_sync, [ALICE]);
    assert_eq!(store.needing_sync().unwrap(), [ALICE]);
    assert!(uris(store.as_mut(), &all).is_empty());

    // The export brings the repository in sync; a commit that follows it applies.
    let applied = store
        .apply(&batch(vec![
            export(
                ALICE,
                "3lbq5mkxk2s2c",
                "tree-c",
                vec![
                    put(JOB, "3lbq5mkxk2s2a", job("llama", 1)),
                    put(JOB, "3lbq5mkxk2s2b", job("qwen", 1)),
                ],
            ),
            chained(
                ALICE,
                "3lbq5mkxk2s2d",
                "tree-c",
                "tree-d",
                vec![put(JOB, "3lbq5mkxk2s2d", job("mistral", 1))],
            ),
        ]))
        .unwrap();
    assert_eq!((applied.repos, applied.commits, applied.written), (1, 1, 3));
    assert!(store.needing_sync().unwrap().is_empty());
    assert_eq!(uris(store.as_mut(), &all).len(), 3);

    // A commit that does not follow the stored tree (a gap) is not applied, and the records
    // stay served until the next export replaces them, deleting what it no longer holds.
    let applied = store
        .apply(&batch(vec![
            chained(
                ALICE,
                "3lbq5mkxk2s2f",
                "tree-e",
                "tree-f",
                vec![put(JOB, "3lbq5mkxk2s2f", job("gap", 1))],
            ),
            // A later commit that follows the stored tree does not undo the gap.
            chained(
                ALICE,
                "3lbq5mkxk2s2g",
                "tree-d",
                "tree-g",
                vec![put(JOB, "3lbq5mkxk2s2g", job("after gap", 1))],
            ),
        ]))
        .unwrap();
    assert_eq!((applied.commits, applied.deferred), (0, 2));
    assert_eq!(applied.needs_sync, [ALICE]);
    assert!(!store.repo(ALICE).unwrap().unwrap().synced);
    assert_eq!(uris(store.as_mut(), &all).len(), 3);
    let paid = Query::new(JOB, Filter::References(PAYMENT.into()));
    assert_eq!(uris(store.as_mut(), &paid).len(), 3);
    let applied = store
        .apply(&batch(vec![export(
            ALICE,
            "3lbq5mkxk2s2g",
            "tree-g",
            vec![
                put(JOB, "3lbq5mkxk2s2a", job("llama", 1)),
                put(JOB, "3lbq5mkxk2s2g", job("after gap", 1)),
            ],
        )]))
        .unwrap();
    assert_eq!(applied.repos, 1);
    assert_eq!(
        uris(store.as_mut(), &all),
        [
            job_uri(ALICE, "3lbq5mkxk2s2a"),
            job_uri(ALICE, "3lbq5mkxk2s2g")
        ]
    );
    assert_eq!(uris(store.as_mut(), &paid).len(), 2);
    let state = store.repo(ALICE).unwrap().unwrap();
    assert!(state.synced);
    assert_eq!(state.rev, "3lbq5mkxk2s2g");
    assert!(store.needing_sync().unwrap().is_empty());

    // A #sync at the stored tree (or an older revision) changes nothing; one at another tree
    // and a newer revision means commits were missed; one of a repository the store does not
    // hold is passed over.
    let sync = |did: &str, rev: &str, data: &str| Change::Sync {
        did: did.into(),
        rev: rev.into(),
        data: data.into(),
    };
    let applied = store
        .apply(&batch(vec![
            sync(ALICE, "3lbq5mkxk2s2g", "tree-g"),
            sync(ALICE, "3lbq5mkxk2s2c", "tree-c"),
            sync(BOB, "3lbq5mkxk2s2z", "tree-z"),
        ]))
        .unwrap();
    assert!(applied.needs_sync.is_empty(), "{applied:?}");
    assert_eq!(store.repo(BOB).unwrap(), None);
    let applied = store
        .apply(&batch(vec![sync(ALICE, "3lbq5mkxk2s2z", "tree-z")]))
        .unwrap();
    assert_eq!(applied.needs_sync, [ALICE]);
    store
        .apply(&batch(vec![export(
            ALICE,
            "3lbq5mkxk2s2z",
            "tree-z",
            vec![
                put(JOB, "3lbq5mkxk2s2a", job("llama", 1)),
                put(JOB, "3lbq5mkxk2s2g", job("after gap", 1)),
            ],
        )]))
        .unwrap();

    // An export not newer than the synced state is dropped.
    let applied = store
        .apply(&batch(vec![export(
            ALICE,
            "3lbq5mkxk2s2c",
            "tree-c",
            vec![],
        )]))
        .unwrap();
    assert_eq!((applied.repos, applied.stale_commits), (0, 1));
    assert_eq!(uris(store.as_mut(), &all).len(), 2);
}

fn an_identity_event_records_the_handle_of_a_repository_it_holds(backend: &Backend) {
    let mut store = backend.open();
    let identity = |did: &str| Change::Identity {
        did: did.into(),
        handle: Some("alice.test".into()),
    };
    // Of a repository the store does not hold (a relay streams every account's): passed over.
    let account = Change::Account {
        did: BOB.into(),
        active: false,
        status: Some("deactivated".into()),
    };
    let empty = chained(BOB, "3lbq5mkxk2s2a", "tree-a", "tree-b", vec![]);
    let applied = store
        .apply(&batch(vec![identity(BOB), account, empty]))
        .unwrap();
    assert!(applied.needs_sync.is_empty());
    assert_eq!(store.repo(BOB).unwrap(), None);
    assert!(store.needing_sync().unwrap().is_empty());

    store
        .apply(&batch(vec![
            commit(ALICE, "3lbq5mkxk2s2a", vec![]),
            identity(ALICE),
        ]))
        .unwrap();
    let state = store.repo(ALICE).unwrap().unwrap();
    assert_eq!(state.handle.as_deref(), Some("alice.test"));
}

fn records_are_found_by_uri_and_time_and_tallied_per_repository(backend: &Backend) {
    let mut store = backend.open();
    let before = now_millis();
    store
        .apply(&batch(vec![
            commit(
                ALICE,
                "3lbq5mkxk2s2a",
                vec![
                    put(JOB, "3lbq5mkxk2s2a", job("llama", 1)),
                    put(JOB, "3lbq5mkxk2s2b", job("llama", 2)),
                    // Invalid: neither served nor counted.
                    put(JOB, "3lbq5mkxk2s2c", job("llama", -1)),
                ],
            ),
            commit(
                BOB,
                "3lbq5mkxk2s2a",
                vec![put(JOB, "3lbq5mkxk2s2a", job("mistral", 1))],
            ),
        ]))
        .unwrap();
    let after = now_millis();

    let one = Query::new(JOB, Filter::Uri(job_uri(BOB, "3lbq5mkxk2s2a")));
    assert_eq!(uris(store.as_mut(), &one), [job_uri(BOB, "3lbq5mkxk2s2a")]);
    let invalid = Query::new(JOB, Filter::Uri(job_uri(ALICE, "3lbq5mkxk2s2c")));
    assert!(uris(store.as_mut(), &invalid).is_empty());
    let mut asked = invalid.clone();
    asked.include_invalid = true;
    assert_eq!(uris(store.as_mut(), &asked).len(), 1);

    let since = |millis| Query::new(JOB, Filter::IndexedSince(millis));
    assert_eq!(uris(store.as_mut(), &since(before)).len(), 3);
    assert!(uris(store.as_mut(), &since(after + 1)).is_empty());

    let tallies = store.tally(&Query::new(JOB, Filter::All)).unwrap();
    let counted: Vec<(&str, i64)> = tallies
        .iter()
        .map(|t| (t.did.as_str(), t.records))
        .collect();
    assert_eq!(counted, [(ALICE, 2), (BOB, 1)]);
    for tally in &tallies {
        assert!(before <= tally.first_indexed, "{tally:?}");
        assert!(tally.first_indexed <= tally.last_indexed, "{tally:?}");
        assert!(tally.last_indexed <= after, "{tally:?}");
    }
    let llama = Query::new(JOB, Filter::Property("model".into(), json!("llama")));
    let tallies = store.tally(&llama).unwrap();
    assert_eq!(tallies.len(), 1);
    assert_eq!((tallies[0].did.as_str(), tallies[0].records), (ALICE, 2));

    // An inactive account's records are not counted.
    store
        .apply(&batch(vec![Change::Account {
            did: ALICE.into(),
            active: false,
            status: Some("takendown".into()),
        }]))
        .unwrap();
    let tallies = store.tally(&Query::new(JOB, Filter::All)).unwrap();
    assert_eq!(tallies.len(), 1);
    assert_eq!(tallies[0].did, BOB);
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
