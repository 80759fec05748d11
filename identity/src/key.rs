//! Public keys (K-256 and P-256) in the forms atproto writes them, and signature checks.

/// The multicodec prefix of a compressed secp256k1 public key (`0xe7`, as a varint).
const SECP256K1_PUB: [u8; 2] = [0xe7, 0x01];
/// The multicodec prefix of a compressed P-256 public key (`0x1200`, as a varint).
const P256_PUB: [u8; 2] = [0x80, 0x24];

/// Why a key or a signature could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not a `did:key:z...` DID.
    #[error("{0:?} is not a did:key (expected did:key:z followed by base58btc)")]
    NotDidKey(String),
    /// The multibase text is not base58btc (`z...`).
    #[error("{0:?} is not base58btc multibase (expected `z` followed by base58btc)")]
    NotBase58(String),
    /// The multicodec prefix names neither K-256 nor P-256.
    #[error("the key's multicodec prefix {0:02x?} is neither secp256k1-pub (e7 01) nor p256-pub (80 24)")]
    UnknownCodec(Vec<u8>),
    /// The bytes are not a point on the curve.
    #[error("the {curve} key bytes are not a valid SEC1 public key")]
    BadPoint {
        /// `K-256` or `P-256`.
        curve: &'static str,
    },
    /// A verification method of a type atproto does not use.
    #[error("verification method type {0:?} is not Multikey, EcdsaSecp256k1VerificationKey2019 or EcdsaSecp256r1VerificationKey2019")]
    UnknownMethodType(String),
    /// The signature is not 64 bytes (atproto signatures are compact `r || s`, never DER).
    #[error("the signature is {0} bytes; atproto signatures are 64-byte compact r||s")]
    SignatureLength(usize),
    /// A JWT's `alg` does not match the key's curve.
    #[error("the JWT alg {alg:?} does not match the {curve} key (expected {expected})")]
    AlgMismatch {
        /// The `alg` given.
        alg: String,
        /// The key's curve.
        curve: &'static str,
        /// The `alg` the key signs with.
        expected: &'static str,
    },
}

/// Which ECDSA signatures [`PublicKey::verify`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureRules {
    /// The atproto rule for repository commits and records: low-S only (a high-S signature is
    /// a malleated copy and is refused).
    #[default]
    Strict,
    /// Also accepts high-S signatures, as the reference implementation does for service-auth
    /// JWTs (`allowMalleableSig`).
    AllowMalleable,
}

/// A K-256 (secp256k1) or P-256 (secp256r1) public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// secp256k1, JWT alg `ES256K`.
    K256(k256::ecdsa::VerifyingKey),
    /// NIST P-256, JWT alg `ES256`.
    P256(p256::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// Reads a `did:key:z...` DID.
    pub fn from_did_key(did: &str) -> Result<Self, KeyError> {
        let multibase = did
            .strip_prefix("did:key:")
            .filter(|m| m.starts_with('z'))
            .ok_or_else(|| KeyError::NotDidKey(did.to_owned()))?;
        Self::from_multikey(multibase)
    }

    /// Reads a multikey: `z` + base58btc of a multicodec prefix and a compressed key (the
    /// `publicKeyMultibase` of a `Multikey` verification method).
    pub fn from_multikey(multibase: &str) -> Result<Self, KeyError> {
        let bytes = base58(multibase)?;
        if let Some(key) = bytes.strip_prefix(&SECP256K1_PUB) {
            Self::k256(key)
        } else if let Some(key) = bytes.strip_prefix(&P256_PUB) {
            Self::p256(key)
        } else {
            Err(KeyError::UnknownCodec(
                bytes.iter().take(2).copied().collect(),
            ))
        }
    }

    /// Reads the `publicKeyMultibase` of a verification method of type `method_type`:
    /// `Multikey` (multicodec-prefixed), or the older `EcdsaSecp256k1VerificationKey2019` and
    /// `EcdsaSecp256r1VerificationKey2019` (the bare SEC1 key).
    pub fn from_verification_method(method_type: &str, multibase: &str) -> Result<Self, KeyError> {
        match method_type {
            "Multikey" => Self::from_multikey(multibase),
            "EcdsaSecp256k1VerificationKey2019" => Self::k256(&base58(multibase)?),
            "EcdsaSecp256r1VerificationKey2019" => Self::p256(&base58(multibase)?),
            other => Err(KeyError::UnknownMethodType(other.to_owned())),
        }
    }

    fn k256(sec1: &[u8]) -> Result<Self, KeyError> {
        k256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map(PublicKey::K256)
            .map_err(|_| KeyError::BadPoint { curve: "K-256" })
    }

    fn p256(sec1: &[u8]) -> Result<Self, KeyError> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map(PublicKey::P256)
            .map_err(|_| KeyError::BadPoint { curve: "P-256" })
    }

    /// The key as a multikey: `z` + base58btc of the multicodec prefix and the compressed key.
    pub fn to_multikey(&self) -> String {
        let (prefix, point) = match self {
            PublicKey::K256(k) => (SECP256K1_PUB, k.to_encoded_point(true).as_bytes().to_vec()),
            PublicKey::P256(k) => (P256_PUB, k.to_encoded_point(true).as_bytes().to_vec()),
        };
        let bytes: Vec<u8> = prefix.iter().copied().chain(point).collect();
        format!("z{}", bs58::encode(bytes).into_string())
    }

    /// The key as `did:key:z...`.
    pub fn to_did_key(&self) -> String {
        format!("did:key:{}", self.to_multikey())
    }

    /// The curve's name: `K-256` or `P-256`.
    pub fn curve(&self) -> &'static str {
        match self {
            PublicKey::K256(_) => "K-256",
            PublicKey::P256(_) => "P-256",
        }
    }

    /// The JWT `alg` this key signs with: `ES256K` or `ES256`.
    pub fn jwt_alg(&self) -> &'static str {
        match self {
            PublicKey::K256(_) => "ES256K",
            PublicKey::P256(_) => "ES256",
        }
    }

    /// Checks a JWT signature: `alg` must be the key's, high-S is accepted as the reference
    /// accepts it for JWTs.
    pub fn verify_jwt(
        &self,
        alg: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, KeyError> {
        if alg != self.jwt_alg() {
            return Err(KeyError::AlgMismatch {
                alg: alg.to_owned(),
                curve: self.curve(),
                expected: self.jwt_alg(),
            });
        }
        self.verify(message, signature, SignatureRules::AllowMalleable)
    }

    /// Checks a 64-byte compact ECDSA signature (`r || s`) of SHA-256(`message`): `Ok(true)`
    /// when it verifies under `rules`, `Ok(false)` when it does not, `Err` when it is not a
    /// compact signature at all (DER, say).
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        rules: SignatureRules,
    ) -> Result<bool, KeyError> {
        if signature.len() != 64 {
            return Err(KeyError::SignatureLength(signature.len()));
        }
        let malleable = rules == SignatureRules::AllowMalleable;
        Ok(match self {
            PublicKey::K256(key) => {
                let point = key.to_encoded_point(false);
                let (Ok(key), Ok(mut sig)) = (
                    secp256k1::PublicKey::from_slice(point.as_bytes()),
                    secp256k1::ecdsa::Signature::from_compact(signature),
                ) else {
                    return Ok(false);
                };
                // libsecp256k1 refuses high-S itself; normalise first where it is allowed.
                if malleable {
                    sig.normalize_s();
                }
                let digest: [u8; 32] = sha2::Digest::finalize(
                    <sha2::Sha256 as sha2::Digest>::new_with_prefix(message),
                )
                .into();
                let message = secp256k1::Message::from_digest(digest);
                secp256k1_context()
                    .verify_ecdsa(message, &sig, &key)
                    .is_ok()
            }
            PublicKey::P256(key) => {
                let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else {
                    return Ok(false);
                };
                if !malleable && sig.normalize_s().is_some() {
                    return Ok(false);
                }
                let point = key.to_encoded_point(false);
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_FIXED,
                    point.as_bytes(),
                )
                .verify(message, &sig.to_bytes())
                .is_ok()
            }
        })
    }
}

/// The libsecp256k1 context for verifying, made once.
fn secp256k1_context() -> &'static secp256k1::Secp256k1<secp256k1::VerifyOnly> {
    static CONTEXT: std::sync::OnceLock<secp256k1::Secp256k1<secp256k1::VerifyOnly>> =
        std::sync::OnceLock::new();
    CONTEXT.get_or_init(secp256k1::Secp256k1::verification_only)
}

fn base58(multibase: &str) -> Result<Vec<u8>, KeyError> {
    multibase
        .strip_prefix('z')
        .and_then(|b| bs58::decode(b).into_vec().ok())
        .ok_or_else(|| KeyError::NotBase58(multibase.to_owned()))
}
