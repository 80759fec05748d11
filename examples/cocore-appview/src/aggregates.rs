//! The cocore queries that sum up indexed records: `modelActivity` and `latency` over recent
//! receipts, `getProfile` and `listAccounts` over every account with a cocore record. As the
//! other queries, they count only what is served: valid records of active accounts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, UNIX_EPOCH};

use lexicon_index::{Filter, Query, Row, Tally};
use lexicon_runtime::{Datetime, Did, Extra, Unknown};
use lexicon_xrpc_server::{Call, HandlerResult, XrpcError};
use serde_json::{json, Value};

use crate::appview::State;
use crate::index::{FRIEND, JOB, PROFILE, PROVIDER, RECEIPT};
use crate::lexicons::dev::cocore::account::{get_profile, list_accounts};
use crate::lexicons::dev::cocore::compute::{latency, model_activity};
use crate::lexicons::dev::cocore::defs::{ActivityStat, ActivityWindows};

/// How many of the newest receipts the receipt roll-ups read, as cocore's AppView does.
const RECENT_RECEIPTS: usize = 5_000;
/// How many samples each latency group keeps (its newest).
const LATENCY_SAMPLES: usize = 100;
/// The most profile and friend records `listAccounts` reads to match and filter accounts.
const MAX_DIRECTORY: usize = 10_000;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

fn now_millis() -> i64 {
    Datetime::now().unix_millis()
}

fn datetime(millis: i64) -> Datetime {
    Datetime::from(UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64))
}

/// The instant of the datetime at `field` of `record`, in milliseconds, if it is one.
fn instant(record: &Value, field: &str) -> Option<i64> {
    record[field]
        .as_str()
        .and_then(|t| Datetime::new(t).ok())
        .map(|d| d.unix_millis())
}

/// `value` as an `unknown`: the JSON built here is always an object of atproto data.
fn unknown<E: lexicon_runtime::xrpc::ErrorName>(value: Value) -> Result<Unknown, XrpcError<E>> {
    Unknown::new(value).map_err(|e| XrpcError::internal(format!("an answer is not data: {e}")))
}

/// The newest receipts (at most `limit`) that `filter` selects.
async fn receipts<E: lexicon_runtime::xrpc::ErrorName>(
    state: &State,
    filter: Filter,
    limit: usize,
) -> Result<Vec<Row>, XrpcError<E>> {
    state
        .rows(Query::new(RECEIPT, filter).newest_first().limit(limit))
        .await
}

/// Requests and tokens in each of the four windows (hour, day, week, month).
type Counts = [(i64, i64); 4];

/// A model's counts, and its providers' (by DID) in the order first seen.
type ModelCounts = (String, Counts, Vec<(String, Counts)>);

/// `dev.cocore.compute.modelActivity`: requests and tokens per model over the last hour,
/// day, week and month, and per provider of each model, from the newest 5,000 receipts; a
/// receipt counts at its `completedAt` (when it was indexed if it has none).
pub async fn model_activity(
    call: Call<model_activity::ModelActivity, State>,
) -> HandlerResult<model_activity::ModelActivity> {
    let rows = receipts(&call.state, Filter::All, RECENT_RECEIPTS).await?;
    let now = now_millis();
    let windows = [now - HOUR, now - DAY, now - WEEK, now - 30 * DAY];
    // Models and their providers in the order first seen (newest receipt first).
    let mut models: Vec<ModelCounts> = Vec::new();
    for row in &rows {
        let record = &row.record;
        let Some(model) = record["model"].as_str().filter(|m| !m.is_empty()) else {
            continue;
        };
        let at = instant(record, "completedAt").unwrap_or(row.indexed_at);
        let tokens = ["in", "out"]
            .iter()
            .map(|k| record["tokens"][k].as_i64().unwrap_or(0))
            .fold(0i64, i64::saturating_add);
        let index = match models.iter().position(|(m, ..)| m == model) {
            Some(i) => i,
            None => {
                models.push((model.to_owned(), Counts::default(), Vec::new()));
                models.len() - 1
            }
        };
        let (_, totals, providers) = &mut models[index];
        let provider = match providers.iter().position(|(d, _)| *d == row.did) {
            Some(i) => i,
            None => {
                providers.push((row.did.clone(), Counts::default()));
                providers.len() - 1
            }
        };
        for (w, since) in windows.iter().enumerate() {
            if at >= *since {
                for counts in [&mut totals[w], &mut providers[provider].1[w]] {
                    counts.0 += 1;
                    counts.1 = counts.1.saturating_add(tokens);
                }
            }
        }
    }
    let stats = |counts: &Counts| {
        let stat = |(requests, tokens): (i64, i64)| ActivityStat {
            requests,
            tokens,
            extra: Extra::new(),
        };
        ActivityWindows {
            hour: stat(counts[0]),
            day: stat(counts[1]),
            week: stat(counts[2]),
            month: stat(counts[3]),
            extra: Extra::new(),
        }
    };
    let models = models
        .iter()
        .map(
            |(model, totals, providers)| model_activity::OutputModelsItem {
                model_id: model.clone(),
                totals: stats(totals),
                by_provider: providers
                    .iter()
                    .filter_map(|(did, counts)| {
                        Some(model_activity::OutputModelsItemByProviderItem {
                            did: Did::new(did.as_str()).ok()?,
                            stats: stats(counts),
                            extra: Extra::new(),
                        })
                    })
                    .collect(),
                extra: Extra::new(),
            },
        )
        .collect();
    Ok(model_activity::Output {
        generated_at: datetime(now),
        models,
        extra: Extra::new(),
    })
}

/// A receipt's latency, `completedAt - startedAt` in milliseconds (none when either is
/// missing or it is negative).
fn latency_of(record: &Value) -> Option<i64> {
    let ms = instant(record, "completedAt")? - instant(record, "startedAt")?;
    (ms >= 0).then_some(ms)
}

/// Sample count, p50, p95 (nearest rank), mean and newest of latencies given newest first.
fn summary(samples: &[i64]) -> Value {
    if samples.is_empty() {
        return json!({ "sampleCount": 0, "p50Ms": null, "p95Ms": null, "avgMs": null, "lastMs": null });
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let rank = |p: usize| sorted[((p * n).div_ceil(100)).clamp(1, n) - 1];
    let sum: i128 = samples.iter().map(|&s| i128::from(s)).sum();
    let average = (sum as f64 / n as f64).round() as i64;
    json!({
        "sampleCount": n,
        "p50Ms": rank(50),
        "p95Ms": rank(95),
        "avgMs": average,
        "lastMs": samples[0],
    })
}

/// The latency summary of each group's newest samples, by group key.
fn grouped(groups: BTreeMap<String, Vec<i64>>) -> Value {
    Value::Object(
        groups
            .into_iter()
            .map(|(key, samples)| (key, summary(&samples)))
            .collect(),
    )
}

/// `dev.cocore.compute.latency`: `completedAt - startedAt` of receipts, over the newest 100
/// overall, per provider and per model (each group its own newest 100, among the newest
/// 5,000 receipts). `byProvider` and `byModel` are objects keyed by DID and by model: an
/// `unknown` must be an object.
pub async fn latency(call: Call<latency::Latency, State>) -> HandlerResult<latency::Latency> {
    let rows = receipts(&call.state, Filter::All, RECENT_RECEIPTS).await?;
    let mut overall = Vec::new();
    let mut by_provider: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut by_model: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in &rows {
        let Some(ms) = latency_of(&row.record) else {
            continue;
        };
        let keep = |samples: &mut Vec<i64>| {
            if samples.len() < LATENCY_SAMPLES {
                samples.push(ms);
            }
        };
        keep(&mut overall);
        keep(by_provider.entry(row.did.clone()).or_default());
        if let Some(model) = row.record["model"].as_str().filter(|m| !m.is_empty()) {
            keep(by_model.entry(model.to_owned()).or_default());
        }
    }
    let mut extra = Extra::new();
    extra.insert("generatedAt".into(), json!(Datetime::now()));
    Ok(latency::Output {
        overall: Some(unknown(summary(&overall))?),
        by_provider: Some(unknown(grouped(by_provider))?),
        by_model: Some(unknown(grouped(by_model))?),
        extra,
    })
}

/// One account's footprint: its records per collection, when the first and the last were
/// indexed.
#[derive(Default)]
struct Footprint {
    first: i64,
    last: i64,
    counts: HashMap<String, i64>,
}

impl Footprint {
    fn add(&mut self, collection: &str, tally: &Tally) {
        if self.counts.is_empty() {
            (self.first, self.last) = (tally.first_indexed, tally.last_indexed);
        }
        self.first = self.first.min(tally.first_indexed);
        self.last = self.last.max(tally.last_indexed);
        self.counts.insert(collection.to_owned(), tally.records);
    }

    fn count(&self, collection: &str) -> i64 {
        self.counts.get(collection).copied().unwrap_or(0)
    }
}

/// The footprint of every account (of `did` only, when given) with a served record.
async fn footprints<E: lexicon_runtime::xrpc::ErrorName>(
    state: &State,
    did: Option<String>,
) -> Result<BTreeMap<String, Footprint>, XrpcError<E>> {
    state
        .read(move |store| {
            let mut footprints: BTreeMap<String, Footprint> = BTreeMap::new();
            let collections: Vec<String> = store
                .schema()
                .collections()
                .iter()
                .map(|c| c.nsid.clone())
                .collect();
            for collection in collections {
                let filter = did.clone().map_or(Filter::All, Filter::Did);
                for tally in store.tally(&Query::new(collection.as_str(), filter))? {
                    footprints
                        .entry(tally.did.clone())
                        .or_default()
                        .add(&collection, &tally);
                }
            }
            Ok(footprints)
        })
        .await
}

/// A non-empty string at `field` of a profile record.
fn profile_text(profile: Option<&Value>, field: &str) -> Option<String> {
    profile
        .and_then(|p| p[field].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The handle the network last gave `did` (from its `#identity` events), if any.
pub(crate) async fn network_handle<E: lexicon_runtime::xrpc::ErrorName>(
    state: &State,
    did: String,
) -> Result<Option<String>, XrpcError<E>> {
    Ok(state
        .read(move |store| store.repo(&did))
        .await?
        .and_then(|repo| repo.handle))
}

/// `dev.cocore.account.getProfile`: one account's profile fields (its profile record; the
/// handle the network gave it when the record has none), its machines, its job and receipt
/// counts, how many accounts friended it, its latency and 52 weeks of activity.
pub async fn get_profile(
    call: Call<get_profile::GetProfile, State>,
) -> HandlerResult<get_profile::GetProfile> {
    let state = &call.state;
    let did = call.params.did.to_string();
    let footprint = footprints(state, Some(did.clone()))
        .await?
        .remove(&did)
        .ok_or_else(|| {
            XrpcError::method(get_profile::GetProfileError::NotFound)
                .with_message("no cocore record of this DID is indexed")
        })?;
    let of = |collection: &'static str, limit: usize| {
        Query::new(collection, Filter::Did(did.clone()))
            .newest_first()
            .limit(limit)
    };
    let profile = state.rows(of(PROFILE, 1)).await?.into_iter().next();
    let profile = profile.as_ref().map(|row| &row.record);
    let machines = state.rows(of(PROVIDER, 100)).await?;
    let subject = Filter::Property("subject".into(), json!(did));
    let frienders = state
        .read(move |store| store.tally(&Query::new(FRIEND, subject)))
        .await?;
    let latencies: Vec<i64> = receipts(state, Filter::Did(did.clone()), LATENCY_SAMPLES)
        .await?
        .iter()
        .filter_map(|row| latency_of(&row.record))
        .collect();
    let handle = match profile_text(profile, "handle") {
        Some(handle) => Some(handle),
        None => network_handle(state, did.clone()).await?,
    };
    let machines: Vec<Value> = machines
        .iter()
        .map(|row| {
            let r = &row.record;
            json!({
                "rkey": row.rkey,
                "machineLabel": r["machineLabel"],
                "chip": r["chip"],
                "ramGB": r["ramGB"],
                "supportedModels": r["supportedModels"].as_array().cloned().unwrap_or_default(),
                "active": r["active"],
                "createdAt": r["createdAt"],
                "trustLevel": r["trustLevel"],
            })
        })
        .collect();
    let week_series = week_series(state, &did).await?;
    let profile = json!({
        "did": did,
        "handle": handle,
        "displayName": profile_text(profile, "displayName"),
        "bio": profile_text(profile, "bio"),
        "avatarUrl": profile_text(profile, "avatarUrl"),
        "joinedAt": datetime(footprint.first),
        "lastActivityAt": datetime(footprint.last),
        "machines": machines,
        "jobCount": footprint.count(JOB),
        "receiptCount": footprint.count(RECEIPT),
        "incomingFriendsCount": frienders.len(),
        "weekSeries": week_series,
        "latency": summary(&latencies),
    });
    Ok(get_profile::Output {
        profile: unknown(profile)?,
        extra: Extra::new(),
    })
}

/// The most records of a kind the week series reads.
const MAX_SERIES: usize = 10_000;

/// 52 weeks (UTC, Monday to Sunday, oldest first) of an account's activity, by when records
/// were indexed: its jobs, its receipts and their tokens, friend records naming it, and its
/// machines so far.
async fn week_series<E: lexicon_runtime::xrpc::ErrorName>(
    state: &State,
    did: &str,
) -> Result<Value, XrpcError<E>> {
    let now = now_millis();
    let today = now.div_euclid(DAY) * DAY;
    // 1970-01-01 was a Thursday: days since the last Monday.
    let since_monday = (now.div_euclid(DAY) + 3).rem_euclid(7);
    let oldest = today - since_monday * DAY - 51 * WEEK;
    let week = |at: i64| ((at - oldest).div_euclid(WEEK)).clamp(0, 51) as usize;
    let recent = |collection: &'static str, filter: Filter| {
        Query::new(
            collection,
            Filter::And(vec![filter, Filter::IndexedSince(oldest)]),
        )
        .limit(MAX_SERIES)
    };
    let mine = || Filter::Did(did.to_owned());
    let mut jobs = [0i64; 52];
    for row in state.rows(recent(JOB, mine())).await? {
        jobs[week(row.indexed_at)] += 1;
    }
    let (mut receipts, mut tokens) = ([0i64; 52], [0i64; 52]);
    for row in state.rows(recent(RECEIPT, mine())).await? {
        let w = week(row.indexed_at);
        receipts[w] += 1;
        for k in ["in", "out"] {
            tokens[w] = tokens[w].saturating_add(row.record["tokens"][k].as_i64().unwrap_or(0));
        }
    }
    let mut friended = [0i64; 52];
    let subject = Filter::Property("subject".into(), json!(did));
    for row in state.rows(recent(FRIEND, subject)).await? {
        friended[week(row.indexed_at)] += 1;
    }
    let machines = state
        .rows(Query::new(PROVIDER, mine()).limit(MAX_SERIES))
        .await?;
    let machines: Vec<i64> = (0..52)
        .map(|w| {
            let end = oldest + (w as i64 + 1) * WEEK;
            machines.iter().filter(|row| row.indexed_at < end).count() as i64
        })
        .collect();
    Ok(json!({
        "oldestWeekStart": &datetime(oldest).as_str()[..10],
        "jobsDispatched": jobs.to_vec(),
        "receiptsServed": receipts.to_vec(),
        "machinesIndexedCumulative": machines,
        "tokensIndexed": tokens.to_vec(),
        "trustedByNew": friended.to_vec(),
    }))
}

/// `dev.cocore.account.listAccounts`: every account with a cocore record, most recently
/// active first (or newest first), with its profile fields and how many machines it runs;
/// filtered by provider, by the viewer (and whom the viewer friended), and by a piece of the
/// handle or DID; a page by `offset` and `limit`.
pub async fn list_accounts(
    call: Call<list_accounts::ListAccounts, State>,
) -> HandlerResult<list_accounts::ListAccounts> {
    let state = &call.state;
    let params = &call.params;
    let limit = params.limit.unwrap_or(24).clamp(1, 100);
    let offset = params.offset.unwrap_or(0).max(0);
    let newest = matches!(params.sort_by, Some(list_accounts::ParamsSortBy::Newest));
    let providers_only = params.providers_only.unwrap_or(false);
    let viewer = params.viewer_did.as_ref().map(|d| d.to_string());
    let exclude_friends = params.exclude_viewer_friends.unwrap_or(false);
    let needle = params
        .q
        .as_deref()
        .map(|q| q.trim().trim_start_matches('@').to_lowercase())
        .filter(|q| !q.is_empty());

    let footprints = footprints(state, None).await?;
    let profiles: HashMap<String, Value> = state
        .rows(
            Query::new(PROFILE, Filter::All)
                .newest_first()
                .limit(MAX_DIRECTORY),
        )
        .await?
        .into_iter()
        .rev()
        .map(|row| (row.did, row.record))
        .collect();
    let friended: HashSet<String> = match (&viewer, exclude_friends) {
        (Some(viewer), true) => state
            .rows(Query::new(FRIEND, Filter::Did(viewer.clone())).limit(MAX_DIRECTORY))
            .await?
            .into_iter()
            .filter_map(|row| row.record["subject"].as_str().map(str::to_owned))
            .collect(),
        _ => HashSet::new(),
    };
    let mut accounts: Vec<(&String, &Footprint)> = footprints
        .iter()
        .filter(|(did, footprint)| {
            let handle = profile_text(profiles.get(*did), "handle").unwrap_or_default();
            viewer.as_ref() != Some(did)
                && !friended.contains(*did)
                && (!providers_only || footprint.count(PROVIDER) > 0)
                && needle.as_ref().is_none_or(|needle| {
                    handle.to_lowercase().contains(needle) || did.to_lowercase().contains(needle)
                })
        })
        .collect();
    accounts.sort_by_key(|(did, footprint)| {
        let at = if newest {
            footprint.first
        } else {
            footprint.last
        };
        (std::cmp::Reverse(at), *did)
    });
    let total = accounts.len() as i64;
    let mut page = Vec::new();
    for (did, footprint) in accounts
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
    {
        let profile = profiles.get(did);
        let handle = match profile_text(profile, "handle") {
            Some(handle) => Some(handle),
            None => network_handle(state, did.clone()).await?,
        };
        let Ok(did) = Did::new(did.as_str()) else {
            continue;
        };
        page.push(list_accounts::OutputAccountsItem {
            did,
            handle,
            display_name: profile_text(profile, "displayName"),
            avatar_url: profile_text(profile, "avatarUrl"),
            provider_count: Some(footprint.count(PROVIDER)),
            last_activity_at: Some(datetime(footprint.last)),
            extra: Extra::new(),
        });
    }
    Ok(list_accounts::Output {
        accounts: page,
        total,
        limit,
        offset,
        sort_by: if newest {
            list_accounts::OutputSortBy::Newest
        } else {
            list_accounts::OutputSortBy::Recent
        },
        providers_only,
        exclude_viewer_friends: exclude_friends,
        q: params.q.clone(),
        extra: Extra::new(),
    })
}
