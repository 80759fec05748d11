//! The AppView's state (the index's readers, API keys) and one handler per method it serves.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use lexicon_index::{Filter, Query, Readers, Row};
use lexicon_runtime::{Datetime, Did, Extra};
use lexicon_xrpc_server::axum::Router;
use lexicon_xrpc_server::{Call, HandlerResult, ServiceAuthVerifier, XrpcError, XrpcRouter};
use sha2::{Digest, Sha256};

use crate::index::indexed_record;
use crate::lexicons::dev::cocore::account::defs::ApiKeyView;
use crate::lexicons::dev::cocore::account::{create_api_key, list_api_keys, revoke_api_key};
use crate::lexicons::dev::cocore::account::{
    get_profile, list_accounts, list_friend_edges, list_incoming_friends, list_profiles,
};
use crate::lexicons::dev::cocore::compute::{
    latency, list_jobs, list_providers, list_receipts, list_settlements, model_activity,
    verify_receipt, verify_settlement,
};
use crate::lexicons::dev::cocore::defs::IndexedRecord;
use crate::lexicons::dev::cocore::inference::status;
use crate::{aggregates, queries, verify};

/// What the AppView holds: the index (in the database), API keys by the SHA-256 of their
/// secret (in memory).
pub struct Store {
    readers: Readers,
    keys: RwLock<HashMap<[u8; 32], ApiKeyView>>,
}

/// The state every handler gets.
pub type State = Arc<Store>;

impl Store {
    /// The AppView's state over the index that `readers` read.
    pub fn new(readers: Readers) -> Store {
        Store {
            readers,
            keys: RwLock::default(),
        }
    }

    /// What `read` reads from the index; an error is logged (it can name the database) and
    /// answered as an internal error.
    pub(crate) async fn read<T: Send + 'static, E: lexicon_runtime::xrpc::ErrorName>(
        &self,
        read: impl FnOnce(&mut dyn lexicon_index::Store) -> Result<T, lexicon_index::IndexError>
            + Send
            + 'static,
    ) -> Result<T, XrpcError<E>> {
        self.readers.read(read).await.map_err(|e| {
            tracing::error!(error = %lexicon_runtime::cause::Chain(&e), "reading the index");
            XrpcError::internal("the index could not be read")
        })
    }

    /// The rows `query` selects (the first page).
    pub(crate) async fn rows<E: lexicon_runtime::xrpc::ErrorName>(
        &self,
        query: Query,
    ) -> Result<Vec<Row>, XrpcError<E>> {
        Ok(self.read(move |store| store.records(&query)).await?.rows)
    }

    /// The valid records of `collection` that `filter` selects, newest first, at most `limit`,
    /// as `indexedRecord`s.
    pub(crate) async fn indexed<E: lexicon_runtime::xrpc::ErrorName>(
        &self,
        collection: &'static str,
        filter: Filter,
        limit: usize,
    ) -> Result<Vec<IndexedRecord>, XrpcError<E>> {
        let query = Query::new(collection, filter).newest_first().limit(limit);
        self.rows(query)
            .await?
            .into_iter()
            .map(|row| indexed_record(collection, row))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                tracing::error!(error = %e, "a stored record is not an indexedRecord");
                XrpcError::internal("a stored record could not be served")
            })
    }

    /// The key whose secret is `secret`, if it is live.
    fn key_for(&self, secret: &str) -> Option<ApiKeyView> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = keys.get(&digest(secret))?;
        let expired = key
            .expires_at
            .as_ref()
            .is_some_and(|at| at.as_str() <= Datetime::now().as_str());
        (key.revoked_at.is_none() && !expired).then(|| key.clone())
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Who is calling: an existing API key (`Authorization: Bearer cocore-...`, first-party) or an
/// atproto service-auth JWT signed by the account's key (for this method only).
async fn caller<M: lexicon_runtime::xrpc::Method>(
    call: &Call<M, State>,
) -> Result<Did, XrpcError<M::Error>> {
    let token = call.bearer_token()?;
    if token.starts_with("cocore-") {
        return match call.state.key_for(token) {
            Some(key) => Ok(key.did),
            None => Err(XrpcError::auth_required(
                "unknown, revoked or expired API key",
            )),
        };
    }
    let auth = call.service_auth().await?;
    Did::new(auth.did).map_err(|e| XrpcError::auth_required(e.to_string()))
}

/// `dev.cocore.account.createApiKey`: mints a key for the caller; the secret is shown once.
async fn create_api_key(
    call: Call<create_api_key::CreateApiKey, State>,
) -> HandlerResult<create_api_key::CreateApiKey> {
    let did = caller(&call).await?;
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| XrpcError::internal(e.to_string()))?;
    let secret = format!(
        "cocore-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&random[..9]);
    let key = ApiKeyView {
        id,
        did,
        name: call.input.name,
        prefix: secret[..15].to_owned(),
        created_at: Datetime::now(),
        expires_at: call.input.expires_at,
        revoked_at: None,
        last_used_at: None,
        extra: Extra::new(),
    };
    let mut keys = call.state.keys.write().unwrap_or_else(|e| e.into_inner());
    keys.insert(digest(&secret), key.clone());
    Ok(create_api_key::Output {
        key,
        secret,
        extra: Extra::new(),
    })
}

/// `dev.cocore.account.listApiKeys`: the caller's keys, revoked ones included.
async fn list_api_keys(
    call: Call<list_api_keys::ListApiKeys, State>,
) -> HandlerResult<list_api_keys::ListApiKeys> {
    let did = caller(&call).await?;
    let keys = call.state.keys.read().unwrap_or_else(|e| e.into_inner());
    let mut mine: Vec<ApiKeyView> = keys.values().filter(|k| k.did == did).cloned().collect();
    mine.sort_by(|a, b| {
        a.created_at
            .as_str()
            .cmp(b.created_at.as_str())
            .then(a.id.cmp(&b.id))
    });
    Ok(list_api_keys::Output {
        keys: mine,
        extra: Extra::new(),
    })
}

/// `dev.cocore.account.revokeApiKey`: revokes one of the caller's live keys.
async fn revoke_api_key(
    call: Call<revoke_api_key::RevokeApiKey, State>,
) -> HandlerResult<revoke_api_key::RevokeApiKey> {
    let did = caller(&call).await?;
    let mut keys = call.state.keys.write().unwrap_or_else(|e| e.into_inner());
    let live = keys
        .values_mut()
        .find(|k| k.id == call.input.id && k.did == did && k.revoked_at.is_none());
    let revoked = live.map(|k| k.revoked_at = Some(Datetime::now())).is_some();
    Ok(revoke_api_key::Output {
        revoked,
        extra: Extra::new(),
    })
}

/// The AppView's routes: one handler per method.
pub fn router(store: State, auth: ServiceAuthVerifier) -> Router {
    XrpcRouter::new()
        .method::<list_jobs::ListJobs>(queries::list_jobs)
        .method::<list_receipts::ListReceipts>(queries::list_receipts)
        .method::<list_settlements::ListSettlements>(queries::list_settlements)
        .method::<list_providers::ListProviders>(queries::list_providers)
        .method::<list_profiles::ListProfiles>(queries::list_profiles)
        .method::<list_incoming_friends::ListIncomingFriends>(queries::list_incoming_friends)
        .method::<list_friend_edges::ListFriendEdges>(queries::list_friend_edges)
        .method::<status::Status>(queries::status)
        .method::<model_activity::ModelActivity>(aggregates::model_activity)
        .method::<latency::Latency>(aggregates::latency)
        .method::<get_profile::GetProfile>(aggregates::get_profile)
        .method::<list_accounts::ListAccounts>(aggregates::list_accounts)
        .method::<verify_receipt::VerifyReceipt>(verify::verify_receipt)
        .method::<verify_settlement::VerifySettlement>(verify::verify_settlement)
        .method::<create_api_key::CreateApiKey>(create_api_key)
        .method::<list_api_keys::ListApiKeys>(list_api_keys)
        .method::<revoke_api_key::RevokeApiKey>(revoke_api_key)
        .service_auth(auth)
        .with_state(store)
}
