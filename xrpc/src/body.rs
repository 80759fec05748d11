//! Reading a response body with a size limit.

use futures_util::StreamExt;

use crate::transport::{Response, TransportError};

/// Why a response body could not be read whole.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is longer than the limit (by its `content-length`, or as it arrived); the rest
    /// was not read.
    #[error("the answer is longer than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The connection failed while reading.
    #[error(transparent)]
    Transport(TransportError),
}

impl Response {
    /// Reads the whole body, refusing (without reading on) one longer than `limit` bytes,
    /// whatever its `content-length` says.
    pub async fn read_limited(&mut self, limit: usize) -> Result<Vec<u8>, BodyError> {
        let declared = self
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(BodyError::TooLarge { limit });
        }
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        while let Some(chunk) = self.body.next().await {
            let chunk = chunk.map_err(BodyError::Transport)?;
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
