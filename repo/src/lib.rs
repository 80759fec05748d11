//! Read the atproto network from Rust: CAR files, signed repository commits, the Merkle search
//! tree, record proofs, and records decoded into the types `lexicon-codegen` generates.
//!
//! - [`car`]: CAR v1, read block by block with every CID checked ([`CarReader`]), or whole
//!   ([`read_car`]).
//! - [`Commit`]: the signed root of a repository; [`Commit::verify`] checks its signature
//!   (low-S) with the key from the DID document ([`lexicon_identity`]).
//! - [`mst`]: the tree of `collection/rkey → record CID`: walk, lookup, build, covering proofs.
//! - [`Repo`]: a `com.atproto.sync.getRepo` export, its records decoded into your
//!   `KnownRecord` ([`Decoded::Known`]), records of other collections kept as bytes
//!   ([`Decoded::Unknown`]), invalid ones with every violation ([`Decoded::Invalid`]).
//! - [`verify_record_proof`]: a `com.atproto.sync.getRecord` proof checked against the signed
//!   commit: what a provider or exchange needs before it trusts a strongRef.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The `com.atproto` bindings (`com.atproto.sync.subscribeRepos` among them): the
/// `lexicon-atproto` crate, the same types `lexicon-xrpc` uses.
pub use lexicon_atproto as atproto;
pub mod car;
#[cfg(feature = "client")]
pub mod client;
mod commit;
mod error;
pub mod firehose;
pub mod jetstream;
pub mod mst;
mod repo;

pub use car::{read_car, write_car, Block, BlockMap, CarReader};
pub use commit::Commit;
pub use error::RepoError;
pub use repo::{decode_record, verify_record_proof, Decoded, ProvenRecord, Repo, RepoRecord};

pub use cid;
pub use lexicon_identity;
