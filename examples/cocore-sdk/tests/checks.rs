//! The receipt and settlement checks on one consistent set of records, then on each way of
//! breaking it.

use cocore_sdk::checks::{self, Record, Severity};
use cocore_sdk::signature::{public_key, sign, Signed};
use p256::ecdsa::SigningKey;
use rand_core::OsRng;
use serde_json::{json, Value};

const PROVIDER: &str = "did:plc:provider234567abcdefghij";
const REQUESTER: &str = "did:plc:requester234567abcdefgh";
const EXCHANGE: &str = "did:plc:exchange234567abcdefghi";
const JOB_URI: &str = "at://did:plc:requester234567abcdefgh/dev.cocore.compute.job/3lbq5mkxk2s2a";
const ATT_URI: &str =
    "at://did:plc:provider234567abcdefghij/dev.cocore.compute.attestation/3lbq5mkxk2s2a";
const RECEIPT_URI: &str =
    "at://did:plc:provider234567abcdefghij/dev.cocore.compute.receipt/3lbq5mkxk2s2a";
const AUTH_URI: &str =
    "at://did:plc:requester234567abcdefgh/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a";
const SETTLEMENT_URI: &str =
    "at://did:plc:exchange234567abcdefghi/dev.cocore.compute.settlement/3lbq5mkxk2s2a";
const JOB_CID: &str = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
const ATT_CID: &str = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a";
const RECEIPT_CID: &str = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq";
const AUTH_CID: &str = "bafyreihndsfqnv6ftdwomgmpewgbyvy2tn4wrh3aqcxxk6fmbmhu3pqaaa";

struct Set {
    key: SigningKey,
    job: Value,
    attestation: Value,
    receipt: Value,
    authorization: Value,
    settlement: Value,
}

impl Set {
    fn new() -> Set {
        let key = SigningKey::random(&mut OsRng);
        let mut attestation = json!({
            "$type": "dev.cocore.compute.attestation",
            "publicKey": public_key(key.verifying_key()),
            "attestedAt": "2026-12-06T00:00:00.000Z",
            "expiresAt": "2026-12-07T00:00:00.000Z",
        });
        sign(&key, &mut attestation, Signed::Attestation).unwrap();
        let mut set = Set {
            key,
            job: json!({
                "$type": "dev.cocore.compute.job",
                "model": "llama-3.1-70b",
                "inputCommitment": "a".repeat(64),
                "priceCeiling": { "amount": 25, "currency": "USD" },
                "expiresAt": "2026-12-06T12:00:00.000Z",
            }),
            attestation,
            receipt: json!({
                "$type": "dev.cocore.compute.receipt",
                "job": { "uri": JOB_URI, "cid": JOB_CID },
                "requester": REQUESTER,
                "model": "llama-3.1-70b",
                "inputCommitment": "a".repeat(64),
                "outputCommitment": "b".repeat(64),
                "tokens": { "in": 32, "out": 128 },
                "startedAt": "2026-12-06T10:00:00.000Z",
                "completedAt": "2026-12-06T10:00:03.250Z",
                "price": { "amount": 12, "currency": "USD" },
                "attestation": { "uri": ATT_URI, "cid": ATT_CID },
            }),
            authorization: json!({
                "$type": "dev.cocore.compute.paymentAuthorization",
                "exchange": EXCHANGE,
                "ceiling": { "amount": 100, "currency": "USD" },
            }),
            settlement: json!({
                "$type": "dev.cocore.compute.settlement",
                "receipt": { "uri": RECEIPT_URI, "cid": RECEIPT_CID },
                "requesterAuthorization": { "uri": AUTH_URI, "cid": AUTH_CID },
                "amountCharged": { "amount": 12, "currency": "USD" },
                "providerPayout": { "amount": 11, "currency": "USD" },
                "exchangeFee": { "amount": 1, "currency": "USD" },
                "status": "settled",
            }),
        };
        set.sign_receipt();
        set
    }

    fn sign_receipt(&mut self) {
        sign(&self.key, &mut self.receipt, Signed::Receipt).unwrap();
    }

    fn receipt_codes(&self) -> Vec<&'static str> {
        self.receipt_report(PROVIDER).codes()
    }

    fn receipt_report(&self, attestation_repo: &str) -> checks::Report {
        checks::receipt(
            Record {
                uri: RECEIPT_URI,
                repo: PROVIDER,
                cid: RECEIPT_CID,
                value: &self.receipt,
            },
            Record {
                uri: JOB_URI,
                repo: REQUESTER,
                cid: JOB_CID,
                value: &self.job,
            },
            Record {
                uri: ATT_URI,
                repo: attestation_repo,
                cid: ATT_CID,
                value: &self.attestation,
            },
        )
    }

    fn settlement_codes(&self, exchange: &str, receipt_cid: &str) -> Vec<&'static str> {
        checks::settlement(
            Record {
                uri: SETTLEMENT_URI,
                repo: exchange,
                cid: JOB_CID,
                value: &self.settlement,
            },
            Record {
                uri: RECEIPT_URI,
                repo: PROVIDER,
                cid: receipt_cid,
                value: &self.receipt,
            },
            Record {
                uri: AUTH_URI,
                repo: REQUESTER,
                cid: AUTH_CID,
                value: &self.authorization,
            },
        )
        .codes()
    }
}

#[test]
fn a_consistent_receipt_verifies() {
    let set = Set::new();
    let report = set.receipt_report(PROVIDER);
    assert!(report.ok(), "{report:?}");
    assert!(report.findings.is_empty(), "{report:?}");
}

/// Changes the receipt (signing it again) and returns the codes found.
fn receipt_changed(change: impl FnOnce(&mut Value)) -> Vec<&'static str> {
    let mut set = Set::new();
    change(&mut set.receipt);
    set.sign_receipt();
    set.receipt_codes()
}

#[test]
fn each_broken_receipt_is_named() {
    assert_eq!(
        receipt_changed(|r| r["inputCommitment"] = json!("A".repeat(64))),
        ["input-commitment-shape", "commitment-mismatch"]
    );
    assert_eq!(
        receipt_changed(|r| r["outputCommitment"] = json!("0x1234")),
        ["output-commitment-shape"]
    );
    assert_eq!(
        receipt_changed(|r| r["model"] = json!("mistral")),
        ["model-mismatch"]
    );
    assert_eq!(
        receipt_changed(|r| r["requester"] = json!(EXCHANGE)),
        ["job-owner-mismatch"]
    );
    assert_eq!(
        receipt_changed(|r| r["price"]["currency"] = json!("EUR")),
        ["currency-mismatch"]
    );
    assert_eq!(
        receipt_changed(|r| r["price"]["amount"] = json!(26)),
        ["price-over-ceiling"]
    );
    assert_eq!(
        receipt_changed(|r| r["proBono"] = json!(true)),
        ["pro-bono-nonzero-price", "pro-bono-nonzero-tokens"]
    );
    assert_eq!(
        receipt_changed(|r| {
            r["proBono"] = json!(true);
            r["price"]["amount"] = json!(0);
            r["tokens"] = json!({ "in": 0, "out": 0 });
        }),
        Vec::<&str>::new()
    );
    assert_eq!(
        receipt_changed(|r| r["completedAt"] = json!("2026-12-06T12:00:00.001Z")),
        ["job-expired"]
    );
    assert_eq!(
        receipt_changed(|r| r["completedAt"] = json!("2026-12-05T23:59:59.999Z")),
        ["attestation-stale"]
    );
    assert_eq!(
        receipt_changed(|r| r["job"]["cid"] = json!(ATT_CID)),
        ["job-cid-mismatch"]
    );
    assert_eq!(
        receipt_changed(|r| r["attestation"]["cid"] = json!(JOB_CID)),
        ["attestation-cid-mismatch"]
    );
}

#[test]
fn signatures_and_the_attestation_s_owner_are_checked() {
    // Changed after signing.
    let mut set = Set::new();
    set.receipt["tokens"]["out"] = json!(129);
    assert_eq!(set.receipt_codes(), ["signature-invalid"]);
    set.receipt
        .as_object_mut()
        .unwrap()
        .remove("enclaveSignature");
    assert_eq!(set.receipt_codes(), ["no-signature"]);
    // A float has no canonical form (cocore never signs one).
    let mut set = Set::new();
    set.receipt["price"]["amount"] = json!(1.5);
    assert_eq!(set.receipt_codes(), ["canonical-fail"]);

    // Another repository's attestation.
    let set = Set::new();
    assert_eq!(
        set.receipt_report(EXCHANGE).codes(),
        ["attestation-owner-mismatch"]
    );

    // An attestation changed after it was signed, or never signed: its key cannot be trusted.
    let mut set = Set::new();
    set.attestation["expiresAt"] = json!("2026-12-08T00:00:00.000Z");
    assert_eq!(set.receipt_codes(), ["attestation-selfsig-invalid"]);
    set.attestation
        .as_object_mut()
        .unwrap()
        .remove("selfSignature");
    assert_eq!(set.receipt_codes(), ["attestation-unsigned"]);

    // Schemes other than p256 are not verified: that fails rather than passes.
    let mut set = Set::new();
    set.attestation["sigScheme"] = json!("appattest-assertion");
    sign(&set.key, &mut set.attestation, Signed::Attestation).unwrap();
    assert_eq!(set.receipt_codes(), ["signature-scheme-unsupported"]);
}

#[test]
fn what_is_not_verified_is_said() {
    let mut set = Set::new();
    set.attestation["mdaCertChain"] = json!([{ "$bytes": "MIIB" }]);
    sign(&set.key, &mut set.attestation, Signed::Attestation).unwrap();
    set.receipt["brokerageCountersignature"] = json!({ "authority": "did:web:broker.example" });
    let report = set.receipt_report(PROVIDER);
    assert_eq!(
        report.codes(),
        [
            "hardware-attestation-unchecked",
            "brokerage-countersignature-unchecked"
        ]
    );
    assert!(report
        .findings
        .iter()
        .all(|f| f.severity == Severity::Warning));
    assert!(report.ok());
}

#[test]
fn a_settlement_is_checked_against_its_receipt_and_authorization() {
    let set = Set::new();
    assert!(set.settlement_codes(EXCHANGE, RECEIPT_CID).is_empty());
    assert_eq!(
        set.settlement_codes(PROVIDER, RECEIPT_CID),
        ["wrong-exchange"]
    );
    assert_eq!(
        set.settlement_codes(EXCHANGE, JOB_CID),
        ["receipt-cid-mismatch"]
    );

    let changed = |change: fn(&mut Value)| {
        let mut set = Set::new();
        change(&mut set.settlement);
        set.settlement_codes(EXCHANGE, RECEIPT_CID)
    };
    assert_eq!(
        changed(|s| s["amountCharged"]["currency"] = json!("EUR")),
        ["currency-mismatch"]
    );
    assert_eq!(
        changed(|s| {
            s["amountCharged"]["amount"] = json!(101);
            s["providerPayout"]["amount"] = json!(100);
        }),
        ["over-ceiling", "amount-vs-price"]
    );
    assert_eq!(
        changed(|s| s["exchangeFee"]["amount"] = json!(2)),
        ["split-mismatch"]
    );
    assert_eq!(
        changed(|s| {
            s["status"] = json!("refunded");
            s["amountCharged"]["amount"] = json!(5);
            s["providerPayout"]["amount"] = json!(4);
        }),
        Vec::<&str>::new()
    );
    assert_eq!(
        changed(|s| s["requesterAuthorization"]["cid"] = json!(JOB_CID)),
        ["authorization-cid-mismatch"]
    );
}
