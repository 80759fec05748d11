//! Why a CAR file, a repository or a proof was refused.

/// Why a CAR file, a repository, a commit or a proof was refused. Every variant says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// The CAR bytes are malformed or end early, at `offset`.
    #[error("CAR at byte {offset}: {message}")]
    Car {
        /// Where reading stopped.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// A block's bytes do not hash to its CID: the block was tampered with.
    #[error("block {cid}: its bytes hash to {actual}, not to its CID")]
    HashMismatch {
        /// The CID the block claims.
        cid: String,
        /// The CID of its bytes.
        actual: String,
    },
    /// A block the structure points at is not there.
    #[error("block {0} is missing")]
    MissingBlock(String),
    /// A block is not the DAG-CBOR object its place requires.
    #[error("block {cid} is not a valid {what}: {message}")]
    BadBlock {
        /// The block.
        cid: String,
        /// `commit`, `MST node`, ...
        what: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The tree breaks the MST's rules (key order, heights, prefixes).
    #[error("MST node {cid}: {message}")]
    Mst {
        /// The node.
        cid: String,
        /// What was wrong.
        message: String,
    },
    /// The commit's signature does not verify with the repository's signing key.
    #[error("the commit of {did} (rev {rev}) is not signed by its key {key}")]
    BadSignature {
        /// The repository.
        did: String,
        /// The commit's revision.
        rev: String,
        /// The key it was checked with (`did:key:...`).
        key: String,
    },
    /// The repository's DID document has no usable signing key, or could not be resolved.
    #[error("the signing key of {did}: {message}")]
    Key {
        /// The repository.
        did: String,
        /// What was wrong.
        message: String,
    },
    /// A record proof does not prove what was asked.
    #[error("proof of {path}: {message}")]
    Proof {
        /// `collection/rkey`.
        path: String,
        /// What was wrong.
        message: String,
    },
}
