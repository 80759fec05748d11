//! Logging in with an app password: `com.atproto.server.createSession`, and the session it
//! gives as credentials, refreshed with `com.atproto.server.refreshSession`.

use std::sync::{Arc, RwLock};

use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{Did, Handle};

use crate::atproto::com::atproto::server::create_session::{
    self, CreateSession, CreateSessionError,
};
use crate::atproto::com::atproto::server::refresh_session::{RefreshSession, RefreshSessionError};
use crate::client::Client;
use crate::credentials::{
    Credentials, CredentialsError, CredentialsFuture, Observed, TokenCredentials,
};
use crate::error::Error;
use crate::transport::Request;

/// A logged-in account: its DID and handle, and the tokens calls are made with.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The account's DID: the repository that record operations write to.
    pub did: Did,
    /// The account's handle.
    pub handle: Handle,
    access_jwt: String,
    refresh_jwt: String,
}

impl Session {
    /// A session from its parts (one saved earlier, say).
    pub fn new(did: Did, handle: Handle, access_jwt: String, refresh_jwt: String) -> Self {
        Session {
            did,
            handle,
            access_jwt,
            refresh_jwt,
        }
    }

    /// The access token, sent with every call.
    pub fn access_jwt(&self) -> &str {
        &self.access_jwt
    }

    /// The refresh token, sent to get new tokens when the access token expires.
    pub fn refresh_jwt(&self) -> &str {
        &self.refresh_jwt
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("did", &self.did)
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Logs in with a handle (or DID, or email) and password (an app password, preferably):
    /// later calls are authorized with the session (a [`PasswordSession`], as
    /// [`Client::set_session`] sets), which refreshes itself when the server says
    /// `ExpiredToken`.
    pub async fn login(
        &self,
        identifier: &str,
        password: &str,
    ) -> Result<Session, Error<CreateSessionError>> {
        let input = create_session::Input::new(identifier, password);
        let output = self
            .session_client(None)
            .call::<CreateSession>(&NoParams, &input)
            .await?;
        let session = Session::new(
            output.did,
            output.handle,
            output.access_jwt,
            output.refresh_jwt,
        );
        self.set_session(Some(session.clone()));
        Ok(session)
    }
}

/// An app-password session as [`Credentials`]: calls carry its access token
/// (`Authorization: Bearer`); when the server says `ExpiredToken`, the session is refreshed
/// with `com.atproto.server.refreshSession` (once for all the calls that saw it) and the call
/// sent again. [`Client::login`] and [`Client::set_session`] make one.
#[derive(Clone)]
pub struct PasswordSession {
    inner: Arc<PasswordInner>,
}

struct PasswordInner {
    session: RwLock<Session>,
    /// Held while refreshing, so concurrent calls that see `ExpiredToken` refresh once.
    refreshing: tokio::sync::Mutex<()>,
    /// The service, without credentials: refreshing carries the refresh token instead.
    service: Client,
}

impl PasswordSession {
    /// Credentials for `session` at the service `service` (a client without credentials).
    pub(crate) fn new(service: Client, session: Session) -> Self {
        PasswordSession {
            inner: Arc::new(PasswordInner {
                session: RwLock::new(session),
                refreshing: tokio::sync::Mutex::new(()),
                service,
            }),
        }
    }

    /// The session as it is now (its tokens change when it refreshes).
    pub fn session(&self) -> Session {
        self.inner
            .session
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Refreshes the session, unless another call already replaced the access token `stale`.
    async fn refresh(&self, stale: &str) -> Result<(), Error<RefreshSessionError>> {
        let _guard = self.inner.refreshing.lock().await;
        let current = self.session();
        if current.access_jwt() != stale {
            return Ok(());
        }
        let refresh = TokenCredentials::bearer(current.refresh_jwt());
        let output = self
            .inner
            .service
            .session_client(Some(Arc::new(refresh)))
            .call::<RefreshSession>(&NoParams, &())
            .await?;
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Session::new(
            output.did,
            output.handle,
            output.access_jwt,
            output.refresh_jwt,
        );
        Ok(())
    }
}

impl std::fmt::Debug for PasswordSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PasswordSession")
            .field(&self.session())
            .finish()
    }
}

impl Credentials for PasswordSession {
    fn did(&self) -> Option<Did> {
        Some(self.session().did)
    }

    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> CredentialsFuture<'a, Result<(), CredentialsError>> {
        let token = self.session().access_jwt;
        request
            .headers
            .push(("authorization", format!("Bearer {token}")));
        Box::pin(async { Ok(()) })
    }

    fn observe<'a>(
        &'a self,
        request: &'a Request,
        response: Observed<'a>,
    ) -> CredentialsFuture<'a, Result<bool, CredentialsError>> {
        Box::pin(async move {
            if response.error != Some("ExpiredToken") {
                return Ok(false);
            }
            let sent = request
                .header_value("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or_default();
            self.refresh(sent).await.map_err(CredentialsError::new)?;
            Ok(true)
        })
    }
}
