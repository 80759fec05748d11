//! The AppView's index: the cocore lexicons' record collections kept in the database by
//! `lexicon-index`, with a typed column for each property its queries filter on.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use lexicon_index::{Batch, Change, IndexError, IndexSchema, Row, Store, Write};
use lexicon_runtime::{AtUri, Cid, Datetime, Did, Extra, Nsid, Tid, Unknown};
use serde_json::Value;

use crate::lexicons::dev::cocore::compute::job::Job;
use crate::lexicons::dev::cocore::defs::IndexedRecord;

/// The lexicon documents the index is made from (the build script lists them).
mod documents {
    include!(concat!(env!("OUT_DIR"), "/documents.rs"));
}

/// `dev.cocore.compute.job`.
pub const JOB: &str = "dev.cocore.compute.job";
/// `dev.cocore.compute.receipt`.
pub const RECEIPT: &str = "dev.cocore.compute.receipt";
/// `dev.cocore.compute.settlement`.
pub const SETTLEMENT: &str = "dev.cocore.compute.settlement";
/// `dev.cocore.compute.attestation`.
pub const ATTESTATION: &str = "dev.cocore.compute.attestation";
/// `dev.cocore.compute.paymentAuthorization`.
pub const PAYMENT_AUTHORIZATION: &str = "dev.cocore.compute.paymentAuthorization";
/// `dev.cocore.compute.provider`.
pub const PROVIDER: &str = "dev.cocore.compute.provider";
/// `dev.cocore.account.profile`.
pub const PROFILE: &str = "dev.cocore.account.profile";
/// `dev.cocore.account.friend`.
pub const FRIEND: &str = "dev.cocore.account.friend";

/// The properties the queries filter on, each a typed, indexed column: receipts by requester
/// (`listReceipts`), friend records by subject (`listIncomingFriends`), jobs by model.
const INDEXED: &[(&str, &str)] = &[(JOB, "model"), (RECEIPT, "requester"), (FRIEND, "subject")];

/// The index's schema: every record collection of the cocore lexicons.
pub fn schema() -> Result<IndexSchema, IndexError> {
    let documents = documents::DOCUMENTS
        .iter()
        .map(|text| serde_json::from_str::<Value>(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IndexError::Schema(format!("a lexicon document built in: {e}")))?;
    IndexSchema::new(&documents, INDEXED)
}

/// A stored record as `dev.cocore.defs#indexedRecord`.
pub fn indexed_record(collection: &str, row: Row) -> Result<IndexedRecord, String> {
    let at = |what: &str, e: &dyn std::fmt::Display| format!("{}: its {what}: {e}", row.uri);
    Ok(IndexedRecord {
        uri: AtUri::new(row.uri.as_str()).map_err(|e| at("URI", &e))?,
        cid: Cid::new(row.cid.as_str()).map_err(|e| at("CID", &e))?,
        collection: Nsid::new(collection).map_err(|e| at("collection", &e))?,
        repo: Did::new(row.did.as_str()).map_err(|e| at("DID", &e))?,
        rkey: row.rkey.clone(),
        indexed_at: Some(Datetime::from(
            UNIX_EPOCH + Duration::from_millis(row.indexed_at.max(0) as u64),
        )),
        body: Unknown::new(row.record).map_err(|e| format!("{}: its record: {e}", row.uri))?,
        extra: Extra::new(),
    })
}

/// Imports `dev.cocore.defs#indexedRecord` jobs, one JSON per line, into `store` (each a
/// commit of its repository at a new revision); every job must be valid. Returns how many.
pub fn import_jobs(path: &Path, store: &mut dyn Store) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut changes = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = |e: String| format!("{}:{}: {e}", path.display(), n + 1);
        let record = IndexedRecord::from_json(line).map_err(|e| at(e.to_string()))?;
        if record.collection.as_str() != JOB {
            return Err(at(format!(
                "{} is a {}, not a job",
                record.uri, record.collection
            )));
        }
        Job::from_json(&record.body.as_value().to_string())
            .map_err(|e| at(format!("{} is not a valid job: {e}", record.uri)))?;
        lexicon_runtime::record::check_record_key(JOB, "tid", &record.rkey)
            .map_err(|e| at(format!("{}: {e}", record.uri)))?;
        changes.push(Change::Commit {
            did: record.repo.to_string(),
            rev: Tid::now().to_string(),
            writes: vec![Write::Put {
                collection: JOB.into(),
                rkey: record.rkey.clone(),
                cid: record.cid.to_string(),
                record: record.body.into_value(),
            }],
            chain: None,
        });
    }
    let count = changes.len();
    store
        .apply(&Batch {
            changes,
            cursor: None,
        })
        .map_err(|e| format!("the database: {}", lexicon_runtime::cause::Chain(&e)))?;
    Ok(count)
}
