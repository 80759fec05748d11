//! Compare-and-swap: change a record only if it is still the one read, reading again when
//! another writer got there first.

use lexicon_runtime::record::Record;

use crate::atproto::com::atproto::repo::get_record::GetRecordError;
use crate::atproto::com::atproto::repo::put_record::PutRecordError;
use crate::client::Client;
use crate::error::Error;
use crate::records::Created;

impl Client {
    /// Changes the record at `rkey` of the logged-in account by compare-and-swap: reads it (or
    /// finds none), asks `change` for the new record (`None`: leave it as it is), and writes it
    /// only if the record is still the one read (`swapRecord` is the CID read, or null when
    /// there was none). When another write got there first (`InvalidSwap`), it reads again and
    /// asks `change` again, up to `attempts` writes in all; the last `InvalidSwap` is returned.
    /// A read that fails is returned as the error of the write.
    ///
    /// A write of the content the record already has is a no-op to the reference PDS, which
    /// answers it as a success without checking `swapRecord` (and without a commit:
    /// [`Created::commit`] is `None`). When two writers may race to write the same content (two
    /// workers setting the same flag), the one whose answer has no commit did not write it.
    pub async fn swap_record<R: Record + Send + 'static>(
        &self,
        rkey: &str,
        attempts: u32,
        mut change: impl FnMut(Option<&R>) -> Option<R>,
    ) -> Result<Option<Created>, Error<PutRecordError>> {
        let repo =
            self.own_repo::<PutRecordError>(crate::atproto::com::atproto::repo::put_record::NSID)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = match self.get_record::<R>(repo.as_str(), rkey).await {
                Ok(stored) => Some((stored.value, stored.cid)),
                Err(Error::Xrpc {
                    error: GetRecordError::RecordNotFound,
                    ..
                }) => None,
                Err(error) => return Err(error.retyped()),
            };
            let Some(next) = change(current.as_ref().map(|(value, _)| value)) else {
                return Ok(None);
            };
            let swap = match &current {
                Some((_, Some(cid))) => Some(cid),
                Some((_, None)) => {
                    return Err(Error::InvalidResponse {
                        nsid: crate::atproto::com::atproto::repo::get_record::NSID,
                        error: lexicon_runtime::Error::Parse {
                            path: "cid".into(),
                            message: "the record was read without a CID, so it cannot be swapped"
                                .into(),
                        },
                    })
                }
                // No record: write only if there still is none.
                None => None,
            };
            match self.put(rkey, &next, Some(swap)).await {
                Err(Error::Xrpc {
                    error: PutRecordError::InvalidSwap,
                    ..
                }) if attempt < attempts => continue,
                result => return result.map(Some),
            }
        }
    }
}
