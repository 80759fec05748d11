//! The signed commit at the root of a repository: `{did, version: 3, data, rev, prev, sig}`,
//! whose signature covers the DAG-CBOR of the commit without `sig`.

use base64::Engine as _;
use cid::Cid;
use lexicon_identity::{PublicKey, SignatureRules};
use serde_json::Value;

use crate::car::link_of as link;
use crate::RepoError;

/// A repository commit (version 3).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Commit {
    /// The repository's DID.
    pub did: String,
    /// The commit format version: 3.
    pub version: i64,
    /// The root of the repository's MST.
    pub data: Cid,
    /// The revision: a TID, increasing with every commit.
    pub rev: String,
    /// The previous commit, if the repository names it (usually `null` in version 3).
    pub prev: Option<Cid>,
    /// The signature (64-byte compact ECDSA) over [`Commit::unsigned_bytes`].
    pub sig: Vec<u8>,
    /// The commit without `sig`, as it was signed.
    unsigned: Value,
}

impl Commit {
    /// Decodes the commit block `cid`.
    pub fn decode(cid: &Cid, bytes: &[u8]) -> Result<Commit, RepoError> {
        let bad = |message: String| RepoError::BadBlock {
            cid: cid.to_string(),
            what: "commit",
            message,
        };
        let mut value = lexicon_runtime::cbor::decode(bytes).map_err(|e| bad(e.to_string()))?;
        let map = value
            .as_object_mut()
            .ok_or_else(|| bad("not a map".into()))?;
        let sig = map
            .remove("sig")
            .and_then(|s| s.get("$bytes").and_then(Value::as_str).map(str::to_owned))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(b)
                    .ok()
            })
            .ok_or_else(|| bad("no bytes `sig`".into()))?;
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("no string `{k}`")))
        };
        let (did, rev) = (text("did")?, text("rev")?);
        let version = value
            .get("version")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("no integer `version`".into()))?;
        if version != 3 {
            return Err(bad(format!("version {version}; only version 3 is read")));
        }
        let data = value
            .get("data")
            .and_then(link)
            .ok_or_else(|| bad("no link `data`".into()))?;
        let prev = match value.get("prev") {
            None | Some(Value::Null) => None,
            Some(p) => Some(link(p).ok_or_else(|| bad("`prev` is not a link or null".into()))?),
        };
        Ok(Commit {
            did,
            version,
            data,
            rev,
            prev,
            sig,
            unsigned: value,
        })
    }

    /// The DAG-CBOR bytes the signature covers: the commit without `sig`.
    pub fn unsigned_bytes(&self) -> Vec<u8> {
        lexicon_runtime::cbor::encode(&self.unsigned).expect("a decoded commit encodes")
    }

    /// Checks the signature with the repository's signing key: low-S only, as the spec requires
    /// of repository signatures.
    pub fn verify(&self, key: &PublicKey) -> Result<(), RepoError> {
        let ok = key
            .verify(&self.unsigned_bytes(), &self.sig, SignatureRules::Strict)
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            Err(RepoError::BadSignature {
                did: self.did.clone(),
                rev: self.rev.clone(),
                key: key.to_did_key(),
            })
        }
    }
}
