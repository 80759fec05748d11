//! DID documents: the parts atproto reads (handle, signing keys, PDS endpoint).

use serde::{Deserialize, Serialize};

use crate::key::{KeyError, PublicKey};

/// A DID document, as a PLC directory or `/.well-known/did.json` serves it. Fields atproto
/// does not read are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DidDocument {
    /// The DID.
    pub id: String,
    /// `at://handle` entries (the first is the claimed handle).
    #[serde(default)]
    pub also_known_as: Vec<String>,
    /// Keys; atproto's signing key has the id `#atproto`.
    #[serde(default)]
    pub verification_method: Vec<VerificationMethod>,
    /// Services; the PDS has the id `#atproto_pds`.
    #[serde(default)]
    pub service: Vec<Service>,
}

/// A verification method (a public key) of a DID document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMethod {
    /// `#atproto` or `did:...#atproto`.
    pub id: String,
    /// `Multikey` (or one of the older `EcdsaSecp256*VerificationKey2019` types).
    #[serde(rename = "type")]
    pub method_type: String,
    /// The DID that controls the key.
    #[serde(default)]
    pub controller: String,
    /// The key, base58btc multibase.
    #[serde(default)]
    pub public_key_multibase: Option<String>,
}

/// A service entry of a DID document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// `#atproto_pds` or `did:...#atproto_pds`.
    pub id: String,
    /// `AtprotoPersonalDataServer` for a PDS.
    #[serde(rename = "type")]
    pub service_type: String,
    /// The service's URL.
    pub service_endpoint: serde_json::Value,
}

impl DidDocument {
    /// Whether an `id` names this document's entry `fragment` (`#atproto`, or `did#atproto`).
    fn names(&self, id: &str, fragment: &str) -> bool {
        id.strip_prefix(&self.id).unwrap_or(id).strip_prefix('#') == Some(fragment)
    }

    /// The key with the id `#{fragment}` (`atproto` for the repo and service-auth signing
    /// key), or `None` when the document has none.
    pub fn key(&self, fragment: &str) -> Option<Result<PublicKey, KeyError>> {
        let method = self
            .verification_method
            .iter()
            .find(|m| self.names(&m.id, fragment))?;
        Some(match &method.public_key_multibase {
            Some(multibase) => PublicKey::from_verification_method(&method.method_type, multibase),
            None => Err(KeyError::NotBase58(String::new())),
        })
    }

    /// The atproto signing key (`#atproto`).
    pub fn signing_key(&self) -> Option<Result<PublicKey, KeyError>> {
        self.key("atproto")
    }

    /// The handle the DID claims (`at://alice.test` → `alice.test`), unverified.
    pub fn handle(&self) -> Option<&str> {
        self.also_known_as
            .iter()
            .find_map(|a| a.strip_prefix("at://"))
    }

    /// The URL of the account's PDS (the `#atproto_pds` service).
    pub fn pds_endpoint(&self) -> Option<&str> {
        self.service
            .iter()
            .find(|s| self.names(&s.id, "atproto_pds"))
            .and_then(|s| s.service_endpoint.as_str())
    }
}
