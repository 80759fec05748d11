//! Reading a store from async code: connections opened as needed, kept for the next read, each
//! read on a blocking thread.

use std::sync::{Arc, Mutex};

use crate::error::IndexError;
use crate::schema::IndexSchema;
use crate::store::{Database, Store};

/// Connections to one database for a server's handlers: [`Readers::read`] runs a closure on
/// a store on a blocking thread, opening a connection when none is idle and keeping up to
/// `max_idle` for the next reads. Cloning shares the connections.
#[derive(Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    database: Database,
    schema: IndexSchema,
    idle: Mutex<Vec<Box<dyn Store>>>,
    max_idle: usize,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("database", &self.inner.database)
            .field("max_idle", &self.inner.max_idle)
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// Readers of `database`, made for `schema`, keeping up to `max_idle` connections.
    pub fn new(database: Database, schema: IndexSchema, max_idle: usize) -> Readers {
        Readers {
            inner: Arc::new(Inner {
                database,
                schema,
                idle: Mutex::new(Vec::new()),
                max_idle: max_idle.max(1),
            }),
        }
    }

    /// The schema the stores are opened with.
    pub fn schema(&self) -> &IndexSchema {
        &self.inner.schema
    }

    /// Runs `read` on a store, on a blocking thread. A connection that failed is not kept.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut dyn Store) -> Result<T, IndexError> + Send + 'static,
    ) -> Result<T, IndexError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let idle = inner.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut store = match idle {
                Some(store) => store,
                None => inner.database.open(inner.schema.clone())?,
            };
            let result = read(store.as_mut());
            let broken = matches!(
                &result,
                Err(IndexError::Postgres(e)) if e.is_closed()
            );
            if !broken {
                let mut idle = inner.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < inner.max_idle {
                    idle.push(store);
                }
            }
            result
        })
        .await
        .map_err(|e| IndexError::Panicked(e.to_string()))?
    }
}
