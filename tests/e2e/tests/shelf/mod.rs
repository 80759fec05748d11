//! The shelf service the server tests serve (`org.example.shelf`, from
//! `tests/data/lexicons/xrpc-shelf`): its state, its handlers, its router, and raw HTTP helpers.

#![allow(dead_code)] // each test binary uses part of this module

use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use lexicon_xrpc_server::{Call, HandlerResult, SubscriptionCall, XrpcError, XrpcRouter};
use pds_e2e::shelf::org::example::shelf::{
    defs::Item, get_items, put_item, subscribe_items, upload_image,
};
use serde_json::Value;
use tokio::sync::broadcast;

/// The shelf: items in order (an item's id is its position + 1), and a feed of new ones.
pub struct Shelf {
    pub items: Mutex<Vec<Item>>,
    pub feed: broadcast::Sender<Item>,
}

pub type State = Arc<Shelf>;

pub fn item(id: i64, name: &str, tags: &[&str]) -> Item {
    Item::new(
        id,
        name,
        tags.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
    )
}

/// `getItems`: id 13 answers an item its lexicon forbids (an empty name), id 66 panics.
pub async fn get_items(
    call: Call<get_items::GetItems, State>,
) -> HandlerResult<get_items::GetItems> {
    let params = call.params;
    if params.ids.contains(&66) {
        panic!("the shelf collapsed");
    }
    if params.ids.contains(&13) {
        return Ok(get_items::Output::new(vec![item(13, "", &[])]));
    }
    let shelf = call.state.items.lock().unwrap().clone();
    let mut items = Vec::new();
    for id in &params.ids {
        let found = shelf.iter().find(|i| i.id == *id).ok_or_else(|| {
            XrpcError::method(get_items::GetItemsError::ItemNotFound)
                .with_message(format!("no item {id}"))
        })?;
        let tags = params.tags.as_deref().unwrap_or_default();
        if tags.iter().all(|t| found.tags.contains(t)) {
            items.push(found.clone());
        }
    }
    if params.reverse == Some(true) {
        items.reverse();
    }
    items.truncate(params.limit.unwrap_or(50) as usize);
    Ok(get_items::Output::new(items))
}

pub async fn put_item(call: Call<put_item::PutItem, State>) -> HandlerResult<put_item::PutItem> {
    let input = call.input;
    let mut items = call.state.items.lock().unwrap();
    if items.iter().any(|i| i.name == input.name) {
        return Err(put_item::PutItemError::DuplicateName.into());
    }
    let mut new = item(items.len() as i64 + 1, &input.name, &[]);
    new.tags = input.tags.unwrap_or_default();
    new.created_at = input.created_at;
    items.push(new.clone());
    let _ = call.state.feed.send(new.clone());
    Ok(new)
}

pub async fn upload_image(
    call: Call<upload_image::UploadImage, State>,
) -> HandlerResult<upload_image::UploadImage> {
    Ok(upload_image::Output::new(call.input.len() as i64))
}

pub fn added(item: Item) -> subscribe_items::Message {
    let digest = vec![item.id as u8; 4];
    subscribe_items::Message::Added(Box::new(subscribe_items::Added::new(item.id, item, digest)))
}

/// `subscribeItems`: every item after `cursor`, then new ones as they come.
pub async fn subscribe(
    call: SubscriptionCall<subscribe_items::SubscribeItems, State>,
) -> Result<
    impl futures_util::Stream<
        Item = Result<subscribe_items::Message, XrpcError<subscribe_items::SubscribeItemsError>>,
    >,
    XrpcError<subscribe_items::SubscribeItemsError>,
> {
    let live = call.state.feed.subscribe();
    let backlog = call.state.items.lock().unwrap().clone();
    let cursor = call.params.cursor.unwrap_or(0);
    if cursor > backlog.len() as i64 {
        return Err(
            XrpcError::method(subscribe_items::SubscribeItemsError::FutureCursor)
                .with_message(format!("cursor {cursor} is ahead of the shelf")),
        );
    }
    let last = backlog.len() as i64;
    let replay = futures_util::stream::iter(
        backlog
            .into_iter()
            .skip(cursor as usize)
            .map(|i| Ok(added(i))),
    );
    let live = futures_util::stream::unfold(live, |mut live| async move {
        loop {
            match live.recv().await {
                Ok(item) => return Some((item, live)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .filter(move |i| std::future::ready(i.id > last))
    .map(|i| Ok(added(i)));
    Ok(replay.chain(live))
}

/// A shelf with a lamp (id 1) and a clock (id 2).
pub fn shelf() -> State {
    let (feed, _) = broadcast::channel(64);
    Arc::new(Shelf {
        items: Mutex::new(vec![
            item(1, "lamp", &["light", "brass"]),
            item(2, "clock", &["brass"]),
        ]),
        feed,
    })
}

pub fn router(validate: bool) -> axum_router::Router {
    let shelf = shelf();
    XrpcRouter::new()
        .method::<get_items::GetItems>(get_items)
        .method::<put_item::PutItem>(put_item)
        .method::<upload_image::UploadImage>(upload_image)
        .subscription::<subscribe_items::SubscribeItems>(subscribe)
        .validate_responses(validate)
        .body_limit(4096)
        .with_state(shelf)
}

pub mod axum_router {
    pub use lexicon_xrpc_server::axum::Router;
}

/// Serves `router` on a loopback port; returns its URL.
pub async fn serve(router: axum_router::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        lexicon_xrpc_server::axum::serve(listener, router)
            .await
            .unwrap()
    });
    url
}

/// What a raw HTTP request gets: status, content type and JSON body.
pub async fn raw(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().unwrap(), url).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// What a raw `GET` gets.
pub async fn get(url: &str) -> (u16, Value) {
    raw("GET", url, None, vec![]).await
}
