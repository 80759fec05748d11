//! The records a provider writes, built from what it knows of its machine and its work, each
//! checked against its schema as it is built, and signed with the machine's P-256 key.

use cocore_sdk::signature::{self, Signed};
use lexicon_atproto::com::atproto::repo::strong_ref::StrongRef;
use lexicon_runtime::record::Record;
use lexicon_runtime::Datetime;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::ProviderError;
use crate::lexicons::dev::cocore::compute::attestation::Attestation;
use crate::lexicons::dev::cocore::compute::job::Job;
use crate::lexicons::dev::cocore::compute::provider::Provider as ProviderRecord;
use crate::lexicons::dev::cocore::compute::receipt::Receipt;

/// What a provider publishes about its machine.
#[derive(Debug, Clone)]
pub struct Machine {
    /// A human-readable name (`MacBook Pro M3 Max #1`).
    pub label: String,
    /// The chip (`Apple M3 Max`).
    pub chip: String,
    /// The hardware model code (`Mac15,8`).
    pub hardware_model: String,
    /// The operating system and version (`macOS 15.1`).
    pub os_version: String,
    /// Memory, in GB.
    pub ram_gb: i64,
    /// The models it serves, and its price for each per million tokens in and out, in minor
    /// units of `currency`.
    pub models: Vec<(String, i64, i64)>,
    /// The currency of its prices (`USD`).
    pub currency: String,
    /// The X25519 public key requests are wrapped to, in base64.
    pub encryption_pub_key: String,
    /// The SHA-256 (hex) of the machine's serial number, salted by the owner's DID.
    pub serial_hash: String,
    /// The SHA-256 (hex) of the provider binary.
    pub binary_hash: String,
}

impl Machine {
    /// The machine this example describes (a real agent reads it from the hardware).
    pub fn example() -> Machine {
        Machine {
            label: "Mac mini M4 Pro #1".into(),
            chip: "Apple M4 Pro".into(),
            hardware_model: "Mac16,11".into(),
            os_version: "macOS 15.1".into(),
            ram_gb: 64,
            models: vec![("llama-3.1-8b-instruct".into(), 20, 60)],
            currency: "USD".into(),
            encryption_pub_key: "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=".into(),
            serial_hash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".into(),
            binary_hash: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
        }
    }
}

/// A job's work, done.
#[derive(Debug, Clone)]
pub struct Work {
    /// The output, whose SHA-256 is the receipt's `outputCommitment`.
    pub output: String,
    /// Tokens in and out.
    pub tokens: (i64, i64),
    /// When the work started.
    pub started_at: Datetime,
    /// What it costs, in minor units of the job's ceiling currency.
    pub price: i64,
}

/// `value` as a record `R`, checked against its schema.
fn checked<R: Record>(value: Value) -> Result<R, ProviderError> {
    lexicon_runtime::json::from_json::<R>(&value.to_string()).map_err(|error| {
        ProviderError::Invalid {
            record: R::NSID,
            error,
        }
    })
}

/// The machine's public key as cocore writes it (base64 of `X || Y`).
fn public_key(key: &SigningKey) -> String {
    signature::public_key(key.verifying_key())
}

/// `record` with `key`'s signature over its canonical JSON in the field `signed` names.
fn signed(key: &SigningKey, mut record: Value, signed: Signed) -> Result<Value, ProviderError> {
    signature::sign(key, &mut record, signed).map_err(ProviderError::Signing)?;
    Ok(record)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The provider record of `machine`: self-attested, active, not serving.
pub(crate) fn profile(
    machine: &Machine,
    key: &SigningKey,
) -> Result<ProviderRecord, ProviderError> {
    let prices: Vec<Value> = machine
        .models
        .iter()
        .map(|(model, input, output)| {
            json!({
                "modelId": model,
                "inputPricePerMTok": input,
                "outputPricePerMTok": output,
                "currency": machine.currency,
            })
        })
        .collect();
    checked(json!({
        "$type": ProviderRecord::NSID,
        "machineLabel": machine.label,
        "chip": machine.chip,
        "ramGB": machine.ram_gb,
        "os": machine.os_version,
        "supportedModels": machine.models.iter().map(|(m, _, _)| m).collect::<Vec<_>>(),
        "priceList": prices,
        "encryptionPubKey": machine.encryption_pub_key,
        "attestationPubKey": public_key(key),
        "trustLevel": "self-attested",
        "active": true,
        "serving": false,
        "createdAt": Datetime::now(),
    }))
}

/// `fresh` with what the owner set on the `current` record kept (`active`, `desiredModels`,
/// `desiredTier`), and whether the machine is serving and since when the record exists.
pub(crate) fn keep_owner_fields(
    fresh: ProviderRecord,
    current: Option<&ProviderRecord>,
) -> ProviderRecord {
    let Some(current) = current else {
        return fresh;
    };
    ProviderRecord {
        active: current.active,
        desired_models: current.desired_models.clone(),
        desired_tier: current.desired_tier.clone(),
        serving: current.serving,
        created_at: current.created_at.clone(),
        ..fresh
    }
}

/// An attestation of the machine's signing key, signed by it as cocore signs attestations (over
/// the record's canonical JSON), valid for a day.
pub(crate) fn attestation(
    machine: &Machine,
    key: &SigningKey,
) -> Result<Attestation, ProviderError> {
    let now = Datetime::now();
    let expires =
        Datetime::from(std::time::SystemTime::now() + std::time::Duration::from_secs(86_400));
    let record = json!({
        "$type": Attestation::NSID,
        "publicKey": public_key(key),
        "encryptionPubKey": machine.encryption_pub_key,
        "sigScheme": "p256",
        "chipName": machine.chip,
        "hardwareModel": machine.hardware_model,
        "serialNumberHash": machine.serial_hash,
        "osVersion": machine.os_version,
        "binaryHash": machine.binary_hash,
        "sipEnabled": true,
        "secureBootEnabled": true,
        "secureEnclaveAvailable": false,
        "authenticatedRootEnabled": true,
        "attestedAt": now,
        "expiresAt": expires,
    });
    checked(signed(key, record, Signed::Attestation)?)
}

/// The receipt of `job` (named by `job_ref`) for `work`, signed by the machine's key as cocore
/// signs receipts (over the record's canonical JSON). A price over the job's ceiling, or in
/// another currency, is refused.
pub(crate) fn receipt(
    job: &Job,
    job_ref: StrongRef,
    attestation: &StrongRef,
    work: &Work,
    key: &SigningKey,
) -> Result<Receipt, ProviderError> {
    let ceiling = &job.price_ceiling;
    if work.price > ceiling.amount {
        return Err(ProviderError::OverCeiling {
            price: format!("{} {}", work.price, ceiling.currency),
            ceiling: format!("{} {}", ceiling.amount, ceiling.currency),
        });
    }
    let output_commitment = sha256_hex(&work.output);
    let requester = job_ref.uri.authority().to_owned();
    let record = json!({
        "$type": Receipt::NSID,
        "job": job_ref,
        "requester": requester,
        "model": job.model,
        "inputCommitment": job.input_commitment,
        "outputCommitment": output_commitment,
        "tokens": { "in": work.tokens.0, "out": work.tokens.1 },
        "startedAt": work.started_at,
        "completedAt": Datetime::now(),
        "price": { "amount": work.price, "currency": ceiling.currency },
        "attestation": attestation,
    });
    checked(signed(key, record, Signed::Receipt)?)
}
