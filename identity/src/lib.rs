//! atproto identity for Rust services: the keys, signatures and DID documents that service
//! auth, commit signatures and record proofs rest on.
//!
//! - [`PublicKey`]: a K-256 or P-256 public key, from `did:key:...`, from a multikey
//!   (`publicKeyMultibase`) or from a DID document's verification method; [`PublicKey::verify`]
//!   checks a 64-byte compact ECDSA signature over SHA-256, refusing high-S signatures as the
//!   atproto spec requires ([`SignatureRules::Strict`]) or accepting them where the reference
//!   does (JWTs: [`SignatureRules::AllowMalleable`]).
//! - [`DidDocument`]: the parts of a DID document atproto reads (handle, signing key, PDS).
//! - [`DidResolver`]: resolves a DID to its document; [`HttpResolver`] (feature `http`, on by
//!   default) reads did:plc from a PLC directory and did:web from `/.well-known/did.json`;
//!   [`CachingResolver`] keeps documents for a while and refreshes one on request (after a key
//!   rotation, say).
//! - [`HandleResolver`]: resolves a handle to the DID it names; [`XrpcHandleResolver`] asks a
//!   service (`com.atproto.identity.resolveHandle`), [`WellKnownHandleResolver`] the handle's
//!   host (`/.well-known/atproto-did`), [`DnsHandleResolver`] (feature `dns`) its `_atproto`
//!   TXT record, and [`AtprotoHandleResolver`] does the spec's procedure (DNS, then HTTPS).
//!
//! ```
//! use lexicon_identity::PublicKey;
//!
//! let key = PublicKey::from_did_key("did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc")?;
//! assert_eq!(key.jwt_alg(), "ES256K");
//! # Ok::<(), lexicon_identity::KeyError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod current_key;
mod did;
#[cfg(feature = "http")]
mod get;
mod handle;
#[cfg(feature = "dns")]
mod handle_dns;
mod key;
mod resolve;

pub use address::AddressPolicy;
pub use current_key::{check_with_current_key, KeyCheckError};
pub use did::{DidDocument, Service, VerificationMethod};
pub use handle::{HandleError, HandleResolver};
#[cfg(feature = "http")]
pub use handle::{WellKnownHandleResolver, XrpcHandleResolver};
#[cfg(all(feature = "dns", feature = "http"))]
pub use handle_dns::AtprotoHandleResolver;
#[cfg(feature = "dns")]
pub use handle_dns::DnsHandleResolver;
pub use key::{KeyError, PublicKey, SignatureRules};
#[cfg(feature = "http")]
pub use resolve::HttpResolver;
pub use resolve::{BoxFuture, CachingResolver, DidResolver, ResolveError, StaticResolver};
