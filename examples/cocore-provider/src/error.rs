//! What a provider's step can fail with.

use lexicon_xrpc::Cause;

/// Why a step of the provider's cycle failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The client has no account (no credentials with a DID).
    #[error("the client is not signed in to an account")]
    NotSignedIn,
    /// A call to the PDS failed; the source is the client's `Error`.
    #[error("{step}: {error}")]
    Call {
        /// What the provider was doing.
        step: &'static str,
        /// The client's error.
        #[source]
        error: Cause,
    },
    /// A record built from the given values breaks its schema (every violation listed).
    #[error("the {record} record is not valid: {error:#}")]
    Invalid {
        /// The record's collection.
        record: &'static str,
        /// The violations.
        #[source]
        error: lexicon_runtime::Error,
    },
    /// A record could not be signed (it has no canonical form).
    #[error("the record could not be signed")]
    Signing(#[source] cocore_sdk::signature::SignatureError),
    /// The provider record was left as it was (nothing to write).
    #[error("the provider record was left as it was")]
    Unchanged,
    /// There is no provider record at this key.
    #[error("there is no provider record at {0}")]
    NoMachine(String),
    /// The machine is serving a job already (or another worker took it meanwhile).
    #[error("the machine {0} is serving another job")]
    Busy(String),
    /// The machine's owner set it inactive.
    #[error("the machine {0} is set inactive by its owner")]
    Inactive(String),
    /// The job's record changed after it was listed: the receipt would name another job.
    #[error("the job {uri} changed since it was listed (CID {listed}, now {now})")]
    JobChanged {
        /// The job.
        uri: String,
        /// Its CID when listed.
        listed: String,
        /// Its CID now.
        now: String,
    },
    /// The job has a receipt of this provider already (another worker wrote it).
    #[error("the job {0} has a receipt already")]
    AlreadyReceipted(String),
    /// The work's price is over the job's ceiling, or in another currency.
    #[error("the price {price} is over the job's ceiling of {ceiling}")]
    OverCeiling {
        /// The price asked.
        price: String,
        /// The job's ceiling.
        ceiling: String,
    },
}

impl ProviderError {
    /// The error of a failed call during `step`.
    pub(crate) fn step<E>(step: &'static str) -> impl FnOnce(E) -> ProviderError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |error| ProviderError::Call {
            step,
            error: Cause::new(error),
        }
    }
}
