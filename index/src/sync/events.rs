//! Firehose events as changes to the store.

use lexicon_repo::firehose::{Action, Event, OpEvent};
use lexicon_repo::Decoded;
use lexicon_runtime::record::{Input, RecordSet};
use lexicon_runtime::{Error, Mode};
use serde_json::Value;

use crate::batch::{Chain, Change, Write};

/// The record set that leaves every record as its DAG-CBOR bytes (subscribe with
/// `Firehose::subscribe::<Raw>()`): the index judges them against its own lexicons.
#[derive(Debug)]
pub struct Raw;

impl RecordSet for Raw {
    fn parse_record<I: Input>(_: Mode, collection: &str, _: I) -> Result<Self, Error> {
        Err(Error::UnknownCollection(collection.to_owned()))
    }
}

/// What one event means to the index.
#[derive(Debug)]
pub(crate) enum Meaning {
    /// A change to one repository or account.
    Change {
        /// The repository.
        did: String,
        /// The change.
        change: Change,
        /// Whether its identity changed (its key is to be resolved again).
        identity: bool,
    },
    /// The server no longer has the events after the stored cursor.
    OutdatedCursor,
    /// Nothing the index keeps.
    Nothing,
}

/// The meaning of `event`. A commit is applied only when its signature verified, its ops are
/// consistent with its tree and it carries its blocks; otherwise its repository needs a sync.
pub(crate) fn meaning(event: Event<Raw>) -> Meaning {
    match event {
        Event::Commit(commit) => {
            let did = commit.repo.clone();
            let broken = !commit.is_verified()
                || commit.too_big
                || commit.ops.iter().any(|op| op.problem.is_some());
            if broken {
                // One that touches none of the indexed collections is passed over: if the
                // store holds the repository, the next commit's chain shows the gap.
                if commit.ops.is_empty() && !commit.too_big {
                    return Meaning::Nothing;
                }
                return Meaning::Change {
                    change: Change::NeedsSync { did: did.clone() },
                    did,
                    identity: false,
                };
            }
            let commit = *commit;
            let writes = commit.ops.into_iter().map(write_of).collect();
            Meaning::Change {
                change: Change::Commit {
                    did: did.clone(),
                    rev: commit.rev,
                    writes,
                    chain: Some(Chain {
                        since: commit.since,
                        prev_data: commit.prev_data.map(|c| c.to_string()),
                        data: commit.commit.data.to_string(),
                    }),
                },
                did,
                identity: false,
            }
        }
        Event::Sync(sync) => {
            let did = sync.message.did.as_str().to_owned();
            // An unverified #sync says nothing: the next commit's chain tells.
            if !matches!(sync.signature, Some(Ok(()))) {
                return Meaning::Nothing;
            }
            Meaning::Change {
                change: Change::Sync {
                    did: did.clone(),
                    rev: sync.message.rev.as_str().to_owned(),
                    data: sync.commit.data.to_string(),
                },
                did,
                identity: false,
            }
        }
        Event::Account(account) => {
            let did = account.did.as_str().to_owned();
            Meaning::Change {
                change: Change::Account {
                    did: did.clone(),
                    active: account.active,
                    status: account.status.as_ref().map(|s| s.as_str().to_owned()),
                },
                did,
                identity: false,
            }
        }
        Event::Identity(identity) => {
            let did = identity.did.as_str().to_owned();
            Meaning::Change {
                change: Change::Identity {
                    did: did.clone(),
                    handle: identity.handle.as_ref().map(|h| h.as_str().to_owned()),
                },
                did,
                identity: true,
            }
        }
        Event::Info(info) if info.name.as_str() == "OutdatedCursor" => Meaning::OutdatedCursor,
        _ => Meaning::Nothing,
    }
}

/// An op (of the firehose or Jetstream) as a write: a put when it carries its record, else a
/// delete.
pub(crate) fn write_of(op: OpEvent<Raw>) -> Write {
    match (op.action, op.cid, op.record) {
        (Action::Create | Action::Update, Some(cid), Some(record)) => Write::Put {
            collection: op.collection,
            rkey: op.rkey,
            cid: cid.to_string(),
            record: record_json(&record),
        },
        _ => Write::Delete {
            collection: op.collection,
            rkey: op.rkey,
        },
    }
}

/// A record's DAG-CBOR as atproto JSON (`$link`, `$bytes`); null when it is not DAG-CBOR (the
/// record is then stored as invalid).
pub(crate) fn record_json(record: &Decoded<Raw>) -> Value {
    let bytes = match record {
        Decoded::Unknown(bytes) | Decoded::Invalid { bytes, .. } => bytes,
        Decoded::Known(Raw) => return Value::Null,
    };
    cbor_json(bytes)
}

/// DAG-CBOR bytes as atproto JSON; null when they are not DAG-CBOR.
pub(crate) fn cbor_json(bytes: &[u8]) -> Value {
    lexicon_runtime::cbor::cbor_to_json(bytes)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}
