//! Live events from Jetstream: its JSON lines over WebSocket, for the indexed collections only,
//! from a cursor (microseconds), resumed after the last event seen when the connection drops.
//! Not verified: Jetstream drops signatures and proofs; each record's CID is checked against
//! its content, and a mismatch makes the repository be exported again (verified).

use std::time::Duration;

use futures_util::StreamExt as _;
use lexicon_repo::jetstream::{parse_jetstream, JetstreamEvent};
use lexicon_runtime::Mode;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::batch::Change;
use crate::sync::events::{write_of, Meaning, Raw};
use crate::sync::{Incoming, Live, SyncError};

/// How many times in a row to reconnect before giving up.
const RETRIES: u32 = 10;

/// The events of the Jetstream at `url` for `collections`, after `cursor`.
pub(crate) fn subscribe(url: &str, collections: &[String], cursor: Option<i64>) -> Live {
    let (sender, receiver) = mpsc::channel(1024);
    tokio::spawn(run(url.to_owned(), collections.to_vec(), cursor, sender));
    Box::pin(tokio_stream_of(receiver))
}

fn tokio_stream_of(
    mut receiver: mpsc::Receiver<Incoming>,
) -> impl futures_util::Stream<Item = Incoming> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

async fn run(
    url: String,
    collections: Vec<String>,
    mut cursor: Option<i64>,
    sender: mpsc::Sender<Incoming>,
) {
    let mut failures = 0u32;
    loop {
        let mut query: Vec<String> = collections
            .iter()
            .map(|c| format!("wantedCollections={c}"))
            .collect();
        if let Some(cursor) = cursor {
            query.push(format!("cursor={cursor}"));
        }
        let separator = if url.contains('?') { '&' } else { '?' };
        let address = format!("{url}{separator}{}", query.join("&"));
        let last = match tokio_tungstenite::connect_async(address.as_str()).await {
            Err(e) => e.to_string(),
            Ok((mut socket, _)) => {
                failures = 0;
                let mut last = "the server closed the connection".to_owned();
                while let Some(message) = socket.next().await {
                    let text = match message {
                        Ok(Message::Text(text)) => text,
                        Ok(Message::Close(_)) => break,
                        Ok(_) => continue,
                        Err(e) => {
                            last = e.to_string();
                            break;
                        }
                    };
                    let item = match parse_jetstream::<Raw>(text.as_str(), Mode::Strict) {
                        Ok(event) => {
                            let (time_us, meaning) = meaning(event);
                            if time_us.is_some() {
                                cursor = time_us;
                            }
                            Incoming::Event(time_us, meaning)
                        }
                        Err(e) => Incoming::Unreadable(e.to_string()),
                    };
                    if sender.send(item).await.is_err() {
                        return;
                    }
                }
                last
            }
        };
        failures += 1;
        if failures > RETRIES {
            let _ = sender
                .send(Incoming::Failed(SyncError::StreamEnded {
                    error: Some(format!("{url}: gave up after {failures} attempts: {last}")),
                }))
                .await;
            return;
        }
        let delay = Duration::from_millis(250)
            .saturating_mul(1 << (failures - 1).min(7))
            .min(Duration::from_secs(30));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = sender.closed() => return,
        }
    }
}

/// What a Jetstream event means to the index, and its cursor.
fn meaning(event: JetstreamEvent<Raw>) -> (Option<i64>, Meaning) {
    match event {
        JetstreamEvent::Commit {
            did,
            time_us,
            rev,
            op,
        } => {
            let op = *op;
            if op.problem.is_some() {
                // The record is not the one its CID names: the export tells.
                let change = Change::NeedsSync { did: did.clone() };
                return (
                    Some(time_us),
                    Meaning::Change {
                        did,
                        change,
                        identity: false,
                    },
                );
            }
            let change = Change::Commit {
                did: did.clone(),
                rev,
                writes: vec![write_of(op)],
                chain: None,
            };
            (
                Some(time_us),
                Meaning::Change {
                    did,
                    change,
                    identity: false,
                },
            )
        }
        JetstreamEvent::Identity {
            did,
            time_us,
            handle,
        } => (
            Some(time_us),
            Meaning::Change {
                change: Change::Identity {
                    did: did.clone(),
                    handle,
                },
                did,
                identity: true,
            },
        ),
        JetstreamEvent::Account {
            did,
            time_us,
            active,
            status,
        } => (
            Some(time_us),
            Meaning::Change {
                change: Change::Account {
                    did: did.clone(),
                    active,
                    status,
                },
                did,
                identity: false,
            },
        ),
        _ => (None, Meaning::Nothing),
    }
}
