//! Sending a failed call again: which failures are worth it, and how long to wait.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::Duration;

use crate::transport::TransportError;

/// When a failed call is sent again, and how long the client waits first: rate limits (429,
/// after the server's `Retry-After` or `RateLimit-Reset`), server errors (500, 502, 503, 504)
/// and transport failures, with exponential backoff and jitter, up to `max_retries` times.
///
/// A procedure is sent again only when the server cannot have acted on it: after a 429, or
/// when no connection could be made; after a 5xx or a timeout it may have been applied, so
/// the error is returned (a compare-and-swap write, re-read and sent again, is the safe way to
/// retry those). Off by default ([`RetryPolicy::none`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new(3)
    }
}

/// A failure a call can be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// HTTP 429, and how long the server said to wait.
    RateLimited(Option<Duration>),
    /// HTTP 500, 502, 503 or 504.
    Server,
    /// No connection was made: the request was not sent.
    Connect,
    /// The request may have been sent (a timeout, a broken connection).
    Transport,
}

impl Failure {
    /// The failure an HTTP status is, if it is one worth retrying.
    pub(crate) fn of_status(status: u16, retry_after: Option<Duration>) -> Option<Failure> {
        match status {
            429 => Some(Failure::RateLimited(retry_after)),
            500 | 502 | 503 | 504 => Some(Failure::Server),
            _ => None,
        }
    }

    /// The failure a transport error is.
    pub(crate) fn of_transport(error: &TransportError) -> Failure {
        match error {
            TransportError::Connect(_) => Failure::Connect,
            _ => Failure::Transport,
        }
    }
}

impl RetryPolicy {
    /// Up to `max_retries` retries, waiting 250 ms, 500 ms, 1 s, ... (with jitter), at most
    /// 30 s each.
    pub fn new(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }

    /// No retries: every failure is returned at once.
    pub fn none() -> Self {
        RetryPolicy::new(0)
    }

    /// The first wait; each later one doubles it.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait; a server that asks for longer (`Retry-After`) gets its error returned.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How long to wait before retry number `retry` (from 0) of a `method` call after
    /// `failure`, or `None` to give up.
    pub(crate) fn delay(&self, method: &str, retry: u32, failure: Failure) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let safe = method == "GET" || matches!(failure, Failure::RateLimited(_) | Failure::Connect);
        if !safe {
            return None;
        }
        if let Failure::RateLimited(Some(wait)) = failure {
            return (wait <= self.max_delay).then_some(wait);
        }
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        Some(backoff.mul_f64(0.5 + 0.5 * jitter()))
    }
}

/// A number in `[0, 1)` that differs from call to call (std's random hasher keys, so that
/// clients that failed together do not retry together).
fn jitter() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_retry_on_every_failure_and_procedures_only_when_nothing_was_applied() {
        let policy = RetryPolicy::new(2).base_delay(Duration::from_millis(100));
        for failure in [Failure::Server, Failure::Transport, Failure::Connect] {
            assert!(policy.delay("GET", 0, failure).is_some(), "{failure:?}");
        }
        assert_eq!(policy.delay("POST", 0, Failure::Server), None);
        assert_eq!(policy.delay("POST", 0, Failure::Transport), None);
        assert!(policy.delay("POST", 0, Failure::Connect).is_some());
        let wait = Duration::from_secs(2);
        assert_eq!(
            policy.delay("POST", 0, Failure::RateLimited(Some(wait))),
            Some(wait)
        );
        assert_eq!(policy.delay("GET", 2, Failure::Server), None, "the limit");
        assert_eq!(RetryPolicy::none().delay("GET", 0, Failure::Server), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy::new(10)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(1));
        let first = policy.delay("GET", 0, Failure::Server).unwrap();
        assert!((50..=100).contains(&first.as_millis()), "{first:?}");
        let third = policy.delay("GET", 2, Failure::Server).unwrap();
        assert!((200..=400).contains(&third.as_millis()), "{third:?}");
        let late = policy.delay("GET", 9, Failure::Server).unwrap();
        assert!(late <= Duration::from_secs(1), "{late:?}");
        let too_long = Failure::RateLimited(Some(Duration::from_secs(60)));
        assert_eq!(policy.delay("GET", 0, too_long), None);
    }
}
