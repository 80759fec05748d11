//! Discovery: a handle or DID to its DID document, its PDS, the PDS's protected-resource
//! metadata, and the authorization server's metadata, each checked as the atproto profile
//! says.

use std::sync::Arc;

use lexicon_identity::{DidResolver, HandleResolver};
use lexicon_xrpc::lexicon_runtime::{Did, Handle};
use lexicon_xrpc::Cause;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::OAuthError;
use crate::http::Http;

/// What the atproto profile needs of an authorization server's metadata
/// (`/.well-known/oauth-authorization-server`, RFC 8414).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerMetadata {
    /// The issuer: the server's origin.
    pub issuer: String,
    /// Where the user is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// Where authorization requests are pushed (RFC 9126).
    pub pushed_authorization_request_endpoint: String,
    /// Where tokens are revoked (RFC 7009), if the server has one.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// The scopes the server knows.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// The DPoP signature algorithms it takes (`ES256` must be one).
    #[serde(default)]
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// Whether the callback carries `iss` (RFC 9207; required by the profile).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// Whether authorization requests must be pushed (required by the profile).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// The PKCE methods it takes (`S256` must be one).
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// Whether a client's `client_id` may be the URL of its metadata document (required).
    #[serde(default)]
    pub client_id_metadata_document_supported: bool,
}

/// Where an account signs in: the authorization server, and the PDS that trusts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The account, when a handle or DID was given (not when a server URL was).
    pub did: Option<Did>,
    /// The PDS, when an account was given.
    pub pds: Option<String>,
    /// The authorization server.
    pub server: ServerMetadata,
}

/// The protected-resource metadata of a PDS (`/.well-known/oauth-protected-resource`).
#[derive(Debug, Deserialize)]
struct ResourceMetadata {
    /// The resource server: must be the PDS itself.
    #[serde(default)]
    resource: String,
    #[serde(default)]
    authorization_servers: Vec<String>,
}

/// Resolves identities and reads servers' metadata.
#[derive(Clone)]
pub(crate) struct Discovery {
    pub(crate) http: Http,
    pub(crate) dids: Arc<dyn DidResolver>,
    pub(crate) handles: Arc<dyn HandleResolver>,
}

impl Discovery {
    /// Where `input` signs in: a handle or DID (resolved to its PDS and that PDS's
    /// authorization server), or the URL of a PDS or an authorization server.
    pub(crate) async fn discover(&self, input: &str) -> Result<Discovered, OAuthError> {
        let input = input.trim().trim_start_matches('@');
        if input.starts_with("https://") || input.starts_with("http://") {
            return self.discover_server(input).await;
        }
        let did = self.did_of(input).await?;
        let pds = self.pds_of(&did, input, false).await?;
        let server = self.server_of_pds(&pds).await?;
        Ok(Discovered {
            did: Some(did),
            pds: Some(pds),
            server,
        })
    }

    /// The DID of a handle or DID.
    async fn did_of(&self, input: &str) -> Result<Did, OAuthError> {
        let failed = |message: String, source: Cause| OAuthError::Resolve {
            input: input.to_owned(),
            message,
            source: Some(source),
        };
        if input.starts_with("did:") {
            return Did::new(input).map_err(|e| failed(e.to_string(), Cause::new(e)));
        }
        let handle = Handle::new(input.to_ascii_lowercase())
            .map_err(|e| failed(format!("neither a DID nor a handle: {e}"), Cause::new(e)))?;
        let did = self
            .handles
            .resolve_handle(handle.as_str())
            .await
            .map_err(|e| failed(e.to_string(), Cause::new(e)))?;
        Did::new(&did).map_err(|e| failed(format!("the handle names {did:?}: {e}"), Cause::new(e)))
    }

    /// The PDS of `did`, from its document (with `current`, resolved again past any cache);
    /// with a handle as `input`, the document must claim it (the handle and the DID name each
    /// other).
    pub(crate) async fn pds_of(
        &self,
        did: &Did,
        input: &str,
        current: bool,
    ) -> Result<String, OAuthError> {
        let failed = |message: String| OAuthError::Resolve {
            input: input.to_owned(),
            message,
            source: None,
        };
        let doc = if current {
            self.dids.refresh(did.as_str()).await
        } else {
            self.dids.resolve(did.as_str()).await
        }
        .map_err(|e| OAuthError::Resolve {
            input: input.to_owned(),
            message: e.to_string(),
            source: Some(Cause::new(e)),
        })?;
        if !input.starts_with("did:") && doc.handle().is_none_or(|h| !h.eq_ignore_ascii_case(input))
        {
            return Err(failed(format!(
                "the DID document of {did} does not claim the handle {input} (it claims {:?})",
                doc.handle()
            )));
        }
        let pds = doc
            .pds_endpoint()
            .ok_or_else(|| failed(format!("the DID document of {did} names no PDS")))?;
        Ok(pds.trim_end_matches('/').to_owned())
    }

    /// The authorization server a PDS names in its protected-resource metadata.
    pub(crate) async fn server_of_pds(&self, pds: &str) -> Result<ServerMetadata, OAuthError> {
        let base = self.http.check(pds)?;
        let url = base
            .join("/.well-known/oauth-protected-resource")
            .map_err(|e| metadata_error(pds, e.to_string()))?;
        let resource: ResourceMetadata = self.http.get_json(&url).await?;
        let named = Url::parse(&resource.resource).map(|r| r.origin().ascii_serialization());
        if named.as_deref() != Ok(base.origin().ascii_serialization().as_str()) {
            return Err(metadata_error(
                url.as_str(),
                format!(
                    "its resource is {:?}, not the PDS {}",
                    resource.resource,
                    base.origin().ascii_serialization()
                ),
            ));
        }
        let [issuer] = resource.authorization_servers.as_slice() else {
            return Err(metadata_error(
                url.as_str(),
                format!(
                    "expected one authorization server, found {:?}",
                    resource.authorization_servers
                ),
            ));
        };
        self.server(issuer).await
    }

    /// A server given by URL: a PDS (its authorization server), or an authorization server.
    async fn discover_server(&self, url: &str) -> Result<Discovered, OAuthError> {
        let origin = self.http.check(url)?.origin().ascii_serialization();
        let server = match self.server_of_pds(&origin).await {
            Ok(server) => server,
            Err(_) => self.server(&origin).await?,
        };
        Ok(Discovered {
            did: None,
            pds: None,
            server,
        })
    }

    /// The metadata of the authorization server `issuer`, checked: its `issuer` is exactly
    /// the one named and the origin it was fetched from, and it has what the profile requires
    /// (PAR required, PKCE S256, ES256 DPoP, `iss` in callbacks, the `atproto` scope, client
    /// metadata documents).
    pub(crate) async fn server(&self, issuer: &str) -> Result<ServerMetadata, OAuthError> {
        let base = self.http.check(issuer)?;
        let url = base
            .join("/.well-known/oauth-authorization-server")
            .map_err(|e| metadata_error(issuer, e.to_string()))?;
        let server: ServerMetadata = self.http.get_json(&url).await?;
        let origin = base.origin().ascii_serialization();
        if server.issuer != origin || server.issuer != issuer {
            return Err(metadata_error(
                url.as_str(),
                format!(
                    "its issuer is {:?}, not {issuer:?} (its origin)",
                    server.issuer
                ),
            ));
        }
        let requires = |holds: bool, what: &str| {
            if holds {
                Ok(())
            } else {
                Err(metadata_error(url.as_str(), what))
            }
        };
        requires(
            server.require_pushed_authorization_requests,
            "it does not require pushed authorization requests",
        )?;
        requires(
            server
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256"),
            "PKCE with S256 is not supported",
        )?;
        requires(
            server.scopes_supported.iter().any(|s| s == "atproto"),
            "the atproto scope is not supported",
        )?;
        requires(
            server.client_id_metadata_document_supported,
            "client metadata documents are not supported",
        )?;
        if !server
            .dpop_signing_alg_values_supported
            .iter()
            .any(|a| a == "ES256")
        {
            return Err(metadata_error(
                url.as_str(),
                "DPoP with ES256 is not supported",
            ));
        }
        if !server.authorization_response_iss_parameter_supported {
            return Err(metadata_error(
                url.as_str(),
                "callbacks do not carry `iss` (RFC 9207)",
            ));
        }
        for endpoint in [
            &server.authorization_endpoint,
            &server.token_endpoint,
            &server.pushed_authorization_request_endpoint,
        ] {
            self.http.check(endpoint)?;
        }
        Ok(server)
    }
}

fn metadata_error(url: &str, message: impl Into<String>) -> OAuthError {
    OAuthError::Metadata {
        url: url.to_owned(),
        message: message.into(),
    }
}
