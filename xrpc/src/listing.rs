//! Listing a collection (`com.atproto.repo.listRecords`): one result per record, page by page
//! or as a stream; a record that is not a valid `R` is kept, raw, with why.

use std::marker::PhantomData;

use futures_util::{stream, Stream, StreamExt, TryStreamExt};
use lexicon_runtime::record::Record;
use lexicon_runtime::xrpc::UnlistedError;
use lexicon_runtime::{AtUri, Cid, Format as _, Nsid, Unknown};

use crate::atproto::com::atproto::repo::list_records::{self, ListRecords};
use crate::client::Client;
use crate::error::Error;
use crate::records::{repo_id, StoredRecord};

/// One record of a listing: read as an `R`, or kept raw with why it is not one (boxed: it
/// holds the raw record and the whole error).
pub type Listed<R> = Result<StoredRecord<R>, Box<InvalidRecord>>;

/// A listed record that is not a valid `R` (it breaks the schema, or its content does not match
/// its CID): kept raw, so that one bad record does not fail the page.
#[derive(Debug)]
#[non_exhaustive]
pub struct InvalidRecord {
    /// `at://<did>/<collection>/<rkey>`.
    pub uri: AtUri,
    /// The CID the server gave it.
    pub cid: Cid,
    /// The record as the server sent it.
    pub value: Unknown,
    /// Why it is not a valid `R`: every violation (`error`'s source is the runtime's error,
    /// whose source lists them), or the CID mismatch.
    pub error: Error<UnlistedError>,
}

impl std::fmt::Display for InvalidRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.uri, self.error)
    }
}

impl std::error::Error for InvalidRecord {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl Client {
    /// The records of collection `R` in `repo`, page by page (`next_page`) or one by one
    /// (`into_stream`), each read as an `R` or kept raw as an [`InvalidRecord`].
    pub fn list_records<R: Record>(&self, repo: impl AsRef<str>) -> RecordPages<R> {
        RecordPages {
            client: self.clone(),
            repo: repo.as_ref().to_owned(),
            cursor: None,
            done: false,
            limit: 100,
            reverse: false,
            record: PhantomData,
        }
    }
}

/// The records of one collection in one repository, read a page (`com.atproto.repo.listRecords`)
/// at a time.
#[must_use]
pub struct RecordPages<R> {
    client: Client,
    repo: String,
    cursor: Option<String>,
    done: bool,
    limit: i64,
    reverse: bool,
    record: PhantomData<fn() -> R>,
}

impl<R: Record + Send + 'static> RecordPages<R> {
    /// Records per page: 1 to 100 (100 by default).
    pub fn page_size(mut self, limit: u8) -> Self {
        self.limit = i64::from(limit.clamp(1, 100));
        self
    }

    /// Oldest first (by record key) instead of newest first.
    pub fn reverse(mut self) -> Self {
        self.reverse = true;
        self
    }

    /// The next page, one result per record, or `None` after the last. Only a failed call is
    /// an error; an invalid record is an `Err` item of the page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Listed<R>>>, Error<UnlistedError>> {
        if self.done {
            return Ok(None);
        }
        let nsid = list_records::NSID;
        let collection = Nsid::new_unchecked(R::NSID.to_owned());
        let mut params = list_records::Params::new(repo_id(nsid, &self.repo)?, collection);
        params.limit = Some(self.limit);
        params.cursor = self.cursor.clone();
        params.reverse = Some(self.reverse).filter(|r| *r);
        let output = self.client.query::<ListRecords>(&params).await?;
        self.cursor = output.cursor;
        self.done = self.cursor.is_none() || output.records.is_empty();
        if output.records.is_empty() {
            return Ok(None);
        }
        let page = output.records.into_iter().map(|r| {
            match self
                .client
                .read_record::<R, UnlistedError>(nsid, &r.uri, Some(&r.cid), &r.value)
            {
                Ok(value) => Ok(StoredRecord {
                    uri: r.uri,
                    cid: Some(r.cid),
                    value,
                }),
                Err(error) => Err(Box::new(InvalidRecord {
                    uri: r.uri,
                    cid: r.cid,
                    value: r.value,
                    error,
                })),
            }
        });
        Ok(Some(page.collect()))
    }

    /// Every record, one at a time, fetching pages as needed; the stream ends after a failed
    /// call.
    pub fn into_stream(self) -> impl Stream<Item = Result<Listed<R>, Error<UnlistedError>>> + Send {
        stream::try_unfold(self, |mut pages| async move {
            Ok(pages.next_page().await?.map(|page| (page, pages)))
        })
        .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}
