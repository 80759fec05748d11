//! What is applied to the store in one transaction: commits, account changes, and the cursor
//! of the stream they came from.

use serde_json::Value;

/// Changes and the cursor that covers them, applied together or not at all.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The changes, in the order they happened.
    pub changes: Vec<Change>,
    /// The position in the stream after these changes, if they came from one.
    pub cursor: Option<Cursor>,
}

/// A position in a stream (a relay's firehose, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The stream's name (its URL).
    pub stream: String,
    /// The sequence number of the last event applied.
    pub seq: i64,
}

/// One change to the network.
#[derive(Debug, Clone)]
pub enum Change {
    /// A repository commit: its revision and its record writes. Dropped when the revision is
    /// not newer than the repository's stored one.
    Commit {
        /// The repository.
        did: String,
        /// The commit's revision (a TID).
        rev: String,
        /// The record writes of the commit.
        writes: Vec<Write>,
    },
    /// An account's status: an inactive account's records are kept but not served.
    Account {
        /// The account.
        did: String,
        /// Whether it is active.
        active: bool,
        /// Why not (`deactivated`, `takendown`, ...), when it is not.
        status: Option<String>,
    },
}

/// One record write of a commit.
#[derive(Debug, Clone)]
pub enum Write {
    /// A record created or updated.
    Put {
        /// The record's collection.
        collection: String,
        /// The record key.
        rkey: String,
        /// The CID of the record's content.
        cid: String,
        /// The record.
        record: Value,
    },
    /// A record deleted.
    Delete {
        /// The record's collection.
        collection: String,
        /// The record key.
        rkey: String,
    },
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Commits applied.
    pub commits: usize,
    /// Commits dropped because their revision was not newer than the repository's.
    pub stale_commits: usize,
    /// Records written (created or updated), valid or not.
    pub written: usize,
    /// Of those, records that break their lexicon (stored with their violations).
    pub invalid: usize,
    /// Records deleted.
    pub deleted: usize,
    /// Writes to collections the schema does not index, passed over.
    pub skipped: usize,
}
