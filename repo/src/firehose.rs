//! `com.atproto.sync.subscribeRepos` frames decoded into events: commits with each op's record
//! typed and its CID checked against the block and the commit's tree, and the other messages
//! (`#sync`, `#identity`, `#account`, `#info`, error frames). Signatures are checked by the
//! caller with the repository's key ([`CommitEvent::verify`]); [`crate::client`] does it for
//! every commit it reads.

use cid::Cid;
use lexicon_identity::PublicKey;
use lexicon_runtime::cbor::frame::split_frame;
use lexicon_runtime::cbor::DagCbor;
use lexicon_runtime::record::RecordSet;
use lexicon_runtime::Mode;

use crate::atproto::com::atproto::sync::subscribe_repos as lexicon;
use crate::car::{read_car, BlockMap};
use crate::commit::Commit;
use crate::repo::{decode_record, Decoded};
use crate::{mst, RepoError};

/// The NSID of the firehose.
pub const NSID: &str = "com.atproto.sync.subscribeRepos";

/// Why a frame could not be read at all (a frame that reads but fails a check is an event
/// whose problems say so).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The bytes are not a frame, or its body not the message its header names.
    #[error("frame: {0}")]
    Decode(#[from] lexicon_runtime::Error),
    /// The commit's CAR slice or commit block is broken.
    #[error("frame: {0}")]
    Repo(#[from] RepoError),
}

/// What an op does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new record.
    Create,
    /// A new version of a record.
    Update,
    /// A record removed.
    Delete,
}

/// One op of a commit.
#[derive(Debug)]
#[non_exhaustive]
pub struct OpEvent<R> {
    /// Create, update or delete.
    pub action: Action,
    /// The collection NSID.
    pub collection: String,
    /// The record key.
    pub rkey: String,
    /// The record's CID (none for a delete).
    pub cid: Option<Cid>,
    /// The record, typed (none for a delete, or when its block is missing).
    pub record: Option<Decoded<R>>,
    /// What is wrong with the op, if anything: a missing block, or a tree that does not map
    /// its path to its CID.
    pub problem: Option<RepoError>,
}

/// A `#commit` message.
#[derive(Debug)]
#[non_exhaustive]
pub struct CommitEvent<R> {
    /// The stream sequence number (the cursor to resume after this event).
    pub seq: i64,
    /// The repository's DID.
    pub repo: String,
    /// The commit's revision.
    pub rev: String,
    /// The revision of the repository's previous commit, as the message says.
    pub since: Option<String>,
    /// The CID of the previous commit's record tree, as the message says (sync 1.1): a reader
    /// holding another tree has missed commits and must resync the repository.
    pub prev_data: Option<Cid>,
    /// When the relay or PDS emitted it.
    pub time: String,
    /// Whether the commit was too big to include its blocks.
    pub too_big: bool,
    /// The signed commit.
    pub commit: Commit,
    /// Its CID.
    pub commit_cid: Cid,
    /// The ops the collection filter kept.
    pub ops: Vec<OpEvent<R>>,
    /// The result of the signature check, once made ([`crate::client`] makes it).
    pub signature: Option<Result<(), RepoError>>,
}

impl<R> CommitEvent<R> {
    /// Checks the commit's signature with the repository's key and records the result.
    pub fn verify(&mut self, key: &PublicKey) -> Result<(), RepoError> {
        let result = self.commit.verify(key);
        self.signature = Some(result.clone());
        result
    }

    /// Whether the signature was checked and verified.
    pub fn is_verified(&self) -> bool {
        matches!(self.signature, Some(Ok(())))
    }
}

/// A `#sync` message: the repository's current commit, signed, which a reader that lost track
/// of the repository (a gap, a `tooBig` commit) resynchronises from.
#[derive(Debug)]
#[non_exhaustive]
pub struct SyncEvent {
    /// The message.
    pub message: lexicon::SubscribeReposSync,
    /// The commit its CAR holds (its `did` is the message's).
    pub commit: Commit,
    /// The commit's CID.
    pub commit_cid: Cid,
    /// The result of the signature check, once made ([`crate::client`] makes it).
    pub signature: Option<Result<(), RepoError>>,
}

impl SyncEvent {
    /// Checks the commit's signature with the repository's key and records the result.
    pub fn verify(&mut self, key: &PublicKey) -> Result<(), RepoError> {
        let result = self.commit.verify(key);
        self.signature = Some(result.clone());
        result
    }
}

fn sync_event(message: lexicon::SubscribeReposSync) -> Result<SyncEvent, FrameError> {
    let (roots, blocks) = read_car(message.blocks.as_ref())?;
    let commit_cid = *roots.first().ok_or_else(|| RepoError::Car {
        offset: 0,
        message: "a #sync CAR has no root".into(),
    })?;
    let commit = repo_commit(&blocks, &commit_cid, message.did.as_str())?;
    Ok(SyncEvent {
        message,
        commit,
        commit_cid,
        signature: None,
    })
}

/// The commit block `cid` of a message's CAR, which must be the commit of `did`.
fn repo_commit(blocks: &BlockMap, cid: &Cid, did: &str) -> Result<Commit, RepoError> {
    let commit = Commit::decode(cid, blocks.require(cid)?)?;
    if commit.did != did {
        return Err(RepoError::BadBlock {
            cid: cid.to_string(),
            what: "commit",
            message: format!("it is the commit of {}, not of {did}", commit.did),
        });
    }
    Ok(commit)
}

/// One event of the stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<R> {
    /// A commit to a repository.
    Commit(Box<CommitEvent<R>>),
    /// A repository's current commit, after a gap (`#sync`).
    Sync(Box<SyncEvent>),
    /// An identity change (`#identity`).
    Identity(Box<lexicon::Identity>),
    /// An account status change (`#account`).
    Account(Box<lexicon::Account>),
    /// Information from the server (`#info`, `OutdatedCursor`).
    Info(Box<lexicon::Info>),
    /// A message type the lexicon does not list.
    Unknown {
        /// The header's `t`.
        t: String,
        /// Its sequence number, if the body has one.
        seq: Option<i64>,
    },
    /// An error frame (`FutureCursor`, `ConsumerTooSlow`); the server closes the stream.
    Error {
        /// The error name.
        error: String,
        /// The message, if any.
        message: Option<String>,
    },
}

impl<R> Event<R> {
    /// The event's sequence number, if it has one.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Event::Commit(c) => Some(c.seq),
            Event::Sync(s) => Some(s.message.seq),
            Event::Identity(i) => Some(i.seq),
            Event::Account(a) => Some(a.seq),
            Event::Unknown { seq, .. } => *seq,
            Event::Info(_) | Event::Error { .. } => None,
        }
    }
}

/// Decodes one frame. Records of collections `keep` refuses are skipped undecoded; the rest are
/// decoded into `R` as `mode` validates. The commit's signature is not checked here.
pub fn parse_frame<R: RecordSet>(
    bytes: &[u8],
    keep: &dyn Fn(&str) -> bool,
    mode: Mode,
) -> Result<Event<R>, FrameError> {
    let (header, body) = split_frame(bytes)?;
    if header.op == -1 {
        let value = lexicon_runtime::cbor::decode(body).map_err(lexicon_runtime::Error::Cbor)?;
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        return Ok(Event::Error {
            error: text("error").unwrap_or_default(),
            message: text("message"),
        });
    }
    let t = header.t.unwrap_or_default();
    Ok(match t.as_str() {
        "#commit" => Event::Commit(Box::new(commit_event(
            lexicon::Commit::from_cbor_with(mode, body)?,
            keep,
            mode,
        )?)),
        "#sync" => Event::Sync(Box::new(sync_event(DagCbor::from_cbor_with(mode, body)?)?)),
        "#identity" => Event::Identity(Box::new(DagCbor::from_cbor_with(mode, body)?)),
        "#account" => Event::Account(Box::new(DagCbor::from_cbor_with(mode, body)?)),
        "#info" => Event::Info(Box::new(DagCbor::from_cbor_with(mode, body)?)),
        _ => {
            let value =
                lexicon_runtime::cbor::decode(body).map_err(lexicon_runtime::Error::Cbor)?;
            Event::Unknown {
                seq: value.get("seq").and_then(|v| v.as_i64()),
                t,
            }
        }
    })
}

fn link(link: &lexicon_runtime::CidLink) -> Result<Cid, RepoError> {
    Cid::try_from(link.as_str()).map_err(|e| RepoError::Car {
        offset: 0,
        message: format!("{} is not a CID: {e}", link.as_str()),
    })
}

fn commit_event<R: RecordSet>(
    message: lexicon::Commit,
    keep: &dyn Fn(&str) -> bool,
    mode: Mode,
) -> Result<CommitEvent<R>, FrameError> {
    let (_, blocks) = read_car(message.blocks.as_ref())?;
    let commit_cid = link(&message.commit)?;
    let prev_data = message.prev_data.as_ref().map(link).transpose()?;
    let commit = repo_commit(&blocks, &commit_cid, message.repo.as_str())?;
    let mut ops = Vec::new();
    for op in &message.ops {
        let Some((collection, rkey)) = op.path.split_once('/') else {
            continue;
        };
        if !keep(collection) {
            continue;
        }
        let action = match op.action.as_str() {
            "create" => Action::Create,
            "update" => Action::Update,
            _ => Action::Delete,
        };
        let cid = op.cid.as_ref().map(link).transpose()?;
        let mut problem = None;
        let record = match (&cid, action) {
            (Some(cid), Action::Create | Action::Update) => match blocks.get(cid) {
                Some(bytes) => Some(decode_record(collection, bytes, mode)),
                None => {
                    problem = Some(RepoError::MissingBlock(cid.to_string()));
                    None
                }
            },
            _ => None,
        };
        // The commit's tree must map the path to the op's CID (and a deleted path to nothing).
        if problem.is_none() && !message.too_big {
            match mst::lookup(&blocks, &commit.data, &op.path) {
                Ok(found) if found == cid => {}
                Ok(found) => {
                    problem = Some(RepoError::Proof {
                        path: op.path.clone(),
                        message: format!(
                            "the commit's tree maps it to {}, the op says {}",
                            found.map_or("nothing".into(), |c| c.to_string()),
                            cid.map_or("nothing".into(), |c| c.to_string())
                        ),
                    })
                }
                Err(e) => problem = Some(e),
            }
        }
        ops.push(OpEvent {
            action,
            collection: collection.to_owned(),
            rkey: rkey.to_owned(),
            cid,
            record,
            problem,
        });
    }
    Ok(CommitEvent {
        seq: message.seq,
        repo: message.repo.as_str().to_owned(),
        rev: message.rev.as_str().to_owned(),
        since: message.since.as_ref().map(|t| t.as_str().to_owned()),
        prev_data,
        time: message.time.as_str().to_owned(),
        too_big: message.too_big,
        commit,
        commit_cid,
        ops,
        signature: None,
    })
}
