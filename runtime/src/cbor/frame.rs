//! Event-stream frames, as subscriptions send them over WebSocket: a DAG-CBOR header
//! (`{"op": 1, "t": "#commit"}` for a message, `{"op": -1}` for an error) followed by a
//! DAG-CBOR body (the message without its `$type`, or `{"error", "message"}`).

use serde::Serialize;
use serde_json::{json, Value};

use super::decode::Deserializer;
use crate::de::ShapeOwned;
use crate::{CborError, Error, Mode, Validate};

/// A frame read from the wire.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Frame {
    /// A message: its type (`#commit` for a def of the subscription's own lexicon, or a full
    /// `nsid#def`), and its body in the JSON form of the data model.
    Message {
        /// The header's `t`, if it has one.
        t: Option<String>,
        /// The body.
        body: Value,
    },
    /// An error, after which the server closes the stream.
    Error {
        /// The error name.
        error: String,
        /// The message, if any.
        message: Option<String>,
    },
}

impl Frame {
    /// Reads a message frame's body as `M` (the subscription's message union), with the
    /// `$type` its header names, validated as `mode`'s validator would.
    pub fn message<M: ShapeOwned + Validate>(&self, nsid: &str, mode: Mode) -> Result<M, Error> {
        let Frame::Message { t, body } = self else {
            return Err(Error::Parse {
                path: "$".into(),
                message: "an error frame holds no message".into(),
            });
        };
        let mut body = body.clone();
        if let (Some(t), Some(map)) = (t, body.as_object_mut()) {
            let full = match t.strip_prefix('#') {
                Some(name) => format!("{nsid}#{name}"),
                None => t.clone(),
            };
            map.insert("$type".into(), Value::String(full));
        }
        crate::json::from_json_with(mode, &body.to_string())
    }
}

fn frame_error(message: impl Into<String>) -> Error {
    Error::Cbor(CborError {
        path: "$".into(),
        offset: None,
        message: message.into(),
    })
}

/// Encodes a message of subscription `nsid` as a frame: the header's `t` is the message's
/// `$type`, shortened to `#name` for a def of the subscription's own lexicon (as the reference
/// server writes it); the body is the message without `$type`.
pub fn message_frame<M: Serialize>(nsid: &str, message: &M) -> Result<Vec<u8>, Error> {
    let mut body = serde_json::to_value(message).map_err(|e| frame_error(e.to_string()))?;
    let Some(map) = body.as_object_mut() else {
        return Err(frame_error("a subscription message must be an object"));
    };
    let header = match map.remove("$type") {
        Some(Value::String(t)) => {
            let t = match t.split_once('#') {
                Some((lexicon, name)) if lexicon == nsid || lexicon.is_empty() => {
                    format!("#{name}")
                }
                _ => t,
            };
            json!({ "op": 1, "t": t })
        }
        _ => json!({ "op": 1 }),
    };
    let mut bytes = super::encode(&header)?;
    bytes.extend(super::encode(&body)?);
    Ok(bytes)
}

/// Encodes an error frame: `{"op": -1}` and `{"error": name, "message": message}`.
pub fn error_frame(name: &str, message: Option<&str>) -> Vec<u8> {
    let mut body = json!({ "error": name });
    if let Some(message) = message {
        body["message"] = Value::String(message.to_owned());
    }
    let mut bytes = super::encode(&json!({ "op": -1 })).expect("a map of one integer encodes");
    bytes.extend(super::encode(&body).expect("a map of strings encodes"));
    bytes
}

/// A frame's header: `op` (1 for a message, -1 for an error) and the message type `t`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameHeader {
    /// 1 for a message, -1 for an error.
    pub op: i64,
    /// The message type (`#commit`), if any.
    pub t: Option<String>,
}

/// Splits a frame into its header and its body's bytes, undecoded, for readers that decode the
/// body straight into the type `t` names (`cbor::from_cbor_with`), as a firehose reader does.
pub fn split_frame(bytes: &[u8]) -> Result<(FrameHeader, &[u8]), Error> {
    let mut de = Deserializer::new(bytes);
    let header: Value = serde::Deserialize::deserialize(&mut de).map_err(|e: super::DeError| {
        frame_error(format!("the frame header is not DAG-CBOR: {e}"))
    })?;
    let op = header
        .get("op")
        .and_then(Value::as_i64)
        .filter(|op| *op == 1 || *op == -1)
        .ok_or_else(|| frame_error(format!("a frame header's op must be 1 or -1, not {header}")))?;
    let t = header.get("t").and_then(Value::as_str).map(str::to_owned);
    Ok((FrameHeader { op, t }, &bytes[de.pos..]))
}

/// Reads a frame: the header, then exactly one body.
pub fn read_frame(bytes: &[u8]) -> Result<Frame, Error> {
    let (header, body) = split_frame(bytes)?;
    let body = super::decode(body).map_err(Error::Cbor)?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if header.op == 1 {
        return Ok(Frame::Message { t: header.t, body });
    }
    Ok(Frame::Error {
        error: text(&body, "error")
            .ok_or_else(|| frame_error("an error frame's body has no `error` string"))?,
        message: text(&body, "message"),
    })
}
