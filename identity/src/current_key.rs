//! Checking something with a DID's current key: the key from the (possibly cached) DID
//! document, and, when the check fails, the key from a freshly fetched document, in case the
//! key was rotated since. What service auth and the firehose both do with signatures.

use crate::did::DidDocument;
use crate::key::PublicKey;
use crate::resolve::{DidResolver, ResolveError};

/// Why a check with a DID's key did not pass.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KeyCheckError<E> {
    /// The DID could not be resolved.
    #[error(transparent)]
    Resolve(ResolveError),
    /// The DID document has no usable key with that id.
    #[error("the DID document of {did} {message}")]
    NoKey {
        /// The DID.
        did: String,
        /// What is wrong with its key.
        message: String,
    },
    /// The check failed with the current key too.
    #[error(transparent)]
    Failed(E),
}

fn key_of<E>(doc: &DidDocument, fragment: &str) -> Result<PublicKey, KeyCheckError<E>> {
    let no_key = |message: String| KeyCheckError::NoKey {
        did: doc.id.clone(),
        message,
    };
    match doc.key(fragment) {
        Some(Ok(key)) => Ok(key),
        Some(Err(e)) => Err(no_key(format!(
            "has a #{fragment} key that cannot be read: {e}"
        ))),
        None => Err(no_key(format!("has no #{fragment} key"))),
    }
}

/// Runs `check` with the key `#{fragment}` of `did`'s document (`atproto` for the signing
/// key). If it fails, the document is fetched again ([`DidResolver::refresh`]) and, when the key
/// changed, `check` runs once more with the new key.
pub async fn check_with_current_key<T, E>(
    resolver: &dyn DidResolver,
    did: &str,
    fragment: &str,
    check: impl Fn(&PublicKey) -> Result<T, E>,
) -> Result<T, KeyCheckError<E>> {
    let doc = resolver
        .resolve(did)
        .await
        .map_err(KeyCheckError::Resolve)?;
    let (first, outcome) = match key_of(&doc, fragment) {
        Ok(key) => {
            let outcome = check(&key).map_err(KeyCheckError::Failed);
            (Some(key), outcome)
        }
        Err(e) => (None, Err(e)),
    };
    if outcome.is_ok() {
        return outcome;
    }
    let fresh = resolver
        .refresh(did)
        .await
        .map_err(KeyCheckError::Resolve)?;
    match key_of(&fresh, fragment) {
        Ok(key) if first.as_ref() != Some(&key) => check(&key).map_err(KeyCheckError::Failed),
        Ok(_) => outcome,
        Err(e) => Err(e),
    }
}
