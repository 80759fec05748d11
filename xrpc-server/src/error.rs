//! XRPC errors as handlers return them and as clients receive them: a status and an
//! `{"error", "message"}` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lexicon_runtime::xrpc::ErrorName;

/// The status of the error names XRPC defines, as the reference server sends them.
pub fn standard_status(name: &str) -> Option<StatusCode> {
    Some(match name {
        "InvalidRequest" => StatusCode::BAD_REQUEST,
        "AuthRequired" | "ExpiredToken" | "InvalidToken" => StatusCode::UNAUTHORIZED,
        "Forbidden" => StatusCode::FORBIDDEN,
        "NotFound" | "XRPCNotSupported" => StatusCode::NOT_FOUND,
        "PayloadTooLarge" => StatusCode::PAYLOAD_TOO_LARGE,
        "UnsupportedMediaType" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "RateLimitExceeded" => StatusCode::TOO_MANY_REQUESTS,
        "InternalServerError" => StatusCode::INTERNAL_SERVER_ERROR,
        "MethodNotImplemented" => StatusCode::NOT_IMPLEMENTED,
        "UpstreamFailure" => StatusCode::BAD_GATEWAY,
        "NotEnoughResources" => StatusCode::SERVICE_UNAVAILABLE,
        "UpstreamTimeout" => StatusCode::GATEWAY_TIMEOUT,
        _ => return None,
    })
}

/// What a handler answers instead of an output: one of the method's named errors (`E`, the
/// generated `{Method}Error` enum), or any error name with any status.
///
/// A named error of the lexicon gets status 400, as the reference server sends them, unless
/// its name is one of XRPC's own (`AuthRequired` is 401, `NotFound` 404, ...) or
/// [`with_status`](Self::with_status) says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XrpcError<E> {
    status: StatusCode,
    kind: Kind<E>,
    message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind<E> {
    Method(E),
    Named(String),
}

impl<E: ErrorName> XrpcError<E> {
    /// One of the method's named errors.
    pub fn method(error: E) -> Self {
        let status = standard_status(error.name()).unwrap_or(StatusCode::BAD_REQUEST);
        XrpcError {
            status,
            kind: Kind::Method(error),
            message: None,
        }
    }

    /// Any error name with any status (`XrpcError::new(StatusCode::CONFLICT, "Conflict")`).
    pub fn new(status: StatusCode, name: impl Into<String>) -> Self {
        XrpcError {
            status,
            kind: Kind::Named(name.into()),
            message: None,
        }
    }

    /// `400 InvalidRequest` with a message.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest").with_message(message)
    }

    /// `401 AuthRequired` with a message.
    pub fn auth_required(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "AuthRequired").with_message(message)
    }

    /// `403 Forbidden` with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden").with_message(message)
    }

    /// `500 InternalServerError`; the message is for the log, the client sees the standard one.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError").with_message(message)
    }

    /// Sets the message of the body.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error name (the body's `error`).
    pub fn name(&self) -> &str {
        match &self.kind {
            Kind::Method(e) => e.name(),
            Kind::Named(n) => n,
        }
    }

    /// The method's named error, if this is one.
    pub fn method_error(&self) -> Option<&E> {
        match &self.kind {
            Kind::Method(e) => Some(e),
            Kind::Named(_) => None,
        }
    }

    /// The message, if one was set.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The same error for a method with other named errors (its name is kept).
    pub fn erase<F: ErrorName>(self) -> XrpcError<F> {
        let name = self.name().to_owned();
        XrpcError {
            status: self.status,
            kind: Kind::Named(name),
            message: self.message,
        }
    }
}

/// The HTTP response: the status and `{"error": name, "message": ...}`. The message of a 500
/// is the standard one, as the reference sends it, so internals do not leak.
impl<E: ErrorName> IntoResponse for XrpcError<E> {
    fn into_response(self) -> Response {
        let message = match (&self.message, self.status) {
            (Some(m), s) if s != StatusCode::INTERNAL_SERVER_ERROR => m.clone(),
            _ => default_message(self.status).to_owned(),
        };
        error_response(self.status, self.name(), &message)
    }
}

impl<E: ErrorName> From<E> for XrpcError<E> {
    fn from(error: E) -> Self {
        XrpcError::method(error)
    }
}

impl<E: ErrorName> std::fmt::Display for XrpcError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.name())?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl<E: ErrorName + std::fmt::Debug> std::error::Error for XrpcError<E> {}

/// The message the reference sends for a status when the error has none of its own.
fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Invalid Request",
        401 => "Authentication Required",
        404 => "XRPC Not Supported",
        406 => "Not Acceptable",
        429 => "Rate Limit Exceeded",
        502 => "Upstream Failure",
        503 => "Not Enough Resources",
        504 => "Upstream Timeout",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// An XRPC error response: `status` and `{"error": name, "message": message}`.
pub(crate) fn error_response(status: StatusCode, name: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": name, "message": message });
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
