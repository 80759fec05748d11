//! Errors that keep their causes: [`Cause`], an error kept as the source of another (shared,
//! so that errors stay `Clone`), and [`Chain`], an error shown with its causes.

use std::sync::Arc;

/// The error that caused another (an I/O error, an HTTP stack's, a resolver's), shared so
/// that the error holding it is `Clone`. As a `#[source]` it is transparent: the holder's
/// `source()` is the error itself, so `downcast_ref` on it finds the concrete type.
#[derive(Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Keeps `error`.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause(Arc::new(error))
    }
}

impl std::ops::Deref for Cause {
    type Target = dyn std::error::Error + Send + Sync;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

/// An error and its causes, one after another (`error sending request: client error
/// (Connect): connection refused`), for messages about errors from stacks that put why in the
/// causes (HTTP clients, resolvers).
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
