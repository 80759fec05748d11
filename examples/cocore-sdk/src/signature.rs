//! The enclave signatures of receipts and attestations: P-256 ECDSA over SHA-256 of the
//! record's canonical JSON ([`crate::canonical`]) without the fields the signature does not
//! cover, DER-encoded; the public key is base64 of its 64 raw bytes (`X || Y`).
//!
//! A signature is written as lexicon `bytes` (`{"$bytes": base64}`); one written as a base64
//! string, as cocore's own provider writes them, is read too. High-S signatures verify, as
//! they do in cocore's SDK: its signers do not normalise `s`.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use serde_json::{json, Map, Value};

use crate::canonical::{self, CanonicalError};

/// Base64 with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Which record a signature is on, which says where it is and what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// A `dev.cocore.compute.receipt`: `enclaveSignature`, over every field but it, `$type` and
    /// `brokerageCountersignature` (which the brokerage signs, after the provider).
    Receipt,
    /// A `dev.cocore.compute.attestation`: `selfSignature`, over every field but it and `$type`.
    Attestation,
}

impl Signed {
    /// The field that holds the signature.
    pub fn field(self) -> &'static str {
        match self {
            Signed::Receipt => "enclaveSignature",
            Signed::Attestation => "selfSignature",
        }
    }

    /// The fields the signature does not cover.
    fn outside(self) -> &'static [&'static str] {
        match self {
            Signed::Receipt => &["$type", "enclaveSignature", "brokerageCountersignature"],
            Signed::Attestation => &["$type", "selfSignature"],
        }
    }

    /// The bytes the signature of `record` covers (more than one form for an attestation: the
    /// record as stored, then as cocore's providers before 2026-07 signed it).
    fn messages(self, record: &Map<String, Value>) -> Result<Vec<Vec<u8>>, CanonicalError> {
        let mut covered = record.clone();
        for field in self.outside() {
            covered.remove(*field);
        }
        let mut messages = vec![canonical::to_bytes(&Value::Object(covered.clone()))?];
        if self == Signed::Attestation {
            messages.push(canonical::to_bytes(&Value::Object(legacy_attestation(
                covered,
            )))?);
        }
        Ok(messages)
    }
}

/// What cocore's providers before 2026-07 signed for an attestation stored as `record`: an
/// absent `mdaCertChain` as `[]`, and `attestedAt` and `expiresAt` without fractional
/// seconds (cocore's SDK reconstructs it the same way, `legacyAttestationBody`).
fn legacy_attestation(mut record: Map<String, Value>) -> Map<String, Value> {
    record
        .entry("mdaCertChain")
        .or_insert_with(|| Value::Array(Vec::new()));
    for field in ["attestedAt", "expiresAt"] {
        if let Some(Value::String(at)) = record.get_mut(field) {
            if let Some(dot) = at.rfind('.') {
                let rest = &at[dot + 1..];
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let zone = &rest[digits..];
                let is_zone = zone == "Z" || (zone.len() == 6 && zone.starts_with(['+', '-']));
                if digits > 0 && is_zone {
                    *at = format!("{}{zone}", &at[..dot]);
                }
            }
        }
    }
    record
}

/// Why a signature does not verify.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The record is not a JSON object.
    #[error("the record is not a JSON object")]
    NotAnObject,
    /// The record has no signature.
    #[error("the record has no {0}")]
    Missing(&'static str),
    /// The signature is neither `{"$bytes": base64}` nor a base64 string.
    #[error("{field} is neither bytes nor a base64 string")]
    Encoding {
        /// The signature's field.
        field: &'static str,
    },
    /// The signature is not a DER-encoded P-256 signature.
    #[error("{field} is not a DER-encoded P-256 signature")]
    Der {
        /// The signature's field.
        field: &'static str,
        /// Why.
        #[source]
        source: p256::ecdsa::Error,
    },
    /// The public key is not base64 of 64 raw bytes of a P-256 point.
    #[error("the public key is not base64 of the 64 raw bytes (X || Y) of a P-256 point")]
    PublicKey,
    /// The covered fields have no canonical form.
    #[error("the signed fields have no canonical form")]
    Canonical(#[from] CanonicalError),
    /// The signature is not the key's over the covered fields.
    #[error("{field} is not a signature of the record by the key")]
    Mismatch {
        /// The signature's field.
        field: &'static str,
    },
}

/// `key`'s public key as cocore writes it: base64 of the 64 raw bytes `X || Y`.
pub fn public_key(key: &VerifyingKey) -> String {
    let point = key.to_encoded_point(false);
    // An uncompressed point is 0x04 || X || Y.
    base64::engine::general_purpose::STANDARD.encode(&point.as_bytes()[1..])
}

/// Signs `record` (a JSON object, without its signature) with `key` and puts the signature in
/// its field, as lexicon bytes.
pub fn sign(key: &SigningKey, record: &mut Value, signed: Signed) -> Result<(), SignatureError> {
    let object = record.as_object_mut().ok_or(SignatureError::NotAnObject)?;
    object.remove(signed.field());
    let message = signed.messages(object)?.swap_remove(0);
    let signature: Signature = key.sign(&message);
    let der: DerSignature = signature.to_der();
    object.insert(
        signed.field().to_owned(),
        json!({ "$bytes": STANDARD_NO_PAD.encode(der.as_bytes()) }),
    );
    Ok(())
}

/// Checks the signature of `record` against `public_key` (base64 of `X || Y`).
pub fn verify(public_key: &str, record: &Value, signed: Signed) -> Result<(), SignatureError> {
    let object = record.as_object().ok_or(SignatureError::NotAnObject)?;
    let field = signed.field();
    let encoded = match object.get(field) {
        None | Some(Value::Null) => return Err(SignatureError::Missing(field)),
        Some(Value::String(text)) => Some(text.as_str()),
        Some(Value::Object(bytes)) if bytes.len() == 1 => {
            bytes.get("$bytes").and_then(Value::as_str)
        }
        Some(_) => None,
    };
    let der = encoded
        .and_then(|text| BASE64.decode(text).ok())
        .ok_or(SignatureError::Encoding { field })?;
    if der.is_empty() {
        return Err(SignatureError::Missing(field));
    }
    let signature =
        Signature::from_der(&der).map_err(|source| SignatureError::Der { field, source })?;
    let key = verifying_key(public_key)?;
    for message in signed.messages(object)? {
        if key.verify(&message, &signature).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch { field })
}

fn verifying_key(public_key: &str) -> Result<VerifyingKey, SignatureError> {
    let raw = BASE64
        .decode(public_key)
        .map_err(|_| SignatureError::PublicKey)?;
    if raw.len() != 64 {
        return Err(SignatureError::PublicKey);
    }
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..].copy_from_slice(&raw);
    VerifyingKey::from_sec1_bytes(&point).map_err(|_| SignatureError::PublicKey)
}

#[cfg(test)]
mod tests {
    use p256::elliptic_curve::scalar::IsHigh;
    use rand_core::OsRng;

    use super::*;

    fn receipt() -> Value {
        json!({
            "$type": "dev.cocore.compute.receipt",
            "model": "llama-3.1-70b",
            "tokens": { "in": 32, "out": 128 },
            "price": { "amount": 12, "currency": "USD" },
        })
    }

    #[test]
    fn a_signed_receipt_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::random(&mut OsRng);
        let public = public_key(key.verifying_key());
        let mut record = receipt();
        sign(&key, &mut record, Signed::Receipt).unwrap();
        verify(&public, &record, Signed::Receipt).unwrap();

        // Outside the signature: `$type` and the brokerage's countersignature.
        let mut framed = record.clone();
        framed["$type"] = json!("something.else");
        framed["brokerageCountersignature"] = json!({ "authority": "did:web:broker.example" });
        verify(&public, &framed, Signed::Receipt).unwrap();

        let mut changed = record.clone();
        changed["price"]["amount"] = json!(13);
        assert!(matches!(
            verify(&public, &changed, Signed::Receipt),
            Err(SignatureError::Mismatch {
                field: "enclaveSignature"
            })
        ));
        let other = public_key(SigningKey::random(&mut OsRng).verifying_key());
        assert!(verify(&other, &record, Signed::Receipt).is_err());
    }

    #[test]
    fn a_signature_as_a_base64_string_and_a_high_s_signature_verify() {
        let key = SigningKey::random(&mut OsRng);
        let public = public_key(key.verifying_key());
        let mut record = receipt();
        sign(&key, &mut record, Signed::Receipt).unwrap();
        let der = BASE64
            .decode(record["enclaveSignature"]["$bytes"].as_str().unwrap())
            .unwrap();
        // As cocore's provider writes it: a padded base64 string.
        let mut as_string = record.clone();
        as_string["enclaveSignature"] =
            json!(base64::engine::general_purpose::STANDARD.encode(&der));
        verify(&public, &as_string, Signed::Receipt).unwrap();

        // (r, n - s) is the same signature in its other form.
        let signature = Signature::from_der(&der).unwrap();
        let flipped = Signature::from_scalars(signature.r(), -*signature.s()).unwrap();
        let high = if bool::from(signature.s().is_high()) {
            signature
        } else {
            flipped
        };
        assert!(bool::from(high.s().is_high()));
        let mut high_s = record.clone();
        high_s["enclaveSignature"] =
            json!({ "$bytes": STANDARD_NO_PAD.encode(high.to_der().as_bytes()) });
        verify(&public, &high_s, Signed::Receipt).unwrap();
    }

    #[test]
    fn an_attestation_signed_by_an_old_provider_verifies() {
        let key = SigningKey::random(&mut OsRng);
        let public = public_key(key.verifying_key());
        // What the old provider signed: seconds, and an empty chain...
        let mut signed = json!({
            "publicKey": public,
            "attestedAt": "2026-06-01T10:00:08Z",
            "expiresAt": "2026-06-02T10:00:08+00:00",
            "mdaCertChain": [],
        });
        sign(&key, &mut signed, Signed::Attestation).unwrap();
        // ...and what it stored: fractional seconds, no chain.
        let mut stored = signed.clone();
        stored["attestedAt"] = json!("2026-06-01T10:00:08.384834Z");
        stored["expiresAt"] = json!("2026-06-02T10:00:08.384834+00:00");
        stored.as_object_mut().unwrap().remove("mdaCertChain");
        stored["$type"] = json!("dev.cocore.compute.attestation");
        verify(&public, &stored, Signed::Attestation).unwrap();
        // A receipt gets no such second chance.
        let mut receipt = receipt();
        sign(&key, &mut receipt, Signed::Receipt).unwrap();
        receipt["mdaCertChain"] = json!([]);
        assert!(verify(&public, &receipt, Signed::Receipt).is_err());
    }

    #[test]
    fn bad_input_is_named() {
        let key = SigningKey::random(&mut OsRng);
        let public = public_key(key.verifying_key());
        let mut record = receipt();
        assert!(matches!(
            verify(&public, &record, Signed::Receipt),
            Err(SignatureError::Missing("enclaveSignature"))
        ));
        record["enclaveSignature"] = json!(42);
        assert!(matches!(
            verify(&public, &record, Signed::Receipt),
            Err(SignatureError::Encoding { .. })
        ));
        record["enclaveSignature"] = json!({ "$bytes": "AAAA" });
        assert!(matches!(
            verify(&public, &record, Signed::Receipt),
            Err(SignatureError::Der { .. })
        ));
        sign(&key, &mut record, Signed::Receipt).unwrap();
        assert!(matches!(
            verify("AAAA", &record, Signed::Receipt),
            Err(SignatureError::PublicKey)
        ));
        record["price"]["amount"] = json!(0.5);
        assert!(matches!(
            verify(&public, &record, Signed::Receipt),
            Err(SignatureError::Canonical(_))
        ));
        assert!(matches!(
            verify(&public, &json!([]), Signed::Receipt),
            Err(SignatureError::NotAnObject)
        ));
    }
}
