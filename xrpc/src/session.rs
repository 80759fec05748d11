//! Logging in: `com.atproto.server.createSession`, and the session it gives.

use lexicon_runtime::xrpc::NoParams;
use lexicon_runtime::{Did, Handle};

use crate::atproto::com::atproto::server::create_session::{
    self, CreateSession, CreateSessionError,
};
use crate::client::{Auth, Client};
use crate::error::Error;

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
    /// Logs in with a handle (or DID, or email) and password (an app password, preferably);
    /// later calls carry the session's tokens, and it refreshes itself when they expire.
    pub async fn login(
        &self,
        identifier: &str,
        password: &str,
    ) -> Result<Session, Error<CreateSessionError>> {
        let input = create_session::Input::new(identifier, password);
        let output = self
            .call_as::<CreateSession>(&NoParams, &input, None, Auth::None)
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
