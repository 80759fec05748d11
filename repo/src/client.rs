//! Following a firehose over WebSocket (feature `client`): every commit's signature checked
//! with the repository's key (resolved through a [`DidResolver`], fetched again once after a
//! failure, in case the key rotated), a collection filter, resuming after the last event seen
//! when the connection drops, with backoff.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt as _, Stream, StreamExt as _};
use lexicon_identity::{check_with_current_key, DidResolver, KeyCheckError};
use lexicon_runtime::record::RecordSet;
use lexicon_runtime::Mode;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::commit::Commit;
use crate::firehose::{parse_frame, Event, FrameError, NSID};
use crate::RepoError;

/// Why the stream yielded an error instead of an event.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FirehoseError {
    /// A frame could not be read (the stream goes on with the next one).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The connection could not be (re)established after every retry; the stream ends.
    #[error("{url}: gave up after {attempts} attempts: {last}")]
    Disconnected {
        /// The URL.
        url: String,
        /// How many connection attempts were made in a row.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}

/// A subscription to `com.atproto.sync.subscribeRepos`, configured, not yet connected.
#[derive(Clone)]
pub struct Firehose {
    url: String,
    cursor: Option<i64>,
    resolver: Arc<dyn DidResolver>,
    keep: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    mode: Mode,
    retries: u32,
    backoff: Duration,
    max_backoff: Duration,
}

impl std::fmt::Debug for Firehose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Firehose")
            .field("url", &self.url)
            .field("cursor", &self.cursor)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Firehose {
    /// The firehose of the PDS or relay at `service` (`https://bsky.network`,
    /// `http://localhost:2583`), with repository keys resolved by `resolver` (a
    /// `CachingResolver` over an `HttpResolver`, typically).
    pub fn new(service: &str, resolver: impl DidResolver + 'static) -> Self {
        let base = service.trim_end_matches('/');
        let ws = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.to_owned()
        };
        Firehose {
            url: format!("{ws}/xrpc/{NSID}"),
            cursor: None,
            resolver: Arc::new(resolver),
            keep: Arc::new(|_| true),
            mode: Mode::Strict,
            retries: 10,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// Starts after event `seq` (0 replays everything the server keeps).
    pub fn cursor(mut self, seq: i64) -> Self {
        self.cursor = Some(seq);
        self
    }

    /// Decodes only the ops of these collections (others are skipped, not decoded).
    pub fn collections<S: Into<String>>(mut self, nsids: impl IntoIterator<Item = S>) -> Self {
        let nsids: Vec<String> = nsids.into_iter().map(Into::into).collect();
        self.keep = Arc::new(move |c| nsids.iter().any(|n| n == c));
        self
    }

    /// Validates records as `mode`'s validator would (strict by default).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// How many times in a row to reconnect before giving up (10 by default), and the first
    /// delay, doubled after each failure up to 30 s.
    pub fn retries(mut self, retries: u32, first_delay: Duration) -> Self {
        self.retries = retries;
        self.backoff = first_delay;
        self
    }

    /// Connects and streams events. The connection lives in a tokio task, which ends when the
    /// stream is dropped.
    pub fn subscribe<R: RecordSet + Send + 'static>(self) -> FirehoseStream<R> {
        let (sender, receiver) = mpsc::channel(256);
        tokio::spawn(self.run::<R>(sender));
        FirehoseStream { receiver }
    }

    async fn run<R: RecordSet + Send + 'static>(
        self,
        sender: mpsc::Sender<Result<Event<R>, FirehoseError>>,
    ) {
        let mut cursor = self.cursor;
        let mut failures = 0u32;
        loop {
            let url = match cursor {
                Some(seq) => format!("{}?cursor={seq}", self.url),
                None => self.url.clone(),
            };
            let last = match tokio_tungstenite::connect_async(url.as_str()).await {
                Err(e) => e.to_string(),
                Ok((mut socket, _)) => {
                    let mut last = "the server closed the connection".to_owned();
                    while let Some(message) = socket.next().await {
                        let bytes = match message {
                            Ok(Message::Binary(bytes)) => bytes,
                            Ok(Message::Ping(payload)) => {
                                let _ = socket.send(Message::Pong(payload)).await;
                                continue;
                            }
                            Ok(Message::Close(_)) => break,
                            Ok(_) => continue,
                            Err(e) => {
                                last = e.to_string();
                                break;
                            }
                        };
                        failures = 0;
                        let event = match parse_frame::<R>(&bytes, &*self.keep, self.mode) {
                            Ok(mut event) => {
                                match &mut event {
                                    Event::Commit(commit) => {
                                        let did = commit.repo.clone();
                                        commit.signature =
                                            Some(self.verify(&did, &commit.commit).await);
                                    }
                                    Event::Sync(sync) => {
                                        let did = sync.commit.did.clone();
                                        sync.signature =
                                            Some(self.verify(&did, &sync.commit).await);
                                    }
                                    _ => {}
                                }
                                if let Some(seq) = event.seq() {
                                    cursor = Some(seq);
                                }
                                Ok(event)
                            }
                            Err(e) => Err(FirehoseError::Frame(e)),
                        };
                        let fatal = matches!(event, Ok(Event::Error { .. }));
                        if sender.send(event).await.is_err() || fatal {
                            return;
                        }
                    }
                    last
                }
            };
            failures += 1;
            if failures > self.retries {
                let _ = sender
                    .send(Err(FirehoseError::Disconnected {
                        url: self.url.clone(),
                        attempts: failures,
                        last,
                    }))
                    .await;
                return;
            }
            let delay = self
                .backoff
                .saturating_mul(1 << (failures - 1).min(16))
                .min(self.max_backoff);
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = sender.closed() => return,
            }
        }
    }

    /// Checks a commit's signature with its repository's current key (fetched again once
    /// after a failure, in case the key rotated).
    async fn verify(&self, did: &str, commit: &Commit) -> Result<(), RepoError> {
        check_with_current_key(&*self.resolver, did, "atproto", |key| commit.verify(key))
            .await
            .map_err(|e| match e {
                KeyCheckError::Failed(e) => e,
                other => RepoError::Key {
                    did: did.to_owned(),
                    message: other.to_string(),
                },
            })
    }
}

/// The events of a [`Firehose`], as a `Stream`.
#[derive(Debug)]
pub struct FirehoseStream<R> {
    receiver: mpsc::Receiver<Result<Event<R>, FirehoseError>>,
}

impl<R> Stream for FirehoseStream<R> {
    type Item = Result<Event<R>, FirehoseError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}
