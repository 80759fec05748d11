//! Several writes in one commit: `com.atproto.repo.applyWrites` with generated records, each
//! checked against its schema and key type before anything is sent, and a result per write.

use lexicon_runtime::record::Record;
use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{Cid, Format as _, Nsid, RecordKey};

use crate::atproto::com::atproto::repo::apply_writes::{
    self, ApplyWrites, ApplyWritesError, InputWritesItem, OutputResultsItem,
};
use crate::atproto::com::atproto::repo::defs::CommitMeta;
use crate::client::Client;
use crate::error::Error;
use crate::records::{check_key, prepare, Created};

/// One write of a batch: a create, an update or a delete of a generated record type.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    item: InputWritesItem,
    /// The record's DAG-CBOR encoding, to check the CID the server gives it.
    #[cfg(feature = "dag-cbor")]
    encoded: Option<Vec<u8>>,
}

/// What one write of a batch did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WriteResult {
    /// A record was created.
    Created(Created),
    /// A record was replaced.
    Updated(Created),
    /// A record was deleted.
    Deleted,
}

/// What a batch did: the commit, and one result per write, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Applied {
    /// The commit that made the writes (`cid`, `rev`), when the server says.
    pub commit: Option<CommitMeta>,
    /// One result per write, in the order of the writes.
    pub results: Vec<WriteResult>,
}

type WriteError = Error<ApplyWritesError>;

impl Write {
    /// Creates `record` under a new key (a TID the server picks, or the literal key of a
    /// `literal:` key type).
    pub fn create<R: Record>(record: &R) -> Result<Self, WriteError> {
        let rkey = R::KEY.strip_prefix("literal:");
        Self::create_at(record, rkey)
    }

    /// Creates `record` under `rkey`, which must fit the record's key type.
    pub fn create_with_key<R: Record>(rkey: &str, record: &R) -> Result<Self, WriteError> {
        Self::create_at(record, Some(rkey))
    }

    fn create_at<R: Record>(record: &R, rkey: Option<&str>) -> Result<Self, WriteError> {
        let value = prepare(apply_writes::NSID, record, rkey)?;
        let mut create = apply_writes::Create::new(collection::<R>(), value);
        create.rkey = rkey.map(|k| RecordKey::new_unchecked(k.to_owned()));
        Self::of(InputWritesItem::Create(Box::new(create)), record)
    }

    /// Replaces (or creates) the record at `rkey` with `record`.
    pub fn update<R: Record>(rkey: &str, record: &R) -> Result<Self, WriteError> {
        let value = prepare(apply_writes::NSID, record, Some(rkey))?;
        let rkey = RecordKey::new_unchecked(rkey.to_owned());
        let update = apply_writes::Update::new(collection::<R>(), rkey, value);
        Self::of(InputWritesItem::Update(Box::new(update)), record)
    }

    /// Deletes the record at `rkey` of collection `R`.
    pub fn delete<R: Record>(rkey: &str) -> Result<Self, WriteError> {
        let rkey = check_key::<R, _>(apply_writes::NSID, rkey)?;
        let delete = apply_writes::Delete::new(collection::<R>(), rkey);
        Ok(Write {
            item: InputWritesItem::Delete(Box::new(delete)),
            #[cfg(feature = "dag-cbor")]
            encoded: None,
        })
    }

    fn of<R: Record>(item: InputWritesItem, record: &R) -> Result<Self, WriteError> {
        #[cfg(feature = "dag-cbor")]
        let encoded =
            Some(
                lexicon_runtime::cbor::to_cbor(record).map_err(|error| Error::Invalid {
                    nsid: apply_writes::NSID,
                    error,
                })?,
            );
        #[cfg(not(feature = "dag-cbor"))]
        let _ = record;
        Ok(Write {
            item,
            #[cfg(feature = "dag-cbor")]
            encoded,
        })
    }
}

fn collection<R: Record>() -> Nsid {
    Nsid::new_unchecked(R::NSID.to_owned())
}

impl Client {
    /// Applies `writes` to the logged-in account's repository in one commit; with
    /// `swap_commit`, only if the repository's current commit has that CID
    /// (`Error::Xrpc { error: ApplyWritesError::InvalidSwap, .. }` otherwise). With the
    /// `dag-cbor` feature, each created or updated record's CID is checked against the one
    /// computed here.
    pub async fn apply_writes(
        &self,
        writes: Vec<Write>,
        swap_commit: Option<&Cid>,
    ) -> Result<Applied, WriteError> {
        let nsid = apply_writes::NSID;
        let repo = self.own_repo(nsid)?;
        #[cfg(feature = "dag-cbor")]
        let encoded: Vec<_> = writes.iter().map(|w| w.encoded.clone()).collect();
        let items = writes.into_iter().map(|w| w.item).collect::<Vec<_>>();
        let mut input = apply_writes::Input::new(repo, items);
        input.swap_commit = swap_commit.cloned();
        let output = self.call::<ApplyWrites>(&NoParams, &input).await?;
        let commit = output.commit;
        let mut results = Vec::new();
        for (i, result) in output.results.unwrap_or_default().into_iter().enumerate() {
            let written = |uri, cid| {
                #[cfg(feature = "dag-cbor")]
                if let Some(Some(bytes)) = encoded.get(i) {
                    crate::records::check_cid(nsid, &uri, &cid, bytes)?;
                }
                #[cfg(not(feature = "dag-cbor"))]
                let _ = i;
                Ok::<_, WriteError>(Created {
                    uri,
                    cid,
                    commit: commit.clone(),
                })
            };
            results.push(match result {
                OutputResultsItem::CreateResult(r) => WriteResult::Created(written(r.uri, r.cid)?),
                OutputResultsItem::UpdateResult(r) => WriteResult::Updated(written(r.uri, r.cid)?),
                OutputResultsItem::DeleteResult(_) => WriteResult::Deleted,
            });
        }
        Ok(Applied { commit, results })
    }
}
