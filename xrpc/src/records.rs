//! Typed record operations over `com.atproto.repo`: a record is checked against its schema and
//! its key type before anything is sent, and read back as its generated type.

use lexicon_runtime::record::Record;
use lexicon_runtime::xrpc::{NoParams, UnlistedError};
use lexicon_runtime::{AtIdentifier, AtUri, Blob, Cid, Format, Nsid, RecordKey, Unknown};

use crate::atproto::com::atproto::repo::create_record::{self, CreateRecord, CreateRecordError};
use crate::atproto::com::atproto::repo::defs::CommitMeta;
use crate::atproto::com::atproto::repo::delete_record::{self, DeleteRecord, DeleteRecordError};
use crate::atproto::com::atproto::repo::get_record::{self, GetRecord, GetRecordError};
use crate::atproto::com::atproto::repo::put_record::{self, PutRecord, PutRecordError};
use crate::atproto::com::atproto::repo::upload_blob::UploadBlob;
use crate::client::Client;
use crate::error::Error;

/// Where a record was written: its AT URI and the CID of its content (a `strongRef`'s two
/// fields), and the commit that wrote it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Created {
    /// `at://<did>/<collection>/<rkey>`.
    pub uri: AtUri,
    /// The CID of the record's DAG-CBOR encoding.
    pub cid: Cid,
    /// The repository commit that made the write (`cid`, `rev`), when the server says.
    pub commit: Option<CommitMeta>,
}

/// A record read from a repository, validated as its generated type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredRecord<R> {
    /// `at://<did>/<collection>/<rkey>`.
    pub uri: AtUri,
    /// The CID of the record's content, as the server gave it (`listRecords` always does,
    /// `getRecord` may leave it out).
    pub cid: Option<Cid>,
    /// The record.
    pub value: R,
}

impl Client {
    /// Writes `record` to the logged-in account's repository under a new key (a TID the
    /// server picks, or the literal key of a `literal:` key type), with `$type` set. The
    /// record is validated first: if it breaks its schema, nothing is sent and the error
    /// lists every violation. With the `dag-cbor` feature, a CID from the server other than
    /// the one computed here is an [`Error::CidMismatch`].
    pub async fn create_record<R: Record>(
        &self,
        record: &R,
    ) -> Result<Created, Error<CreateRecordError>> {
        let rkey = R::KEY.strip_prefix("literal:");
        self.create(record, rkey).await
    }

    /// Writes `record` under the key `rkey`, which must fit the record's key type (checked
    /// before anything is sent).
    pub async fn create_record_with_key<R: Record>(
        &self,
        record: &R,
        rkey: &str,
    ) -> Result<Created, Error<CreateRecordError>> {
        self.create(record, Some(rkey)).await
    }

    async fn create<R: Record>(
        &self,
        record: &R,
        rkey: Option<&str>,
    ) -> Result<Created, Error<CreateRecordError>> {
        let nsid = create_record::NSID;
        let value = prepare(nsid, record, rkey)?;
        let repo = self.own_repo(nsid)?;
        let collection = Nsid::new_unchecked(R::NSID.to_owned());
        let mut input = create_record::Input::new(repo, collection, value);
        input.rkey = rkey.map(|k| RecordKey::new_unchecked(k.to_owned()));
        let output = self.call::<CreateRecord>(&NoParams, &input).await?;
        written(nsid, output.uri, output.cid, output.commit, record)
    }

    /// Replaces (or creates) the record at `rkey` in the logged-in account's repository. With
    /// `swap_record`, the server refuses the write unless the current record has that CID:
    /// `Error::Xrpc { error: PutRecordError::InvalidSwap, .. }`.
    pub async fn put_record<R: Record>(
        &self,
        rkey: &str,
        record: &R,
        swap_record: Option<&Cid>,
    ) -> Result<Created, Error<PutRecordError>> {
        self.put(rkey, record, swap_record.map(Some)).await
    }

    /// `putRecord` with `swap`: `None` for no check, `Some(Some(cid))` for "only if the record
    /// has this CID", `Some(None)` for "only if there is no record".
    pub(crate) async fn put<R: Record>(
        &self,
        rkey: &str,
        record: &R,
        swap: Option<Option<&Cid>>,
    ) -> Result<Created, Error<PutRecordError>> {
        let nsid = put_record::NSID;
        let value = prepare(nsid, record, Some(rkey))?;
        let repo = self.own_repo(nsid)?;
        let collection = Nsid::new_unchecked(R::NSID.to_owned());
        let rkey = RecordKey::new_unchecked(rkey.to_owned());
        let mut input = put_record::Input::new(repo, collection, rkey, value);
        input.swap_record = swap.map(|cid| cid.cloned());
        let output = self.call::<PutRecord>(&NoParams, &input).await?;
        written(nsid, output.uri, output.cid, output.commit, record)
    }

    /// Deletes the record at `rkey` of collection `R` in the logged-in account's repository
    /// (succeeding if there is none); with `swap_record`, only if the current record has that
    /// CID. Returns the commit that deleted it, when the server says.
    pub async fn delete_record<R: Record>(
        &self,
        rkey: &str,
        swap_record: Option<&Cid>,
    ) -> Result<Option<CommitMeta>, Error<DeleteRecordError>> {
        let nsid = delete_record::NSID;
        let rkey = check_key::<R, _>(nsid, rkey)?;
        let collection = Nsid::new_unchecked(R::NSID.to_owned());
        let mut input = delete_record::Input::new(self.own_repo(nsid)?, collection, rkey);
        input.swap_record = swap_record.cloned();
        let output = self.call::<DeleteRecord>(&NoParams, &input).await?;
        Ok(output.commit)
    }

    /// Reads the record at `rkey` of collection `R` in `repo` (a DID or handle) and validates
    /// it as an `R` (in the client's mode). With the `dag-cbor` feature, a record whose content
    /// does not match the CID the server gives is an [`Error::CidMismatch`]. A missing record
    /// is `Error::Xrpc { error: GetRecordError::RecordNotFound, .. }`.
    pub async fn get_record<R: Record>(
        &self,
        repo: impl AsRef<str>,
        rkey: &str,
    ) -> Result<StoredRecord<R>, Error<GetRecordError>> {
        let nsid = get_record::NSID;
        let params = get_record::Params::new(
            repo_id(nsid, repo.as_ref())?,
            Nsid::new_unchecked(R::NSID.to_owned()),
            check_key::<R, _>(nsid, rkey)?,
        );
        let output = self.query::<GetRecord>(&params).await?;
        let value =
            self.read_record::<R, _>(nsid, &output.uri, output.cid.as_ref(), &output.value)?;
        Ok(StoredRecord {
            uri: output.uri,
            cid: output.cid,
            value,
        })
    }

    /// Reads the record an AT URI names (`at://<repo>/<collection>/<rkey>`, as in a
    /// `strongRef`), whose collection must be `R`'s.
    pub async fn get_record_at<R: Record>(
        &self,
        uri: &AtUri,
    ) -> Result<StoredRecord<R>, Error<GetRecordError>> {
        let nsid = get_record::NSID;
        let rest = uri.as_str().trim_start_matches("at://");
        let mut parts = rest.splitn(3, '/');
        let (repo, collection, rkey) = (parts.next(), parts.next(), parts.next());
        match (repo, collection, rkey) {
            (Some(repo), Some(collection), Some(rkey)) if collection == R::NSID => {
                self.get_record::<R>(repo, rkey).await
            }
            _ => Err(Error::Invalid {
                nsid,
                error: lexicon_runtime::Error::Parse {
                    path: "uri".into(),
                    message: format!("{uri} does not name a record of collection {}", R::NSID),
                },
            }),
        }
    }

    /// Uploads a blob (an image, a file) and returns the [`Blob`] to put in a record; the
    /// blob is kept by the server only once a record refers to it.
    pub async fn upload_blob(
        &self,
        bytes: Vec<u8>,
        mime_type: &str,
    ) -> Result<Blob, Error<UnlistedError>> {
        let output = self
            .call_as::<UploadBlob>(&NoParams, &bytes, Some(mime_type))
            .await?;
        Ok(output.blob)
    }

    /// The logged-in account's DID, as the repository to write to.
    pub(crate) fn own_repo<E>(&self, nsid: &'static str) -> Result<AtIdentifier, Error<E>> {
        let did = self.did().ok_or(Error::NotLoggedIn { nsid })?;
        Ok(AtIdentifier::new_unchecked(did.into_string()))
    }

    /// A record value from the server as an `R`, with its CID checked when there is one and
    /// the `dag-cbor` feature is on.
    pub(crate) fn read_record<R: Record, E>(
        &self,
        nsid: &'static str,
        uri: &AtUri,
        cid: Option<&Cid>,
        value: &Unknown,
    ) -> Result<R, Error<E>> {
        let json = serde_json::to_string(value.as_value()).unwrap_or_default();
        let record = lexicon_runtime::json::from_json_with::<R>(self.mode(), &json)
            .map_err(|error| Error::InvalidResponse { nsid, error })?;
        #[cfg(feature = "dag-cbor")]
        if let Some(remote) = cid {
            let bytes = lexicon_runtime::cbor::json_to_cbor(&json)
                .map_err(|error| Error::InvalidResponse { nsid, error })?;
            check_cid(nsid, uri, remote, &bytes)?;
        }
        #[cfg(not(feature = "dag-cbor"))]
        let _ = (uri, cid);
        Ok(record)
    }
}

/// Checks a record before a write: every violation of its schema, then its key; returns it
/// as the `unknown` value of the write's input, `$type` included.
pub(crate) fn prepare<R: Record, E>(
    nsid: &'static str,
    record: &R,
    rkey: Option<&str>,
) -> Result<Unknown, Error<E>> {
    let invalid = |error| Error::Invalid { nsid, error };
    record
        .validate()
        .map_err(|errors| invalid(lexicon_runtime::Error::Invalid(errors)))?;
    if let Some(rkey) = rkey {
        R::check_key(rkey).map_err(invalid)?;
    }
    Unknown::from_typed(record).map_err(|errors| invalid(lexicon_runtime::Error::Invalid(errors)))
}

/// `rkey` as a record key of `R`'s key type.
pub(crate) fn check_key<R: Record, E>(
    nsid: &'static str,
    rkey: &str,
) -> Result<RecordKey, Error<E>> {
    R::check_key(rkey).map_err(|error| Error::Invalid { nsid, error })?;
    Ok(RecordKey::new_unchecked(rkey.to_owned()))
}

/// `repo` as an at-identifier (a DID or handle).
pub(crate) fn repo_id<E>(nsid: &'static str, repo: &str) -> Result<AtIdentifier, Error<E>> {
    AtIdentifier::new(repo).map_err(|e| Error::Invalid {
        nsid,
        error: lexicon_runtime::Error::Parse {
            path: "repo".into(),
            message: e.to_string(),
        },
    })
}

/// Where a record was written, once (with the `dag-cbor` feature) the CID the server gave it
/// is found to be the one computed here from the record's DAG-CBOR encoding.
fn written<R: Record, E>(
    nsid: &'static str,
    uri: AtUri,
    cid: Cid,
    commit: Option<CommitMeta>,
    record: &R,
) -> Result<Created, Error<E>> {
    #[cfg(feature = "dag-cbor")]
    {
        let bytes = lexicon_runtime::cbor::to_cbor(record)
            .map_err(|error| Error::Invalid { nsid, error })?;
        check_cid(nsid, &uri, &cid, &bytes)?;
    }
    #[cfg(not(feature = "dag-cbor"))]
    let _ = (nsid, record);
    Ok(Created { uri, cid, commit })
}

/// The CID the server gave a record against the CID of the record's DAG-CBOR `bytes`.
#[cfg(feature = "dag-cbor")]
pub(crate) fn check_cid<E>(
    nsid: &'static str,
    uri: &AtUri,
    remote: &Cid,
    bytes: &[u8],
) -> Result<(), Error<E>> {
    let local = lexicon_runtime::cbor::cid_of(bytes);
    if &local == remote {
        return Ok(());
    }
    Err(Error::CidMismatch {
        nsid,
        uri: uri.clone(),
        remote: remote.clone(),
        local,
    })
}
