//! Record keys: the key types a `record` def names (`tid`, `nsid`, `any`, `literal:<value>`).

use crate::error::Error;
use crate::formats::{is_valid_nsid, is_valid_record_key, is_valid_tid};

/// Checks `rkey` as the PDS does on a write: record-key syntax, then the record's key type.
pub fn check_record_key(collection: &str, key_type: &str, rkey: &str) -> Result<(), Error> {
    let fits = is_valid_record_key(rkey)
        && match key_type {
            "tid" => is_valid_tid(rkey),
            "nsid" => is_valid_nsid(rkey),
            "any" => true,
            other => other.strip_prefix("literal:") == Some(rkey),
        };
    if fits {
        Ok(())
    } else {
        Err(Error::InvalidRecordKey {
            collection: collection.to_owned(),
            rkey: rkey.to_owned(),
            expected: key_type.to_owned(),
        })
    }
}
