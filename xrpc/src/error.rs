//! What a call can fail with.

use std::time::Duration;

use lexicon_runtime::xrpc::{ErrorName, UnlistedError};
use lexicon_runtime::{AtUri, Cid};

use crate::transport::TransportError;

/// Why an XRPC call failed. `E` is the method's error enum (`GetRecordError`), so the errors
/// its lexicon names can be matched by variant; any other name lands in that enum's `Other`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = UnlistedError> {
    /// The server answered with an XRPC error (a JSON body with `error` and maybe `message`).
    #[error("{nsid}: {error} (HTTP {status}){}", detail(message))]
    Xrpc {
        /// The method called.
        nsid: &'static str,
        /// The HTTP status.
        status: u16,
        /// The error name, typed.
        error: E,
        /// The server's message, if any.
        message: Option<String>,
    },
    /// The server refused the call for exceeding a rate limit (HTTP 429).
    #[error(
        "{nsid}: rate limited (HTTP 429){}{}",
        retry(retry_after),
        detail(message)
    )]
    RateLimited {
        /// The method called.
        nsid: &'static str,
        /// How long to wait, from `Retry-After` (or `RateLimit-Reset`), if the server said.
        retry_after: Option<Duration>,
        /// The server's message, if any.
        message: Option<String>,
    },
    /// The server answered with an error status and a body that is not an XRPC error.
    #[error("{nsid}: HTTP {status}{}", detail(&Some(body.clone()).filter(|b| !b.is_empty())))]
    Status {
        /// The method called.
        nsid: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body, as text.
        body: String,
    },
    /// The request was refused here, before anything was sent: the record, input or parameters
    /// break their schema (every violation is listed), or the record key does not fit.
    #[error("{nsid}: not sent: {error:#}")]
    Invalid {
        /// The method that was not called.
        nsid: &'static str,
        /// What is wrong.
        #[source]
        error: lexicon_runtime::Error,
    },
    /// The server's answer breaks the method's output schema.
    #[error("{nsid}: invalid response: {error:#}")]
    InvalidResponse {
        /// The method called.
        nsid: &'static str,
        /// What is wrong.
        #[source]
        error: lexicon_runtime::Error,
    },
    /// The response body is longer than the client's limit.
    #[error("{nsid}: the response is longer than the limit of {limit} bytes")]
    TooLarge {
        /// The method called.
        nsid: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// No response: connection refused, timeout, broken connection.
    #[error("{nsid}: {error}")]
    Transport {
        /// The method called.
        nsid: &'static str,
        /// What went wrong.
        #[source]
        error: TransportError,
    },
    /// The call needs a session (the repository is the logged-in account) and there is none.
    #[error("{nsid}: not logged in (call Client::login first)")]
    NotLoggedIn {
        /// The method not called.
        nsid: &'static str,
    },
    /// The client's [`Credentials`](crate::Credentials) could not authorize the call (their
    /// tokens could not be refreshed, say: for an app-password session, the source is the
    /// `com.atproto.server.refreshSession` call's `Error`).
    #[error("{nsid}: {error}")]
    Credentials {
        /// The method not called.
        nsid: &'static str,
        /// What the credentials said.
        #[source]
        error: crate::credentials::CredentialsError,
    },
    /// The server stored the record under a CID other than the one computed here from the
    /// record's DAG-CBOR encoding (or a fetched record's content does not match its CID).
    #[error("{nsid}: CID mismatch for {uri}: the server says {remote}, the record's content gives {local}")]
    CidMismatch {
        /// The method called.
        nsid: &'static str,
        /// The record.
        uri: AtUri,
        /// The CID the server reported.
        remote: Cid,
        /// The CID of the record's content.
        local: Cid,
    },
}

fn detail(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn retry(after: &Option<Duration>) -> String {
    after
        .map(|d| format!(", retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl<E> Error<E> {
    /// The method the call was for.
    pub fn nsid(&self) -> &'static str {
        match self {
            Error::Xrpc { nsid, .. }
            | Error::RateLimited { nsid, .. }
            | Error::Status { nsid, .. }
            | Error::Invalid { nsid, .. }
            | Error::InvalidResponse { nsid, .. }
            | Error::TooLarge { nsid, .. }
            | Error::Transport { nsid, .. }
            | Error::NotLoggedIn { nsid }
            | Error::Credentials { nsid, .. }
            | Error::CidMismatch { nsid, .. } => nsid,
        }
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Xrpc { status, .. } | Error::Status { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The method's typed error, when the server named one.
    pub fn xrpc_error(&self) -> Option<&E> {
        match self {
            Error::Xrpc { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The same error for another method's error enum `F`: a named error keeps its name
    /// (`F::from_name`), everything else is unchanged. `retyped::<UnlistedError>()` gives
    /// one error type for calls of different methods.
    pub fn retyped<F: ErrorName>(self) -> Error<F>
    where
        E: ErrorName,
    {
        match self {
            Error::Xrpc {
                nsid,
                status,
                error,
                message,
            } => Error::Xrpc {
                nsid,
                status,
                error: F::from_name(error.name()),
                message,
            },
            Error::RateLimited {
                nsid,
                retry_after,
                message,
            } => Error::RateLimited {
                nsid,
                retry_after,
                message,
            },
            Error::Status { nsid, status, body } => Error::Status { nsid, status, body },
            Error::Invalid { nsid, error } => Error::Invalid { nsid, error },
            Error::InvalidResponse { nsid, error } => Error::InvalidResponse { nsid, error },
            Error::TooLarge { nsid, limit } => Error::TooLarge { nsid, limit },
            Error::Transport { nsid, error } => Error::Transport { nsid, error },
            Error::NotLoggedIn { nsid } => Error::NotLoggedIn { nsid },
            Error::Credentials { nsid, error } => Error::Credentials { nsid, error },
            Error::CidMismatch {
                nsid,
                uri,
                remote,
                local,
            } => Error::CidMismatch {
                nsid,
                uri,
                remote,
                local,
            },
        }
    }

    /// True when the request never reached the server (refused here, or not logged in).
    pub fn is_local(&self) -> bool {
        matches!(self, Error::Invalid { .. } | Error::NotLoggedIn { .. })
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an `http` or `https` URL.
    #[error("invalid service URL {url:?}: {reason}")]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The HTTP transport could not be set up.
    #[error("could not set up HTTP: {0}")]
    Transport(#[source] TransportError),
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use lexicon_runtime::ValidationErrors;

    use crate::atproto::com::atproto::repo::strong_ref::StrongRef;

    #[test]
    fn a_retyped_error_keeps_the_name_and_everything_else() {
        use crate::atproto::com::atproto::repo::get_record::GetRecordError;
        use lexicon_runtime::xrpc::{ErrorName as _, UnlistedError};
        let error: super::Error<GetRecordError> = super::Error::Xrpc {
            nsid: "com.atproto.repo.getRecord",
            status: 400,
            error: GetRecordError::RecordNotFound,
            message: Some("gone".into()),
        };
        let text = error.to_string();
        let any = error.retyped::<UnlistedError>();
        assert_eq!(any.xrpc_error().map(|e| e.name()), Some("RecordNotFound"));
        assert_eq!(any.to_string(), text);
        let copy = any.clone();
        assert_eq!(copy.to_string(), any.to_string());
        let back = any.retyped::<GetRecordError>();
        assert!(matches!(
            back.xrpc_error(),
            Some(GetRecordError::RecordNotFound)
        ));
    }

    #[test]
    fn a_refused_call_leads_to_its_violations_through_source() {
        let refused = lexicon_runtime::json::from_json::<StrongRef>(r#"{"uri": "x", "cid": "y"}"#)
            .expect_err("neither is valid");
        let error: super::Error = super::Error::Invalid {
            nsid: "com.atproto.repo.createRecord",
            error: refused,
        };
        let runtime = error.source().expect("the runtime's error");
        let violations = runtime
            .source()
            .and_then(|e| e.downcast_ref::<ValidationErrors>())
            .expect("the violations, as a value");
        assert_eq!(violations.paths(), ["$.uri", "$.cid"]);
    }
}
