//! One bounded HTTP GET, for the resolvers: the status and the body, read only up to a limit.

/// Why a GET gave no answer to read.
pub(crate) enum GetError {
    /// The request failed, or the body broke off (`what` says which, with the URL).
    Failed { what: String, error: reqwest::Error },
    /// The body is longer than the limit.
    TooLarge { url: String, limit: usize },
}

/// GETs `url` with `client` and returns the status and the body, refusing (without reading
/// on) a body longer than `limit` bytes, whatever its `content-length` says.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    limit: usize,
) -> Result<(u16, Vec<u8>), GetError> {
    let failed = |what: String| move |error| GetError::Failed { what, error };
    let too_large = || GetError::TooLarge {
        url: url.to_owned(),
        limit,
    };
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(failed(format!("GET {url}")))?;
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(failed(format!("reading {url}")))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}
