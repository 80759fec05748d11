//! The client's side: what kind of client it is (loopback, web, confidential), the metadata
//! document a web client hosts, and the client authentication each kind sends.

use serde_json::{json, Value};
use url::Url;

use crate::crypto::{now, random_token, Es256Key};
use crate::error::OAuthError;
use crate::scope::Scopes;

/// Who the client is to the authorization server.
#[derive(Debug, Clone)]
pub enum ClientKind {
    /// A loopback client (CLIs, development): no hosted metadata; its `client_id` is
    /// `http://localhost` with the redirect URI and scope in the query, and the redirect URI
    /// is on `127.0.0.1` or `[::1]`.
    Loopback,
    /// A public web client whose `client_id` is the URL of its metadata document
    /// ([`ClientMetadata::document`]).
    Web {
        /// The metadata document's URL.
        client_id: String,
    },
    /// A confidential client: a web client that authenticates with `private_key_jwt`, signed
    /// by `key`, whose public half it serves in its JWKS ([`ClientMetadata::jwks`]).
    Confidential {
        /// The metadata document's URL.
        client_id: String,
        /// The signing key (with a `kid`).
        key: Es256Key,
        /// Where the JWKS is served, for the metadata document (`None`: inline `jwks`).
        jwks_uri: Option<String>,
    },
}

/// The client's registration: its kind, redirect URI, scopes and name.
#[derive(Debug, Clone)]
pub struct ClientMetadata {
    /// The kind of client.
    pub kind: ClientKind,
    /// Where the authorization server sends the browser back.
    pub redirect_uri: String,
    /// The scopes asked for.
    pub scopes: Scopes,
    /// A name to show the user (web clients).
    pub client_name: Option<String>,
}

impl ClientMetadata {
    /// A loopback client redirected to `redirect_uri` (`http://127.0.0.1:PORT/callback`).
    pub fn loopback(redirect_uri: impl Into<String>, scopes: Scopes) -> Result<Self, OAuthError> {
        let redirect_uri = redirect_uri.into();
        let url = Url::parse(&redirect_uri)
            .map_err(|e| OAuthError::Config(format!("redirect URI {redirect_uri}: {e}")))?;
        let loopback_host = matches!(url.host_str(), Some("127.0.0.1") | Some("[::1]"));
        if url.scheme() != "http" || !loopback_host {
            return Err(OAuthError::Config(format!(
                "a loopback client's redirect URI is http://127.0.0.1 or http://[::1], not {redirect_uri}"
            )));
        }
        Ok(ClientMetadata {
            kind: ClientKind::Loopback,
            redirect_uri,
            scopes,
            client_name: None,
        })
    }

    /// A web client: `client_id` is the URL its [`document`](Self::document) is served at.
    pub fn web(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        scopes: Scopes,
    ) -> Self {
        ClientMetadata {
            kind: ClientKind::Web {
                client_id: client_id.into(),
            },
            redirect_uri: redirect_uri.into(),
            scopes,
            client_name: None,
        }
    }

    /// A confidential client signing its token requests with `key`.
    pub fn confidential(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        scopes: Scopes,
        key: Es256Key,
    ) -> Self {
        ClientMetadata {
            kind: ClientKind::Confidential {
                client_id: client_id.into(),
                key,
                jwks_uri: None,
            },
            redirect_uri: redirect_uri.into(),
            scopes,
            client_name: None,
        }
    }

    /// The `client_id` the server knows the client by.
    pub fn client_id(&self) -> String {
        match &self.kind {
            ClientKind::Loopback => {
                let mut url = Url::parse("http://localhost").expect("a constant URL");
                url.query_pairs_mut()
                    .append_pair("redirect_uri", &self.redirect_uri)
                    .append_pair("scope", &self.scopes.as_string());
                url.to_string()
            }
            ClientKind::Web { client_id } | ClientKind::Confidential { client_id, .. } => {
                client_id.clone()
            }
        }
    }

    /// The client-metadata document a web or confidential client serves at its `client_id`.
    pub fn document(&self) -> Value {
        let mut doc = json!({
            "client_id": self.client_id(),
            "redirect_uris": [self.redirect_uri],
            "scope": self.scopes.as_string(),
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "dpop_bound_access_tokens": true,
            "application_type": if matches!(self.kind, ClientKind::Loopback) { "native" } else { "web" },
            "token_endpoint_auth_method": "none",
        });
        if let Some(name) = &self.client_name {
            doc["client_name"] = json!(name);
        }
        if let ClientKind::Confidential { jwks_uri, .. } = &self.kind {
            doc["token_endpoint_auth_method"] = json!("private_key_jwt");
            doc["token_endpoint_auth_signing_alg"] = json!("ES256");
            match jwks_uri {
                Some(uri) => doc["jwks_uri"] = json!(uri),
                None => doc["jwks"] = self.jwks().unwrap_or_else(|| json!({ "keys": [] })),
            }
        }
        doc
    }

    /// The JWKS a confidential client serves (its public key), or `None` for a public client.
    pub fn jwks(&self) -> Option<Value> {
        match &self.kind {
            ClientKind::Confidential { key, .. } => Some(json!({ "keys": [key.public_jwk()] })),
            _ => None,
        }
    }

    /// The client authentication of a request to `issuer`'s endpoints: `client_id`, and for a
    /// confidential client a `private_key_jwt` assertion.
    pub(crate) fn authentication(&self, issuer: &str) -> Vec<(&'static str, String)> {
        let mut form = vec![("client_id", self.client_id())];
        if let ClientKind::Confidential { client_id, key, .. } = &self.kind {
            let iat = now();
            let mut header = json!({ "typ": "JWT" });
            if let Some(kid) = key.kid() {
                header["kid"] = json!(kid);
            }
            let assertion = key.sign_jwt(
                header,
                &json!({
                    "iss": client_id, "sub": client_id, "aud": issuer,
                    "jti": random_token(16), "iat": iat, "exp": iat + 60,
                }),
            );
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            form.push(("client_assertion", assertion));
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_client_id_carries_its_redirect_and_scope() {
        let client = ClientMetadata::loopback(
            "http://127.0.0.1:8080/callback",
            Scopes::new().transition_generic(),
        )
        .unwrap();
        let id = Url::parse(&client.client_id()).unwrap();
        assert_eq!(id.host_str(), Some("localhost"));
        let pairs: Vec<_> = id.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                (
                    "redirect_uri".into(),
                    "http://127.0.0.1:8080/callback".into()
                ),
                ("scope".into(), "atproto transition:generic".into())
            ]
        );
        assert!(ClientMetadata::loopback("http://localhost:8080/cb", Scopes::new()).is_err());
        assert!(ClientMetadata::loopback("https://127.0.0.1/cb", Scopes::new()).is_err());
    }

    #[test]
    fn a_confidential_client_documents_its_key_and_signs_its_assertion() {
        let key = Es256Key::generate().with_kid("k1");
        let client = ClientMetadata::confidential(
            "https://app.example/client-metadata.json",
            "https://app.example/callback",
            Scopes::new(),
            key.clone(),
        );
        let doc = client.document();
        assert_eq!(doc["token_endpoint_auth_method"], "private_key_jwt");
        assert_eq!(doc["jwks"]["keys"][0], key.public_jwk());
        assert!(doc["jwks"]["keys"][0].get("d").is_none());
        let form = client.authentication("https://pds.example");
        assert_eq!(form[0].1, "https://app.example/client-metadata.json");
        assert_eq!(form.len(), 3);
        assert!(ClientMetadata::web(
            "https://a.example/m.json",
            "https://a.example/cb",
            Scopes::new()
        )
        .jwks()
        .is_none());
    }
}
