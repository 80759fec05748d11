//! The cross-record checks of cocore's SDK (`verifyReceipt`, `verifyReceiptStrict` and
//! `verifySettlementChain` in `@cocore/sdk`, and what cocore's AppView adds to them), each
//! finding with its code, plus what strongRefs make checkable: that the record a receipt or a
//! settlement references still has the CID it referenced.
//!
//! Not checked here, and said so by a `warning` finding when the record carries it: Apple
//! hardware attestation (`mdaCertChain`, `appAttest`) and a brokerage's countersignature.

use lexicon_runtime::Datetime;
use serde::Serialize;
use serde_json::Value;

use crate::signature::{self, SignatureError, Signed};

/// A stored record: where it is, which version, and its content.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Its AT URI.
    pub uri: &'a str,
    /// The repository (DID) that holds it.
    pub repo: &'a str,
    /// The CID of this version.
    pub cid: &'a str,
    /// The record.
    pub value: &'a Value,
}

/// How much a finding matters: an `error` fails the verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The verification fails.
    Error,
    /// Something the verification could not establish.
    Warning,
    /// For information.
    Info,
}

/// One finding: `dev.cocore.defs#verifyFinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// A stable code (`commitment-mismatch`, `signature-invalid`, ...).
    pub code: &'static str,
    /// What was found, for people.
    pub message: String,
}

/// The findings of one verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every finding, in the order the checks ran.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether nothing failed (no `error` finding).
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// The codes of the findings, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.code).collect()
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>) {
        self.push(Severity::Error, code, message);
    }

    fn push(&mut self, severity: Severity, code: &'static str, message: impl Into<String>) {
        self.findings.push(Finding {
            severity,
            code,
            message: message.into(),
        });
    }
}

/// The value at `path` in `value`.
fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn text<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    at(value, path).and_then(Value::as_str)
}

fn integer(value: &Value, path: &[&str]) -> Option<i64> {
    at(value, path).and_then(Value::as_i64)
}

/// The instant of the datetime at `path`, in milliseconds, if it is one.
fn instant(value: &Value, path: &[&str]) -> Option<i64> {
    text(value, path)
        .and_then(|t| Datetime::new(t).ok())
        .map(|d| d.unix_millis())
}

/// Whether `value` is a SHA-256 digest as cocore writes them: 64 lowercase hex digits.
fn is_sha256_hex(value: Option<&str>) -> bool {
    value
        .is_some_and(|v| v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Checks that the strongRef at `path` in `from` names `to` at its current CID.
fn reference(report: &mut Report, from: &Value, path: &str, to: Record<'_>, code: &'static str) {
    let cid = text(from, &[path, "cid"]);
    if cid != Some(to.cid) {
        report.error(
            code,
            format!(
                "{path} references {} at CID {}, but the record is now at {}",
                to.uri,
                cid.unwrap_or("(none)"),
                to.cid
            ),
        );
    }
}

/// Verifies a receipt against the job and the attestation it references: the commitments,
/// model, price and times agree; the receipt's `enclaveSignature` is the attestation key's;
/// the attestation is the receipt provider's and signed by its own key; the references are to
/// the records' current versions.
pub fn receipt(receipt: Record<'_>, job: Record<'_>, attestation: Record<'_>) -> Report {
    let mut report = Report::default();
    let (r, j, a) = (receipt.value, job.value, attestation.value);

    for (field, code) in [
        ("inputCommitment", "input-commitment-shape"),
        ("outputCommitment", "output-commitment-shape"),
    ] {
        if !is_sha256_hex(text(r, &[field])) {
            report.error(
                code,
                format!("receipt.{field} is not a lowercase-hex SHA-256 digest (64 hex digits)"),
            );
        }
    }
    if text(r, &["inputCommitment"]) != text(j, &["inputCommitment"]) {
        report.error(
            "commitment-mismatch",
            "receipt.inputCommitment does not equal job.inputCommitment",
        );
    }
    if text(r, &["model"]) != text(j, &["model"]) {
        report.error(
            "model-mismatch",
            format!(
                "receipt.model {:?} does not match job.model {:?}",
                text(r, &["model"]).unwrap_or_default(),
                text(j, &["model"]).unwrap_or_default()
            ),
        );
    }
    if text(r, &["requester"]) != Some(job.repo) {
        report.error(
            "job-owner-mismatch",
            format!(
                "receipt.requester {} is not the job's repository {}",
                text(r, &["requester"]).unwrap_or("(none)"),
                job.repo
            ),
        );
    }
    let (price, ceiling) = (
        integer(r, &["price", "amount"]),
        integer(j, &["priceCeiling", "amount"]),
    );
    if text(r, &["price", "currency"]) != text(j, &["priceCeiling", "currency"]) {
        report.error(
            "currency-mismatch",
            "receipt.price.currency does not match job.priceCeiling.currency",
        );
    } else if let (Some(price), Some(ceiling)) = (price, ceiling) {
        if price > ceiling {
            report.error(
                "price-over-ceiling",
                format!("receipt.price.amount {price} exceeds job.priceCeiling.amount {ceiling}"),
            );
        }
    }
    if at(r, &["proBono"]) == Some(&Value::Bool(true)) {
        if price != Some(0) {
            report.error(
                "pro-bono-nonzero-price",
                "receipt.proBono is true but price.amount is not 0",
            );
        }
        if integer(r, &["tokens", "in"]) != Some(0) || integer(r, &["tokens", "out"]) != Some(0) {
            report.error(
                "pro-bono-nonzero-tokens",
                "receipt.proBono is true but its tokens are not { in: 0, out: 0 }",
            );
        }
    }
    let completed = instant(r, &["completedAt"]);
    if let (Some(completed), Some(expires)) = (completed, instant(j, &["expiresAt"])) {
        if completed > expires {
            report.error("job-expired", "receipt.completedAt is past job.expiresAt");
        }
    }
    if let (Some(completed), Some(from), Some(to)) = (
        completed,
        instant(a, &["attestedAt"]),
        instant(a, &["expiresAt"]),
    ) {
        if completed < from || completed > to {
            report.error(
                "attestation-stale",
                "receipt.completedAt is outside the attestation's validity window",
            );
        }
    }
    reference(&mut report, r, "job", job, "job-cid-mismatch");
    reference(
        &mut report,
        r,
        "attestation",
        attestation,
        "attestation-cid-mismatch",
    );

    let key = text(a, &["publicKey"]).unwrap_or_default();
    match text(a, &["sigScheme"]) {
        None | Some("p256") => signature_finding(
            &mut report,
            signature::verify(key, r, Signed::Receipt),
            "no-signature",
            "signature-invalid",
        ),
        Some(scheme) => report.error(
            "signature-scheme-unsupported",
            format!("the attestation's sigScheme {scheme:?} is not verified here; only p256 is"),
        ),
    }
    if attestation.repo != receipt.repo {
        report.error(
            "attestation-owner-mismatch",
            format!(
                "attestation {} is held by {}, not by the receipt's provider {}",
                attestation.uri, attestation.repo, receipt.repo
            ),
        );
    }
    signature_finding(
        &mut report,
        signature::verify(key, a, Signed::Attestation),
        "attestation-unsigned",
        "attestation-selfsig-invalid",
    );

    let chain = at(a, &["mdaCertChain"])
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    if chain || at(a, &["appAttest"]).is_some() {
        report.push(
            Severity::Warning,
            "hardware-attestation-unchecked",
            "the attestation carries Apple hardware attestation, which is not verified here: \
             the trust level stays self-attested",
        );
    }
    if at(r, &["brokerageCountersignature"]).is_some() {
        report.push(
            Severity::Warning,
            "brokerage-countersignature-unchecked",
            "the receipt carries a brokerage countersignature, which is not verified here",
        );
    }
    report
}

/// Turns the result of a signature check into a finding: `missing` when there is none,
/// `invalid` when it does not verify (with the reason).
fn signature_finding(
    report: &mut Report,
    result: Result<(), SignatureError>,
    missing: &'static str,
    invalid: &'static str,
) {
    match result {
        Ok(()) => {}
        Err(SignatureError::Missing(field)) => {
            report.error(missing, format!("the record has no {field}"))
        }
        Err(SignatureError::Canonical(error)) => report.error(
            "canonical-fail",
            format!("the signed fields have no canonical form: {error}"),
        ),
        Err(error) => report.error(invalid, error.to_string()),
    }
}

/// Verifies a settlement against the receipt it settles and the requester's payment
/// authorization: the authorization names the settling exchange, the amounts split and stay
/// under the ceiling, a settled amount is the receipt's price, and the references are to the
/// records' current versions.
pub fn settlement(
    settlement: Record<'_>,
    receipt: Record<'_>,
    authorization: Record<'_>,
) -> Report {
    let mut report = Report::default();
    let (s, r, auth) = (settlement.value, receipt.value, authorization.value);
    if text(auth, &["exchange"]) != Some(settlement.repo) {
        report.error(
            "wrong-exchange",
            format!(
                "the authorization names exchange {}, but {} published the settlement",
                text(auth, &["exchange"]).unwrap_or("(none)"),
                settlement.repo
            ),
        );
    }
    let charged = integer(s, &["amountCharged", "amount"]);
    if text(auth, &["ceiling", "currency"]) != text(s, &["amountCharged", "currency"]) {
        report.error(
            "currency-mismatch",
            "authorization.ceiling.currency does not match settlement.amountCharged.currency",
        );
    } else if let (Some(charged), Some(ceiling)) = (charged, integer(auth, &["ceiling", "amount"]))
    {
        if charged > ceiling {
            report.error(
                "over-ceiling",
                format!("settlement.amountCharged {charged} exceeds the authorization's ceiling {ceiling}"),
            );
        }
    }
    let payout = integer(s, &["providerPayout", "amount"]);
    let fee = integer(s, &["exchangeFee", "amount"]);
    let split = payout.zip(fee).and_then(|(p, f)| p.checked_add(f));
    if charged.is_none() || split != charged {
        report.error(
            "split-mismatch",
            "amountCharged != providerPayout + exchangeFee",
        );
    }
    if text(s, &["status"]) == Some("settled") && charged != integer(r, &["price", "amount"]) {
        report.error(
            "amount-vs-price",
            "for status settled, amountCharged must equal the receipt's price",
        );
    }
    reference(&mut report, s, "receipt", receipt, "receipt-cid-mismatch");
    reference(
        &mut report,
        s,
        "requesterAuthorization",
        authorization,
        "authorization-cid-mismatch",
    );
    report
}
