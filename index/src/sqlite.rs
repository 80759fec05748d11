//! The embedded store: one SQLite file, in WAL mode.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::ToSqlOutput;
use rusqlite::{params, Connection, OptionalExtension, ToSql, Transaction, TransactionBehavior};
use serde_json::Value;

use crate::apply::{self, ColumnValue, Prepared, StoredRepo, Tx};
use crate::batch::{Applied, Batch, Cursor};
use crate::error::IndexError;
use crate::migrate::{self, Made, MigrationSql, Plan};
use crate::query::{Page, Query, Row, Select, Tally};
use crate::schema::{self, Collection, Dialect, IndexSchema};
use crate::store::{RepoState, Store};

/// A store in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    schema: IndexSchema,
    /// Each collection's statements, by NSID, built once.
    statements: HashMap<String, TableSql>,
}

/// The statements that write one collection's table.
struct TableSql {
    /// Inserts or updates a record: the fixed columns, then the typed ones.
    insert: String,
    /// Deletes a record by URI.
    delete: String,
}

impl TableSql {
    fn of(collection: &Collection) -> TableSql {
        TableSql {
            insert: schema::upsert(collection, Dialect::Sqlite),
            delete: format!("DELETE FROM \"{}\" WHERE uri = ?1", collection.table),
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("fingerprint", &self.schema.fingerprint)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` for `schema`, in WAL mode, creating its tables.
    /// A database made for earlier lexicons is migrated when the change is compatible, and
    /// refused otherwise ([`IndexError::Incompatible`], with the reasons).
    pub fn open(path: impl AsRef<Path>, schema: IndexSchema) -> Result<SqliteStore, IndexError> {
        let mut connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        // A database already made for this schema is only read here.
        if !matches!(migrate::plan(&schema, made(&connection)?)?, Plan::Current) {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another process may have made or migrated it meanwhile.
            match migrate::plan(&schema, made(&tx)?)? {
                Plan::Current => {}
                Plan::Create => create_tables(&tx, &schema)?,
                Plan::Migrate(migration) => {
                    tx.execute_batch(&schema::common_tables(Dialect::Sqlite))?;
                    migrate::run(&mut Migrating(&tx), &schema, &migration, Dialect::Sqlite)?;
                }
            }
            tx.commit()?;
        }
        let statements = schema
            .collections
            .iter()
            .map(|c| (c.nsid.clone(), TableSql::of(c)))
            .collect();
        Ok(SqliteStore {
            connection,
            schema,
            statements,
        })
    }
}

impl Store for SqliteStore {
    fn schema(&self) -> &IndexSchema {
        &self.schema
    }

    fn apply(&mut self, batch: &Batch) -> Result<Applied, IndexError> {
        let tx = self.connection.transaction()?;
        let applied = apply::apply(
            &self.schema,
            &mut SqliteTx {
                tx: &tx,
                statements: &self.statements,
            },
            batch,
        )?;
        tx.commit()?;
        Ok(applied)
    }

    fn cursor(&mut self, stream: &str) -> Result<Option<i64>, IndexError> {
        Ok(self
            .connection
            .query_row("SELECT seq FROM cursors WHERE stream = ?1", [stream], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn repo(&mut self, did: &str) -> Result<Option<RepoState>, IndexError> {
        Ok(self
            .connection
            .query_row(
                "SELECT rev, active, status, handle, synced FROM repos WHERE did = ?1",
                [did],
                |r| {
                    Ok(RepoState {
                        rev: r.get(0)?,
                        active: r.get(1)?,
                        status: r.get(2)?,
                        handle: r.get(3)?,
                        synced: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn needing_sync(&mut self) -> Result<Vec<String>, IndexError> {
        let mut statement = self
            .connection
            .prepare("SELECT did FROM repos WHERE synced = FALSE ORDER BY did")?;
        let dids = statement
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(dids)
    }

    fn records(&mut self, query: &Query) -> Result<Page, IndexError> {
        let select = Select::new(&self.schema, query, |n| format!("?{n}"), "t.record")?;
        let mut statement = self.connection.prepare_cached(&select.sql)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(select.values.iter()), |r| {
                let violations: Option<String> = r.get(6)?;
                let record: String = r.get(7)?;
                Ok(Row {
                    uri: r.get(0)?,
                    did: r.get(1)?,
                    rkey: r.get(2)?,
                    cid: r.get(3)?,
                    rev: r.get(4)?,
                    indexed_at: r.get(5)?,
                    record: serde_json::from_str(&record).unwrap_or(Value::Null),
                    violations: violations
                        .and_then(|v| serde_json::from_str(&v).ok())
                        .unwrap_or_default(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(select.page(rows))
    }

    fn tally(&mut self, query: &Query) -> Result<Vec<Tally>, IndexError> {
        let select = Select::tally(&self.schema, query, |n| format!("?{n}"))?;
        let mut statement = self.connection.prepare_cached(&select.sql)?;
        let tallies = statement
            .query_map(rusqlite::params_from_iter(select.values.iter()), |r| {
                Ok(Tally {
                    did: r.get(0)?,
                    records: r.get(1)?,
                    first_indexed: r.get(2)?,
                    last_indexed: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(tallies)
    }
}

impl ToSql for ColumnValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            ColumnValue::Text(v) => v.to_sql(),
            ColumnValue::Integer(v) => v.to_sql(),
            ColumnValue::Boolean(v) => v.to_sql(),
        }
    }
}

/// The statements of one batch, in its transaction.
struct SqliteTx<'a> {
    tx: &'a Transaction<'a>,
    statements: &'a HashMap<String, TableSql>,
}

impl SqliteTx<'_> {
    fn table(&self, collection: &Collection) -> &TableSql {
        &self.statements[&collection.nsid]
    }
}

impl Tx for SqliteTx<'_> {
    fn repo(&mut self, did: &str) -> Result<Option<StoredRepo>, IndexError> {
        Ok(self
            .tx
            .prepare_cached("SELECT rev, data, synced FROM repos WHERE did = ?1")?
            .query_row([did], |r| {
                Ok(StoredRepo {
                    rev: r.get(0)?,
                    data: r.get(1)?,
                    synced: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn set_repo(
        &mut self,
        did: &str,
        rev: &str,
        data: Option<&str>,
        synced: bool,
    ) -> Result<(), IndexError> {
        self.tx
            .prepare_cached(
                "INSERT INTO repos (did, rev, data, synced) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (did) DO UPDATE
                 SET rev = excluded.rev, data = excluded.data, synced = excluded.synced",
            )?
            .execute(params![did, rev, data, synced])?;
        Ok(())
    }

    fn mark_unsynced(&mut self, did: &str) -> Result<(), IndexError> {
        self.tx
            .prepare_cached(
                "INSERT INTO repos (did, rev, synced) VALUES (?1, '', FALSE)
                 ON CONFLICT (did) DO UPDATE SET synced = FALSE",
            )?
            .execute([did])?;
        Ok(())
    }

    fn set_handle(&mut self, did: &str, handle: Option<&str>) -> Result<(), IndexError> {
        self.tx
            .prepare_cached("UPDATE repos SET handle = ?2 WHERE did = ?1")?
            .execute(params![did, handle])?;
        Ok(())
    }

    fn set_account(
        &mut self,
        did: &str,
        active: bool,
        status: Option<&str>,
    ) -> Result<(), IndexError> {
        self.tx
            .prepare_cached("UPDATE repos SET active = ?2, status = ?3 WHERE did = ?1")?
            .execute(params![did, active, status])?;
        Ok(())
    }

    fn delete(&mut self, collection: &Collection, uri: &str) -> Result<(), IndexError> {
        self.tx
            .prepare_cached("DELETE FROM edges WHERE source = ?1")?
            .execute([uri])?;
        self.tx
            .prepare_cached(&self.table(collection).delete)?
            .execute([uri])?;
        Ok(())
    }

    fn delete_repo(&mut self, collection: &Collection, did: &str) -> Result<(), IndexError> {
        let table = &collection.table;
        self.tx
            .prepare_cached(&format!(
                "DELETE FROM edges WHERE source IN (SELECT uri FROM \"{table}\" WHERE did = ?1)"
            ))?
            .execute([did])?;
        self.tx
            .prepare_cached(&format!("DELETE FROM \"{table}\" WHERE did = ?1"))?
            .execute([did])?;
        Ok(())
    }

    fn put(&mut self, collection: &Collection, record: &Prepared<'_>) -> Result<(), IndexError> {
        let violations = (!record.violations.is_empty())
            .then(|| Value::from(record.violations.clone()).to_string());
        let fixed: [&dyn ToSql; 9] = [
            &record.uri,
            &record.did,
            &record.rkey,
            &record.cid,
            &record.rev,
            &record.indexed_at,
            &record.record.to_string(),
            &record.violations.is_empty(),
            &violations,
        ];
        let values = fixed
            .into_iter()
            .chain(record.columns.iter().map(|c| c as &dyn ToSql));
        self.tx
            .prepare_cached(&self.table(collection).insert)?
            .execute(rusqlite::params_from_iter(values))?;
        self.tx
            .prepare_cached("DELETE FROM edges WHERE source = ?1")?
            .execute([&record.uri])?;
        let mut edge = self.tx.prepare_cached(
            "INSERT INTO edges (source, path, target, target_cid) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source, path) DO UPDATE
             SET target = excluded.target, target_cid = excluded.target_cid",
        )?;
        for e in &record.edges {
            edge.execute(params![record.uri, e.path, e.target, e.target_cid])?;
        }
        Ok(())
    }

    fn set_cursor(&mut self, cursor: &Cursor) -> Result<(), IndexError> {
        self.tx
            .prepare_cached(
                "INSERT INTO cursors (stream, seq) VALUES (?1, ?2)
                 ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq",
            )?
            .execute(params![cursor.stream, cursor.seq])?;
        Ok(())
    }
}

/// What the database says it was made for (nothing when it is empty).
fn made(connection: &Connection) -> Result<Made, IndexError> {
    let exists: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'index_meta')",
        [],
        |r| r.get(0),
    )?;
    let mut made = Made::default();
    if !exists {
        return Ok(made);
    }
    let mut statement = connection.prepare("SELECT key, value FROM index_meta")?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, value) = row?;
        made.set(&key, value);
    }
    Ok(made)
}

/// Creates the tables of an empty database and records what it was made for.
fn create_tables(tx: &Transaction<'_>, schema: &IndexSchema) -> Result<(), IndexError> {
    tx.execute_batch(&schema::common_tables(Dialect::Sqlite))?;
    for collection in &schema.collections {
        tx.execute_batch(&schema::create_table(collection, Dialect::Sqlite))?;
    }
    for (key, value) in migrate::meta(schema) {
        tx.execute(
            "INSERT INTO index_meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
    }
    Ok(())
}

/// A migration's statements in a SQLite transaction.
struct Migrating<'a>(&'a Transaction<'a>);

impl MigrationSql for Migrating<'_> {
    fn batch(&mut self, sql: &str) -> Result<(), IndexError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn page(
        &mut self,
        table: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, Value)>, IndexError> {
        let mut statement = self.0.prepare_cached(&format!(
            "SELECT uri, rkey, record FROM \"{table}\" WHERE uri > ?1 ORDER BY uri LIMIT {limit}"
        ))?;
        let rows = statement
            .query_map([after], |r| {
                let record: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&record).unwrap_or(Value::Null),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn rewrite(
        &mut self,
        table: &str,
        uri: &str,
        judged: Option<&[String]>,
        columns: &[(String, ColumnValue)],
    ) -> Result<(), IndexError> {
        let mut sets = Vec::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(violations) = judged {
            values.push(Box::new(violations.is_empty()));
            sets.push(format!("valid = ?{}", values.len()));
            let text =
                (!violations.is_empty()).then(|| Value::from(violations.to_vec()).to_string());
            values.push(Box::new(text));
            sets.push(format!("violations = ?{}", values.len()));
        }
        for (name, value) in columns {
            values.push(Box::new(value.clone()));
            sets.push(format!("\"{name}\" = ?{}", values.len()));
        }
        if sets.is_empty() {
            return Ok(());
        }
        values.push(Box::new(uri.to_owned()));
        let sql = format!(
            "UPDATE \"{table}\" SET {} WHERE uri = ?{}",
            sets.join(", "),
            values.len()
        );
        self.0
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(
                values.iter().map(|v| v.as_ref()),
            ))?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), IndexError> {
        self.0.execute(
            "INSERT INTO index_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn record(&mut self, at: i64, from: &str, to: &str, summary: &str) -> Result<(), IndexError> {
        self.0.execute(
            "INSERT INTO index_migrations (version, at, from_fingerprint, to_fingerprint, changes)
             VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM index_migrations), ?1, ?2, ?3, ?4)",
            params![at, from, to, summary],
        )?;
        Ok(())
    }
}
