//! Jetstream's JSON events (`commit` create/update/delete, `identity`, `account`) into the
//! same typed records as the firehose. Jetstream drops the signatures and proofs; what can
//! still be checked is checked: each record's CID against its DAG-CBOR encoding, and the record
//! against its lexicon.

use cid::Cid;
use lexicon_runtime::record::RecordSet;
use lexicon_runtime::Mode;
use serde_json::Value;

use crate::car::{cid_for, DAG_CBOR};
use crate::firehose::{Action, OpEvent};
use crate::repo::decode_record;
use crate::RepoError;

/// Why a line is not a Jetstream event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jetstream event: {0}")]
pub struct JetstreamError(String);

/// One Jetstream event.
#[derive(Debug)]
#[non_exhaustive]
pub enum JetstreamEvent<R> {
    /// A record created, updated or deleted.
    Commit {
        /// The repository.
        did: String,
        /// Jetstream's cursor: microseconds since the epoch.
        time_us: i64,
        /// The commit's revision.
        rev: String,
        /// The op, as the firehose reader gives it; its `problem` is a CID that is not the
        /// record's (the record was changed on the way).
        op: Box<OpEvent<R>>,
    },
    /// An identity change.
    Identity {
        /// The DID.
        did: String,
        /// Jetstream's cursor.
        time_us: i64,
        /// The new handle, if any.
        handle: Option<String>,
    },
    /// An account status change.
    Account {
        /// The DID.
        did: String,
        /// Jetstream's cursor.
        time_us: i64,
        /// Whether the account is active.
        active: bool,
        /// Why not, if it is not (`takendown`, `deactivated`, ...).
        status: Option<String>,
    },
}

/// Reads one Jetstream event (one line of its WebSocket stream), decoding records into `R` as
/// `mode` validates; records of collections `R` does not know are kept as their DAG-CBOR bytes.
pub fn parse_jetstream<R: RecordSet>(
    line: &str,
    mode: Mode,
) -> Result<JetstreamEvent<R>, JetstreamError> {
    let value: Value = serde_json::from_str(line).map_err(|e| JetstreamError(e.to_string()))?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let need =
        |v: &Value, k: &str| text(v, k).ok_or_else(|| JetstreamError(format!("no string `{k}`")));
    let did = need(&value, "did")?;
    let time_us = value
        .get("time_us")
        .and_then(Value::as_i64)
        .ok_or_else(|| JetstreamError("no integer `time_us`".into()))?;
    let part = |k: &str| {
        value
            .get(k)
            .ok_or_else(|| JetstreamError(format!("a `{k}` event without `{k}`")))
    };
    match value.get("kind").and_then(Value::as_str) {
        Some("commit") => {
            let c = part("commit")?;
            let action = match c.get("operation").and_then(Value::as_str) {
                Some("create") => Action::Create,
                Some("update") => Action::Update,
                Some("delete") => Action::Delete,
                other => return Err(JetstreamError(format!("operation {other:?}"))),
            };
            let collection = need(c, "collection")?;
            let cid = text(c, "cid")
                .map(|s| {
                    Cid::try_from(s.as_str()).map_err(|e| JetstreamError(format!("cid {s:?}: {e}")))
                })
                .transpose()?;
            let (mut record, mut problem) = (None, None);
            if let (Some(json), Action::Create | Action::Update) = (c.get("record"), action) {
                let bytes = lexicon_runtime::cbor::encode(json)
                    .map_err(|e| JetstreamError(format!("the record is not atproto data: {e}")))?;
                let actual = cid_for(DAG_CBOR, &bytes);
                if cid.is_some_and(|c| c != actual) {
                    problem = Some(RepoError::HashMismatch {
                        cid: cid.map(|c| c.to_string()).unwrap_or_default(),
                        actual: actual.to_string(),
                    });
                }
                record = Some(decode_record(&collection, &bytes, mode));
            }
            Ok(JetstreamEvent::Commit {
                did,
                time_us,
                rev: need(c, "rev")?,
                op: Box::new(OpEvent {
                    action,
                    rkey: need(c, "rkey")?,
                    collection,
                    cid,
                    record,
                    problem,
                }),
            })
        }
        Some("identity") => Ok(JetstreamEvent::Identity {
            did,
            time_us,
            handle: text(part("identity")?, "handle"),
        }),
        Some("account") => {
            let a = part("account")?;
            Ok(JetstreamEvent::Account {
                did,
                time_us,
                active: a.get("active").and_then(Value::as_bool).unwrap_or(false),
                status: text(a, "status"),
            })
        }
        other => Err(JetstreamError(format!("kind {other:?}"))),
    }
}
