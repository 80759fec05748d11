//! The public queries of the cocore lexicons whose data is in indexed records, served from the
//! index: every record is valid under its lexicon and its account active.

use lexicon_index::Filter;
use lexicon_runtime::{AtUri, Datetime, Did, Extra};
use lexicon_xrpc_server::{Call, HandlerResult};
use serde_json::json;

use crate::aggregates::network_handle;
use crate::appview::State;
use crate::index::{FRIEND, JOB, PROFILE, PROVIDER, RECEIPT, SETTLEMENT};
use crate::lexicons::dev::cocore::account::{
    list_friend_edges, list_incoming_friends, list_profiles,
};
use crate::lexicons::dev::cocore::compute::{
    list_jobs, list_providers, list_receipts, list_settlements,
};
use crate::lexicons::dev::cocore::inference::status;

/// `dev.cocore.compute.listJobs`: the requester's jobs, newest first (at most 500).
pub async fn list_jobs(
    call: Call<list_jobs::ListJobs, State>,
) -> HandlerResult<list_jobs::ListJobs> {
    let requester = call.params.requester.to_string();
    Ok(list_jobs::Output {
        jobs: call.state.indexed(JOB, Filter::Did(requester), 500).await?,
        extra: Extra::new(),
    })
}

/// `dev.cocore.compute.listReceipts`: receipts by provider (the repository), requester (a
/// column) and job (a strongRef), any together, newest first (at most 200).
pub async fn list_receipts(
    call: Call<list_receipts::ListReceipts, State>,
) -> HandlerResult<list_receipts::ListReceipts> {
    let params = &call.params;
    let mut filters = Vec::new();
    if let Some(provider) = &params.provider {
        filters.push(Filter::Did(provider.to_string()));
    }
    if let Some(requester) = &params.requester {
        filters.push(Filter::Property(
            "requester".into(),
            json!(requester.as_str()),
        ));
    }
    if let Some(job) = &params.job {
        filters.push(Filter::References(job.to_string()));
    }
    Ok(list_receipts::Output {
        receipts: call
            .state
            .indexed(RECEIPT, Filter::And(filters), 200)
            .await?,
        extra: Extra::new(),
    })
}

/// `dev.cocore.compute.listSettlements`: settlements by the receipt they settle and by the
/// requester whose payment authorization they reference, newest first (at most 200).
pub async fn list_settlements(
    call: Call<list_settlements::ListSettlements, State>,
) -> HandlerResult<list_settlements::ListSettlements> {
    let params = &call.params;
    let mut filters = Vec::new();
    if let Some(receipt) = &params.receipt {
        filters.push(Filter::References(receipt.to_string()));
    }
    if let Some(requester) = &params.requester {
        filters.push(Filter::ReferencesUnder {
            path: Some("$.requesterAuthorization".into()),
            prefix: format!("at://{requester}/"),
        });
    }
    Ok(list_settlements::Output {
        settlements: call
            .state
            .indexed(SETTLEMENT, Filter::And(filters), 200)
            .await?,
        extra: Extra::new(),
    })
}

/// `dev.cocore.compute.listProviders`: every provider record (at most 100), newest first.
pub async fn list_providers(
    call: Call<list_providers::ListProviders, State>,
) -> HandlerResult<list_providers::ListProviders> {
    Ok(list_providers::Output {
        providers: call.state.indexed(PROVIDER, Filter::All, 100).await?,
        extra: Extra::new(),
    })
}

/// `dev.cocore.account.listProfiles`: every profile record (at most 500), newest first.
pub async fn list_profiles(
    call: Call<list_profiles::ListProfiles, State>,
) -> HandlerResult<list_profiles::ListProfiles> {
    Ok(list_profiles::Output {
        profiles: call.state.indexed(PROFILE, Filter::All, 500).await?,
        extra: Extra::new(),
    })
}

/// The most friend records the friend queries read (their `total` counts up to it).
const MAX_FRIENDS: usize = 10_000;

/// `limit` as the friend queries take it: 1 to 500, 100 when absent.
fn friend_limit(limit: Option<i64>) -> usize {
    limit.unwrap_or(100).clamp(1, 500) as usize
}

/// `dev.cocore.account.listIncomingFriends`: the friend records whose subject is `did`, newest
/// first (with the handle the network last gave each friender), and how many there are.
pub async fn list_incoming_friends(
    call: Call<list_incoming_friends::ListIncomingFriends, State>,
) -> HandlerResult<list_incoming_friends::ListIncomingFriends> {
    let subject = Filter::Property("subject".into(), json!(call.params.did.as_str()));
    let records = call.state.indexed(FRIEND, subject, MAX_FRIENDS).await?;
    let total = records.len() as i64;
    let limit = friend_limit(call.params.limit);
    let mut friends = Vec::new();
    for record in records.into_iter().take(limit) {
        let friender_handle = network_handle(&call.state, record.repo.to_string()).await?;
        friends.push(list_incoming_friends::OutputFriendsItem {
            created_at: record.body.as_value()["createdAt"]
                .as_str()
                .and_then(|d| Datetime::new(d).ok()),
            friender: record.repo,
            friender_handle,
            subject: call.params.did.clone(),
            uri: Some(record.uri),
            extra: Extra::new(),
        });
    }
    Ok(list_incoming_friends::Output {
        friends,
        total,
        extra: Extra::new(),
    })
}

/// `dev.cocore.account.listFriendEdges`: every friender → subject edge, newest first, and how
/// many there are.
pub async fn list_friend_edges(
    call: Call<list_friend_edges::ListFriendEdges, State>,
) -> HandlerResult<list_friend_edges::ListFriendEdges> {
    let records = call.state.indexed(FRIEND, Filter::All, MAX_FRIENDS).await?;
    let total = records.len() as i64;
    let limit = friend_limit(call.params.limit);
    let edges = records
        .into_iter()
        .filter_map(|record| {
            let subject = Did::new(record.body.as_value()["subject"].as_str()?).ok()?;
            Some(list_friend_edges::OutputEdgesItem {
                friender: record.repo,
                subject,
                extra: Extra::new(),
            })
        })
        .take(limit)
        .collect();
    Ok(list_friend_edges::Output {
        edges,
        total,
        extra: Extra::new(),
    })
}

/// `dev.cocore.inference.status`: `pending` until a receipt references the job, `received`
/// once one does, `settled` once a settlement references that receipt.
pub async fn status(call: Call<status::Status, State>) -> HandlerResult<status::Status> {
    let job: &AtUri = &call.params.job_uri;
    let receipt = call
        .state
        .indexed(RECEIPT, Filter::References(job.to_string()), 1)
        .await?
        .into_iter()
        .next();
    let settlement = match &receipt {
        Some(receipt) => call
            .state
            .indexed(SETTLEMENT, Filter::References(receipt.uri.to_string()), 1)
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    let status = match (&receipt, &settlement) {
        (_, Some(_)) => status::OutputStatus::Settled,
        (Some(_), None) => status::OutputStatus::Received,
        (None, None) => status::OutputStatus::Pending,
    };
    Ok(status::Output {
        status,
        receipt,
        settlement,
        extra: Extra::new(),
    })
}
