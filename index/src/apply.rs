//! Applying a batch, the same on every database: the order of changes, the revision check,
//! validation, typed column values and strongRef edges are decided here; a backend only runs
//! the statements ([`Tx`]).

use lexicon_runtime::Mode;
use serde_json::Value;

use crate::batch::{Applied, Batch, Chain, Change, Cursor, Write};
use crate::error::IndexError;
use crate::schema::{Collection, ColumnType, IndexSchema};

/// What the store holds of a repository's sync state.
pub(crate) struct StoredRepo {
    /// The revision of the last commit applied (empty when none was).
    pub rev: String,
    /// The CID of its record tree, when known.
    pub data: Option<String>,
    /// Whether the stored records are the repository's (no gap since its last export).
    pub synced: bool,
}

/// The statements a backend runs inside the transaction of one batch.
pub(crate) trait Tx {
    /// The stored sync state of a repository.
    fn repo(&mut self, did: &str) -> Result<Option<StoredRepo>, IndexError>;
    /// Records a repository's revision, record tree and sync state (an account not seen
    /// before is active).
    fn set_repo(
        &mut self,
        did: &str,
        rev: &str,
        data: Option<&str>,
        synced: bool,
    ) -> Result<(), IndexError>;
    /// Marks a repository as needing a sync (recording it when it is new).
    fn mark_unsynced(&mut self, did: &str) -> Result<(), IndexError>;
    /// Records the handle of an account the store knows.
    fn set_handle(&mut self, did: &str, handle: Option<&str>) -> Result<(), IndexError>;
    /// Records the status of an account the store knows (others are passed over: a repository
    /// found later is exported with its status).
    fn set_account(
        &mut self,
        did: &str,
        active: bool,
        status: Option<&str>,
    ) -> Result<(), IndexError>;
    /// Deletes a record and the edges out of it.
    fn delete(&mut self, collection: &Collection, uri: &str) -> Result<(), IndexError>;
    /// Deletes every record of a repository in a collection, and the edges out of them.
    fn delete_repo(&mut self, collection: &Collection, did: &str) -> Result<(), IndexError>;
    /// Inserts or replaces a record and replaces the edges out of it.
    fn put(&mut self, collection: &Collection, record: &Prepared<'_>) -> Result<(), IndexError>;
    /// Records a stream's position.
    fn set_cursor(&mut self, cursor: &Cursor) -> Result<(), IndexError>;
}

/// A record ready to be written: its row's values, judged and extracted.
pub(crate) struct Prepared<'a> {
    /// `at://<did>/<collection>/<rkey>`.
    pub uri: String,
    pub did: &'a str,
    pub rkey: &'a str,
    pub cid: &'a str,
    pub rev: &'a str,
    /// Milliseconds since the Unix epoch.
    pub indexed_at: i64,
    pub record: &'a Value,
    /// Its violations of the lexicon and of the record key type (none when valid).
    pub violations: Vec<String>,
    /// The typed columns' values, in the collection's column order.
    pub columns: Vec<ColumnValue>,
    /// Its strongRefs.
    pub edges: Vec<Edge>,
}

/// A strongRef out of a record.
pub(crate) struct Edge {
    /// Where in the record (`$.paymentAuthorization`).
    pub path: String,
    /// The referenced record's AT URI.
    pub target: String,
    /// The CID the reference pins.
    pub target_cid: String,
}

/// A typed column's value (null when the record lacks the property or holds another type).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnValue {
    Text(Option<String>),
    Integer(Option<i64>),
    Boolean(Option<bool>),
}

impl ColumnValue {
    /// `value` as a column of type `ty` holds it.
    pub(crate) fn of(ty: ColumnType, value: &Value) -> ColumnValue {
        match ty {
            ColumnType::Text => ColumnValue::Text(value.as_str().map(str::to_owned)),
            ColumnType::Integer => ColumnValue::Integer(value.as_i64()),
            ColumnType::Boolean => ColumnValue::Boolean(value.as_bool()),
        }
    }
}

/// Applies `batch` through `tx`: commits whose revision is not newer than the repository's are
/// dropped, and so are commits with a chain that do not follow the stored state (their
/// repository is marked as needing a sync); writes to collections the schema does not index are
/// passed over; the cursor is written last.
pub(crate) fn apply(
    schema: &IndexSchema,
    tx: &mut impl Tx,
    batch: &Batch,
) -> Result<Applied, IndexError> {
    let mut applied = Applied::default();
    let now = now_millis();
    for change in &batch.changes {
        match change {
            Change::Commit {
                did,
                rev,
                writes,
                chain,
            } => {
                let stored = tx.repo(did)?;
                // Revisions are TIDs, which sort as strings. Without a chain (Jetstream sends
                // each op of a commit apart, at the commit's revision) the stored revision
                // itself is not stale: applying an op again changes nothing.
                let stale = stored.as_ref().is_some_and(|stored| match chain {
                    Some(_) => rev.as_str() <= stored.rev.as_str(),
                    None => rev.as_str() < stored.rev.as_str(),
                });
                if stale {
                    applied.stale_commits += 1;
                    continue;
                }
                let (data, synced) = match chain {
                    None => (None, stored.as_ref().is_none_or(|s| s.synced)),
                    // A commit touching none of the collections, of a repository the store
                    // does not hold: nothing to keep (a relay streams every repository).
                    Some(_) if writes.is_empty() && stored.is_none() => continue,
                    Some(chain) => {
                        if !follows(stored.as_ref(), chain) {
                            tx.mark_unsynced(did)?;
                            applied.deferred += 1;
                            needs_sync(&mut applied, did);
                            continue;
                        }
                        (Some(chain.data.as_str()), true)
                    }
                };
                tx.set_repo(did, rev, data, synced)?;
                for write in writes {
                    write_one(schema, tx, did, rev, now, write, &mut applied)?;
                }
                applied.commits += 1;
            }
            Change::Repo {
                did,
                rev,
                data,
                records,
            } => {
                let stored = tx.repo(did)?;
                if stored
                    .as_ref()
                    .is_some_and(|s| s.synced && rev.as_str() <= s.rev.as_str())
                {
                    applied.stale_commits += 1;
                    continue;
                }
                for collection in &schema.collections {
                    tx.delete_repo(collection, did)?;
                }
                tx.set_repo(did, rev, Some(data), true)?;
                for record in records {
                    write_one(schema, tx, did, rev, now, record, &mut applied)?;
                }
                applied.repos += 1;
            }
            Change::NeedsSync { did } => {
                tx.mark_unsynced(did)?;
                needs_sync(&mut applied, did);
            }
            Change::Sync { did, rev, data } => {
                let Some(stored) = tx.repo(did)? else {
                    continue;
                };
                let current = stored.synced
                    && (stored.data.as_deref() == Some(data.as_str())
                        || rev.as_str() <= stored.rev.as_str());
                if !current {
                    tx.mark_unsynced(did)?;
                    needs_sync(&mut applied, did);
                }
            }
            Change::Account {
                did,
                active,
                status,
            } => tx.set_account(did, *active, status.as_deref())?,
            Change::Identity { did, handle } => tx.set_handle(did, handle.as_deref())?,
        }
    }
    if let Some(cursor) = &batch.cursor {
        tx.set_cursor(cursor)?;
    }
    Ok(applied)
}

/// Milliseconds since the Unix epoch: when rows are indexed and migrations made.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Whether a commit with `chain` follows the stored state: the repository is in sync, and the
/// commit names the stored record tree as its previous one (or, when it does not name one, the
/// stored revision as its previous).
fn follows(stored: Option<&StoredRepo>, chain: &Chain) -> bool {
    let Some(stored) = stored.filter(|s| s.synced) else {
        return false;
    };
    match (&chain.prev_data, &stored.data) {
        (Some(prev), Some(data)) => prev == data,
        _ => chain
            .since
            .as_deref()
            .is_none_or(|since| since == stored.rev),
    }
}

fn needs_sync(applied: &mut Applied, did: &str) {
    if !applied.needs_sync.iter().any(|d| d == did) {
        applied.needs_sync.push(did.to_owned());
    }
}

/// Applies one record write of a commit of `did` at `rev`.
fn write_one(
    schema: &IndexSchema,
    tx: &mut impl Tx,
    did: &str,
    rev: &str,
    now: i64,
    write: &Write,
    applied: &mut Applied,
) -> Result<(), IndexError> {
    let (collection, rkey) = match write {
        Write::Put {
            collection, rkey, ..
        }
        | Write::Delete { collection, rkey } => (collection, rkey),
    };
    let Some(table) = schema.collection(collection) else {
        applied.skipped += 1;
        return Ok(());
    };
    let uri = format!("at://{did}/{collection}/{rkey}");
    let Write::Put { cid, record, .. } = write else {
        tx.delete(table, &uri)?;
        applied.deleted += 1;
        return Ok(());
    };
    let prepared = Prepared {
        violations: violations(schema, collection, rkey, record),
        columns: table
            .columns
            .iter()
            .map(|column| ColumnValue::of(column.ty, &record[&column.property]))
            .collect(),
        edges: strong_refs(record),
        uri,
        did,
        rkey,
        cid,
        rev,
        indexed_at: now,
        record,
    };
    tx.put(table, &prepared)?;
    applied.written += 1;
    if !prepared.violations.is_empty() {
        applied.invalid += 1;
    }
    Ok(())
}

/// The record's violations of its lexicon and of its key type, as the PDS judges a write.
pub(crate) fn violations(
    schema: &IndexSchema,
    collection: &str,
    rkey: &str,
    record: &Value,
) -> Vec<String> {
    let lexicons = &schema.lexicons;
    let mut found = Vec::new();
    if let Err(e) = lexicons.validate_record_key(collection, rkey) {
        found.push(format!("record key: {e}"));
    }
    if let Err(e) = lexicons.validate_record(collection, record, Mode::Strict) {
        match e.violations() {
            Some(violations) => found.extend(violations.iter().map(|v| v.to_string())),
            None => found.push(e.to_string()),
        }
    }
    found
}

/// The strongRefs in a record, wherever they are: objects of exactly a `uri` that is an AT URI
/// and a `cid` (and maybe `$type`), with their JSON paths.
fn strong_refs(record: &Value) -> Vec<Edge> {
    fn walk(value: &Value, path: String, found: &mut Vec<Edge>) {
        match value {
            Value::Object(map) => {
                let uri = map.get("uri").and_then(Value::as_str);
                let cid = map.get("cid").and_then(Value::as_str);
                let only = map.keys().all(|k| k == "uri" || k == "cid" || k == "$type");
                if let (Some(uri), Some(cid), true) = (uri, cid, only) {
                    if uri.starts_with("at://") {
                        found.push(Edge {
                            path,
                            target: uri.to_owned(),
                            target_cid: cid.to_owned(),
                        });
                        return;
                    }
                }
                for (key, value) in map {
                    walk(value, format!("{path}.{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    walk(value, format!("{path}[{i}]"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(record, "$".into(), &mut found);
    found
}
