//! Plain `#[derive(Deserialize)]` structs of the same shape as the benchmarked records, with no
//! checks: the baseline that shows what validation costs.

#![forbid(unsafe_code)]
#![allow(missing_docs, dead_code)]

use serde::{Deserialize, Serialize};

/// A job record: the shape of `dev.cocore.compute.job` (strings for formats, no constraints).
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainJob {
    #[serde(rename = "$type")]
    pub kind: String,
    pub model: String,
    pub input_commitment: String,
    pub input_cipher_url: Option<String>,
    pub max_tokens_out: i64,
    pub price_ceiling: PlainMoney,
    pub accepted_providers: Option<Vec<String>>,
    pub accepted_trust_level: String,
    pub accepted_exchanges: Option<Vec<String>>,
    pub payment_authorization: PlainStrongRef,
    pub nonce: String,
    pub expires_at: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainMoney {
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainStrongRef {
    pub uri: String,
    pub cid: String,
}

/// A post: the shape of `app.bsky.feed.post` with facets, an image embed, langs and a reply.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainPost {
    #[serde(rename = "$type")]
    pub kind: String,
    pub text: String,
    pub created_at: String,
    pub langs: Option<Vec<String>>,
    pub facets: Option<Vec<PlainFacet>>,
    pub embed: Option<PlainEmbed>,
    pub reply: Option<PlainReply>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainFacet {
    pub index: PlainIndex,
    pub features: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainIndex {
    pub byte_start: i64,
    pub byte_end: i64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "$type")]
pub enum PlainEmbed {
    #[serde(rename = "app.bsky.embed.images")]
    Images { images: Vec<PlainImage> },
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainImage {
    pub image: PlainBlob,
    pub alt: String,
    pub aspect_ratio: Option<PlainAspect>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainBlob {
    #[serde(rename = "$type")]
    pub kind: String,
    #[serde(rename = "ref")]
    pub link: PlainLink,
    pub mime_type: String,
    pub size: i64,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainLink {
    #[serde(rename = "$link")]
    pub link: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainAspect {
    pub width: i64,
    pub height: i64,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct PlainReply {
    pub root: PlainStrongRef,
    pub parent: PlainStrongRef,
}
