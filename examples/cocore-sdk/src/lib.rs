//! What cocore's programs share, as cocore's own SDK (`@cocore/sdk`) defines it:
//!
//! - [`canonical`]: the sorted-key canonical JSON a provider's Secure Enclave signs receipts and
//!   attestations over (byte for byte what cocore's Rust provider and TypeScript SDK write);
//! - [`signature`]: signing a record over it and checking a record's signature (P-256 ECDSA
//!   over SHA-256, DER; the public key as base64 of its 64 raw bytes `X || Y`);
//! - [`checks`]: the cross-record checks an AppView or an exchange runs: a receipt against its
//!   job and attestation, a settlement against its receipt and payment authorization, each
//!   finding with a stable code.
//!
//! Records are taken as JSON ([`serde_json::Value`]), as they are stored: the checks must also
//! explain records that break their lexicon.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canonical;
pub mod checks;
pub mod signature;
