//! Repositories and record proofs read from CAR files: the commit, the MST walked to
//! `(collection, rkey) → CID`, and each record decoded into the generated `KnownRecord`.

use std::io::Read;

use cid::Cid;
use lexicon_identity::PublicKey;
use lexicon_runtime::cbor::Cbor;
use lexicon_runtime::record::RecordSet;
use lexicon_runtime::{Error, Mode};

use crate::car::{read_car, BlockMap};
use crate::commit::Commit;
use crate::{mst, RepoError};

/// A record's value, as far as the lexicons known to the caller go.
#[derive(Debug)]
pub enum Decoded<R> {
    /// A record of a known collection, valid.
    Known(R),
    /// A record of a collection the record set does not know, kept as its DAG-CBOR bytes.
    Unknown(Vec<u8>),
    /// A record of a known collection that breaks its schema: its bytes and every violation.
    Invalid {
        /// The record's DAG-CBOR bytes.
        bytes: Vec<u8>,
        /// Why it was refused.
        error: Error,
    },
}

impl<R> Decoded<R> {
    /// The valid record, if it is one.
    pub fn known(&self) -> Option<&R> {
        match self {
            Decoded::Known(r) => Some(r),
            _ => None,
        }
    }
}

/// Decodes a record of `collection` from DAG-CBOR into the record set `R`, validated as
/// `mode`'s validator would.
pub fn decode_record<R: RecordSet>(collection: &str, bytes: &[u8], mode: Mode) -> Decoded<R> {
    match R::parse_record(mode, collection, Cbor(bytes)) {
        Ok(record) => Decoded::Known(record),
        Err(Error::UnknownCollection(_)) => Decoded::Unknown(bytes.to_vec()),
        Err(error) => Decoded::Invalid {
            bytes: bytes.to_vec(),
            error,
        },
    }
}

/// One record of a repository.
#[derive(Debug)]
#[non_exhaustive]
pub struct RepoRecord<R> {
    /// The collection NSID.
    pub collection: String,
    /// The record key.
    pub rkey: String,
    /// The record's CID (its block's bytes hash to it).
    pub cid: Cid,
    /// The record.
    pub value: Decoded<R>,
}

/// Splits an MST key into collection and record key.
fn split_key(key: &str) -> Result<(&str, &str), RepoError> {
    key.split_once('/').ok_or_else(|| RepoError::Mst {
        cid: String::new(),
        message: format!("key {key:?} is not collection/rkey"),
    })
}

/// A whole repository, as `com.atproto.sync.getRepo` exports it.
#[derive(Debug, Clone)]
pub struct Repo {
    commit_cid: Cid,
    commit: Commit,
    blocks: BlockMap,
}

impl Repo {
    /// Reads a repository export: every block's CID checked, the root a commit.
    pub fn from_car(bytes: &[u8]) -> Result<Repo, RepoError> {
        Self::from_reader(bytes)
    }

    /// Reads a repository export from a stream, one block at a time.
    pub fn from_reader(reader: impl Read) -> Result<Repo, RepoError> {
        let (roots, blocks) = read_car(reader)?;
        let root = match roots[..] {
            [root] => root,
            _ => {
                return Err(RepoError::Car {
                    offset: 0,
                    message: format!(
                        "a repository has one root (its commit), not {}",
                        roots.len()
                    ),
                })
            }
        };
        let commit = Commit::decode(&root, blocks.require(&root)?)?;
        Ok(Repo {
            commit_cid: root,
            commit,
            blocks,
        })
    }

    /// The commit at the root.
    pub fn commit(&self) -> &Commit {
        &self.commit
    }

    /// The commit's CID.
    pub fn commit_cid(&self) -> &Cid {
        &self.commit_cid
    }

    /// The blocks of the export.
    pub fn blocks(&self) -> &BlockMap {
        &self.blocks
    }

    /// Checks the commit's signature with the repository's signing key.
    pub fn verify(&self, key: &PublicKey) -> Result<(), RepoError> {
        self.commit.verify(key)
    }

    /// Every `(collection/rkey, record CID)` of the repository, in key order, the MST's rules
    /// checked.
    pub fn entries(&self) -> Result<Vec<(String, Cid)>, RepoError> {
        mst::walk(&self.blocks, &self.commit.data)
    }

    /// Every record, decoded into `R` as `mode` validates (records of unknown collections kept
    /// as bytes, invalid ones with their violations); a missing record block is an error item.
    pub fn records<R: RecordSet>(
        &self,
        mode: Mode,
    ) -> Result<impl Iterator<Item = Result<RepoRecord<R>, RepoError>> + '_, RepoError> {
        let entries = self.entries()?;
        Ok(entries.into_iter().map(move |(key, cid)| {
            let (collection, rkey) = split_key(&key)?;
            let bytes = self.blocks.require(&cid)?;
            Ok(RepoRecord {
                collection: collection.to_owned(),
                rkey: rkey.to_owned(),
                cid,
                value: decode_record(collection, bytes, mode),
            })
        }))
    }
}

/// A record proved by a signed commit (`com.atproto.sync.getRecord`'s CAR).
#[derive(Debug)]
#[non_exhaustive]
pub struct ProvenRecord<R> {
    /// The commit that proves it (signature checked).
    pub commit: Commit,
    /// The record's CID in that commit's tree.
    pub cid: Cid,
    /// The record.
    pub value: Decoded<R>,
}

/// Verifies a record proof: the commit at the root is signed by `key`, and its MST maps
/// `collection/rkey` to a record block in the CAR. `Ok(None)` when the proof shows the record
/// is absent.
pub fn verify_record_proof<R: RecordSet>(
    car: &[u8],
    collection: &str,
    rkey: &str,
    key: &PublicKey,
    mode: Mode,
) -> Result<Option<ProvenRecord<R>>, RepoError> {
    let repo = Repo::from_car(car)?;
    repo.verify(key)?;
    let path = format!("{collection}/{rkey}");
    let Some(cid) = mst::lookup(&repo.blocks, &repo.commit.data, &path)? else {
        return Ok(None);
    };
    let bytes = repo.blocks.get(&cid).ok_or_else(|| RepoError::Proof {
        path: path.clone(),
        message: format!("the tree names record {cid}, whose block the proof lacks"),
    })?;
    Ok(Some(ProvenRecord {
        value: decode_record(collection, bytes, mode),
        commit: repo.commit,
        cid,
    }))
}
