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
    /// not newer than the repository's stored one (without a chain: older). With a [`Chain`], it is applied only to a
    /// repository in sync whose stored state it follows; otherwise the repository is marked as
    /// needing a sync ([`Applied::needs_sync`]) and the commit is not applied (but a commit
    /// with no writes, of a repository the store does not hold, is passed over).
    Commit {
        /// The repository.
        did: String,
        /// The commit's revision (a TID).
        rev: String,
        /// The record writes of the commit.
        writes: Vec<Write>,
        /// How the commit links to the repository's previous one, when the stream says (a
        /// verified firehose does; Jetstream does not).
        chain: Option<Chain>,
    },
    /// A whole repository, as exported (`com.atproto.sync.getRepo`) and verified: its records
    /// replace every stored record of the repository, and it is in sync from then on. Dropped
    /// when the repository is in sync at a newer revision.
    Repo {
        /// The repository.
        did: String,
        /// The revision of the exported commit.
        rev: String,
        /// The CID of its record tree.
        data: String,
        /// Its records (every write a [`Write::Put`]).
        records: Vec<Write>,
    },
    /// The repository must be synced again from an export (a gap in its commits, a commit
    /// that does not verify, a repository found by listing). Its records stay served until the
    /// export replaces them.
    NeedsSync {
        /// The repository.
        did: String,
    },
    /// A `#sync` event: the repository's current commit. A repository the store holds in sync
    /// at that record tree (or at a newer revision) stays as it is; one it holds otherwise needs
    /// a sync; one it does not hold is passed over.
    Sync {
        /// The repository.
        did: String,
        /// The commit's revision.
        rev: String,
        /// The CID of its record tree.
        data: String,
    },
    /// An identity change: the handle, as the network now says. Passed over for an account the
    /// store does not hold.
    Identity {
        /// The account.
        did: String,
        /// Its handle, if it has a valid one.
        handle: Option<String>,
    },
    /// An account's status: an inactive account's records are kept but not served. Passed over
    /// for an account the store does not hold.
    Account {
        /// The account.
        did: String,
        /// Whether it is active.
        active: bool,
        /// Why not (`deactivated`, `takendown`, ...), when it is not.
        status: Option<String>,
    },
}

/// How a commit follows the previous one (sync 1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The previous commit's revision, as the commit says.
    pub since: Option<String>,
    /// The CID of the previous commit's record tree, as the commit says.
    pub prev_data: Option<String>,
    /// The CID of this commit's record tree.
    pub data: String,
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
    /// Repository exports applied.
    pub repos: usize,
    /// Commits not applied because their repository is not in sync, or their chain does not
    /// link to the stored state.
    pub deferred: usize,
    /// The repositories that need a sync from an export (each once, in the order found).
    pub needs_sync: Vec<String>,
    /// Commits (and exports) dropped because their revision was not newer than the
    /// repository's.
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
