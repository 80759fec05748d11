//! XRPC methods as types: every generated query and procedure implements [`Method`], so that one
//! generic client call (or server route) serves every method. No HTTP here: a transport sends
//! [`Method::HTTP_METHOD`] to `/xrpc/{NSID}` with the parameters' query string and the encoded
//! input, and decodes the output or the error name.

use std::fmt;

use serde::Serialize;

use crate::de::ShapeOwned;
use crate::error::Error;
use crate::{json, Mode, Validate, ValidationErrors};

/// What kind of method this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MethodKind {
    /// A query: `GET`, parameters in the query string, no input.
    Query,
    /// A procedure: `POST`, parameters in the query string, an input body.
    Procedure,
}

impl MethodKind {
    /// The HTTP method of the call.
    pub fn http_method(self) -> &'static str {
        match self {
            MethodKind::Query => "GET",
            MethodKind::Procedure => "POST",
        }
    }
}

/// A query or procedure of a lexicon, implemented by a generated type per method
/// (`com::atproto::repo::get_record::GetRecord`).
pub trait Method {
    /// The method's NSID, also its path: `/xrpc/{NSID}`.
    const NSID: &'static str;
    /// Query or procedure.
    const KIND: MethodKind;
    /// The HTTP method of the call.
    const HTTP_METHOD: &'static str;
    /// The MIME type of the input body, if the method takes one.
    const INPUT_ENCODING: Option<&'static str>;
    /// The MIME type of the output body, if the method returns one (`*/*` means any).
    const OUTPUT_ENCODING: Option<&'static str>;

    /// The parameters ([`NoParams`] when there are none).
    type Params: QueryParams;
    /// The input body: a generated type for JSON with a schema, `Vec<u8>` for any other
    /// encoding, `()` for none.
    type Input;
    /// The output body, likewise.
    type Output;
    /// The errors the method names ([`UnlistedError`] when it names none).
    type Error: ErrorName;

    /// Checks the parameters and a JSON input against their schemas, as the server will
    /// (strictly), so that a client can refuse an invalid call before sending it. Bodies of
    /// other encodings have no schema to check.
    fn validate_request(
        params: &Self::Params,
        input: &Self::Input,
    ) -> Result<(), ValidationErrors> {
        let _ = (params, input);
        Ok(())
    }

    /// Checks an output against its schema (strictly), as a server does before it answers, so
    /// that it never sends what its lexicon forbids. Bodies of other encodings have no schema.
    fn validate_output(output: &Self::Output) -> Result<(), ValidationErrors> {
        let _ = output;
        Ok(())
    }

    /// The input as the bytes of its encoding.
    fn encode_input(input: &Self::Input) -> Vec<u8>;
    /// Reads (and, for JSON, validates as `mode`'s validator would) an input body.
    fn decode_input(bytes: &[u8], mode: Mode) -> Result<Self::Input, Error>;
    /// The output as the bytes of its encoding.
    fn encode_output(output: &Self::Output) -> Vec<u8>;
    /// Reads (and, for JSON, validates as `mode`'s validator would) an output body.
    fn decode_output(bytes: &[u8], mode: Mode) -> Result<Self::Output, Error>;
}

/// A subscription of a lexicon (an event stream over WebSocket), implemented by a generated
/// type per subscription (`com::atproto::sync::subscribe_repos::SubscribeRepos`).
pub trait Subscription {
    /// The subscription's NSID, also its path: `/xrpc/{NSID}`.
    const NSID: &'static str;

    /// The parameters ([`NoParams`] when there are none).
    type Params: QueryParams;
    /// The messages: the generated union of the lexicon's `message` schema.
    type Message: Serialize + ShapeOwned + Validate;
    /// The errors the subscription names ([`UnlistedError`] when it names none).
    type Error: ErrorName;

    /// Checks the parameters against their schema, as the server will (strictly).
    fn validate_params(params: &Self::Params) -> Result<(), ValidationErrors> {
        let _ = params;
        Ok(())
    }
}

/// Parameters that travel in a URL query string (arrays as repeated keys).
pub trait QueryParams: Sized {
    /// Writes the parameters as a query string, without `?`.
    fn to_query(&self) -> String;
    /// Reads and validates parameters from a query string (with or without `?`).
    fn from_query(query: &str) -> Result<Self, Error>;
}

/// The parameters of a method that takes none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoParams;

impl QueryParams for NoParams {
    fn to_query(&self) -> String {
        String::new()
    }

    fn from_query(_: &str) -> Result<Self, Error> {
        Ok(NoParams)
    }
}

/// A method's named errors: the generated `{Method}Error` enums, whose `Other` variant keeps
/// names the lexicon does not list.
pub trait ErrorName: Sized {
    /// The error with this name (as in an XRPC error body's `error`).
    fn from_name(name: &str) -> Self;
    /// The name on the wire.
    fn name(&self) -> &str;
}

/// The error of a method whose lexicon names none: any name the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnlistedError(pub String);

impl ErrorName for UnlistedError {
    fn from_name(name: &str) -> Self {
        UnlistedError(name.to_owned())
    }

    fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnlistedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnlistedError {}

/// JSON bodies: generated code's `encode_*`/`decode_*` for bodies with a schema.
pub fn encode_json<T: Serialize>(body: &T) -> Vec<u8> {
    json::to_json(body).into_bytes()
}

/// Reads a JSON body and validates it as `mode`'s validator would.
pub fn decode_json<T: ShapeOwned + Validate>(bytes: &[u8], mode: Mode) -> Result<T, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Parse {
        path: "$".into(),
        message: format!("the body is not UTF-8: {e}"),
    })?;
    json::from_json_with(mode, text)
}
