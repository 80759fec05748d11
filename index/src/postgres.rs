//! The shared store: a Postgres database, which several indexer processes (each on a shard of
//! the repositories) and any number of readers may use at once.

use std::borrow::Cow;
use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Statement, Transaction};
use serde_json::Value;

use crate::apply::{self, ColumnValue, Prepared, StoredRepo, Tx};
use crate::batch::{Applied, Batch, Cursor};
use crate::error::IndexError;
use crate::migrate::{self, Made, MigrationSql, Plan};
use crate::query::{Page, Query, Row, Select, Tally};
use crate::schema::{self, Collection, Dialect, IndexSchema};
use crate::store::{redact_password, RepoState, Store};

/// The key of the advisory lock that serialises making the tables, so processes starting
/// together do not race (`CREATE TABLE IF NOT EXISTS` is not safe against that).
const SETUP_LOCK: i64 = 0x6c65_7869_636f_6e31;

/// A store in a Postgres database.
///
/// Its client blocks on a runtime of its own, which tokio refuses to start on a thread that
/// drives async tasks: called (or dropped) on such a thread, it does its work on a thread of its
/// own, so it never panics there; from async code, prefer `spawn_blocking` all the same.
pub struct PostgresStore {
    /// Always present but while being dropped.
    client: Option<Client>,
    schema: IndexSchema,
    statements: Statements,
    url: String,
}

/// The statements a batch runs, prepared once per connection.
struct Statements {
    repo: Statement,
    set_repo: Statement,
    mark_unsynced: Statement,
    set_handle: Statement,
    set_account: Statement,
    set_cursor: Statement,
    /// Each collection's statements, by NSID.
    tables: HashMap<String, TableStatements>,
}

/// The statements that write one collection's table.
struct TableStatements {
    /// Inserts or updates a record and replaces its edges.
    insert: Statement,
    /// Deletes a record by URI, and its edges.
    delete: Statement,
    /// Deletes every record of a repository and the edges out of them.
    delete_repo: Statement,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &redact_password(&self.url))
            .field("fingerprint", &self.schema.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/name`, without TLS: a
    /// database on this machine or a private network) and creates its tables for `schema`
    /// when they are missing. A database made for earlier lexicons is migrated when the change
    /// is compatible, and refused otherwise ([`IndexError::Incompatible`], with the reasons).
    /// It blocks: from async code, call it on a blocking thread.
    pub fn connect(url: &str, schema: IndexSchema) -> Result<PostgresStore, IndexError> {
        off_runtime(|| PostgresStore::connect_here(url, schema))
    }

    fn connect_here(url: &str, schema: IndexSchema) -> Result<PostgresStore, IndexError> {
        let mut client = Client::connect(url, NoTls)?;
        // A database already made for this schema needs no DDL, which would lock tables that
        // other processes are writing.
        if !matches!(migrate::plan(&schema, made(&mut client)?)?, Plan::Current) {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])?;
            // Another process may have made or migrated it meanwhile.
            match migrate::plan(&schema, made(&mut tx)?)? {
                Plan::Current => {}
                Plan::Create => {
                    tx.batch_execute(&schema::common_tables(Dialect::Postgres))?;
                    for collection in &schema.collections {
                        tx.batch_execute(&schema::create_table(collection, Dialect::Postgres))?;
                    }
                    for (key, value) in migrate::meta(&schema) {
                        tx.execute(
                            "INSERT INTO index_meta (key, value) VALUES ($1, $2)",
                            &[&key, &value],
                        )?;
                    }
                }
                Plan::Migrate(migration) => {
                    tx.batch_execute(&schema::common_tables(Dialect::Postgres))?;
                    migrate::run(
                        &mut Migrating(&mut tx),
                        &schema,
                        &migration,
                        Dialect::Postgres,
                    )?;
                }
            }
            tx.commit()?;
        }
        let statements = Statements::prepare(&mut client, &schema)?;
        Ok(PostgresStore {
            client: Some(client),
            schema,
            statements,
            url: url.to_owned(),
        })
    }
}

impl PostgresStore {
    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is there until the store is dropped")
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                // Closing the connection blocks on the client's own runtime.
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

/// What the database says it was made for (nothing when it is empty).
fn made(client: &mut impl GenericClient) -> Result<Made, IndexError> {
    // A query of the catalog's tables sees what was committed before it, as any query does;
    // `to_regclass` looks in the session's catalog cache, which after waiting on the advisory
    // lock can still miss the tables another process just made (and CREATE TABLE then failed
    // with "already exists": seen once in CI with four stores opened at once).
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
             WHERE schemaname = current_schema() AND tablename = 'index_meta')",
            &[],
        )?
        .get(0);
    let mut made = Made::default();
    if !exists {
        return Ok(made);
    }
    for row in client.query("SELECT key, value FROM index_meta", &[])? {
        let (key, value): (String, String) = (row.get(0), row.get(1));
        made.set(&key, value);
    }
    Ok(made)
}

/// A migration's statements in a Postgres transaction.
struct Migrating<'a, 'b>(&'a mut Transaction<'b>);

impl MigrationSql for Migrating<'_, '_> {
    fn batch(&mut self, sql: &str) -> Result<(), IndexError> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn page(
        &mut self,
        table: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, Value)>, IndexError> {
        let rows = self.0.query(
            &format!(
                "SELECT uri, rkey, record, record_text FROM \"{table}\" WHERE uri > $1
                 ORDER BY uri LIMIT {limit}"
            ),
            &[&after],
        )?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let record: Option<Value> = row.get(2);
                let text: Option<String> = row.get(3);
                let record = record
                    .or_else(|| serde_json::from_str(text.as_deref()?).ok())
                    .unwrap_or(Value::Null);
                (row.get(0), row.get(1), record)
            })
            .collect())
    }

    fn rewrite(
        &mut self,
        table: &str,
        uri: &str,
        judged: Option<&[String]>,
        columns: &[(String, ColumnValue)],
    ) -> Result<(), IndexError> {
        let storable: Vec<ColumnValue> = columns.iter().map(|(_, v)| storable(v)).collect();
        let violations = judged.map(|v| {
            (
                v.is_empty(),
                (!v.is_empty()).then(|| {
                    Value::from(v.iter().map(|v| text(v).into_owned()).collect::<Vec<_>>())
                }),
            )
        });
        let mut sets = Vec::new();
        let mut values: Vec<&(dyn ToSql + Sync)> = Vec::new();
        if let Some((valid, violations)) = &violations {
            values.push(valid);
            sets.push(format!("valid = ${}", values.len()));
            values.push(violations);
            sets.push(format!("violations = ${}", values.len()));
        }
        for ((name, _), value) in columns.iter().zip(&storable) {
            values.push(to_sql(value));
            sets.push(format!("\"{name}\" = ${}", values.len()));
        }
        if sets.is_empty() {
            return Ok(());
        }
        values.push(&uri);
        let sql = format!(
            "UPDATE \"{table}\" SET {} WHERE uri = ${}",
            sets.join(", "),
            values.len()
        );
        self.0.execute(&sql, &values)?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), IndexError> {
        self.0.execute(
            "INSERT INTO index_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn record(&mut self, at: i64, from: &str, to: &str, summary: &str) -> Result<(), IndexError> {
        self.0.execute(
            "INSERT INTO index_migrations (version, at, from_fingerprint, to_fingerprint, changes)
             VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM index_migrations), $1, $2, $3, $4)",
            &[&at, &from, &to, &summary],
        )?;
        Ok(())
    }
}

/// Runs `f` here, or on a thread of its own when this thread is in a tokio runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl Statements {
    fn prepare(client: &mut Client, schema: &IndexSchema) -> Result<Statements, IndexError> {
        let mut tables = HashMap::new();
        for collection in &schema.collections {
            let table = &collection.table;
            // A record and its edges in one round trip: the edges at paths the record no
            // longer has go, the others are upserted (no edge row is touched twice).
            let upsert = schema::upsert(collection, Dialect::Postgres);
            let n = schema::row_columns(collection, Dialect::Postgres).len();
            let (paths, targets, cids) = (n + 1, n + 2, n + 3);
            let insert = client.prepare(&format!(
                "WITH record AS ({upsert} RETURNING 1),
                 gone AS (DELETE FROM edges WHERE source = $1 AND path <> ALL(${paths}::text[]))
                 INSERT INTO edges (source, path, target, target_cid)
                 SELECT $1, u.path, u.target, u.cid
                 FROM unnest(${paths}::text[], ${targets}::text[], ${cids}::text[])
                     AS u(path, target, cid)
                 ON CONFLICT (source, path) DO UPDATE
                 SET target = excluded.target, target_cid = excluded.target_cid"
            ))?;
            let delete = client.prepare(&format!(
                "WITH gone AS (DELETE FROM edges WHERE source = $1)
                 DELETE FROM \"{table}\" WHERE uri = $1"
            ))?;
            let delete_repo = client.prepare(&format!(
                "WITH gone AS (DELETE FROM \"{table}\" WHERE did = $1 RETURNING uri)
                 DELETE FROM edges WHERE source IN (SELECT uri FROM gone)"
            ))?;
            tables.insert(
                collection.nsid.clone(),
                TableStatements {
                    insert,
                    delete,
                    delete_repo,
                },
            );
        }
        Ok(Statements {
            repo: client.prepare("SELECT rev, data, synced FROM repos WHERE did = $1")?,
            set_repo: client.prepare(
                "INSERT INTO repos (did, rev, data, synced) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (did) DO UPDATE
                 SET rev = excluded.rev, data = excluded.data, synced = excluded.synced",
            )?,
            mark_unsynced: client.prepare(
                "INSERT INTO repos (did, rev, synced) VALUES ($1, '', FALSE)
                 ON CONFLICT (did) DO UPDATE SET synced = FALSE",
            )?,
            set_handle: client.prepare("UPDATE repos SET handle = $2 WHERE did = $1")?,
            set_account: client
                .prepare("UPDATE repos SET active = $2, status = $3 WHERE did = $1")?,
            set_cursor: client.prepare(
                "INSERT INTO cursors (stream, seq) VALUES ($1, $2)
                 ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq",
            )?,
            tables,
        })
    }
}

impl Store for PostgresStore {
    fn schema(&self) -> &IndexSchema {
        &self.schema
    }

    fn apply(&mut self, batch: &Batch) -> Result<Applied, IndexError> {
        off_runtime(|| {
            let PostgresStore {
                client,
                schema,
                statements,
                ..
            } = self;
            let client = client.as_mut().expect("the client is there");
            let mut tx = client.transaction()?;
            let applied = apply::apply(
                schema,
                &mut PostgresTx {
                    tx: &mut tx,
                    statements,
                },
                batch,
            )?;
            tx.commit()?;
            Ok(applied)
        })
    }

    fn cursor(&mut self, stream: &str) -> Result<Option<i64>, IndexError> {
        off_runtime(|| self.cursor_here(stream))
    }

    fn repo(&mut self, did: &str) -> Result<Option<RepoState>, IndexError> {
        off_runtime(|| self.repo_here(did))
    }

    fn needing_sync(&mut self) -> Result<Vec<String>, IndexError> {
        off_runtime(|| self.needing_sync_here())
    }

    fn records(&mut self, query: &Query) -> Result<Page, IndexError> {
        off_runtime(|| self.records_here(query))
    }

    fn tally(&mut self, query: &Query) -> Result<Vec<Tally>, IndexError> {
        off_runtime(|| self.tally_here(query))
    }
}

impl PostgresStore {
    fn cursor_here(&mut self, stream: &str) -> Result<Option<i64>, IndexError> {
        Ok(self
            .client()
            .query_opt("SELECT seq FROM cursors WHERE stream = $1", &[&stream])?
            .map(|row| row.get(0)))
    }

    fn repo_here(&mut self, did: &str) -> Result<Option<RepoState>, IndexError> {
        Ok(self
            .client()
            .query_opt(
                "SELECT rev, active, status, handle, synced FROM repos WHERE did = $1",
                &[&text(did)],
            )?
            .map(|row| RepoState {
                rev: row.get(0),
                active: row.get(1),
                status: row.get(2),
                handle: row.get(3),
                synced: row.get(4),
            }))
    }

    fn needing_sync_here(&mut self) -> Result<Vec<String>, IndexError> {
        Ok(self
            .client()
            .query(
                "SELECT did FROM repos WHERE synced = FALSE ORDER BY did",
                &[],
            )?
            .into_iter()
            .map(|row| row.get(0))
            .collect())
    }

    fn tally_here(&mut self, query: &Query) -> Result<Vec<Tally>, IndexError> {
        let select = Select::tally(&self.schema, query, |n| format!("${n}"))?;
        let storable: Vec<ColumnValue> = select.values.iter().map(storable).collect();
        let values: Vec<&(dyn ToSql + Sync)> = storable.iter().map(to_sql).collect();
        Ok(self
            .client()
            .query(&select.sql, &values)?
            .into_iter()
            .map(|row| Tally {
                did: row.get(0),
                records: row.get(1),
                first_indexed: row.get(2),
                last_indexed: row.get(3),
            })
            .collect())
    }

    fn records_here(&mut self, query: &Query) -> Result<Page, IndexError> {
        let select = Select::new(
            &self.schema,
            query,
            |n| format!("${n}"),
            "t.record, t.record_text",
        )?;
        let storable: Vec<ColumnValue> = select.values.iter().map(storable).collect();
        let values: Vec<&(dyn ToSql + Sync)> = storable.iter().map(to_sql).collect();
        let rows = self
            .client()
            .query(&select.sql, &values)?
            .into_iter()
            .map(|row| {
                let violations: Option<Value> = row.get(6);
                let record: Option<Value> = row.get(7);
                let record_text: Option<String> = row.get(8);
                Row {
                    uri: row.get(0),
                    did: row.get(1),
                    rkey: row.get(2),
                    cid: row.get(3),
                    rev: row.get(4),
                    indexed_at: row.get(5),
                    record: record
                        .or_else(|| serde_json::from_str(record_text.as_deref()?).ok())
                        .unwrap_or(Value::Null),
                    violations: violations
                        .and_then(|v| serde_json::from_value(v).ok())
                        .unwrap_or_default(),
                }
            })
            .collect();
        Ok(select.page(rows))
    }
}

/// `text` as a Postgres text value: Postgres cannot store the character U+0000 in text, so
/// it becomes U+FFFD (the same in what is written and in what queries look for; the record
/// itself is kept exact).
fn text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A column value as Postgres can hold it ([`text`]).
fn storable(value: &ColumnValue) -> ColumnValue {
    match value {
        ColumnValue::Text(Some(v)) if v.contains('\0') => {
            ColumnValue::Text(Some(text(v).into_owned()))
        }
        other => other.clone(),
    }
}

/// A column value as a Postgres parameter.
fn to_sql(value: &ColumnValue) -> &(dyn ToSql + Sync) {
    match value {
        ColumnValue::Text(v) => v,
        ColumnValue::Integer(v) => v,
        ColumnValue::Boolean(v) => v,
    }
}

/// The statements of one batch, in its transaction.
struct PostgresTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    statements: &'a Statements,
}

impl Tx for PostgresTx<'_, '_> {
    fn repo(&mut self, did: &str) -> Result<Option<StoredRepo>, IndexError> {
        Ok(self
            .tx
            .query_opt(&self.statements.repo, &[&text(did)])?
            .map(|row| StoredRepo {
                rev: row.get(0),
                data: row.get(1),
                synced: row.get(2),
            }))
    }

    fn set_repo(
        &mut self,
        did: &str,
        rev: &str,
        data: Option<&str>,
        synced: bool,
    ) -> Result<(), IndexError> {
        let data = data.map(text);
        self.tx.execute(
            &self.statements.set_repo,
            &[&text(did), &text(rev), &data, &synced],
        )?;
        Ok(())
    }

    fn mark_unsynced(&mut self, did: &str) -> Result<(), IndexError> {
        self.tx
            .execute(&self.statements.mark_unsynced, &[&text(did)])?;
        Ok(())
    }

    fn set_handle(&mut self, did: &str, handle: Option<&str>) -> Result<(), IndexError> {
        let handle = handle.map(text);
        self.tx
            .execute(&self.statements.set_handle, &[&text(did), &handle])?;
        Ok(())
    }

    fn set_account(
        &mut self,
        did: &str,
        active: bool,
        status: Option<&str>,
    ) -> Result<(), IndexError> {
        let status = status.map(text);
        self.tx.execute(
            &self.statements.set_account,
            &[&text(did), &active, &status],
        )?;
        Ok(())
    }

    fn delete(&mut self, collection: &Collection, uri: &str) -> Result<(), IndexError> {
        let uri = text(uri);
        let table = &self.statements.tables[&collection.nsid];
        self.tx.execute(&table.delete, &[&uri])?;
        Ok(())
    }

    fn delete_repo(&mut self, collection: &Collection, did: &str) -> Result<(), IndexError> {
        let table = &self.statements.tables[&collection.nsid];
        self.tx.execute(&table.delete_repo, &[&text(did)])?;
        Ok(())
    }

    fn put(&mut self, collection: &Collection, record: &Prepared<'_>) -> Result<(), IndexError> {
        let violations = (!record.violations.is_empty()).then(|| {
            Value::from(
                record
                    .violations
                    .iter()
                    .map(|v| text(v).into_owned())
                    .collect::<Vec<_>>(),
            )
        });
        // JSONB cannot hold U+0000 (in a key or a string): such a record is kept as text,
        // where it is escaped.
        let json_text = record.record.to_string();
        let (json, json_text) = if json_text.contains("\\u0000") {
            (None, Some(json_text))
        } else {
            (Some(record.record), None)
        };
        let valid = record.violations.is_empty();
        let (uri, did, rkey, cid, rev) = (
            text(&record.uri),
            text(record.did),
            text(record.rkey),
            text(record.cid),
            text(record.rev),
        );
        let columns: Vec<ColumnValue> = record.columns.iter().map(storable).collect();
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![
            &uri,
            &did,
            &rkey,
            &cid,
            &rev,
            &record.indexed_at,
            &json,
            &valid,
            &violations,
            &json_text,
        ];
        values.extend(columns.iter().map(to_sql));
        let edges = |f: fn(&crate::apply::Edge) -> &String| -> Vec<String> {
            record
                .edges
                .iter()
                .map(|e| text(f(e)).into_owned())
                .collect()
        };
        let (paths, targets, cids) = (
            edges(|e| &e.path),
            edges(|e| &e.target),
            edges(|e| &e.target_cid),
        );
        values.extend([&paths as &(dyn ToSql + Sync), &targets, &cids]);
        let table = &self.statements.tables[&collection.nsid];
        self.tx.execute(&table.insert, &values)?;
        Ok(())
    }

    fn set_cursor(&mut self, cursor: &Cursor) -> Result<(), IndexError> {
        self.tx
            .execute(&self.statements.set_cursor, &[&cursor.stream, &cursor.seq])?;
        Ok(())
    }
}
