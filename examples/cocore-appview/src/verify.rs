//! `verifyReceipt` and `verifySettlement`: a receipt or settlement and the records it
//! references, read from the index (invalid ones too: their violations are findings), checked
//! by `cocore-sdk` as cocore's SDK checks them.

use cocore_sdk::checks::{self, Finding, Record, Report, Severity};
use lexicon_index::{Filter, Query, Row};
use lexicon_runtime::xrpc::ErrorName;
use lexicon_runtime::Extra;
use lexicon_xrpc_server::{Call, HandlerResult, XrpcError};

use crate::appview::State;
use crate::index::{ATTESTATION, JOB, PAYMENT_AUTHORIZATION, RECEIPT, SETTLEMENT};
use crate::lexicons::dev::cocore::compute::{verify_receipt, verify_settlement};
use crate::lexicons::dev::cocore::defs::{VerifyFinding, VerifyFindingSeverity};

impl crate::appview::Store {
    /// The stored record of `collection` at `uri`, valid or not, if its account is active.
    async fn stored<E: ErrorName>(
        &self,
        collection: &'static str,
        uri: &str,
    ) -> Result<Option<Row>, XrpcError<E>> {
        let mut query = Query::new(collection, Filter::Uri(uri.to_owned())).limit(1);
        query.include_invalid = true;
        Ok(self.rows(query).await?.into_iter().next())
    }
}

/// The URI of the strongRef at `field` of `row`'s record.
fn referenced<'r>(row: &'r Row, field: &str) -> &'r str {
    row.record[field]["uri"].as_str().unwrap_or_default()
}

fn record(row: &Row) -> Record<'_> {
    Record {
        uri: &row.uri,
        repo: &row.did,
        cid: &row.cid,
        value: &row.record,
    }
}

/// The findings of `report`, after one `lexicon-invalid` error per violation of the records
/// (named by `what`).
fn findings(rows: [(&str, &Row); 3], report: Report) -> Vec<VerifyFinding> {
    let invalid = rows.into_iter().flat_map(|(what, row)| {
        row.violations.iter().map(move |violation| Finding {
            severity: Severity::Error,
            code: "lexicon-invalid",
            message: format!("the {what} breaks its lexicon: {violation}"),
        })
    });
    invalid
        .chain(report.findings)
        .map(|finding| VerifyFinding {
            severity: match finding.severity {
                Severity::Error => VerifyFindingSeverity::Error,
                Severity::Warning => VerifyFindingSeverity::Warning,
                Severity::Info => VerifyFindingSeverity::Info,
            },
            code: finding.code.to_owned(),
            message: finding.message,
            extra: Extra::new(),
        })
        .collect()
}

fn ok(findings: &[VerifyFinding]) -> bool {
    findings
        .iter()
        .all(|f| f.severity != VerifyFindingSeverity::Error)
}

/// `dev.cocore.compute.verifyReceipt`: the receipt against its job and attestation. The
/// trust level is `self-attested`: Apple hardware attestation is not verified here (a
/// `hardware-attestation-unchecked` warning says when an attestation carries it).
pub async fn verify_receipt(
    call: Call<verify_receipt::VerifyReceipt, State>,
) -> HandlerResult<verify_receipt::VerifyReceipt> {
    let not_found = |what: &str| {
        XrpcError::method(verify_receipt::VerifyReceiptError::NotFound)
            .with_message(format!("{what} is not indexed"))
    };
    let state = &call.state;
    let receipt = state
        .stored(RECEIPT, call.params.uri.as_str())
        .await?
        .ok_or_else(|| not_found("the receipt"))?;
    let job = state
        .stored(JOB, referenced(&receipt, "job"))
        .await?
        .ok_or_else(|| not_found("the receipt's job"))?;
    let attestation = state
        .stored(ATTESTATION, referenced(&receipt, "attestation"))
        .await?
        .ok_or_else(|| not_found("the receipt's attestation"))?;
    let report = checks::receipt(record(&receipt), record(&job), record(&attestation));
    let findings = findings(
        [
            ("receipt", &receipt),
            ("job", &job),
            ("attestation", &attestation),
        ],
        report,
    );
    Ok(verify_receipt::Output {
        ok: ok(&findings),
        trust_level: verify_receipt::OutputTrustLevel::SelfAttested,
        findings,
        extra: Extra::new(),
    })
}

/// `dev.cocore.compute.verifySettlement`: the settlement against the receipt it settles and
/// the requester's payment authorization.
pub async fn verify_settlement(
    call: Call<verify_settlement::VerifySettlement, State>,
) -> HandlerResult<verify_settlement::VerifySettlement> {
    let not_found = |what: &str| {
        XrpcError::method(verify_settlement::VerifySettlementError::NotFound)
            .with_message(format!("{what} is not indexed"))
    };
    let state = &call.state;
    let settlement = state
        .stored(SETTLEMENT, call.params.uri.as_str())
        .await?
        .ok_or_else(|| not_found("the settlement"))?;
    let receipt = state
        .stored(RECEIPT, referenced(&settlement, "receipt"))
        .await?
        .ok_or_else(|| not_found("the settled receipt"))?;
    let authorization = state
        .stored(
            PAYMENT_AUTHORIZATION,
            referenced(&settlement, "requesterAuthorization"),
        )
        .await?
        .ok_or_else(|| not_found("the payment authorization"))?;
    let report = checks::settlement(
        record(&settlement),
        record(&receipt),
        record(&authorization),
    );
    let findings = findings(
        [
            ("settlement", &settlement),
            ("receipt", &receipt),
            ("payment authorization", &authorization),
        ],
        report,
    );
    Ok(verify_settlement::Output {
        ok: ok(&findings),
        findings,
        extra: Extra::new(),
    })
}
