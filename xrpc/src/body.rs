//! Reading a response body with a size limit.

use futures_util::StreamExt;

use crate::transport::{Response, TransportError};

/// Why a body could not be read whole.
pub(crate) enum ReadError {
    /// The body is longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Transport(TransportError),
}

/// Reads the whole body, refusing (without reading on) one longer than `limit` bytes.
pub(crate) async fn read_limited(
    response: &mut Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    let declared = response
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(chunk) = response.body.next().await {
        let chunk = chunk.map_err(ReadError::Transport)?;
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
